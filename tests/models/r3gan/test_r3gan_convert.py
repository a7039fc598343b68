"""Official R3GAN snapshot pickles converted to Keras presets, and the registered published checkpoints (with the
Hugging Face network layer replaced by fakes that serve the official fixture pickles)."""

import hashlib
import json
import os
import pickle
import shutil
import types

import huggingface_hub
import keras
import numpy as np
import pytest

from keras_gans.models.r3gan import OFFICIAL_CHECKPOINTS
from keras_gans.models.r3gan import R3GAN
from keras_gans.models.r3gan import convert_official_snapshot
from keras_gans.models.r3gan import export_official_weights
from keras_gans.models.r3gan import r3gan_from_official
from keras_gans.utils.checkpoints import UnsafeCheckpointError
from keras_gans.utils.preset_utils import PresetDownloadError

SNAPSHOTS = {"uncond": "uncond_network-snapshot-000000000.pkl", "cond": "cond_network-snapshot-000010000.pkl"}


def _fixture(fixtures_dir, config):
    folder = fixtures_dir / "r3gan_official"
    meta = json.loads((folder / "config.json").read_text())["configs"][config]
    return (
        folder / SNAPSHOTS[config],
        dict(np.load(folder / f"{config}_io.npz")),
        dict(np.load(folder / f"{config}_step.npz")),
        meta,
    )


def _official(step, prefix):
    return {k[len(prefix) :]: v for k, v in step.items() if k.startswith(prefix + "Model.")}


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(x, "float32")))


def _check_against_the_official_networks(model, io, step, config):
    """Weights equal the pickle's tensors (== the step file) and outputs equal the official-weight networks'."""
    ema_prefix = "G_ema." if config == "cond" else "G."  # uncond: G_ema equals G (EMA beta 0 at cur_nimg 0)
    for network, prefix in ((model.generator, "G."), (model.discriminator, "D."), (model.ema_generator, ema_prefix)):
        exported, official = export_official_weights(network), _official(step, prefix)
        assert sorted(exported) == sorted(official)
        for name, value in exported.items():
            np.testing.assert_array_equal(value, official[name], err_msg=name)
    labels = io["c"] if model.num_classes else None
    for network, prefix in ((model.generator, "G."), (model.ema_generator, ema_prefix)):
        reference = r3gan_from_official(_official(step, prefix))
        np.testing.assert_allclose(_np(network(io["z"], labels)), _np(reference(io["z"], labels)), atol=1e-5, rtol=0)
    images = np.ascontiguousarray(io["x_real"].transpose(0, 2, 3, 1))
    reference = r3gan_from_official(_official(step, "D."))
    np.testing.assert_allclose(_np(model.discriminator(images, labels)), _np(reference(images, labels)), atol=1e-5)


@pytest.mark.parametrize("config", sorted(SNAPSHOTS))
def test_converted_snapshot_loads_with_from_preset(fixtures_dir, tmp_path, config):
    pkl, io, step, meta = _fixture(fixtures_dir, config)
    path = convert_official_snapshot(pkl, tmp_path / "converted")
    metadata = json.loads((path / "metadata.json").read_text())
    assert metadata["source_sha256"] == hashlib.sha256(pkl.read_bytes()).hexdigest()
    assert metadata["cur_nimg"] == {"uncond": 4, "cond": 10_000_004}[config]
    n = len(meta["G_kwargs"]["WidthPerStage"])
    # Official G stages are in generator order; official D stages run high -> low resolution.
    g_stages = sorted(s % n for s in meta["G_kwargs"]["FP16Stages"])
    d_stages = sorted(n - 1 - s % n for s in meta["D_kwargs"]["FP16Stages"])
    assert metadata["bfloat16_stages"] == {"G": g_stages, "D": d_stages, "G_ema": g_stages}

    loaded = R3GAN.from_preset(str(path))
    assert list(loaded.generator.bfloat16_stages) == g_stages
    assert list(loaded.discriminator.bfloat16_stages) == d_stages
    assert int(_np(loaded.images_seen)) == metadata["cur_nimg"]
    assert loaded.recipe is None and loaded.augment_pipeline is None
    # The parity numbers are float32: load the same weights with every stage in float32.
    _check_against_the_official_networks(R3GAN.from_preset(str(path), bfloat16_stages=()), io, step, config)


class _FakeHub:
    """Stands in for huggingface_hub's network calls; serves one local file."""

    def __init__(self, repo_files, served, tmp_path):
        self.repo_files, self.served, self.tmp_path, self.calls = repo_files, served, tmp_path, []
        self.offline = False

    def model_info(self, repo_id, **kwargs):  # lists the repository's files
        self.calls.append(("list", repo_id))
        if self.offline:
            raise OSError("connection refused")
        return types.SimpleNamespace(siblings=[types.SimpleNamespace(rfilename=f) for f in self.repo_files])

    def hf_hub_download(self, repo_id, filename, cache_dir=None, **kwargs):
        self.calls.append(("download", repo_id, filename))
        if self.offline:
            raise OSError("connection refused")
        target = self.tmp_path / "hub" / filename
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.served, target)
        return str(target)


def _install(monkeypatch, tmp_path, served, repo_files=("README.md", ".gitattributes", "model.pkl")):
    monkeypatch.setenv("KERAS_GANS_CACHE", str(tmp_path / "cache"))
    hub = _FakeHub(repo_files, served, tmp_path)
    monkeypatch.setattr(huggingface_hub, "model_info", hub.model_info)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", hub.hf_hub_download)
    return hub


def test_registered_name_downloads_converts_once_and_then_loads_offline(fixtures_dir, tmp_path, monkeypatch):
    pkl, io, step, _ = _fixture(fixtures_dir, "cond")
    hub = _install(monkeypatch, tmp_path, pkl)
    model = R3GAN.from_preset("imagenet32")
    assert hub.calls == [
        ("list", OFFICIAL_CHECKPOINTS["imagenet32"]),
        ("download", "brownvc/R3GAN-ImgNet-32x32", "model.pkl"),
    ]
    assert model.preset == "imagenet32" and model.recipe["gamma_base"] == 0.5
    converted = tmp_path / "cache" / "presets" / "imagenet32"
    metadata = json.loads((converted / "metadata.json").read_text())
    assert metadata["source_repo"] == "https://huggingface.co/brownvc/R3GAN-ImgNet-32x32"
    assert metadata["source_sha256"] == hashlib.sha256(pkl.read_bytes()).hexdigest()

    hub.offline, hub.calls = True, []
    again = R3GAN.from_preset("imagenet32", bfloat16_stages=())
    assert hub.calls == []  # the converted cache is used: no network access at all
    _check_against_the_official_networks(again, io, step, "cond")


def test_registered_name_offline_error_says_what_to_fetch(fixtures_dir, tmp_path, monkeypatch):
    pkl, _, _, _ = _fixture(fixtures_dir, "uncond")
    hub = _install(monkeypatch, tmp_path, pkl)
    hub.offline = True
    with pytest.raises(
        PresetDownloadError,
        match=r"https://huggingface.co/brownvc/R3GAN-FFHQ-256x256.*by hand"
        r".*ffhq256\.pkl",
    ):
        R3GAN.from_preset("ffhq256")
    assert not (tmp_path / "cache" / "presets" / "ffhq256").exists()


class _Hostile:
    def __reduce__(self):
        return (os.system, ("echo should-never-run > hostile_marker",))


def test_registered_name_refuses_a_hostile_pickle(tmp_path, monkeypatch):
    hostile = tmp_path / "hostile.pkl"
    hostile.write_bytes(pickle.dumps({"G": _Hostile(), "D": None, "G_ema": None}))
    monkeypatch.chdir(tmp_path)
    _install(monkeypatch, tmp_path, hostile)
    with pytest.raises(UnsafeCheckpointError):
        R3GAN.from_preset("ffhq64")
    assert not (tmp_path / "hostile_marker").exists()
    assert not (tmp_path / "cache" / "presets" / "ffhq64").exists()
