"""Durable writes: presets, downloads and JSON files are flushed (`os.fsync` of each file and of the folder that
receives the new name) before and after the rename, and an interrupted write keeps the previous version."""

import json
import os

import keras
import pytest

from keras_gans.utils import download
from keras_gans.utils import durable
from keras_gans.utils import preset_utils


@pytest.fixture
def fsyncs(monkeypatch):
    """Records `(inode, is_folder)` of every fsync'ed file descriptor, and each rename, in order."""
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        info = os.fstat(fd)
        events.append(("fsync", info.st_ino))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", os.fspath(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return events


def _flushed_around_rename(events, path):
    """Inodes fsync'ed before and after the rename onto `path`."""
    index = [i for i, e in enumerate(events) if e == ("replace", os.fspath(path))]
    assert len(index) == 1, events
    before = {e[1] for e in events[: index[0]] if e[0] == "fsync"}
    after = {e[1] for e in events[index[0] :] if e[0] == "fsync"}
    return before, after


def test_write_json_and_download_are_flushed_then_renamed(tmp_path, fsyncs):
    path = tmp_path / "out" / "metrics.json"
    durable.write_json(path, {"a": 1}, indent=2)
    before, after = _flushed_around_rename(fsyncs, path)
    assert os.stat(path).st_ino in before and os.stat(path.parent).st_ino in after
    assert json.loads(path.read_text()) == {"a": 1} and os.listdir(path.parent) == ["metrics.json"]

    # The real download function, on a local file:// URL (no network).
    source = tmp_path / "source.pth"
    source.write_bytes(b"checkpoint bytes" * 1000)
    destination = tmp_path / "cache" / "model.pth"
    fsyncs.clear()
    download.download_file(source.as_uri(), destination)
    before, after = _flushed_around_rename(fsyncs, destination)
    assert destination.read_bytes() == source.read_bytes()
    assert os.stat(destination).st_ino in before and os.stat(destination.parent).st_ino in after


def test_a_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "run.json"
    durable.write_json(path, {"version": 1})

    def crash(src, dst):
        raise OSError("simulated crash before the rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        durable.write_json(path, {"version": 2})
    monkeypatch.undo()
    assert json.loads(path.read_text()) == {"version": 1} and os.listdir(tmp_path) == ["run.json"]


def _net():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])


def test_save_to_preset_flushes_every_file_and_keeps_the_old_preset_until_the_new_one_is_in_place(
    tmp_path, fsyncs, monkeypatch
):
    preset = tmp_path / "preset"
    preset_utils.save_to_preset(_net(), preset)
    before, after = _flushed_around_rename(fsyncs, preset)
    for name in ("config.json", "metadata.json", "model.weights.h5"):
        assert os.stat(preset / name).st_ino in before, name
    assert os.stat(preset).st_ino in before and os.stat(tmp_path).st_ino in after

    # An overwrite that fails before the new preset is renamed into place leaves the old one in place.
    weights_inode = os.stat(preset / "model.weights.h5").st_ino
    real_replace = os.replace

    def crash_on_new(src, dst):
        if os.fspath(dst) == os.fspath(preset) and not os.fspath(src).endswith(".old"):  # the new preset
            raise OSError("simulated crash")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_on_new)
    with pytest.raises(OSError, match="simulated crash"):
        preset_utils.save_to_preset(_net(), preset)
    monkeypatch.setattr(os, "replace", real_replace)
    assert os.listdir(tmp_path) == ["preset"]
    assert os.stat(preset / "model.weights.h5").st_ino == weights_inode  # the previous preset, untouched
    preset_utils.load_from_preset_dir(preset)
