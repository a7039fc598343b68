"""`ProGAN.from_preset` for the pytorch_GAN_zoo checkpoints: download (mocked), hash check, safe reading, conversion
cache, offline errors, `save_to_preset` round trip, and parity with the fixture `fixtures/progan_pgz`.

The checkpoint is a real `torch.save` zip archive written here from the fixture's state dicts, with a config object
of a class named like pytorch_GAN_zoo's (`models.utils.config.BaseConfig`); only the network layer
(`keras_gans.converters.progan_pgz.download_file`) is replaced. `netG` is a perturbed copy of the fixture generator
and `avgG` the
fixture generator itself, so the EMA generator (used by `generate`) must reproduce the fixture outputs.
"""

import collections
import hashlib
import io
import sys
import types

import numpy as np
import pytest
from progan_network_checks import to_numpy

from keras_gans.converters import progan_pgz as progan_pgz_presets
from keras_gans.models.progan import ProGAN
from keras_gans.models.progan import progan_from_pgz
from keras_gans.utils.preset_utils import PresetDownloadError
from keras_gans.utils.preset_utils import PresetNotFoundError

NAME = "pgz_celebahq_256"


def _load(folder, name):
    with np.load(folder / name) as data:
        return {k: data[k] for k in data.files}


@pytest.fixture
def pgz(fixtures_dir):
    folder = fixtures_dir / "progan_pgz"
    return (
        _load(folder, "pgz_pgan_G_state_dict.npz"),
        _load(folder, "pgz_pgan_D_state_dict.npz"),
        _load(folder, "pgz_pgan_io.npz"),
    )


def _checkpoint_bytes(monkeypatch, g_sd, d_sd, avg_sd):
    import torch

    module = types.ModuleType("models.utils.config")

    class BaseConfig:
        pass

    BaseConfig.__module__, BaseConfig.__qualname__ = "models.utils.config", "BaseConfig"
    module.BaseConfig = BaseConfig
    for name in ("models", "models.utils"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "models.utils.config", module)
    config = BaseConfig()
    config.__dict__.update(
        depthScale0=32,
        depthOtherScales=[32, 16, 8],
        noiseVectorDim=16,
        latentVectorDim=16,
        perChannelNormalization=True,
        leakyReluLeak=0.2,
        miniBatchStdDev=True,
        equalizedlR=True,
        lossCriterion="WGANGP",
        lambdaGP=10.0,
        epsilonD=0.001,
        alpha=0.0,
        learningRate=0.001,
        attribKeysOrder=None,
    )

    def state(sd):
        return collections.OrderedDict((k, torch.from_numpy(np.array(v))) for k, v in sd.items())

    buffer = io.BytesIO()
    torch.save({"config": config, "netG": state(g_sd), "netD": state(d_sd), "avgG": state(avg_sd)}, buffer)
    return buffer.getvalue()


@pytest.fixture
def served(pgz, monkeypatch, tmp_path):
    """The checkpoint behind a fake network layer; the cache in a temporary folder. Returns the download log."""
    g_sd, d_sd, _ = pgz
    net_g = {k: (v * 0.9 if k.endswith("weight") else v) for k, v in g_sd.items()}
    payload = _checkpoint_bytes(monkeypatch, net_g, d_sd, g_sd)
    monkeypatch.setenv("KERAS_GANS_CACHE", str(tmp_path / "cache"))
    calls = []

    def fake_download(url, destination):
        calls.append(url)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(payload)
        return destination

    monkeypatch.setattr(progan_pgz_presets, "download_file", fake_download)
    digest = hashlib.sha256(payload).hexdigest()
    entry = {**progan_pgz_presets.PGZ_CHECKPOINTS[NAME], "file": f"celebaHQ_s6_i80000-{digest[:8]}.pth"}
    monkeypatch.setitem(progan_pgz_presets.PGZ_CHECKPOINTS, NAME, entry)
    return calls, net_g


def nhwc(x):
    return x.transpose(0, 2, 3, 1)


def assert_parity(got, expected, name):
    err, scale = np.abs(got - expected).max(), np.abs(expected).max()
    assert err <= 1e-5 * scale, f"{name}: max abs err {err:.3g}, max |ref| {scale:.3g}"


def test_from_preset_converts_once_and_matches_the_fixture(served, pgz, tmp_path):
    calls, net_g = served
    _, _, io_ = pgz
    gan = ProGAN.from_preset(NAME)
    assert calls == [progan_pgz_presets.PGZ_BASE_URL + progan_pgz_presets.PGZ_CHECKPOINTS[NAME]["file"]]
    assert gan.generator.resolution == 32 and gan.generator.active_resolution == 32
    assert float(to_numpy(gan.ema_generator.lod.value)) == 0.0
    assert gan.growth_schedule.lod_at(10**6) == 0.0  # no growing: the released checkpoints are fully grown
    # EMA generator = avgG = the fixture generator; D = netD.
    assert_parity(gan.generate(io_["z"], output="float"), nhwc(io_["G_out_alpha0"]), "EMA G (avgG)")
    x = nhwc(io_["x_real"])
    assert_parity(to_numpy(gan.discriminator(x)), io_["D_out_real_alpha0"][:, 0], "D real")
    assert_parity(to_numpy(gan.discriminator(x[:6])), io_["D_out_real_alpha0_batch6"][:, 0], "D batch 6")
    reference_g, _ = progan_from_pgz(net_g)
    np.testing.assert_allclose(to_numpy(gan.generator(io_["z"])), to_numpy(reference_g(io_["z"])), atol=1e-5)

    # Cached: no network, not even the checkpoint file is needed any more.
    for path in (tmp_path / "cache" / "downloads").rglob("*.pth"):
        path.unlink()
    again = ProGAN.from_preset(NAME)
    assert len(calls) == 1
    np.testing.assert_array_equal(again.generate(io_["z"], output="float"), gan.generate(io_["z"], output="float"))
    fresh = ProGAN.from_preset(NAME, load_weights=False)
    assert fresh.generator.resolution == 32
    pairs = zip(fresh.generator.trainable_weights, gan.generator.trainable_weights)
    kernels = [(v, w) for v, w in pairs if "kernel" in v.path]
    assert kernels and all(  # drawn, not loaded
        np.any(to_numpy(v.value)) and not np.array_equal(to_numpy(v.value), to_numpy(w.value)) for v, w in kernels
    )

    # save_to_preset / local directory round trip (weights, lod and images_seen included).
    gan.images_seen.assign(1234)
    directory = gan.save_to_preset(tmp_path / "my_progan")
    loaded = ProGAN.from_preset(str(directory))
    assert int(to_numpy(loaded.images_seen.value)) == 1234
    np.testing.assert_array_equal(loaded.generate(io_["z"], output="float"), gan.generate(io_["z"], output="float"))
    np.testing.assert_array_equal(to_numpy(loaded.discriminator(x)), to_numpy(gan.discriminator(x)))


def test_a_pth_file_of_your_own_is_converted_once_into_the_cache(pgz, monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_GANS_CACHE", str(tmp_path / "cache"))
    g_sd, d_sd, io_ = pgz
    pth = tmp_path / "100_celeba_cropped.pth"
    pth.write_bytes(_checkpoint_bytes(monkeypatch, g_sd, d_sd, g_sd))
    gan = ProGAN.from_preset(str(pth))
    assert_parity(gan.generate(io_["z"], output="float"), nhwc(io_["G_out_alpha0"]), "EMA G (avgG)")
    converted = list((tmp_path / "cache" / "converted").iterdir())
    assert len(converted) == 1 and converted[0].name.endswith(hashlib.sha256(pth.read_bytes()).hexdigest())
    # The same as `keras-gans convert` followed by from_preset(directory).
    from keras_gans.cli import main as cli_main

    assert cli_main(["convert", str(pth), str(tmp_path / "by_cli")]) == 0
    by_cli = ProGAN.from_preset(str(tmp_path / "by_cli"))
    np.testing.assert_array_equal(by_cli.generate(io_["z"], output="float"), gan.generate(io_["z"], output="float"))
    x = nhwc(io_["x_real"])
    np.testing.assert_array_equal(to_numpy(by_cli.discriminator(x)), to_numpy(gan.discriminator(x)))
    # The generator's preset is the model's EMA generator.
    from keras_gans.models.progan import ProGANGenerator

    generator = ProGANGenerator.from_preset(str(pth))
    # The same weights: `generate` runs a compiled forward pass on JAX and TensorFlow, so float32 round-off only.
    np.testing.assert_allclose(
        to_numpy(generator(io_["z"])), gan.generate(io_["z"], output="float"), rtol=1e-5, atol=1e-5
    )
    assert len(list((tmp_path / "cache" / "converted").iterdir())) == 1  # converted once


def test_hash_offline_and_unknown_name_errors(served, monkeypatch, tmp_path):
    calls, _ = served
    # The file name's hash prefix must match: the registered name (real prefix) rejects the fake file.
    monkeypatch.setitem(
        progan_pgz_presets.PGZ_CHECKPOINTS, "pgz_dtd_128", {**progan_pgz_presets.PGZ_CHECKPOINTS["pgz_dtd_128"]}
    )
    with pytest.raises(ValueError, match="SHA-256 .* does not start with 04efa39f"):
        ProGAN.from_preset("pgz_dtd_128")
    assert not progan_pgz_presets.checkpoint_path("pgz_dtd_128").exists()  # a bad download is removed

    def offline(url, destination):
        raise OSError("network is unreachable")

    monkeypatch.setattr(progan_pgz_presets, "download_file", offline)
    expected_path = progan_pgz_presets.checkpoint_path("pgz_celeba_cropped_128")
    with pytest.raises(PresetDownloadError) as info:
        ProGAN.from_preset("pgz_celeba_cropped_128")
    message = str(info.value)
    assert "celebaCropped_s5_i83000-2b0acc76.pth" in message and str(expected_path) in message
    assert "dl.fbaipublicfiles.com/gan_zoo/PGAN/" in message

    with pytest.raises(PresetNotFoundError, match="pgz_celebahq_512.*pgz_dtd_128"):
        ProGAN.from_preset("pgz_celebahq_1024")
    with pytest.raises(ValueError, match="without published weights .*pgz_celebahq_256"):
        ProGAN.from_preset("celeba_128", load_weights=True)


def test_config_settings_that_cannot_be_reproduced_are_refused():
    with pytest.raises(ValueError, match="tanh"):
        progan_pgz_presets.pgz_config_arguments({"lossCriterion": "DCGAN"})
    with pytest.raises(ValueError, match="equalizedlR"):
        progan_pgz_presets.pgz_config_arguments({"equalizedlR": False})
    g, d = progan_pgz_presets.pgz_config_arguments({"perChannelNormalization": False, "leakyReluLeak": 0.1})
    assert g == {"leaky_relu_slope": 0.1, "normalize_latents": False, "use_pixelnorm": False}
    assert d == {"leaky_relu_slope": 0.1}
