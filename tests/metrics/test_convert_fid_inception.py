"""pytorch-fid's FID Inception file -> Keras: the name mapping, a tiny synthetic file of the published layout read as
data (both `torch.save` containers), the batch-norm scale folding, and the download-once/convert-once flow.

The 100 MB published file is not needed: the synthetic state dicts carry every published key name with small
tensors. The full-size equality with the TorchScript reference is `weights/convert_fid_inception.py --check`.
"""

import pathlib

import keras
import numpy as np
import pytest

from keras_gans.metrics import convert_fid_inception
from keras_gans.metrics import inception

# torchvision `Inception3` unit names and kernel sizes (pytorch-fid's layout), for a few units of each block type.
KNOWN_UNITS = {
    "conv": ("Conv2d_1a_3x3", (3, 3)),
    "conv_3": ("Conv2d_3b_1x1", (1, 1)),
    "mixed__tower__conv_1": ("Mixed_5b.branch5x5_2", (5, 5)),
    "mixed_2__tower_2__conv": ("Mixed_5d.branch_pool", (1, 1)),
    "mixed_3__conv": ("Mixed_6a.branch3x3", (3, 3)),
    "mixed_4__tower__conv_1": ("Mixed_6b.branch7x7_2", (1, 7)),
    "mixed_7__tower_1__conv_4": ("Mixed_6e.branch7x7dbl_5", (1, 7)),
    "mixed_8__tower_1__conv_2": ("Mixed_7a.branch7x7x3_3", (7, 1)),
    "mixed_9__tower_mixed_conv_1": ("Mixed_7b.branch3x3_2b", (3, 1)),
    "mixed_10__tower_1_mixed_conv": ("Mixed_7c.branch3x3dbl_3a", (1, 3)),
}


@pytest.fixture(scope="module")
def backbone():
    return inception.fid_inception_backbone()


def _synthetic_state_dict(rng, unit_scale=True):
    """Every key of pytorch-fid's state dict, with small random tensors (shapes reduced) as torch tensors."""
    import torch

    state = {}
    for index, unit in enumerate(convert_fid_inception.pytorch_fid_unit_names().values()):
        out_channels, in_channels = 2 + index % 3, 1 + index % 2
        weight = rng.standard_normal((out_channels, in_channels, 1 + index % 2, 1 + index % 3)).astype("float32")
        state[f"{unit}.conv.weight"] = torch.from_numpy(weight)
        gamma = np.ones(out_channels) if unit_scale else rng.uniform(0.5, 2.0, out_channels)
        state[f"{unit}.bn.weight"] = torch.from_numpy(gamma.astype("float32"))
        for key in ("bias", "running_mean"):
            state[f"{unit}.bn.{key}"] = torch.from_numpy(rng.standard_normal(out_channels).astype("float32"))
        state[f"{unit}.bn.running_var"] = torch.from_numpy(rng.uniform(0.5, 2.0, out_channels).astype("float32"))
        state[f"{unit}.bn.num_batches_tracked"] = torch.tensor(0)
    state["fc.weight"] = torch.zeros(1008, 4)
    state["fc.bias"] = torch.zeros(1008)
    return state


def test_name_mapping_covers_every_keras_unit_once(backbone):
    names = convert_fid_inception.pytorch_fid_unit_names()
    convs = [layer for layer in backbone.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(names) == 94 and len(set(names.values())) == 94
    assert set(names) == {layer.name for layer in convs}
    for keras_name, (torch_name, kernel_size) in KNOWN_UNITS.items():
        assert names[keras_name] == torch_name
        assert tuple(backbone.get_layer(keras_name).kernel.shape[:2]) == kernel_size, keras_name


@pytest.mark.parametrize("container", ["zip", "legacy"])
def test_synthetic_published_layout_is_read_as_data_and_mapped_exactly(tmp_path, container):
    import torch

    state = _synthetic_state_dict(np.random.default_rng(0))
    path = tmp_path / "pt_inception.pth"
    torch.save(state, path, _use_new_zipfile_serialization=container == "zip")
    from keras_gans.utils import read_torch_checkpoint

    units = convert_fid_inception.units_from_pytorch_fid(read_torch_checkpoint(path, attribute_bag_classes=()))
    assert len(units) == 94
    for keras_name, unit in convert_fid_inception.pytorch_fid_unit_names().items():
        kernel, beta, mean, variance = units[keras_name]
        np.testing.assert_array_equal(kernel, state[f"{unit}.conv.weight"].numpy().transpose(2, 3, 1, 0))
        np.testing.assert_array_equal(beta, state[f"{unit}.bn.bias"].numpy())
        np.testing.assert_array_equal(mean, state[f"{unit}.bn.running_mean"].numpy())
        np.testing.assert_array_equal(variance, state[f"{unit}.bn.running_var"].numpy())


def test_batch_norm_scale_is_folded_into_the_convolution():
    """conv -> BN(gamma) equals conv(gamma W) -> BN without scale with mean * gamma (1x1 convolution, float64)."""
    rng = np.random.default_rng(1)
    state = {k: v.numpy() for k, v in _synthetic_state_dict(rng, unit_scale=False).items()}
    units = convert_fid_inception.units_from_pytorch_fid(state)
    unit = convert_fid_inception.pytorch_fid_unit_names()["conv_3"]
    weight = state[f"{unit}.conv.weight"][:, :, :1, :1].astype("float64")  # one tap: a 1x1 convolution
    gamma, beta, mean, variance = (
        state[f"{unit}.bn.{k}"].astype("float64") for k in ("weight", "bias", "running_mean", "running_var")
    )
    x = rng.standard_normal((5, weight.shape[1]))
    expected = gamma * (x @ weight[:, :, 0, 0].T - mean) / np.sqrt(variance + 1e-3) + beta
    kernel, folded_beta, folded_mean, folded_variance = units["conv_3"]
    folded = (x @ kernel[0, 0].astype("float64") - folded_mean) / np.sqrt(folded_variance + 1e-3) + folded_beta
    np.testing.assert_allclose(folded, expected, rtol=1e-6, atol=1e-6)
    assert not np.allclose(folded, (x @ weight[:, :, 0, 0].T - mean) / np.sqrt(variance + 1e-3) + beta)


def test_wrong_layouts_are_named(backbone):
    state = {k: v.numpy() for k, v in _synthetic_state_dict(np.random.default_rng(2)).items()}
    missing = dict(state)
    del missing["Mixed_6b.branch7x7_2.bn.running_var"]
    with pytest.raises(ValueError, match=r"missing \['Mixed_6b.branch7x7_2.bn.running_var'\]"):
        convert_fid_inception.units_from_pytorch_fid(missing, what="my.pth")
    with pytest.raises(ValueError, match=r"my.pth: not pytorch-fid.*unexpected \['extra.weight'\]"):
        convert_fid_inception.units_from_pytorch_fid({**state, "extra.weight": np.zeros(1)}, what="my.pth")
    bad = {**state, "Conv2d_1a_3x3.bn.bias": np.zeros(7, "float32")}
    with pytest.raises(ValueError, match="Conv2d_1a_3x3: conv.weight"):
        convert_fid_inception.units_from_pytorch_fid(bad)
    with pytest.raises(ValueError, match="expected a state dict"):
        convert_fid_inception.units_from_pytorch_fid([1, 2])
    # The reduced synthetic shapes do not fit the real network: the first unit is named.
    units = convert_fid_inception.units_from_pytorch_fid(state)
    with pytest.raises(ValueError, match="conv: kernel .* does not fit"):
        convert_fid_inception.assign_units(backbone, units)


def test_full_size_conversion_of_a_published_layout_file(tmp_path, backbone, monkeypatch):
    """`convert_pytorch_fid` end to end on the real shapes: every tensor lands in its Keras layer (a constant per
    unit identifies it), written atomically; float16 keeps the synthetic file at ~44 MB."""
    import torch

    names = convert_fid_inception.pytorch_fid_unit_names()
    state = {}
    for index, (keras_name, unit) in enumerate(names.items()):
        kh, kw, cin, cout = backbone.get_layer(keras_name).kernel.shape
        state[f"{unit}.conv.weight"] = torch.full((cout, cin, kh, kw), float(index), dtype=torch.float16)
        state[f"{unit}.bn.weight"] = torch.ones(cout, dtype=torch.float16)
        state[f"{unit}.bn.bias"] = torch.full((cout,), -float(index), dtype=torch.float16)
        state[f"{unit}.bn.running_mean"] = torch.full((cout,), float(index) / 2, dtype=torch.float16)
        state[f"{unit}.bn.running_var"] = torch.full((cout,), float(index) + 1, dtype=torch.float16)
    pth = tmp_path / "pt_inception.pth"
    torch.save(state, pth)
    del state
    output = convert_fid_inception.convert_pytorch_fid(
        pth, tmp_path / "out" / "fid.weights.h5", inception.fid_inception_backbone()
    )
    assert output == tmp_path / "out" / "fid.weights.h5" and sorted(p.name for p in output.parent.iterdir()) == [
        "fid.weights.h5"
    ]
    converted = inception.fid_inception_backbone()
    converted.load_weights(str(output))
    for index, keras_name in enumerate(names):
        conv, norm = converted.get_layer(keras_name), converted.get_layer(f"{keras_name}__bn")
        for variable, value in [
            (conv.kernel, index),
            (norm.beta, -index),
            (norm.moving_mean, index / 2),
            (norm.moving_variance, index + 1),
        ]:
            array = keras.ops.convert_to_numpy(variable)
            assert np.all(array == np.float32(np.float16(value))), (keras_name, variable.path)


def test_download_once_convert_once_and_clear_offline_error(tmp_path, monkeypatch):
    """The `.pth` comes through a (local file://) URL with the pinned sha256, is converted once into the cache, and
    then served from the cache; a failed download or a wrong hash leaves nothing behind. No network is used."""
    monkeypatch.setenv("KERAS_GANS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("KERAS_GANS_FID_WEIGHTS", raising=False)
    conversions = []

    def fake_convert(pth_path, output_path):  # the conversion itself is tested above
        conversions.append(pathlib.Path(pth_path).read_bytes())
        pathlib.Path(output_path).write_bytes(b"converted")
        return pathlib.Path(output_path)

    monkeypatch.setattr(inception, "_converted", fake_convert)
    published = tmp_path / "mirror" / inception.PYTORCH_FID_FILE
    published.parent.mkdir()
    published.write_bytes(b"stand-in for the published file")
    monkeypatch.setenv("KERAS_GANS_FID_WEIGHTS_URL", published.as_uri())
    cache_folder = inception.fid_weights_cache_path().parent

    with pytest.raises(FileNotFoundError, match="download=False.*pytorch-fid"):
        inception.fid_inception_weights("fid", download=False)
    with pytest.raises(FileNotFoundError, match=r"could not be downloaded.*sha256 .* is not the pinned"):
        inception.fid_inception_weights("fid")
    assert not cache_folder.exists() or not any(cache_folder.iterdir())  # no partial file left behind

    import hashlib

    monkeypatch.setattr(inception, "PYTORCH_FID_SHA256", hashlib.sha256(published.read_bytes()).hexdigest())
    path = pathlib.Path(inception.fid_inception_weights("fid"))
    assert path == inception.fid_weights_cache_path() and path.read_bytes() == b"converted"
    assert conversions == [published.read_bytes()]
    assert (cache_folder / inception.PYTORCH_FID_FILE).read_bytes() == published.read_bytes()
    published.unlink()  # from now on served from the cache, converted once
    assert inception.fid_inception_weights("fid") == str(path) and len(conversions) == 1

    local = tmp_path / "my_copy.pth"
    local.write_bytes(b"a local copy")
    converted = pathlib.Path(inception.fid_inception_weights(str(local)))
    assert converted.parent == cache_folder and converted.read_bytes() == b"converted" and len(conversions) == 2
    monkeypatch.setenv("KERAS_GANS_FID_WEIGHTS", str(path))
    assert inception.fid_inception_weights("fid") == str(path)
    with pytest.raises(FileNotFoundError, match="no weights file at"):
        inception.fid_inception_weights(tmp_path / "missing.weights.h5")


def test_offline_download_fails_fast_with_the_instructions(tmp_path, monkeypatch):
    """An unreachable URL gives one quick attempt and the clear error (no retries, no hang)."""
    import time
    import urllib.request

    monkeypatch.setenv("KERAS_GANS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("KERAS_GANS_FID_WEIGHTS", raising=False)
    monkeypatch.delenv("KERAS_GANS_FID_WEIGHTS_URL", raising=False)
    attempts = []

    def offline(url, timeout=None):
        attempts.append((url, timeout))
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    start = time.monotonic()
    with pytest.raises(
        FileNotFoundError,
        match=r"could not be downloaded from https://github.com/mseitzer/pytorch-fid"
        r".*URLError.*Download .* where there is a network",
    ):
        inception.fid_inception_weights("fid")
    assert time.monotonic() - start < 10
    assert attempts == [(inception.PYTORCH_FID_URL, inception.DOWNLOAD_TIMEOUT_SECONDS)]
