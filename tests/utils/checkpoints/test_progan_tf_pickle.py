"""The official ProGAN TF1 pickle reader, on synthetic pickles with the same structure as the released files.

Backend-independent (NumPy only); runs in every backend pass because it is cheap.
"""

import collections
import pickle

import numpy as np
import pytest
from checkpoint_test_helpers import call_ops
from checkpoint_test_helpers import fake_module
from checkpoint_test_helpers import global_op
from checkpoint_test_helpers import value_ops

from keras_gans.utils import CheckpointFormatError
from keras_gans.utils import UnsafeCheckpointError
from keras_gans.utils import read_progan_tf_pickle


class Network:
    """Mimics the pickled state of ``tfutil.Network`` (``__getstate__`` of the official class)."""

    def __init__(self, name, variables, static_kwargs, build_module_src):
        self.name, self.variables, self.static_kwargs = name, variables, static_kwargs
        self.build_module_src = build_module_src

    def __getstate__(self):
        return {
            "version": 2,
            "name": self.name,
            "static_kwargs": self.static_kwargs,
            "build_module_src": self.build_module_src,
            "build_func_name": self.name + "_paper",
            "variables": list(self.variables.items()),
        }


def make_networks(monkeypatch, sentinel):
    fake_module(monkeypatch, "tfutil", Network=Network)
    rng = np.random.default_rng(0)
    # If anything executed build_module_src, the sentinel file would appear.
    source = f"open({str(sentinel)!r}, 'w').close()\ndef G_paper(**kwargs):\n    pass\n"
    g_vars = {
        "lod": np.array(0.0, np.float32),
        "4x4/Dense/weight": rng.standard_normal((16, 64)).astype(np.float32),
        "4x4/Dense/bias": rng.standard_normal(64).astype(np.float32),
        "4x4/Conv/weight": np.asfortranarray(rng.standard_normal((3, 3, 4, 4)).astype(np.float32)),
        "8x8/Conv0_up/weight": rng.standard_normal((3, 3, 4, 4)).astype(">f4"),
        "ToRGB_lod0/weight": rng.standard_normal((1, 1, 4, 3)),
        "counts": np.arange(-2, 3, dtype=np.int64),
        "flags": np.array([True, False]),
        "empty": np.zeros((0, 3), np.float16),
    }
    d_vars = {"FromRGB_lod0/weight": rng.standard_normal((1, 1, 3, 4)).astype(np.float32)}
    kwargs = {
        "num_channels": 3, "resolution": 8, "label_size": 0, "fmap_base": 16, "use_wscale": True,
        "structure": "linear", "scalars": (np.float64(0.5), np.int64(7), np.float32(-1.25)),
        "ordered": collections.OrderedDict(a=1, b=[2, 3]),
    }  # fmt: skip
    G = Network("G", g_vars, kwargs, source)
    D = Network("D", d_vars, {"num_channels": 3}, source)
    Gs = Network("Gs", {k: np.asarray(v * 2) for k, v in g_vars.items() if v.dtype.kind == "f"}, kwargs, source)
    return (G, D, Gs)


def pickled(networks, variant):
    if variant == "protocol3_numpy_core":  # the numpy 1.x spelling used by the released files
        data = pickle.dumps(networks, protocol=3)
        assert b"numpy._core.multiarray\n" in data
        return data.replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")
    return pickle.dumps(networks, protocol=int(variant[-1]))


@pytest.mark.parametrize("variant", ["protocol2", "protocol3_numpy_core", "protocol4", "protocol5"])
def test_synthetic_tf1_pickle_is_read_exactly(variant, monkeypatch, tmp_path):
    sentinel = tmp_path / "build_module_src_ran"
    networks = make_networks(monkeypatch, sentinel)
    path = tmp_path / "karras2018iclr-test.pkl"
    path.write_bytes(pickled(networks, variant))
    nets = read_progan_tf_pickle(path)
    assert list(nets) == ["G", "D", "Gs"]
    for key, network in zip(("G", "D", "Gs"), networks):
        out = nets[key]
        assert out["name"] == key and out["version"] == 2 and out["build_func_name"] == key + "_paper"
        assert out["build_module_src"] == network.build_module_src  # returned as text, never executed
        assert list(out["variables"]) == list(network.variables)
        for name, value in network.variables.items():
            ours = out["variables"][name]
            assert isinstance(ours, np.ndarray) and ours.dtype.isnative, name
            assert ours.dtype == value.dtype.newbyteorder("=") and ours.shape == value.shape, name
            assert ours.tobytes() == value.astype(ours.dtype).tobytes(), name
    kwargs = nets["G"]["static_kwargs"]
    assert kwargs["resolution"] == 8 and kwargs["structure"] == "linear" and kwargs["ordered"] == {"a": 1, "b": [2, 3]}
    assert [type(s) for s in kwargs["scalars"]] == [np.float64, np.int64, np.float32]
    assert kwargs["scalars"] == (0.5, 7, -1.25)
    assert not sentinel.exists()


def test_hostile_content_inside_a_network_is_refused(monkeypatch, tmp_path):
    sentinel = tmp_path / "sentinel"

    class Evil:
        def __reduce__(self):
            import os

            return (os.system, (f"touch {sentinel}",))

    G, D, Gs = make_networks(monkeypatch, tmp_path / "unused")
    G.static_kwargs = {"resolution": Evil()}
    with pytest.raises(UnsafeCheckpointError, match="system`"):
        read_progan_tf_pickle(pickle.dumps((G, D, Gs), protocol=4))
    assert not sentinel.exists()


def test_object_and_structured_arrays_are_refused(monkeypatch, tmp_path):
    G, D, Gs = make_networks(monkeypatch, tmp_path / "unused")
    for bad in (np.array([1, "a"], dtype=object), np.zeros(2, dtype=[("x", "f4"), ("y", "i4")])):
        G.variables = {"bad": bad}
        with pytest.raises(CheckpointFormatError, match="dtype"):
            read_progan_tf_pickle(pickle.dumps((G, D, Gs), protocol=4))


def test_torch_globals_are_not_allowed_in_tf_pickles():
    with pytest.raises(UnsafeCheckpointError, match="`torch.storage._load_from_bytes`"):
        read_progan_tf_pickle(b"\x80\x03" + call_ops("torch.storage", "_load_from_bytes", b"x") + b".")


def test_structure_errors(monkeypatch, tmp_path):
    G, D, Gs = make_networks(monkeypatch, tmp_path / "unused")
    with pytest.raises(CheckpointFormatError, match=r"tuple \(G, D, Gs\)"):
        read_progan_tf_pickle(pickle.dumps((G, D), protocol=4))
    G.variables = {"w": [1.0, 2.0]}  # not an array
    with pytest.raises(CheckpointFormatError, match="'variables'"):
        read_progan_tf_pickle(pickle.dumps((G, D, Gs), protocol=4))
    dtype = call_ops("numpy", "dtype", "f4", False, True)
    for shape in ((5,), (-1,), "3"):  # 16 bytes of float32 data: wrong element count, negative, not a tuple
        args = value_ops(b"\x00" * 16) + dtype + value_ops(shape) + value_ops("C")
        array = global_op("numpy._core.numeric", "_frombuffer") + b"(" + args + b"tR"
        with pytest.raises(CheckpointFormatError, match="bytes|shape"):
            read_progan_tf_pickle(b"\x80\x03" + array + b".")


@pytest.mark.parametrize("config", ["progan_tiny32_uncond", "progan_tiny64_cond"])
def test_pickles_written_by_the_official_code_are_read_exactly(config):
    """The fixture's pickles were written by the official `tfutil.Network` (protocol 4, NumPy 2 module names, `lod`
    pickled as a NumPy scalar); `_vars.npz` holds the same variables saved separately, in the same order."""
    import pathlib

    folder = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "progan_tf_official"
    nets = read_progan_tf_pickle(folder / f"{config}.pkl")
    with np.load(folder / f"{config}_vars.npz") as data:
        expected = {k: data[k] for k in data.files}
    for key in ("G", "D", "Gs"):
        assert nets[key]["name"] == key and nets[key]["version"] == 2
        names = [k.split("/", 1)[1] for k in expected if k.split("/", 1)[0] == key]
        assert list(nets[key]["variables"]) == names
        for name, value in nets[key]["variables"].items():
            assert isinstance(value, np.ndarray) and value.dtype == np.float32
            np.testing.assert_array_equal(value, expected[f"{key}/{name}"])
        assert "networks.py" in nets[key]["build_module_src"]  # inert text (a placeholder in the fixture)
