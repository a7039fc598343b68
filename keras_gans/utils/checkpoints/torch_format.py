"""PyTorch checkpoint formats, read with NumPy only (no ``torch`` import, no pickled code executed).

Three containers hold tensors:

* **zip** (``torch.save`` since 1.6): a zip archive with ``<name>/data.pkl`` (a pickle whose persistent ids
  ``('storage', <storage type>, key, location, numel)`` stand for storages), the raw little-endian storage bytes in
  ``<name>/data/<key>``, and small ``version``/``byteorder`` members.
* **legacy stream** (``torch.save(..., _use_new_zipfile_serialization=False)``, also nested inside plain pickles by
  ``torch.storage._load_from_bytes``): five things back to back: the pickled magic number, the protocol version and
  a sys-info dict, the main pickle (persistent ids ``('storage', <type>, key, location, numel, view_metadata)``),
  the pickled list of storage keys; then, per key, an 8-byte little-endian element count and the raw
  little-endian bytes.
* **plain pickle** of tensors (``pickle.dump``, e.g. R3GAN snapshots):
  ``torch._utils._rebuild_parameter(_rebuild_tensor_v2(storage, offset, size, stride, ...))`` with
  ``storage = torch.storage._load_from_bytes(<legacy stream bytes>)``.

Tensors become NumPy arrays. bfloat16 storages are decoded to float32 exactly (the bf16 bits are the top half of
the float32 bits). Arrays that map a whole storage are views of the bytes already read (no copy); such views of
data that was inside a pickle are read-only, so use ``np.array(x)`` for a writable copy.
"""

import io
import os
import zipfile

import numpy as np

from .safe_unpickler import BASE_ALLOWED
from .safe_unpickler import CheckpointFormatError
from .safe_unpickler import FrozenStandIn
from .safe_unpickler import StandInFunction
from .safe_unpickler import StandInObject
from .safe_unpickler import UnsafeCheckpointError
from .safe_unpickler import convert_tree
from .safe_unpickler import open_binary
from .safe_unpickler import safe_load

LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL_VERSION = 1001


class TorchDType(FrozenStandIn):
    """Inert stand-in for a ``torch.<dtype>`` object (e.g. ``torch.bfloat16``); :attr:`name` is its torch name."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"


class StorageType(FrozenStandIn):
    """Inert stand-in for a ``torch.<X>Storage`` class: the NumPy element type of its raw bytes."""

    __slots__ = ("name", "numpy_dtype", "is_bfloat16")

    def __init__(self, name, numpy_dtype, is_bfloat16=False):
        self.name = name
        self.numpy_dtype = np.dtype(numpy_dtype)
        self.is_bfloat16 = is_bfloat16

    def __repr__(self):
        return f"torch.{self.name}"


_STORAGE_TYPES = {
    "FloatStorage": "<f4",
    "DoubleStorage": "<f8",
    "HalfStorage": "<f2",
    "BFloat16Storage": "<u2",
    "LongStorage": "<i8",
    "IntStorage": "<i4",
    "ShortStorage": "<i2",
    "CharStorage": "i1",
    "ByteStorage": "u1",
    "BoolStorage": "?",
    "ComplexFloatStorage": "<c8",
    "ComplexDoubleStorage": "<c16",
    "UntypedStorage": "u1",
}
_DTYPE_NAMES = (
    "float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool",
    "complex64", "complex128",
)  # fmt: skip


class Storage:
    """A typed 1-D storage; :attr:`array` is filled once its bytes have been read."""

    def __init__(self, storage_type, numel):
        self.storage_type = storage_type
        self.numel = numel
        self.array = None
        self._decoded = None

    def set_bytes(self, array):
        if array.size != self.numel:
            raise CheckpointFormatError(f"Storage holds {array.size} elements, its header declares {self.numel}.")
        self.array = array

    def decoded(self):
        """The elements as a NumPy array in native byte order (bfloat16 decoded to float32)."""
        if self._decoded is None:
            if self.array is None:
                raise CheckpointFormatError("A tensor refers to a storage whose data was never found.")
            arr = self.array
            if not arr.dtype.isnative:
                arr = arr.astype(arr.dtype.newbyteorder("="))
            if self.storage_type.is_bfloat16:
                arr = (arr.astype(np.uint32) << 16).view(np.float32)
            self._decoded = arr
        return self._decoded


class Tensor:
    """A tensor view ``(storage, offset, size, stride)``; :meth:`to_numpy` builds the array after loading."""

    def __init__(self, storage, offset, size, stride, is_parameter=False):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride
        self.is_parameter = is_parameter

    @property
    def is_bfloat16(self):
        return self.storage.storage_type.is_bfloat16

    def to_numpy(self):
        data = self.storage.decoded()
        numel = int(np.prod(self.size, dtype=object)) if self.size else 1
        if numel == 0:
            return np.zeros(self.size, data.dtype)
        last = self.offset + sum((n - 1) * s for n, s in zip(self.size, self.stride))
        if last >= data.size:
            raise CheckpointFormatError(
                f"A tensor of size {self.size}, stride {self.stride} at offset {self.offset} reads past the end of "
                f"its storage ({data.size} elements)."
            )
        contiguous, expected = True, 1
        for n, s in zip(reversed(self.size), reversed(self.stride)):
            if n != 1 and s != expected:
                contiguous = False
            expected *= n
        if contiguous:
            return data[self.offset : self.offset + numel].reshape(self.size)
        strides = tuple(s * data.itemsize for s in self.stride)
        view = np.lib.stride_tricks.as_strided(data[self.offset :], self.size, strides, writeable=False)
        return np.array(view)


def _check_int_tuple(value, what):
    if not isinstance(value, tuple) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise CheckpointFormatError(f"{what} should be a tuple of ints, got {value!r}.")
    if any(v < 0 for v in value):
        raise CheckpointFormatError(f"{what} has negative entries: {value!r}.")
    return value


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, metadata=None):
    """Stand-in for ``torch._utils._rebuild_tensor_v2`` (and v1): records the view, builds nothing."""
    if not isinstance(storage, Storage):
        raise CheckpointFormatError(f"`_rebuild_tensor_v2` expects a storage, got {type(storage).__name__}.")
    if not isinstance(storage_offset, int) or isinstance(storage_offset, bool) or storage_offset < 0:
        raise CheckpointFormatError(f"`_rebuild_tensor_v2`: bad storage offset {storage_offset!r}.")
    size = _check_int_tuple(tuple(size) if isinstance(size, list) else size, "tensor size")
    stride = _check_int_tuple(tuple(stride) if isinstance(stride, list) else stride, "tensor stride")
    if len(size) != len(stride):
        raise CheckpointFormatError(f"Tensor size {size} and stride {stride} have different ranks.")
    return Tensor(storage, storage_offset, size, stride)


def _rebuild_tensor_v1(storage, storage_offset, size, stride):
    return _rebuild_tensor_v2(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, state=None):
    """Stand-in for ``torch._utils._rebuild_parameter(_with_state)``: marks the tensor as a parameter."""
    if not isinstance(data, Tensor):
        raise CheckpointFormatError(f"`_rebuild_parameter` expects a tensor, got {type(data).__name__}.")
    return Tensor(data.storage, data.offset, data.size, data.stride, is_parameter=True)


def _load_from_bytes(data):
    """Stand-in for ``torch.storage._load_from_bytes``: parses the nested legacy stream as data."""
    if not isinstance(data, (bytes, bytearray)):
        raise CheckpointFormatError(f"`_load_from_bytes` expects bytes, got {type(data).__name__}.")
    storage = read_legacy_stream(data, what="nested storage stream", allowed=_STORAGE_ONLY)
    if not isinstance(storage, Storage):
        raise CheckpointFormatError(f"A nested storage stream holds a {type(storage).__name__}, not a storage.")
    return storage


def _torch_globals():
    allowed = dict(BASE_ALLOWED)
    for name, dtype in _STORAGE_TYPES.items():
        storage_type = StorageType(name, dtype, is_bfloat16=name == "BFloat16Storage")
        allowed[("torch", name)] = storage_type
        allowed[("torch.cuda", name)] = storage_type
    for name in _DTYPE_NAMES:
        allowed[("torch", name)] = TorchDType(name)
    functions = {
        ("torch._utils", "_rebuild_tensor"): _rebuild_tensor_v1,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
        ("torch.storage", "_load_from_bytes"): _load_from_bytes,
    }
    for (module, name), function in functions.items():
        allowed[(module, name)] = StandInFunction(f"{module}.{name}", function)
    return allowed


TORCH_ALLOWED = _torch_globals()
"""Globals of plain tensor data: storage types, dtypes, tensor/parameter rebuild functions, containers."""

_STORAGE_ONLY = {key: value for key, value in TORCH_ALLOWED.items() if isinstance(value, StorageType)}


def _storage_from_pid(pid, storages, zip_layout):
    """Validates a persistent id and returns its (shared) :class:`Storage`."""
    expected_len = (5,) if zip_layout else (5, 6)
    if not isinstance(pid, tuple) or len(pid) not in expected_len or pid[0] != "storage":
        kind = pid[0] if isinstance(pid, tuple) and pid else pid
        raise UnsafeCheckpointError(f"Refusing a persistent id of kind {kind!r}; only storages are supported.")
    storage_type, key, _location, numel = pid[1:5]
    if not isinstance(storage_type, StorageType):
        raise CheckpointFormatError(f"Persistent id names {storage_type!r}, not a storage type.")
    if not isinstance(key, str) or not isinstance(numel, int) or numel < 0:
        raise CheckpointFormatError(f"Malformed storage persistent id {pid!r}.")
    if len(pid) == 6 and pid[5] is not None:
        raise CheckpointFormatError("Legacy storage views (view_metadata) are not supported.")
    if key in storages:
        if storages[key].storage_type is not storage_type or storages[key].numel != numel:
            raise CheckpointFormatError(f"Storage {key!r} is declared twice with different types or sizes.")
        return storages[key]
    storages[key] = Storage(storage_type, numel)
    return storages[key]


class _StreamReader:
    """Sequential reader over bytes (zero-copy arrays) or a real file (read into fresh arrays)."""

    def __init__(self, source):
        if isinstance(source, (bytes, bytearray)):
            self.backing = source
            self.file = io.BytesIO(source)  # shares the bytes' memory (no getbuffer() export is taken)
            self.total = len(source)
        else:
            self.backing = None
            self.file = source
            here = source.tell()
            self.total = source.seek(0, os.SEEK_END)
            source.seek(here)

    def read_exact(self, nbytes, what):
        pos = self.file.tell()
        if pos + nbytes > self.total:
            raise CheckpointFormatError(
                f"{what}: needs {nbytes} bytes at offset {pos} but the data ends at {self.total} (truncated?)."
            )
        if self.backing is not None:
            self.file.seek(pos + nbytes)
            return np.frombuffer(self.backing, np.uint8, nbytes, pos)
        buf = np.empty(nbytes, np.uint8)
        if self.file.readinto(memoryview(buf)) != nbytes:
            raise CheckpointFormatError(f"{what}: the file ended early (truncated?).")
        return buf


def read_legacy_stream(source, what="legacy torch.save stream", allowed=None):
    """Parses a legacy (non-zip) ``torch.save`` stream into stand-ins (storages filled, tensors unmaterialised).

    Args:
        source: the stream as bytes (arrays then view these bytes) or a seekable binary file at its start.
        what: description for error messages.
        allowed: allow-list for the main pickle (defaults to :data:`TORCH_ALLOWED`).
    """
    reader = _StreamReader(source)
    no_globals = {}
    magic = safe_load(reader.file, no_globals, what=what)
    if magic != LEGACY_MAGIC_NUMBER:
        raise CheckpointFormatError(f"{what}: not a legacy torch.save stream (bad magic number {magic!r}).")
    protocol = safe_load(reader.file, no_globals, what=what)
    if protocol != LEGACY_PROTOCOL_VERSION:
        raise CheckpointFormatError(f"{what}: unsupported legacy protocol version {protocol!r}.")
    sys_info = safe_load(reader.file, no_globals, what=what)
    if not isinstance(sys_info, dict):
        raise CheckpointFormatError(f"{what}: the sys-info record should be a dict, got {type(sys_info).__name__}.")
    # torch writes (and reads) legacy storage data little-endian whatever the machine; sys_info is informational.
    storages = {}
    obj = safe_load(
        reader.file,
        TORCH_ALLOWED if allowed is None else allowed,
        persistent_load=lambda pid: _storage_from_pid(pid, storages, zip_layout=False),
        what=what,
    )
    keys = safe_load(reader.file, no_globals, what=what)
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys) or len(set(keys)) != len(keys):
        raise CheckpointFormatError(f"{what}: the storage key list is malformed.")
    if set(keys) != set(storages):
        raise CheckpointFormatError(f"{what}: the storage key list does not match the storages the pickle uses.")
    for key in keys:
        storage = storages[key]
        count = int.from_bytes(reader.read_exact(8, what).tobytes(), "little")
        if count != storage.numel:
            raise CheckpointFormatError(
                f"{what}: storage {key!r} declares {storage.numel} elements but its data header says {count}."
            )
        dtype = storage.storage_type.numpy_dtype
        storage.set_bytes(reader.read_exact(count * dtype.itemsize, what).view(dtype))
    return obj


def _find_zip_prefix(archive, what):
    pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
    if len(pickles) != 1:
        raise CheckpointFormatError(f"{what}: expected exactly one '<name>/data.pkl' in the zip, found {pickles}.")
    return pickles[0][: -len("data.pkl")]


def _read_zip_member(archive, name, nbytes, what):
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise CheckpointFormatError(f"{what}: the zip has no member {name!r} for a storage.") from None
    if info.file_size != nbytes:
        raise CheckpointFormatError(
            f"{what}: member {name!r} has {info.file_size} bytes, the pickle declares {nbytes}."
        )
    # Zip bombs: deflate cannot expand by more than ~1032x; torch itself stores members uncompressed.
    if info.compress_type != zipfile.ZIP_STORED and nbytes > 1100 * info.compress_size + 1024:
        raise CheckpointFormatError(f"{what}: member {name!r} declares an implausible compression ratio.")
    buf = np.empty(nbytes, np.uint8)
    with archive.open(info) as member:
        view, filled = memoryview(buf), 0
        while filled < nbytes:
            got = member.readinto(view[filled:])
            if not got:
                raise CheckpointFormatError(f"{what}: member {name!r} ends early.")
            filled += got
    return buf


def _read_zip(file, allowed, what):
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise CheckpointFormatError(f"{what}: not a readable zip archive ({error}).") from error
    with archive:
        prefix = _find_zip_prefix(archive, what)
        byteorder = "<"
        if prefix + "byteorder" in archive.namelist():
            order = archive.read(prefix + "byteorder").strip()
            if order not in (b"little", b"big"):
                raise CheckpointFormatError(f"{what}: unknown byteorder {order!r}.")
            byteorder = "<" if order == b"little" else ">"
        storages = {}

        def persistent_load(pid):
            storage = _storage_from_pid(pid, storages, zip_layout=True)
            if storage.array is None:
                dtype = storage.storage_type.numpy_dtype.newbyteorder(byteorder)
                data = _read_zip_member(archive, f"{prefix}data/{pid[2]}", storage.numel * dtype.itemsize, what)
                storage.set_bytes(data.view(dtype))
            return storage

        with archive.open(prefix + "data.pkl") as pickled:
            return safe_load(pickled, allowed, persistent_load=persistent_load, what=what)


def tensors_to_numpy(obj):
    """Converts an unpickled structure to plain data: tensors -> arrays, stand-in objects -> attribute dicts."""

    def leaf(value, recurse):
        if isinstance(value, Tensor):
            return value.to_numpy()
        if isinstance(value, StandInObject):
            return recurse(value.state)
        if isinstance(value, (TorchDType, StorageType)):
            return repr(value)
        if isinstance(value, Storage):
            return value.decoded()
        raise CheckpointFormatError(f"Unexpected object of type {type(value).__name__} in the checkpoint.")

    return convert_tree(obj, leaf)


def load_torch_pickle_raw(path_or_fileobj, allowed=TORCH_ALLOWED, what="torch checkpoint"):
    """Reads a zip or legacy ``torch.save`` file, or a plain pickle of tensors, into stand-ins (unconverted)."""
    with open_binary(path_or_fileobj, what) as file:
        head = file.read(4)
        if not head:
            raise CheckpointFormatError(f"{what}: the file is empty.")
        file.seek(-len(head), os.SEEK_CUR)
        if head[:2] == b"PK":
            return _read_zip(file, allowed, what)
        if head[:1] == b"\x80":
            start = file.tell()
            first = safe_load(file, allowed, what=what)
            if isinstance(first, int) and first == LEGACY_MAGIC_NUMBER:
                file.seek(start)
                return read_legacy_stream(file, what=what, allowed=allowed)
            return first  # a plain pickle of tensors (storages nested via _load_from_bytes)
        raise CheckpointFormatError(
            f"{what}: not a zip (torch.save) archive, a legacy torch.save stream or a pickle (first bytes {head!r})."
        )
