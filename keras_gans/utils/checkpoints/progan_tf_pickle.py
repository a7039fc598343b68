"""Reader for the official ProGAN TensorFlow 1 pickles (``karras2018iclr-*.pkl``), without TensorFlow.

Each file is a pickled tuple ``(G, D, Gs)`` of ``tfutil.Network`` objects. A network's pickled state is a dict
``{version, name, static_kwargs, build_module_src, build_func_name, variables}`` where ``variables`` is a list of
``(name, np.ndarray)`` (e.g. ``"4x4/Dense/weight"``). ``build_module_src`` is the source of the network-building
module: it is returned as an inert string and **never executed**. Arrays are pickled through NumPy's own reduce
functions (``numpy.core.multiarray._reconstruct`` + ``ndarray.__setstate__``, or ``numpy._core.numeric._frombuffer``
for protocol 5); those are replaced by stand-ins that only accept plain numeric dtypes (no object arrays).
"""

import re

import numpy as np

from .safe_unpickler import BASE_ALLOWED
from .safe_unpickler import CheckpointFormatError
from .safe_unpickler import FrozenStandIn
from .safe_unpickler import StandInFunction
from .safe_unpickler import convert_tree
from .safe_unpickler import make_stand_in_class
from .safe_unpickler import open_binary
from .safe_unpickler import safe_load

_DTYPE_CODE = re.compile(r"^(b1|[iu][1248]|f[248]|c(8|16))$")


class NDArrayClassToken(FrozenStandIn):
    """Stand-in for the ``numpy.ndarray`` class object, which pickles only pass as an argument."""

    __slots__ = ()


class NumpyDTypeStandIn:
    """Stand-in for ``numpy.dtype(code, align, copy)`` + ``BUILD`` (byte order); plain numeric dtypes only."""

    def __init__(self, code, align=False, copy=True):
        if not isinstance(code, str) or not _DTYPE_CODE.match(code):
            raise CheckpointFormatError(f"Refusing NumPy dtype {code!r}: only plain numeric dtypes are supported.")
        self.dtype = np.dtype(code)

    def __setstate__(self, state):
        if not isinstance(state, tuple) or len(state) < 2 or state[1] not in ("<", ">", "|", "="):
            raise CheckpointFormatError(f"Malformed NumPy dtype state {state!r}.")
        if len(state) > 4 and (state[3] is not None or state[4] is not None):
            raise CheckpointFormatError("Structured NumPy dtypes are not supported.")
        if state[1] in "<>":
            self.dtype = self.dtype.newbyteorder(state[1])


def _array_from_bytes(data, dtype, shape, order, what):
    if not isinstance(dtype, NumpyDTypeStandIn):
        raise CheckpointFormatError(f"{what}: expected a NumPy dtype, got {type(dtype).__name__}.")
    if not isinstance(data, (bytes, bytearray)):
        raise CheckpointFormatError(f"{what}: expected raw bytes, got {type(data).__name__} (object arrays refused).")
    if not isinstance(shape, tuple) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise CheckpointFormatError(f"{what}: bad shape {shape!r}.")
    count = int(np.prod(shape, dtype=object)) if shape else 1
    nbytes = count * dtype.dtype.itemsize
    if nbytes != len(data):
        raise CheckpointFormatError(f"{what}: shape {shape} needs {nbytes} bytes, got {len(data)}.")
    array = np.frombuffer(data, dtype.dtype, count).reshape(shape, order=order)
    return array.astype(array.dtype.newbyteorder("=")) if not array.dtype.isnative else array


class NDArrayStandIn:
    """Stand-in for an array rebuilt by ``_reconstruct(ndarray, (0,), b'b')`` then ``__setstate__``."""

    def __init__(self):
        self.array = None

    def __setstate__(self, state):
        if isinstance(state, tuple) and len(state) == 5:
            state = state[1:]
        if not isinstance(state, tuple) or len(state) != 4:
            raise CheckpointFormatError(f"Malformed NumPy array state of type {type(state).__name__}.")
        shape, dtype, is_fortran, data = state
        self.array = _array_from_bytes(data, dtype, shape, "F" if is_fortran else "C", "NumPy array")


def _reconstruct(subtype, shape, typecode):
    if not isinstance(subtype, NDArrayClassToken):
        raise CheckpointFormatError(f"`_reconstruct` may only rebuild numpy.ndarray, got {type(subtype).__name__}.")
    return NDArrayStandIn()


def _frombuffer(buffer, dtype, shape, order):
    if order not in ("C", "F"):
        raise CheckpointFormatError(f"`_frombuffer`: bad order {order!r}.")
    return _array_from_bytes(buffer, dtype, shape, order, "`_frombuffer`")


def _scalar(dtype, data=None):
    return _array_from_bytes(data, dtype, (), "C", "NumPy scalar")[()]


class TFNetworkStandIn(make_stand_in_class("tfutil", "Network")):
    """Inert stand-in for ``tfutil.Network``: keeps the pickled state dict, builds nothing."""


def _progan_allow_list():
    allowed = dict(BASE_ALLOWED)
    allowed[("tfutil", "Network")] = TFNetworkStandIn
    for numpy_core in ("numpy.core", "numpy._core"):
        for module, name, function in (
            (f"{numpy_core}.multiarray", "_reconstruct", _reconstruct),
            (f"{numpy_core}.multiarray", "scalar", _scalar),
            (f"{numpy_core}.numeric", "_frombuffer", _frombuffer),
        ):
            allowed[(module, name)] = StandInFunction(f"{module}.{name}", function)
    allowed[("numpy", "ndarray")] = NDArrayClassToken()
    allowed[("numpy", "dtype")] = NumpyDTypeStandIn
    return allowed


PROGAN_TF_ALLOWED = _progan_allow_list()
NETWORK_NAMES = ("G", "D", "Gs")


def _to_plain(obj):
    def leaf(value, recurse):
        if isinstance(value, NDArrayStandIn):
            if value.array is None:
                raise CheckpointFormatError("A NumPy array in the pickle was never given its data.")
            return value.array
        if isinstance(value, (np.ndarray, np.generic)):
            return value
        if isinstance(value, NumpyDTypeStandIn):
            return value.dtype
        if isinstance(value, TFNetworkStandIn):
            return recurse(value.state)
        raise CheckpointFormatError(f"Unexpected object of type {type(value).__name__} in the pickle.")

    return convert_tree(obj, leaf)


def read_progan_tf_pickle(path_or_fileobj):
    """Reads an official ProGAN TF1 pickle safely (no TensorFlow, no pickled code, ``build_module_src`` not run).

    Args:
        path_or_fileobj: path, bytes, or binary file object of e.g. ``karras2018iclr-celebahq-1024x1024.pkl``.

    Returns:
        ``{"G": net, "D": net, "Gs": net}`` where each ``net`` is a dict with ``name``, ``version``,
        ``static_kwargs`` (dict), ``build_func_name``, ``build_module_src`` (str, informational only) and
        ``variables``: ``{variable name: np.ndarray}`` in the pickled order (e.g. ``"4x4/Dense/weight"``; raw
        unit-variance weights, TF layouts).

    Raises:
        UnsafeCheckpointError: any global other than ``tfutil.Network``, NumPy array/dtype reconstruction or
            ``collections.OrderedDict``.
        CheckpointFormatError: truncated/malformed file, or not a ``(G, D, Gs)`` tuple of networks.

    Examples:

    ```python
    nets = read_progan_tf_pickle("karras2018iclr-celebahq-1024x1024.pkl")
    nets["Gs"]["variables"]["4x4/Dense/weight"].shape  # (512, 8192)
    ```
    """
    with open_binary(path_or_fileobj, "ProGAN TF pickle") as file:
        raw = safe_load(file, PROGAN_TF_ALLOWED, what="ProGAN TF pickle")
    if not isinstance(raw, tuple) or len(raw) != 3 or not all(isinstance(n, TFNetworkStandIn) for n in raw):
        raise CheckpointFormatError(
            f"ProGAN TF pickle: expected a tuple (G, D, Gs) of tfutil.Network, got {type(raw).__name__}."
        )
    nets = {}
    for key, network in zip(NETWORK_NAMES, raw):
        state = _to_plain(network.state)
        variables = state.get("variables")
        # `lod` is pickled as a NumPy scalar (`np.float32`), the weights as arrays: both become arrays.
        if not isinstance(variables, list) or not all(
            isinstance(v, tuple)
            and len(v) == 2
            and isinstance(v[0], str)
            and isinstance(v[1], (np.ndarray, np.generic))
            for v in variables
        ):
            raise CheckpointFormatError(f"ProGAN TF pickle: {key} 'variables' is not a list of (name, array).")
        variables = [(name, np.asarray(value)) for name, value in variables]
        static_kwargs = state.get("static_kwargs", {})
        if not isinstance(static_kwargs, dict):
            raise CheckpointFormatError(f"ProGAN TF pickle: {key} 'static_kwargs' is not a dict.")
        nets[key] = {
            "name": state.get("name"),
            "version": state.get("version"),
            "static_kwargs": static_kwargs,
            "build_func_name": state.get("build_func_name"),
            "build_module_src": state.get("build_module_src"),
            "variables": dict(variables),
        }
    return nets
