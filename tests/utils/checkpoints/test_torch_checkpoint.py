"""``torch.save`` readers (zip and legacy containers, plain pickles of tensors) checked against real torch output.

Backend-independent (NumPy only; torch writes the files); runs in every backend pass because it is cheap.
"""

import collections
import io
import pickle
import zipfile

import numpy as np
import pytest
from checkpoint_test_helpers import call_pickle
from checkpoint_test_helpers import fake_module
from checkpoint_test_helpers import hostile_calls

from keras_gans.utils import CheckpointFormatError
from keras_gans.utils import UnsafeCheckpointError
from keras_gans.utils import read_pytorch_gan_zoo_checkpoint
from keras_gans.utils import read_torch_checkpoint
from keras_gans.utils import read_torch_zip_checkpoint

CONTAINERS = ("zip", "legacy", "plain_pickle")


def same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def serialize(obj, container):
    import torch

    if container == "plain_pickle":
        return pickle.dumps(obj)
    buffer = io.BytesIO()
    torch.save(obj, buffer, _use_new_zipfile_serialization=container == "zip")
    return buffer.getvalue()


def expected_numpy(tensor):
    import torch

    tensor = tensor.detach()
    return tensor.float().numpy() if tensor.dtype == torch.bfloat16 else tensor.numpy()


def make_base_config(monkeypatch, **attributes):
    class BaseConfig:
        pass

    fake_module(monkeypatch, "models.utils.config", BaseConfig=BaseConfig)
    config = BaseConfig()
    config.__dict__.update(attributes)
    return config


def pgan_zoo_checkpoint(monkeypatch, fixtures_dir):
    import torch

    fixtures = fixtures_dir / "progan_pgz"
    g_npz, d_npz = np.load(fixtures / "pgz_pgan_G_state_dict.npz"), np.load(fixtures / "pgz_pgan_D_state_dict.npz")

    def state_dict(npz):
        return collections.OrderedDict((k, torch.from_numpy(npz[k].copy())) for k in npz.files)

    config = make_base_config(
        monkeypatch, depthScales=[32, 32, 16, 8], latentVectorDim=16, miniBatchStdDev=True, lossMode="WGANGP",
        baseLearningRate=0.001, alphaJumpVals={"0": [0.5, 0.25]},
    )  # fmt: skip
    obj = {"config": config, "netG": state_dict(g_npz), "netD": state_dict(d_npz), "avgG": state_dict(g_npz)}
    return obj, g_npz, d_npz


@pytest.mark.parametrize("container", ["zip", "legacy"])
def test_pytorch_gan_zoo_checkpoint_from_the_fixture(container, monkeypatch, fixtures_dir, tmp_path):
    obj, g_npz, d_npz = pgan_zoo_checkpoint(monkeypatch, fixtures_dir)
    path = tmp_path / "celebaHQ_s6_i80000.pth"
    path.write_bytes(serialize(obj, container))
    assert zipfile.is_zipfile(path) == (container == "zip")
    ckpt = read_pytorch_gan_zoo_checkpoint(path)
    assert ckpt["config"] == {
        "depthScales": [32, 32, 16, 8], "latentVectorDim": 16, "miniBatchStdDev": True, "lossMode": "WGANGP",
        "baseLearningRate": 0.001, "alphaJumpVals": {"0": [0.5, 0.25]},
    }  # fmt: skip
    for key, npz in (("netG", g_npz), ("netD", d_npz), ("avgG", g_npz)):
        assert list(ckpt[key]) == list(npz.files)
        assert all(same_bits(ckpt[key][k], npz[k]) for k in npz.files)
    generic = read_torch_zip_checkpoint(str(path))
    assert read_torch_zip_checkpoint is read_torch_checkpoint
    assert all(same_bits(generic["avgG"][k], g_npz[k]) for k in g_npz.files)


def tensor_zoo():
    import torch

    torch.manual_seed(0)
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 7
    parameter_with_state = torch.nn.Parameter(torch.randn(3))
    parameter_with_state.tag = "extra attribute"
    return {
        "float32": torch.randn(3, 4),
        "float64": torch.randn(5, dtype=torch.float64),
        "float16": torch.randn(2, 3).half(),
        "bfloat16": torch.randn(6).bfloat16(),
        "bfloat16_view": torch.randn(4, 4).bfloat16().t()[1:],
        "int64": torch.arange(-3, 5),
        "int32": torch.arange(-3, 5, dtype=torch.int32),
        "int16": torch.arange(-3, 5, dtype=torch.int16),
        "int8": torch.arange(-3, 5, dtype=torch.int8),
        "uint8": torch.arange(250, 256, dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "complex64": torch.randn(3, dtype=torch.complex64),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
        "whole": base,
        "transposed": base.t(),
        "offset_view": base[1:3, 2:5],
        "strided": base[:, ::2],
        "expanded": torch.randn(1, 3).expand(4, 3),
        "parameter": torch.nn.Parameter(torch.randn(2, 2)),
        "parameter_with_state": parameter_with_state,  # pickled via _rebuild_parameter_with_state
        "nested": {"list": [torch.ones(2), 3, "text", None], "tuple": (torch.zeros(1), 1.5)},
    }


@pytest.mark.parametrize("container", CONTAINERS)
def test_dtypes_and_views_are_bit_exact(container):
    tensors = tensor_zoo()
    out = read_torch_checkpoint(serialize(tensors, container))
    assert list(out) == list(tensors)
    for name, tensor in tensors.items():
        if name != "nested":
            assert same_bits(out[name], expected_numpy(tensor)), name
    assert same_bits(out["nested"]["list"][0], np.ones(2, np.float32))
    assert out["nested"]["list"][1:] == [3, "text", None] and out["nested"]["tuple"][1] == 1.5
    # bfloat16: exact float32 values whose low 16 bits are zero; the high bits are torch's bf16 bits.
    import torch

    bits = tensors["bfloat16"].view(torch.int16).numpy().view(np.uint16)
    assert same_bits(out["bfloat16"].view(np.uint32) >> 16, bits.astype(np.uint32))


def test_big_endian_zip_archives_are_byteswapped():
    import torch

    tensors = {"a": torch.randn(3, 2), "b": torch.arange(5), "c": torch.randn(4).bfloat16()}
    source = zipfile.ZipFile(io.BytesIO(serialize(tensors, "zip")))
    prefix = source.namelist()[0].split("/")[0]
    sizes = {}  # storage key -> element size, from the order tensors were saved (a, b, c)
    for key, tensor in zip(("0", "1", "2"), tensors.values()):
        sizes[f"{prefix}/data/{key}"] = tensor.element_size()
    swapped = io.BytesIO()
    with zipfile.ZipFile(swapped, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name in sizes:
                data = np.frombuffer(data, f"<u{sizes[name]}").byteswap().tobytes()
            elif name.endswith("/byteorder"):
                data = b"big"
            target.writestr(name, data)
    out = read_torch_checkpoint(swapped.getvalue())
    assert all(same_bits(out[k], expected_numpy(v)) for k, v in tensors.items())


def test_hostile_zip_archive_is_refused(tmp_path):
    import torch

    sentinel = tmp_path / "sentinel"
    valid = zipfile.ZipFile(io.BytesIO(serialize({"w": torch.ones(2)}, "zip")))
    for module, name, args in hostile_calls(sentinel):
        hostile = io.BytesIO()
        with zipfile.ZipFile(hostile, "w") as target:
            for member in valid.namelist():
                data = call_pickle(module, name, *args) if member.endswith("data.pkl") else valid.read(member)
                target.writestr(member, data)
        with pytest.raises(UnsafeCheckpointError, match=f"`{module}.{name}`"):
            read_torch_checkpoint(hostile.getvalue())
    assert not sentinel.exists()


def test_unlisted_classes_are_refused_and_listed_ones_become_dicts(monkeypatch):
    class Thing:
        pass

    fake_module(monkeypatch, "somepackage.things", Thing=Thing)
    thing = Thing()
    thing.size = 3
    data = serialize({"thing": thing}, "zip")
    with pytest.raises(UnsafeCheckpointError, match="`somepackage.things.Thing`"):
        read_torch_checkpoint(data)
    assert read_torch_checkpoint(data, attribute_bag_classes=["somepackage.things.Thing"]) == {"thing": {"size": 3}}
    with pytest.raises(ValueError, match="module.Class"):
        read_torch_checkpoint(data, attribute_bag_classes=["Thing"])


def rewrite_zip(data, edit):
    """Copies a zip, letting ``edit(name, bytes)`` return new bytes or None to drop the member."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            new = edit(name, source.read(name))
            if new is not None:
                target.writestr(name, new)
    return out.getvalue()


def test_malformed_zip_archives_are_reported():
    import torch

    data = serialize({"w": torch.ones(4), "v": torch.ones(2)}, "zip")
    cases = {
        "missing storage": (rewrite_zip(data, lambda n, b: None if n.endswith("/data/0") else b), "no member"),
        "short storage": (rewrite_zip(data, lambda n, b: b[:-4] if n.endswith("/data/0") else b), "has 12 bytes"),
        "no data.pkl": (rewrite_zip(data, lambda n, b: None if n.endswith("data.pkl") else b), "data.pkl"),
        "bad byteorder": (rewrite_zip(data, lambda n, b: b"middle" if n.endswith("byteorder") else b), "byteorder"),
        "truncated": (data[: len(data) // 2], "zip"),
        "not a zip": (b"PK\x03\x04" + b"\x00" * 64, "zip"),
    }
    for name, (payload, message) in cases.items():
        with pytest.raises(CheckpointFormatError, match=message):
            read_torch_checkpoint(payload)


def test_pytorch_gan_zoo_reader_checks_the_structure():
    import torch

    with pytest.raises(CheckpointFormatError, match="missing"):
        read_pytorch_gan_zoo_checkpoint(serialize({"netG": {}}, "zip"))
    with pytest.raises(CheckpointFormatError, match="expected a dict"):
        read_pytorch_gan_zoo_checkpoint(serialize([torch.ones(1)], "zip"))
    with pytest.raises(CheckpointFormatError, match="not a state dict"):
        read_pytorch_gan_zoo_checkpoint(serialize({"netG": {"w": 1}, "netD": {}}, "zip"))
