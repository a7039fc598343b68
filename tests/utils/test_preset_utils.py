import json
import os
import stat
import types

import huggingface_hub
import keras
import numpy as np
import pytest

from keras_gans.utils import preset_utils


@keras.saving.register_keras_serializable(package="keras_gans_tests")
class TinyNet(keras.Model):
    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = keras.layers.Dense(units)
        self.build((None, 2))

    def build(self, input_shape):
        self.dense.build(input_shape)
        self.built = True

    def call(self, x):
        return self.dense(x)

    def get_config(self):
        return dict(super().get_config(), units=self.units)


def listing(*files):
    """A stand-in for `huggingface_hub.model_info` (one request, which lists the repository's files)."""
    return lambda repo, **kwargs: types.SimpleNamespace(
        siblings=[types.SimpleNamespace(rfilename=name) for name in files]
    )


def test_save_to_preset_replaces_an_earlier_preset_with_mkdir_permissions(tmp_path):
    target = preset_utils.save_to_preset(TinyNet(units=2), tmp_path / "tiny")
    preset_utils.save_to_preset(TinyNet(units=5), target)
    assert preset_utils.load_preset_config(target)["config"]["units"] == 5
    assert sorted(os.listdir(tmp_path)) == ["tiny"]
    (tmp_path / "reference").mkdir()
    assert stat.S_IMODE(target.stat().st_mode) == stat.S_IMODE((tmp_path / "reference").stat().st_mode)
    (tmp_path / "empty").mkdir()
    assert preset_utils.is_preset_dir(preset_utils.save_to_preset(TinyNet(), tmp_path / "empty"))


@pytest.mark.parametrize("kind", ["file", "other-files", "preset-and-other-file", "no-config"])
def test_save_to_preset_refuses_a_path_that_is_not_a_preset(tmp_path, kind):
    target = tmp_path / "target"
    if kind == "file":
        target.write_text("keep")
    else:
        if kind == "preset-and-other-file":
            preset_utils.save_to_preset(TinyNet(), target)
        target.mkdir(exist_ok=True)
        (target / ("metadata.json" if kind == "no-config" else "keep.txt")).write_text("{}")
    before = {p.name: p.read_bytes() for p in ([target] if target.is_file() else target.iterdir())}
    with pytest.raises(ValueError, match=r"save_to_preset: .*target.* (is not a directory|not a preset directory)"):
        preset_utils.save_to_preset(TinyNet(), target)
    assert {p.name: p.read_bytes() for p in ([target] if target.is_file() else target.iterdir())} == before
    assert sorted(os.listdir(tmp_path)) == ["target"]


def test_save_to_preset_refuses_the_working_directory(tmp_path, monkeypatch):
    working = tmp_path / "parent" / "run"
    working.mkdir(parents=True)
    (working / "config.json").write_text("{}")  # a preset there is still never replaced
    monkeypatch.chdir(working)
    for path in (".", working, tmp_path / "parent"):
        with pytest.raises(ValueError, match="current directory or one of its parents"):
            preset_utils.save_to_preset(TinyNet(), path)
    assert sorted(os.listdir(working)) == ["config.json"]
    assert sorted(os.listdir(tmp_path / "parent")) == ["run"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GANS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_save_and_load_preset_round_trip(tmp_path):
    model = TinyNet(units=4)
    out = preset_utils.save_to_preset(model, tmp_path / "tiny", metadata={"trained_on": "nothing"})
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "metadata.json", "model.weights.h5"]
    meta = preset_utils.load_preset_metadata(out)
    assert meta["parameter_count"] == 2 * 4 + 4
    assert meta["trained_on"] == "nothing"
    assert meta["class_name"] == "TinyNet"
    restored = preset_utils.load_from_preset_dir(out, expected_cls=TinyNet)
    x = np.arange(6, dtype="float32").reshape(3, 2)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(restored(x)), keras.ops.convert_to_numpy(model(x)))
    fresh = preset_utils.load_from_preset_dir(out, load_weights=False, config_overrides={"units": 4})
    assert not np.array_equal(
        keras.ops.convert_to_numpy(fresh.dense.kernel), keras.ops.convert_to_numpy(model.dense.kernel)
    )


def test_load_preset_rejects_wrong_class_and_missing_weights(tmp_path):
    out = preset_utils.save_to_preset(TinyNet(), tmp_path / "tiny")
    with pytest.raises(ValueError, match="holds a TinyNet"):
        preset_utils.load_from_preset_dir(out, expected_cls=keras.layers.Dense)
    (out / "model.weights.h5").unlink()
    with pytest.raises(ValueError, match="load_weights=False"):
        preset_utils.load_from_preset_dir(out)


def test_unknown_preset_name_lists_known_ones():
    with pytest.raises(preset_utils.PresetNotFoundError, match="Known presets: a, b"):
        preset_utils.check_preset_name("c", {"b": 1, "a": 2}, "Thing")


def test_resolve_handle_local_dir_and_non_preset_dir(tmp_path):
    out = preset_utils.save_to_preset(TinyNet(), tmp_path / "tiny")
    assert preset_utils.resolve_handle(str(out)) == out
    with pytest.raises(preset_utils.PresetNotFoundError, match="no config.json"):
        preset_utils.resolve_handle(str(tmp_path))
    assert preset_utils.resolve_handle("not-a-path-or-handle") is None


def test_corrupt_config_is_a_clear_error(tmp_path):
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="not a readable preset directory"):
        preset_utils.load_from_preset_dir(tmp_path)


def test_hf_download_finds_the_file_in_the_listing(cache, tmp_path, monkeypatch):
    blob = tmp_path / "blob.pkl"
    blob.write_bytes(b"payload")
    calls = []
    monkeypatch.setattr(huggingface_hub, "model_info", listing("README.md", "sub/ffhq-256x256.pkl"))

    def fake_download(repo, filename, cache_dir=None):
        calls.append((repo, filename))
        return str(blob)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake_download)
    path = preset_utils.hf_download("owner/repo", local_name="ffhq.pkl")
    assert calls == [("owner/repo", "sub/ffhq-256x256.pkl")]
    assert path.read_bytes() == b"payload"
    assert path.parent.parent.parent == cache
    # A second call is served from the cache: the network layer is not touched.
    monkeypatch.setattr(huggingface_hub, "model_info", lambda repo, **kwargs: pytest.fail("network used"))
    assert preset_utils.hf_download("owner/repo", local_name="ffhq.pkl") == path


def test_hf_download_ambiguous_or_missing_file(cache, monkeypatch):
    monkeypatch.setattr(huggingface_hub, "model_info", listing("a.pkl", "b.pkl"))
    with pytest.raises(preset_utils.PresetNotFoundError, match="several files"):
        preset_utils.hf_download("owner/repo")
    monkeypatch.setattr(huggingface_hub, "model_info", listing("README.md"))
    with pytest.raises(preset_utils.PresetNotFoundError, match="no file matching"):
        preset_utils.hf_download("owner/repo")


def test_hf_download_offline_says_what_to_fetch_and_where(cache, monkeypatch):
    def offline(repo, **kwargs):
        raise ConnectionError("no network")

    monkeypatch.setattr(huggingface_hub, "model_info", offline)
    with pytest.raises(preset_utils.PresetDownloadError) as info:
        preset_utils.hf_download("brownvc/R3GAN-FFHQ-256x256", local_name="ffhq256.pkl")
    message = str(info.value)
    assert "https://huggingface.co/brownvc/R3GAN-FFHQ-256x256" in message
    assert str(cache / "downloads" / "brownvc--R3GAN-FFHQ-256x256" / "ffhq256.pkl") in message


def test_cache_root_follows_keras_home(monkeypatch, tmp_path):
    monkeypatch.delenv("KERAS_GANS_CACHE", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert preset_utils.cache_root() == tmp_path / "keras_gans"


def test_metadata_is_json(tmp_path):
    out = preset_utils.save_to_preset(TinyNet(), tmp_path / "tiny")
    json.loads((out / "metadata.json").read_text())
