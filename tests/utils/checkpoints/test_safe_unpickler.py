"""Safety of the checkpoint readers: hostile pickles are refused and nothing in them runs; bad input -> clear errors.

Backend-independent (NumPy only); runs in every backend pass because it is cheap.
"""

import pickle

import numpy as np
import pytest
from checkpoint_test_helpers import call_ops
from checkpoint_test_helpers import call_pickle
from checkpoint_test_helpers import dict_pickle
from checkpoint_test_helpers import global_op
from checkpoint_test_helpers import hostile_calls
from checkpoint_test_helpers import legacy_stream
from checkpoint_test_helpers import value_ops

from keras_gans.utils import CheckpointFormatError
from keras_gans.utils import UnsafeCheckpointError
from keras_gans.utils import read_progan_tf_pickle
from keras_gans.utils import read_pytorch_gan_zoo_checkpoint
from keras_gans.utils import read_r3gan_snapshot
from keras_gans.utils import read_torch_checkpoint
from keras_gans.utils.checkpoints import safe_load
from keras_gans.utils.checkpoints.torch_format import TORCH_ALLOWED

READERS = {
    "r3gan": read_r3gan_snapshot,
    "torch": read_torch_checkpoint,
    "pgan_zoo": read_pytorch_gan_zoo_checkpoint,
    "progan_tf": read_progan_tf_pickle,
}
BINPERSID = b"Q"


def float_storage_stream(
    values, *, numel=None, count=None, key="0", data_bytes=None, little_endian=True, storage_module="torch",
    view_metadata=None, keys=None,
):  # fmt: skip
    """A legacy torch.save stream of one FloatStorage, assembled by hand (no torch)."""
    values = np.asarray(values, "<f4")
    numel = values.size if numel is None else numel
    count = values.size if count is None else count
    pid = b"(" + value_ops("storage") + global_op(storage_module, "FloatStorage") + value_ops(key) + value_ops("cpu")
    pid += value_ops(numel) + value_ops(view_metadata) + b"t"
    main = b"\x80\x02" + pid + BINPERSID + b"."
    data = count.to_bytes(8, "little") + (values.tobytes() if data_bytes is None else data_bytes)
    return legacy_stream(main, keys=[key] if keys is None else keys, data=data, little_endian=little_endian)


def tensor_ops(stream, offset=0, size=(3,), stride=(1,), version=2):
    """Opcodes for ``_rebuild_tensor_v2(_load_from_bytes(stream), offset, size, stride, False, OrderedDict())``
    (or the older ``_rebuild_tensor(storage, offset, size, stride)``)."""
    storage = call_ops("torch.storage", "_load_from_bytes", stream)
    hooks = global_op("collections", "OrderedDict") + b")R"
    args = storage + value_ops(offset) + value_ops(size) + value_ops(stride)
    if version == 1:
        return global_op("torch._utils", "_rebuild_tensor") + b"(" + args + b"tR"
    return global_op("torch._utils", "_rebuild_tensor_v2") + b"(" + args + value_ops(False) + hooks + b"tR"


def test_error_types_are_value_errors():
    assert issubclass(UnsafeCheckpointError, ValueError)
    assert issubclass(CheckpointFormatError, ValueError)


def test_hostile_payloads_are_live_under_plain_pickle(tmp_path):
    """Control: the payloads really do run code with ``pickle.loads``, so their refusal below means something."""
    for module, name in (("os", "system"), ("builtins", "eval")):
        sentinel = tmp_path / f"{module}_{name}"
        ((_, _, args),) = [c for c in hostile_calls(sentinel) if c[:2] == (module, name)]
        pickle.loads(call_pickle(module, name, *args))
        assert sentinel.exists()


@pytest.mark.parametrize("reader", sorted(READERS))
def test_hostile_globals_are_refused_and_nothing_runs(reader, tmp_path):
    sentinel = tmp_path / "sentinel"
    for module, name, args in hostile_calls(sentinel):
        ops = call_ops(module, name, *args)
        payloads = [
            call_pickle(module, name, *args),
            dict_pickle({"cur_nimg": 4, "G": ops}),  # hidden inside an otherwise plausible structure
            b"\x80\x03(" + value_ops("fine") + ops + b"t.",
        ]
        for payload in payloads:
            with pytest.raises(UnsafeCheckpointError, match=f"`{module}.{name}`"):
                READERS[reader](payload)
        assert not sentinel.exists(), f"{module}.{name} ran"


def test_hostile_global_inside_nested_storage_stream_is_refused(tmp_path):
    sentinel = tmp_path / "sentinel"
    nested = legacy_stream(call_pickle("os", "system", f"touch {sentinel}"))
    payload = dict_pickle({"G": call_ops("torch.storage", "_load_from_bytes", nested)})
    for reader in (read_r3gan_snapshot, read_torch_checkpoint):
        with pytest.raises(UnsafeCheckpointError, match="`os.system`"):
            reader(payload)
    with pytest.raises(UnsafeCheckpointError, match="`os.system`"):
        read_torch_checkpoint(legacy_stream(call_pickle("os", "system", f"touch {sentinel}")))
    assert not sentinel.exists()


def test_hostile_global_from_a_file_on_disk_is_refused(tmp_path):
    sentinel = tmp_path / "sentinel"
    path = tmp_path / "network-snapshot-000000000.pkl"
    path.write_bytes(call_pickle("subprocess", "Popen", ["touch", str(sentinel)]))
    with pytest.raises(UnsafeCheckpointError, match="`subprocess.Popen`"):
        read_r3gan_snapshot(path)
    with pytest.raises(UnsafeCheckpointError, match="`subprocess.Popen`"):
        read_r3gan_snapshot(str(path))
    with open(path, "rb") as file, pytest.raises(UnsafeCheckpointError):
        read_r3gan_snapshot(file)
    assert not sentinel.exists()


def test_calling_an_allowed_class_is_refused():
    """Module stand-ins may only be rebuilt as 'new object + state' (NEWOBJ); calling them is a misuse."""
    cls = global_op("training.networks", "Generator")
    misuses = [
        call_pickle("training.networks", "Generator", "rm -rf /"),  # REDUCE with args
        call_pickle("training.networks", "Generator"),  # REDUCE without args
        b"(" + value_ops("x") + b"itraining.networks\nGenerator\n.",  # INST with arguments
        b"\x80\x02" + cls + value_ops("x") + b"\x85\x81.",  # NEWOBJ with arguments
    ]
    for payload in misuses:
        with pytest.raises(UnsafeCheckpointError, match="training.networks.Generator"):
            read_r3gan_snapshot(payload)


def test_shared_stand_ins_cannot_be_modified():
    """BUILD on a shared stand-in (storage type, function) could corrupt later loads; it is refused."""
    float_storage = TORCH_ALLOWED[("torch", "FloatStorage")]
    for module, name in (("torch", "FloatStorage"), ("torch._utils", "_rebuild_tensor_v2"), ("torch", "bfloat16")):
        payload = b"\x80\x03" + global_op(module, name) + b"}" + value_ops("numpy_dtype") + value_ops("O") + b"sb."
        with pytest.raises(UnsafeCheckpointError, match="modify the shared stand-in"):
            read_torch_checkpoint(payload)
    assert float_storage.numpy_dtype == np.dtype("<f4")


def test_allowed_functions_validate_their_arguments():
    bad_calls = [
        call_pickle("torch.storage", "_load_from_bytes", "not bytes"),
        call_pickle("torch._utils", "_rebuild_tensor_v2", "not a storage", 0, (3,), (1,)),
        call_pickle("torch._utils", "_rebuild_parameter", "not a tensor", False),
        call_pickle("torch.storage", "_load_from_bytes", b"random bytes"),
    ]
    for payload in bad_calls:
        with pytest.raises(CheckpointFormatError):
            read_torch_checkpoint(payload)
    with pytest.raises(CheckpointFormatError):  # numpy.ndarray is only an argument token, not callable
        read_progan_tf_pickle(call_pickle("numpy", "ndarray", (2,)))


def test_persistent_ids_are_refused_where_the_format_has_none():
    with pytest.raises(UnsafeCheckpointError, match="persistent id"):
        read_r3gan_snapshot(b"\x80\x03" + value_ops("storage") + BINPERSID + b".")
    module_pid = b"\x80\x02(" + value_ops("module") + value_ops("src") + b"t" + BINPERSID + b"."
    with pytest.raises(UnsafeCheckpointError, match="persistent id of kind 'module'"):
        read_torch_checkpoint(legacy_stream(module_pid))


def test_hand_built_nested_storage_stream_is_read_as_data():
    """The nested-storage path, from opcodes written in this test (no torch)."""
    values = np.array([1.5, -2.0, 3.25], np.float32)
    out = read_torch_checkpoint(b"\x80\x03" + tensor_ops(float_storage_stream(values)) + b".")
    assert out.dtype == np.float32 and out.tobytes() == values.tobytes()
    two_d = read_torch_checkpoint(
        b"\x80\x03" + tensor_ops(float_storage_stream(np.arange(6)), size=(2, 2), stride=(1, 2), offset=1) + b"."
    )
    # element [i, j] = storage[1 + i + 2 j]
    assert two_d.dtype == np.float32 and two_d.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    for stream, version in ((float_storage_stream(values, storage_module="torch.cuda"), 2), (
            float_storage_stream(values), 1)):  # fmt: skip
        out = read_torch_checkpoint(b"\x80\x03" + tensor_ops(stream, version=version) + b".")
        assert out.dtype == np.float32 and out.tobytes() == values.tobytes()
    # torch writes legacy storage data little-endian on every machine; the sys-info flag does not change that.
    flagged = float_storage_stream(values, little_endian=False)
    assert flagged.endswith(values.astype("<f4").tobytes())
    out = read_torch_checkpoint(b"\x80\x03" + tensor_ops(flagged) + b".")
    assert out.dtype == np.float32 and out.tobytes() == values.tobytes()


@pytest.mark.parametrize(
    "stream_kwargs, tensor_kwargs, message",
    [
        ({"count": 4}, {}, "declares 3 elements but its data header says 4"),
        ({"numel": 4}, {}, "declares 4 elements but its data header says 3"),
        ({"data_bytes": b"\x00" * 8}, {}, "truncated"),
        ({"key": "0"}, {"size": (4,)}, "reads past the end of its storage"),
        ({}, {"offset": 2, "size": (2,)}, "reads past the end of its storage"),
        ({}, {"size": (3,), "stride": (2,)}, "reads past the end of its storage"),
        ({}, {"size": (3, 1), "stride": (1,)}, "different ranks"),
        ({}, {"size": (-1,)}, "negative"),
        ({}, {"offset": -1}, "bad storage offset"),
        ({"view_metadata": ("0", 0, 3)}, {}, "storage views"),
        ({"keys": ["0", "1"]}, {}, "key list does not match"),
        ({"keys": ["0", "0"]}, {}, "key list is malformed"),
        ({"numel": -3}, {}, "Malformed storage persistent id"),
    ],
)
def test_inconsistent_storages_and_views_are_reported(stream_kwargs, tensor_kwargs, message):
    stream = float_storage_stream([1.0, 2.0, 3.0], **stream_kwargs)
    with pytest.raises(CheckpointFormatError, match=message):
        read_torch_checkpoint(b"\x80\x03" + tensor_ops(stream, **tensor_kwargs) + b".")


def test_bad_legacy_stream_headers_are_reported():
    good = float_storage_stream([1.0])
    with pytest.raises(CheckpointFormatError, match="bad magic number"):
        read_torch_checkpoint(call_pickle("torch.storage", "_load_from_bytes", pickle.dumps(12345) + good))
    header = pickle.dumps(0x1950A86A20F9469CFC6C, 2) + pickle.dumps(1001, 2)
    assert good.startswith(header)
    with pytest.raises(CheckpointFormatError, match="protocol version"):
        bad_protocol = pickle.dumps(0x1950A86A20F9469CFC6C, 2) + pickle.dumps(999, 2) + good[len(header) :]
        read_torch_checkpoint(call_pickle("torch.storage", "_load_from_bytes", bad_protocol))


@pytest.mark.parametrize("reader", sorted(READERS))
def test_malformed_inputs_raise_clear_errors(reader):
    plain = pickle.dumps({"numbers": list(range(20000)), "blob": bytes(100000)}, protocol=4)
    cases = {
        "empty": (b"", "empty|truncated|ends"),
        "jpeg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32, "not a"),
        "text": (b"hello, world\n", "not a"),
        "huge length": (b"\x80\x04\x8e" + (1 << 60).to_bytes(8, "little") + b"xyz", "truncated|malformed"),
        "cut 1%": (plain[: len(plain) // 100], "truncated|ends"),
        "cut 50%": (plain[: len(plain) // 2], "truncated|ends"),
        "cut last byte": (plain[:-1], "truncated|ends"),
    }
    for name, (data, message) in cases.items():
        with pytest.raises(CheckpointFormatError, match=message):
            READERS[reader](data)


def test_truncated_official_snapshot_is_reported(fixtures_dir):
    snapshot = (fixtures_dir / "r3gan_official/cond_network-snapshot-000010000.pkl").read_bytes()
    for cut in (len(snapshot) // 100, len(snapshot) // 2, len(snapshot) - 1):
        with pytest.raises(CheckpointFormatError, match="truncated|ends"):
            read_r3gan_snapshot(snapshot[:cut])


@pytest.mark.parametrize("reader", sorted(READERS))
def test_wrong_top_level_types_are_reported(reader):
    for obj in ([1, 2, 3], {"G": 1}, "a string", (1, 2, 3)):
        data = pickle.dumps(obj, protocol=4)
        if reader == "torch":
            assert read_torch_checkpoint(data) == obj  # the generic reader returns any plain data
            continue
        with pytest.raises(CheckpointFormatError, match="expected|missing"):
            READERS[reader](data)


def test_shared_references_are_converted_once_and_deep_nesting_is_bounded():
    """A 'billion laughs' DAG (2**100 paths) converts in linear time; absurd nesting is reported, not crashed."""
    node = []
    for _ in range(100):
        node = [node, node]
    out = read_torch_checkpoint(pickle.dumps(node, protocol=4))
    for _ in range(100):
        assert out[0] is out[1]
        out = out[0]
    deep = []
    for _ in range(300):
        deep = [deep]
    with pytest.raises(CheckpointFormatError, match="nests containers"):
        read_torch_checkpoint(pickle.dumps(deep, protocol=4))


def test_safe_load_without_allow_list_reads_plain_data_only():
    import io

    assert safe_load(io.BytesIO(pickle.dumps({"a": [1, 2.5, "x", None, (True,)]})), {}) == {
        "a": [1, 2.5, "x", None, (True,)]
    }
    with pytest.raises(UnsafeCheckpointError, match="`collections.OrderedDict`"):
        import collections

        safe_load(io.BytesIO(pickle.dumps(collections.OrderedDict(a=1))), {})


def test_protocol_2_spellings_of_sets_and_bytes():
    obj = {"set": {1, 2}, "frozen": frozenset({3}), "bytes": b"\x00\xffab", "empty": b""}
    assert read_torch_checkpoint(pickle.dumps(obj, protocol=2)) == obj
    for payload in (call_pickle("_codecs", "encode", "abc", "utf-16"), call_pickle("builtins", "bytes", 5),
                    call_pickle("builtins", "set", 5)):  # fmt: skip
        with pytest.raises(CheckpointFormatError):
            read_torch_checkpoint(payload)


def test_reference_cycles():
    """Self-referencing lists are rebuilt with the same shape; a cycle that passes through a tuple first cannot
    be rebuilt as plain data and is reported."""
    node = [1]
    node.append(node)
    out = read_torch_checkpoint(pickle.dumps({"node": node}, protocol=4))
    assert out["node"][0] == 1 and out["node"][1] is out["node"]
    inner = []
    outer = (inner,)
    inner.append(outer)
    with pytest.raises(CheckpointFormatError, match="cycle through a tuple"):
        read_torch_checkpoint(pickle.dumps(outer, protocol=4))
