"""The official R3GAN snapshot reader: bit-exact against the official fixture, torch-free, and against torch itself.

Backend-independent (NumPy only; torch is used only to write synthetic snapshots); runs in every backend pass
because it is cheap.
"""

import builtins
import copy
import io
import json
import pathlib
import pickle
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
from checkpoint_test_helpers import fake_module

import keras_gans.utils.checkpoints as checkpoints_package
from keras_gans.utils import AdamState
from keras_gans.utils import R3GANSnapshot
from keras_gans.utils import UnsafeCheckpointError
from keras_gans.utils import read_r3gan_snapshot

FIXTURES = {
    "uncond": ("uncond_network-snapshot-000000000.pkl", 4),
    "cond": ("cond_network-snapshot-000010000.pkl", 10_000_004),
}


def fixture_dir(fixtures_dir):
    return fixtures_dir / "r3gan_official"


def same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def lookup(snapshot, key):
    """Maps a ``*_step.npz`` key (``G.<name>``, ``D_opt.<name>.exp_avg``, ...) to the snapshot's array."""
    net, rest = key.split(".", 1)
    if net in ("G", "D", "G_ema"):
        return getattr(snapshot, net)[rest]
    name, field = rest.rsplit(".", 1)
    return {"G_opt": snapshot.G_opt_state, "D_opt": snapshot.D_opt_state}[net].state[name][field]


@pytest.mark.parametrize("config_name", sorted(FIXTURES))
def test_official_snapshot_is_bit_identical_to_the_fixture(config_name, fixtures_dir):
    pkl, cur_nimg = FIXTURES[config_name]
    snap = read_r3gan_snapshot(fixture_dir(fixtures_dir) / pkl)
    ref = np.load(fixture_dir(fixtures_dir) / f"{config_name}_step.npz")
    assert isinstance(snap, R3GANSnapshot)
    mismatched = [k for k in ref.files if not same_bits(lookup(snap, k), ref[k])]
    assert mismatched == []
    for net in ("G", "D"):
        # Same names, in state-dict order, Resampler.Kernel buffers included.
        assert list(getattr(snap, net)) == [k[len(net) + 1 :] for k in ref.files if k.startswith(net + ".")]
        assert any(name.endswith("Resampler.Kernel") for name in getattr(snap, net))
    if config_name == "uncond":  # EMA beta 0 at cur_nimg 0: G_ema equals G (README); no G_ema keys in the npz.
        assert list(snap.G_ema) == list(snap.G)
        assert all(same_bits(snap.G_ema[k], ref["G." + k]) for k in snap.G_ema)
    else:
        assert sum(k.startswith("G_ema.") for k in ref.files) == len(snap.G_ema) == len(snap.G)
        assert sum(k.startswith(("G_opt.", "D_opt.")) for k in ref.files) == 124
    assert snap.cur_nimg == cur_nimg


@pytest.mark.parametrize("config_name", sorted(FIXTURES))
def test_official_snapshot_metadata_matches_the_config(config_name, fixtures_dir):
    config = json.loads((fixture_dir(fixtures_dir) / "config.json").read_text())["configs"][config_name]
    snap = read_r3gan_snapshot(fixture_dir(fixtures_dir) / FIXTURES[config_name][0])
    for net, kwargs_key in (("G", "G_kwargs"), ("G_ema", "G_kwargs"), ("D", "D_kwargs")):
        n_stages = len(config[kwargs_key]["WidthPerStage"])
        expected = tuple(sorted(i % n_stages for i in config[kwargs_key]["FP16Stages"]))
        assert snap.bf16_stages[net] == expected
        assert snap.stage_dtypes[net] == tuple("bfloat16" if i in expected else "float32" for i in range(n_stages))
    g_kwargs = config["G_kwargs"]
    assert snap.network_attributes["G"] == {
        "z_dim": g_kwargs["NoiseDimension"],
        "c_dim": g_kwargs["c_dim"],
        "img_resolution": g_kwargs["img_resolution"],
    }
    expected_dims = (32, 0, 32) if config_name == "uncond" else (16, 5, 16)
    assert (snap.z_dim, snap.c_dim, snap.img_resolution) == expected_dims
    assert snap.training_set_kwargs["resolution"] == g_kwargs["img_resolution"]
    assert snap.training_set_kwargs["use_labels"] == (g_kwargs["c_dim"] > 0)
    # Parameter counts from the official code (config.json), i.e. everything except the Kernel buffers.
    for net in ("G", "D"):
        params = [v for k, v in getattr(snap, net).items() if not k.endswith("Resampler.Kernel")]
        assert sum(v.size for v in params) == config["n_params"][net]
    legacy = config_name == "cond"
    assert snap.uses_legacy_names == legacy
    prefix = "training.networks_baseline." if legacy else "training.networks."
    assert snap.class_names == {"G": prefix + "Generator", "D": prefix + "Discriminator", "G_ema": prefix + "Generator"}
    assert snap.extra == {}


@pytest.mark.parametrize("config_name", sorted(FIXTURES))
def test_official_optimizer_states(config_name, fixtures_dir):
    config = json.loads((fixture_dir(fixtures_dir) / "config.json").read_text())["configs"][config_name]
    snap = read_r3gan_snapshot(fixture_dir(fixtures_dir) / FIXTURES[config_name][0])
    for opt, net in ((snap.G_opt_state, snap.G), (snap.D_opt_state, snap.D)):
        assert isinstance(opt, AdamState)
        params = [k for k in net if not k.endswith("Resampler.Kernel")]
        assert list(opt.state) == params and opt.param_groups[0]["params"] == params
        (group,) = opt.param_groups
        assert group["lr"] == config["step"]["lr"]
        assert group["betas"] == (0, pytest.approx(config["step"]["beta2"], abs=1e-15))
        assert group["eps"] == 1e-8
        for name, state in opt.state.items():
            assert state["step"] == 1.0  # one official iteration
            assert state["exp_avg"].shape == net[name].shape
            # Adam's first step with beta1 = 0: exp_avg = g and exp_avg_sq = (1 - beta2) g g, evaluated like
            # torch's addcmul in float32.
            one_minus_beta2 = np.float32(1 - group["betas"][1])
            assert same_bits((one_minus_beta2 * state["exp_avg"]) * state["exp_avg"], state["exp_avg_sq"])
    if config_name == "uncond":  # The D-phase gradients of the step are uncond_grads.npz D.* (README).
        grads = np.load(fixture_dir(fixtures_dir) / "uncond_grads.npz")
        d_grads = [k for k in grads.files if k.startswith("D.")]
        assert len(d_grads) == len(snap.D_opt_state.state)
        assert all(same_bits(snap.D_opt_state.state[k[2:]]["exp_avg"], grads[k]) for k in d_grads)


def test_reads_paths_bytes_and_file_objects_alike(fixtures_dir):
    path = fixture_dir(fixtures_dir) / FIXTURES["cond"][0]
    from_path = read_r3gan_snapshot(str(path))
    with open(path, "rb") as file:
        from_file = read_r3gan_snapshot(file)
    from_bytes = read_r3gan_snapshot(path.read_bytes())
    for other in (from_file, from_bytes):
        assert list(other.G_ema) == list(from_path.G_ema)
        assert all(same_bits(other.G_ema[k], from_path.G_ema[k]) for k in other.G_ema)


def test_reading_does_not_import_torch_in_process(fixtures_dir, monkeypatch):
    real_import = builtins.__import__

    def guarded_import(name, *args, **kwargs):
        if name.split(".")[0] == "torch":
            raise AssertionError(f"the reader imported {name}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", guarded_import)
    for pkl, _ in FIXTURES.values():
        read_r3gan_snapshot(fixture_dir(fixtures_dir) / pkl)


STANDALONE_SCRIPT = """
import builtins, importlib.util, json, pathlib, sys
blocked = ("torch", "keras", "tensorflow", "jax", "training", "R3GAN", "BaselineGAN", "keras_gans")
real_import = builtins.__import__
def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and name.split(".")[0] in blocked:
        raise ImportError("blocked import of " + name)
    return real_import(name, globals, locals, fromlist, level)
builtins.__import__ = guarded_import
package_dir, fixtures = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
spec = importlib.util.spec_from_file_location(
    "standalone_checkpoints", package_dir / "__init__.py", submodule_search_locations=[str(package_dir)])
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)
import numpy as np
result = {}
for name, pkl in (("uncond", "uncond_network-snapshot-000000000.pkl"), ("cond", "cond_network-snapshot-000010000.pkl")):
    snap = module.read_r3gan_snapshot(fixtures / pkl)
    ref = np.load(fixtures / (name + "_step.npz"))
    arrays = dict(G=snap.G, D=snap.D, G_ema=snap.G_ema)
    def get(key):
        net, rest = key.split(".", 1)
        if net in arrays:
            return arrays[net][rest]
        pname, field = rest.rsplit(".", 1)
        return (snap.G_opt_state if net == "G_opt" else snap.D_opt_state).state[pname][field]
    bad = [k for k in ref.files if get(k).dtype != ref[k].dtype or get(k).tobytes() != ref[k].tobytes()]
    result[name] = dict(compared=len(ref.files), mismatched=bad, cur_nimg=snap.cur_nimg, bf16=snap.bf16_stages["G"])
result["loaded"] = sorted(m for m in sys.modules if m.split(".")[0] in blocked)
print(json.dumps(result))
"""


def test_reading_works_with_torch_unavailable(fixtures_dir, tmp_path):
    """A fresh interpreter where importing torch (or keras, or the official modules) fails reads both fixtures."""
    package_dir = pathlib.Path(checkpoints_package.__file__).parent
    proc = subprocess.run(
        [sys.executable, "-c", STANDALONE_SCRIPT, str(package_dir), str(fixture_dir(fixtures_dir))],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["loaded"] == []
    assert result["uncond"] == {"compared": 94, "mismatched": [], "cur_nimg": 4, "bf16": [1, 2, 3]}
    assert result["cond"] == {"compared": 223, "mismatched": [], "cur_nimg": 10_000_004, "bf16": [1, 2]}


def _build_synthetic_snapshot(monkeypatch, legacy, extra_module=None, width=4):
    """A snapshot written by real torch through ``pickle``: bf16 parameters, tied weights, a non-persistent
    buffer, Adam states after one step. Returns (pickle bytes, G, D, G optimiser, D optimiser)."""
    import torch

    package, wrappers = ("BaselineGAN", "training.networks_baseline") if legacy else ("R3GAN", "training.networks")

    class Convolution(torch.nn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.Layer = torch.nn.Conv2d(cin, cout, 3, padding=1, bias=False)

    class Stage(torch.nn.Module):
        def __init__(self, width, data_type):
            super().__init__()
            self.Layers = torch.nn.ModuleList([Convolution(width, width), Convolution(width, width)])
            self.Scale = torch.nn.Parameter(torch.randn(width, dtype=torch.bfloat16))
            self.register_buffer("Kernel", torch.randn(4, 4))
            self.register_buffer("Scratch", torch.randn(2), persistent=False)
            self.DataType = data_type

    class Network(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.MainLayers = torch.nn.ModuleList([Stage(width, torch.float32), Stage(width, torch.bfloat16)])
            self.MainLayers[1].Layers[0].Layer.weight = self.MainLayers[0].Layers[0].Layer.weight  # tied
            self.EmbeddingLayer = torch.nn.Linear(3, 5, bias=False)
            if extra_module is not None:
                self.Extra = extra_module

    class Wrapper(torch.nn.Module):
        def __init__(self, **attributes):
            super().__init__()
            self.Model = Network()
            self.__dict__.update(attributes)

    fake_module(monkeypatch, f"{package}.Networks", Convolution=Convolution, GeneratorStage=Stage, Generator=Network)
    fake_module(monkeypatch, wrappers, Generator=Wrapper)
    torch.manual_seed(0)
    G, D = Wrapper(z_dim=7, c_dim=3, img_resolution=8), Wrapper()
    optimizers = []
    for net, lr in ((G, 2e-4), (D, 1e-4)):
        opt = torch.optim.Adam(net.parameters(), lr=lr, betas=(0.0, 0.99), eps=1e-8)
        sum((p.float() ** 3).sum() for p in net.parameters()).backward()
        opt.step()
        optimizers.append(opt)
    snapshot = dict(G=G, D=D, G_ema=copy.deepcopy(G).eval().requires_grad_(False))
    snapshot.update(training_set_kwargs=dict(resolution=8), cur_nimg=123, augment_pipe=None)
    snapshot.update(G_opt_state=optimizers[0].state_dict(), D_opt_state=optimizers[1].state_dict())
    return pickle.dumps(snapshot), G, D, optimizers[0], optimizers[1]


def _expected_numpy(tensor):
    import torch

    return tensor.detach().float().numpy() if tensor.dtype == torch.bfloat16 else tensor.detach().numpy()


@pytest.mark.parametrize("legacy", [False, True])
def test_synthetic_snapshot_written_by_torch(monkeypatch, legacy):
    import torch

    data, G, D, g_opt, d_opt = _build_synthetic_snapshot(monkeypatch, legacy)
    snap = read_r3gan_snapshot(data)
    for ours, net in ((snap.G, G), (snap.D, D), (snap.G_ema, G)):
        reference = net.state_dict()  # tied weights under both names; the non-persistent buffer absent
        assert list(ours) == list(reference)
        assert "Model.MainLayers.0.Scratch" not in ours
        assert all(same_bits(ours[k], _expected_numpy(v)) for k, v in reference.items())
    # bfloat16 parameters are decoded exactly: a bf16 value is the top half of its float32 bits.
    bits = G.Model.MainLayers[0].Scale.detach().view(torch.int16).numpy().view(np.uint16)
    expected = (bits.astype(np.uint32) << 16).view(np.float32)
    assert same_bits(snap.G["Model.MainLayers.0.Scale"], expected)
    assert snap.bf16_stages == {"G": (1,), "D": (1,), "G_ema": (1,)}
    g_attributes = {"z_dim": 7, "c_dim": 3, "img_resolution": 8}
    assert snap.network_attributes == {"G": g_attributes, "D": {}, "G_ema": g_attributes}
    assert snap.uses_legacy_names == legacy and snap.cur_nimg == 123 and snap.extra == {"augment_pipe": None}
    for ours, net, opt in ((snap.G_opt_state, G, g_opt), (snap.D_opt_state, D, d_opt)):
        names = [n for n, _ in net.named_parameters()]  # de-duplicated: the tied weight appears once
        assert list(ours.state) == names == ours.param_groups[0]["params"]
        for name, param in net.named_parameters():
            torch_state = opt.state[param]
            assert ours.state[name]["step"] == torch_state["step"].item()
            for field in ("exp_avg", "exp_avg_sq"):
                assert same_bits(ours.state[name][field], _expected_numpy(torch_state[field]))
        assert ours.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
        assert ours.param_groups[0]["betas"] == (0, 0.99) and ours.param_groups[0]["eps"] == 1e-8


def test_snapshot_without_optimizer_states(monkeypatch):
    data, *_ = _build_synthetic_snapshot(monkeypatch, legacy=False)
    raw = pickle.loads(data)
    del raw["G_opt_state"], raw["D_opt_state"]
    snap = read_r3gan_snapshot(pickle.dumps(raw))
    assert snap.G_opt_state is None and snap.D_opt_state is None


def test_unknown_module_class_in_a_snapshot_is_refused(monkeypatch):
    import torch

    data, *_ = _build_synthetic_snapshot(monkeypatch, legacy=False, extra_module=torch.nn.ReLU())
    with pytest.raises(UnsafeCheckpointError, match="`torch.nn.modules.activation.ReLU`"):
        read_r3gan_snapshot(data)


def test_reading_does_not_copy_the_tensor_data(monkeypatch):
    """Arrays are views of the bytes read from the file: peak memory stays near the file size (one copy of each
    tensor would double it), which keeps multi-GB snapshots readable."""
    data, *_ = _build_synthetic_snapshot(monkeypatch, legacy=False, width=96)
    assert len(data) > 4_000_000
    file = io.BytesIO(data)
    del data
    tracemalloc.start()
    try:
        snap = read_r3gan_snapshot(file)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1.25 * len(file.getbuffer())
    assert not snap.G["Model.MainLayers.1.Layers.1.Layer.weight"].flags.writeable  # a view, not a copy
