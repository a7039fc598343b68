"""Checkpoints under damage and interruption: fallback to the newest good checkpoint, durable (fsync'ed) writes,
and removal of the temporary folders that a killed writer leaves behind (a real `kill -9` of a writing process)."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from gan_testing import tiny_networks
from gan_testing import uint8_images
from keras import ops

import keras_gans
from keras_gans.callbacks import list_checkpoints
from keras_gans.callbacks import restore_checkpoint
from keras_gans.callbacks import save_checkpoint
from keras_gans.callbacks.checkpoint import remove_stale_temporaries

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(TESTS_DIR)


def _model():
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d, seed=3)
    gan.compile(loss="nonsaturating")
    return gan


def _weights(gan):
    return [ops.convert_to_numpy(v.value) for v in gan.weights]


def _two_checkpoints(directory):
    """A model trained one step and saved (at 4 images), then set to 8 images seen and trained and saved again.

    Returns the weights of the first checkpoint."""
    gan = _model()
    gan.train_on_batch(uint8_images(8), return_dict=True)
    gan.images_seen.assign(4)
    save_checkpoint(gan, directory)
    first = _weights(gan)
    gan.train_on_batch(uint8_images(8, seed=1), return_dict=True)
    gan.images_seen.assign(8)
    save_checkpoint(gan, directory)
    assert [os.path.basename(p) for p in list_checkpoints(directory)] == ["ckpt-000000000004", "ckpt-000000000008"]
    return first


def _assert_restores_4(directory, first, damaged):
    fresh = _model()
    with pytest.warns(RuntimeWarning, match="ckpt-000000000008") as record:
        metadata = restore_checkpoint(fresh, directory)
    assert any(damaged in str(warning.message) for warning in record), [str(w.message) for w in record]
    assert metadata["images_seen"] == 4 and metadata["path"].endswith("ckpt-000000000004")
    for a, b in zip(first, _weights(fresh)):
        np.testing.assert_array_equal(a, b)


def test_a_damaged_newest_checkpoint_falls_back_to_the_previous_one(tmp_path):
    first_weights = _two_checkpoints(tmp_path)
    newest = tmp_path / "ckpt-000000000008"
    # Corrupt metadata.json: the bare JSONDecodeError becomes a skip naming the file.
    original = (newest / "metadata.json").read_bytes()
    (newest / "metadata.json").write_text('{"images_seen": 8, "step"')
    _assert_restores_4(tmp_path, first_weights, "metadata.json is not readable JSON")
    # Weights whose tail is zeroed (the structure is damaged): skipped as truncated or corrupt.
    (newest / "metadata.json").write_bytes(original)
    weights = newest / "model.weights.h5"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2] + bytes(len(data) - len(data) // 2))
    _assert_restores_4(tmp_path, first_weights, "truncated or corrupt")
    # A flipped byte in the data of the weights: HDF5 still reads it; the recorded SHA-256 does not match.
    weights.write_bytes(data[:-64] + bytes([data[-64] ^ 0xFF]) + data[-63:])
    _assert_restores_4(tmp_path, first_weights, "SHA-256")

    # A single checkpoint folder is not replaced by another one; with every checkpoint bad, each is listed.
    with pytest.raises(ValueError, match=r"cannot restore .*ckpt-000000000008.*SHA-256"):
        restore_checkpoint(_model(), newest)
    (tmp_path / "ckpt-000000000004" / "rng_state.npz").write_bytes(b"")
    with pytest.raises(
        ValueError,
        match=r"none of the 2 checkpoints.*ckpt-000000000008: .*SHA-256.*"
        r"ckpt-000000000004: .*rng_state.npz",
    ):
        restore_checkpoint(_model(), tmp_path)


def test_checkpoint_files_and_folders_are_fsynced_before_and_after_the_rename(tmp_path, monkeypatch):
    gan = _model()
    save_checkpoint(gan, tmp_path)  # the folder exists: the next write replaces it (the overwrite path)
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        info = os.fstat(fd)
        events.append(("fsync", info.st_ino))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", os.path.basename(src), os.path.basename(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    final = save_checkpoint(gan, tmp_path)
    monkeypatch.undo()

    renames = [i for i, e in enumerate(events) if e[0] == "replace" and e[2] == os.path.basename(final)]
    assert len(renames) == 1
    before = {e[1] for e in events[: renames[0]] if e[0] == "fsync"}
    after = {e[1] for e in events[renames[0] :] if e[0] == "fsync"}
    # Every file and the checkpoint folder itself reached the disk before the rename made them visible ...
    for name in ("model.weights.h5", "rng_state.npz", "metadata.json"):
        assert os.stat(os.path.join(final, name)).st_ino in before, name
    assert os.stat(final).st_ino in before
    # ... and the parent folder, which holds the new name, after it.
    assert os.stat(tmp_path).st_ino in after


def test_an_interrupted_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    gan = _model()
    first = save_checkpoint(gan, tmp_path)
    gan.images_seen.assign(8)

    def crash(src, dst):
        raise OSError("simulated crash before the rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        save_checkpoint(gan, tmp_path)
    monkeypatch.undo()
    assert list_checkpoints(tmp_path) == [first]
    assert restore_checkpoint(_model(), tmp_path)["path"] == first


def _dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_only_temporaries_of_gone_writers_are_removed(tmp_path):
    hex_ = "0123456789abcdef" * 2
    gone = tmp_path / f".tmp-{_dead_pid()}-{hex_}"
    live = tmp_path / f".tmp-{os.getppid()}-{hex_}"  # the process that started this one is running
    foreign = tmp_path / ".tmp-not-ours"
    for folder in (gone, live, foreign):
        folder.mkdir()
    old = tmp_path / f".old-{hex_}"  # the earlier naming, without a process id, from before this process
    old.mkdir()
    os.utime(old, (time.time() - 3600,) * 2)
    assert sorted(remove_stale_temporaries(tmp_path)) == sorted([str(gone), str(old)])
    assert live.is_dir() and foreign.is_dir()


_CHILD = """
import sys, time
from gan_testing import tiny_networks
import keras_gans
import keras_gans.callbacks.checkpoint as checkpoint

directory, ready = sys.argv[1], sys.argv[2]
g, d = tiny_networks()
gan = keras_gans.GAN(g, d, seed=3)
gan.compile(loss="nonsaturating")
gan.images_seen.assign(8)

def hang(folder):  # every file is written into the temporary folder; stop before it is flushed and renamed
    open(ready, "w").close()
    time.sleep(600)

checkpoint.fsync_tree = hang
checkpoint.save_checkpoint(gan, directory)
"""


def test_a_kill_9_during_a_save_leaves_a_folder_that_the_next_restore_and_save_remove(tmp_path):
    directory = tmp_path / "checkpoints"
    gan = _model()
    gan.train_on_batch(uint8_images(8), return_dict=True)
    gan.images_seen.assign(4)
    first = save_checkpoint(gan, directory)
    saved = _weights(gan)

    ready = tmp_path / "ready"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([REPO_ROOT, TESTS_DIR, os.environ.get("PYTHONPATH", "")]))
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(directory), str(ready)], env=env)
    try:
        deadline = time.time() + 300
        while not ready.exists():
            assert child.poll() is None, f"the writing process ended early with status {child.returncode}"
            assert time.time() < deadline, "the writing process did not reach the middle of its save"
            time.sleep(0.2)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    leftovers = [n for n in os.listdir(directory) if n.startswith(f".tmp-{child.pid}-")]
    assert len(leftovers) == 1 and os.listdir(directory / leftovers[0])
    assert list_checkpoints(directory) == [first]

    fresh = _model()
    assert restore_checkpoint(fresh, directory)["path"] == first
    for a, b in zip(saved, _weights(fresh)):
        np.testing.assert_array_equal(a, b)
    assert not (directory / leftovers[0]).exists()

    # Eight interrupted writes leave eight folders; one save removes them all.
    for _ in range(8):
        (directory / f".tmp-{child.pid}-{os.urandom(16).hex()}").mkdir()
    gan.images_seen.assign(12)
    save_checkpoint(gan, directory)
    assert sorted(os.listdir(directory)) == ["ckpt-000000000004", "ckpt-000000000012"]
    with open(directory / "ckpt-000000000012" / "metadata.json") as f:
        assert json.load(f)["images_seen"] == 12
