"""GANCheckpoint: exact round trip of the whole training state, atomic writes, pruning, cadence, guards."""

import json
import os
import pathlib

import keras
import numpy as np
import pytest
from gan_testing import RandomFlip
from gan_testing import tiny_networks
from gan_testing import uint8_images
from keras import ops

import keras_gans
from keras_gans.callbacks import GANCheckpoint
from keras_gans.callbacks import TerminateOnNonFinite
from keras_gans.callbacks import latest_checkpoint
from keras_gans.callbacks import list_checkpoints
from keras_gans.callbacks import restore_checkpoint
from keras_gans.callbacks import save_checkpoint
from keras_gans.callbacks.nonfinite import nonfinite_keys
from keras_gans.callbacks.nonfinite import nonfinite_metrics


def _model(seed):
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d, augment_pipeline=RandomFlip(seed=seed), seed=seed)
    gan.compile(loss="rpgan", r1_gamma=1.0, r2_gamma=1.0, augment_probability=0.5)
    return gan


def _everything(gan):
    values = [ops.convert_to_numpy(v.value) for v in gan.variables]
    values += [ops.convert_to_numpy(v.value) for v in gan.optimizer.variables]
    return values


def test_save_and_restore_round_trip_every_variable(tmp_path):
    gan = _model(1)
    gan.train_on_batch(uint8_images(8), return_dict=True)
    path = save_checkpoint(gan, tmp_path)
    assert os.path.basename(path) == "ckpt-000000000004"
    assert sorted(os.listdir(path)) == ["metadata.json", "model.weights.h5", "rng_state.npz"]
    with open(os.path.join(path, "metadata.json")) as f:
        metadata = json.load(f)
    assert metadata["images_seen"] == 4 and metadata["step"] == 1 and metadata["backend"] == keras.backend.backend()
    fresh = _model(2)
    before = _everything(fresh)
    restored = restore_checkpoint(fresh, tmp_path)
    assert restored["path"] == path
    changed = 0
    for a, b, old in zip(_everything(gan), _everything(fresh), before):
        np.testing.assert_array_equal(a, b)
        changed += int(not np.array_equal(a, old))
    assert changed > 0
    # The random streams continue identically: the next draws of the GAN's seed generator agree.
    draw = [ops.convert_to_numpy(keras.random.normal((3,), seed=m.seed_generator)) for m in (gan, fresh)]
    np.testing.assert_array_equal(draw[0], draw[1])


def test_keep_prunes_old_checkpoints_and_same_count_overwrites(tmp_path):
    gan = _model(1)
    for n in (4, 8, 12, 12, 16):
        gan.images_seen.assign(n)
        save_checkpoint(gan, tmp_path, keep=2)
    assert [os.path.basename(p) for p in list_checkpoints(tmp_path)] == ["ckpt-000000000012", "ckpt-000000000016"]
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]
    assert latest_checkpoint(tmp_path).endswith("ckpt-000000000016")
    # A folder without metadata (an interrupted write under a real name cannot happen, but be safe) is ignored.
    os.makedirs(tmp_path / "ckpt-000000000099")
    assert latest_checkpoint(tmp_path).endswith("ckpt-000000000016")


def test_resume_and_restore_guards(tmp_path):
    gan = _model(1)
    assert GANCheckpoint(tmp_path / "empty", 10).resume(gan) is None
    with pytest.raises(FileNotFoundError):
        restore_checkpoint(gan, tmp_path / "empty")
    save_checkpoint(gan, tmp_path)
    g, d = tiny_networks()
    uncompiled = keras_gans.GAN(g, d)
    with pytest.raises(ValueError, match="compile"):
        restore_checkpoint(uncompiled, tmp_path)
    g, d = tiny_networks()
    no_augment = keras_gans.GAN(g, d)  # one random-generator state fewer
    no_augment.compile(loss="nonsaturating")
    with pytest.raises(ValueError):
        restore_checkpoint(no_augment, tmp_path)
    with pytest.raises(ValueError, match="every_n_images"):
        GANCheckpoint(tmp_path, 0)


def test_callback_cadence_during_fit(tmp_path):
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d)
    gan.compile(loss="nonsaturating")
    callback = GANCheckpoint(tmp_path, every_n_images=8, keep=None, save_on_train_end=False)
    gan.fit(uint8_images(24), batch_size=4, verbose=0, callbacks=[callback], shuffle=False)
    assert [os.path.basename(p) for p in list_checkpoints(tmp_path)] == [
        "ckpt-000000000008",
        "ckpt-000000000016",
        "ckpt-000000000024",
    ]
    assert GANCheckpoint(tmp_path, 8).resume(gan)["images_seen"] == 24


def test_nonfinite_detection_helpers():
    assert nonfinite_keys({"d_loss": 1.0, "g_loss": float("nan"), "images_seen": 8}) == ["g_loss"]
    assert nonfinite_keys({"d_loss": np.float32("inf")}, keys=["g_loss"]) == []
    assert TerminateOnNonFinite(keys=["d_loss"]).get_config()["keys"] == ["d_loss"]
    gan = _model(2)
    gan.train_on_batch(uint8_images(8))
    assert nonfinite_metrics(gan) == []
    kernel = gan.discriminator.weights[0]
    kernel.assign(np.full(tuple(kernel.shape), np.nan, "float32"))
    gan.train_on_batch(uint8_images(8))  # D's scores, hence both losses, are NaN
    assert {"d_loss", "g_loss"} <= set(nonfinite_metrics(gan))


@pytest.mark.parametrize("keep", [-1, 0, 1.5, True, "3"], ids=["negative", "zero", "float", "bool", "string"])
def test_keep_must_be_none_or_a_positive_integer(tmp_path, keep):
    with pytest.raises(ValueError, match=r"GANCheckpoint: `keep` must be None .* or an integer >= 1"):
        GANCheckpoint(tmp_path, 8, keep=keep)
    gan = _model(1)
    with pytest.raises(ValueError, match=r"save_checkpoint: `keep` must be None .* or an integer >= 1"):
        save_checkpoint(gan, tmp_path, keep=keep)
    assert list_checkpoints(tmp_path) == []
    assert GANCheckpoint(tmp_path, 8, keep=np.int64(2)).keep == 2


def _fit_with_checkpoints(gan, directory, num_images):
    callback = GANCheckpoint(directory, every_n_images=4, keep=None)
    gan.fit(uint8_images(num_images), batch_size=4, verbose=0, callbacks=[callback], shuffle=False)
    return callback


def _checkpoint_weights(directory):
    return {path: pathlib.Path(path, "model.weights.h5").read_bytes() for path in list_checkpoints(directory)}


def test_a_fresh_run_refuses_a_directory_holding_another_runs_checkpoints(tmp_path):
    g, d = tiny_networks()
    first = keras_gans.GAN(g, d)
    first.compile(loss="nonsaturating")
    _fit_with_checkpoints(first, tmp_path, 8)
    _fit_with_checkpoints(first, tmp_path, 4)  # the run that wrote them goes on
    written = _checkpoint_weights(tmp_path)
    assert [os.path.basename(p) for p in written] == ["ckpt-000000000004", "ckpt-000000000008", "ckpt-000000000012"]

    g, d = tiny_networks()
    fresh = keras_gans.GAN(g, d)
    fresh.compile(loss="nonsaturating")
    with pytest.raises(ValueError, match=r"holds checkpoints of another run \(newest: ckpt-000000000012") as info:
        _fit_with_checkpoints(fresh, tmp_path, 8)
    assert repr(str(tmp_path)) in str(info.value) and "checkpoint.resume(model)" in str(info.value)
    assert _checkpoint_weights(tmp_path) == written

    assert GANCheckpoint(tmp_path, 4).resume(fresh)["images_seen"] == 12  # resuming continues that run
    _fit_with_checkpoints(fresh, tmp_path, 4)
    assert latest_checkpoint(tmp_path).endswith("ckpt-000000000016")
