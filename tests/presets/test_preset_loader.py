"""The one preset system: listings, checkpoint files given to `from_preset`, the networks' presets, offline errors.

Checkpoint files are the official R3GAN parity fixtures (`tests/fixtures/r3gan_official`); the network layer is
replaced by a refusing socket, so nothing is downloaded.
"""

import json
import shutil
import socket
import time

import keras
import numpy as np
import pytest

from keras_gans import presets
from keras_gans.cli import main as cli_main
from keras_gans.models.progan import ProGAN
from keras_gans.models.progan import ProGANSchedule
from keras_gans.models.r3gan import R3GAN
from keras_gans.models.r3gan import R3GAN_PRESETS
from keras_gans.models.r3gan import R3GANDiscriminator
from keras_gans.models.r3gan import R3GANGenerator
from keras_gans.utils.preset_utils import PresetDownloadError
from keras_gans.utils.preset_utils import PresetNotFoundError

OFFLINE_LIMIT_S = 8.0  # "a few seconds" on a loaded machine; the retrying path needs 23 s of back-off sleeps alone
SNAPSHOTS = {"uncond": "uncond_network-snapshot-000000000.pkl", "cond": "cond_network-snapshot-000010000.pkl"}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GANS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _snapshot(fixtures_dir, config):
    return fixtures_dir / "r3gan_official" / SNAPSHOTS[config]


def _np(x):
    return keras.ops.convert_to_numpy(x)


def _same_weights(a, b):
    assert len(a.weights) == len(b.weights) > 0
    for x, y in zip(a.weights, b.weights):
        np.testing.assert_array_equal(_np(x), _np(y), err_msg=x.path)


def _refuse_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "name resolution refused (no network in this test)")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)


def test_listings_say_what_each_name_is():
    listing = R3GAN.presets
    assert listing["cifar10"] == {
        "description": listing["cifar10"]["description"],
        "weights": True,
        "source": "official",
    }
    assert "CIFAR-10" in listing["cifar10"]["description"]
    assert listing["cifar10_unconditional"]["weights"] is False and listing["cifar10_unconditional"]["source"] is None
    assert listing["stacked_mnist_small"]["source"] == "shipped"
    assert R3GANGenerator.presets == listing and R3GANDiscriminator.presets == listing
    progan = ProGAN.presets
    assert progan["pgz_celebahq_256"]["weights"] and "CelebA-HQ 256x256" in progan["pgz_celebahq_256"]["description"]
    assert progan["celebahq_1024"] == {
        "description": progan["celebahq_1024"]["description"],
        "weights": False,
        "source": None,
    }
    assert not set(progan) & set(listing)


def test_a_snapshot_file_is_converted_once_and_loads_like_convert_then_from_preset(fixtures_dir, cache, tmp_path):
    pkl = tmp_path / "network-snapshot-000010000.pkl"
    shutil.copyfile(_snapshot(fixtures_dir, "cond"), pkl)
    model = R3GAN.from_preset(str(pkl))
    converted = sorted((cache / "converted").iterdir())
    assert len(converted) == 1 and converted[0].name.startswith("r3gan-network-snapshot-000010000-")

    assert cli_main(["convert", str(pkl), str(tmp_path / "by_cli")]) == 0
    _same_weights(model, R3GAN.from_preset(str(tmp_path / "by_cli")))
    assert model.get_config() == R3GAN.from_preset(str(tmp_path / "by_cli")).get_config()

    weights_file = converted[0] / "model.weights.h5"
    stamp = weights_file.stat().st_mtime_ns
    again = R3GAN.from_preset(str(pkl), bfloat16_stages=())  # the cache is used: nothing is converted again
    assert weights_file.stat().st_mtime_ns == stamp and len(list((cache / "converted").iterdir())) == 1
    assert again.generator.bfloat16_stages == ()

    # The networks' presets are the model's: the generator is its EMA generator, made trainable.
    generator = R3GANGenerator.from_preset(str(pkl))
    _same_weights(generator, model.ema_generator)
    assert generator.trainable
    _same_weights(R3GANDiscriminator.from_preset(str(pkl)), model.discriminator)


def test_an_edited_file_is_converted_again(fixtures_dir, cache, tmp_path):
    pkl = tmp_path / "network-snapshot.pkl"
    shutil.copyfile(_snapshot(fixtures_dir, "uncond"), pkl)
    first = R3GAN.from_preset(str(pkl))
    shutil.copyfile(_snapshot(fixtures_dir, "cond"), pkl)  # same name, other content
    second = R3GAN.from_preset(str(pkl))
    assert len(list((cache / "converted").iterdir())) == 2
    assert first.num_classes == 0 and second.num_classes == 5
    metadata = [json.loads((d / "metadata.json").read_text()) for d in sorted((cache / "converted").iterdir())]
    assert all(d.name.endswith(m["source_sha256"]) for d, m in zip(sorted((cache / "converted").iterdir()), metadata))


def test_files_and_folders_that_are_not_presets_point_at_convert(cache, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a checkpoint")
    with pytest.raises(PresetNotFoundError, match="keras-gans convert"):
        R3GAN.from_preset(str(text))
    with pytest.raises(PresetNotFoundError, match="not a preset directory.*keras-gans convert"):
        ProGAN.from_preset(str(tmp_path))
    with pytest.raises(PresetNotFoundError, match=r"unknown preset 'ffhq1024'.*\.pkl") as info:
        R3GAN.from_preset("ffhq1024")
    assert "is a preset of" not in str(info.value)


def test_a_preset_of_the_other_model_names_the_class_that_has_it(cache):
    with pytest.raises(PresetNotFoundError, match=r"'pgz_dtd_128' is a preset of keras_gans.ProGAN: .*ProGAN.from_pre"):
        R3GAN.from_preset("pgz_dtd_128")
    with pytest.raises(PresetNotFoundError, match=r"'ffhq256' is a preset of keras_gans.R3GAN: .*R3GAN.from_preset"):
        ProGAN.from_preset("ffhq256", load_weights=False)


def test_networks_share_the_models_default_for_load_weights(cache):
    with pytest.raises(ValueError, match="'cifar10_unconditional' has no published weights"):
        R3GANGenerator.from_preset("cifar10_unconditional")
    generator = R3GANGenerator.from_preset("cifar10_unconditional", load_weights=False, bfloat16_stages=())
    assert generator.widths == [768] * 4 and generator.bfloat16_stages == ()
    # ProGAN loads weights when a preset has them: an architecture builds its networks.
    assert ProGAN.preset_load_weights_default is None


def test_an_offline_official_download_fails_within_seconds(cache, monkeypatch):
    _refuse_network(monkeypatch)
    start = time.monotonic()
    with pytest.raises(PresetDownloadError, match=r"https://huggingface.co/brownvc/R3GAN-FFHQ-64x64.*by hand"):
        R3GAN.from_preset("ffhq64")
    elapsed = time.monotonic() - start
    # huggingface_hub's retrying file listing sleeps 1 + 2 + 4 + 8 + 8 s before it gives up on a refused network.
    assert elapsed < OFFLINE_LIMIT_S, f"the offline failure took {elapsed:.1f} s"
    assert not (cache / "presets" / "ffhq64").exists()


def test_an_offline_pgz_download_fails_within_seconds(cache, monkeypatch):
    _refuse_network(monkeypatch)
    start = time.monotonic()
    with pytest.raises(PresetDownloadError, match=r"dl.fbaipublicfiles.com.*by hand"):
        ProGAN.from_preset("pgz_celeba_cropped_128")
    assert time.monotonic() - start < OFFLINE_LIMIT_S


def test_an_offline_pgz_architecture_says_that_it_needs_the_file_once(cache, monkeypatch):
    _refuse_network(monkeypatch)
    with pytest.raises(
        PresetDownloadError, match=r"architecture of 'pgz_dtd_128' is read from its checkpoint.*by hand"
    ):
        ProGAN.from_preset("pgz_dtd_128", load_weights=False)


def test_official_progan_names_build_their_architecture_offline_without_the_file(cache, monkeypatch):
    from keras_gans.converters.progan_official_releases import PROGAN_TF_CHECKPOINTS

    _refuse_network(monkeypatch)
    for name in ("celebahq_1024_official", "lsun_cat_256_official"):
        entry = PROGAN_TF_CHECKPOINTS[name]
        fresh = ProGAN.from_preset(name, load_weights=False, latent_dim=8, fmap_base=2048, fmap_max=8)
        architecture = ProGAN.from_preset(entry["architecture"], latent_dim=8, fmap_base=2048, fmap_max=8)
        assert fresh.image_shape == (entry["resolution"], entry["resolution"], 3)
        for network in ("generator", "discriminator"):
            ours, theirs = getattr(fresh, network).get_config(), getattr(architecture, network).get_config()
            assert {**ours, "name": None} == {**theirs, "name": None}
        assert (
            fresh.growth_schedule.get_config()
            == ProGANSchedule.from_preset(entry["schedule"], resolution=entry["resolution"]).get_config()
        )
    assert not (cache / "downloads").exists() and not (cache / "presets").exists()


def test_the_registry_is_extended_by_registering(cache):
    assert "fixture_conditional" in R3GAN.presets  # registered by the test suite (tests/r3gan_test_presets.py)
    entry = {**R3GAN_PRESETS["fixture_unconditional"], "description": "registered here"}
    entry["generator"] = {**entry["generator"], "latent_dim": 8}
    table = {"registered_here": entry}
    presets.register_presets("r3gan", table)
    try:
        assert R3GAN.presets["registered_here"] == {"description": "registered here", "weights": False, "source": None}
        model = R3GAN.from_preset("registered_here", load_weights=False)
        assert model.latent_dim == 8 and model.preset == "registered_here"
        assert R3GANGenerator.from_preset("registered_here", load_weights=False).latent_dim == 8
    finally:
        table.clear()  # the registry reads the table live
    assert "registered_here" not in R3GAN.presets
