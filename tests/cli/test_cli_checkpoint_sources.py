"""`--checkpoint RUN_DIR` of the sampling subcommands: a run folder loads its own checkpoints (also when copied, and
before `metrics.json` exists), and damaged checkpoint metadata gives one line naming the file.

The run folders are written as `keras-gans train` writes them (running `train` takes too long for these tests).
"""

import json
import shutil

import keras
import numpy as np
import pytest
from gan_testing import fixed_weights

import keras_gans
from keras_gans import cli
from keras_gans.callbacks import save_checkpoint
from keras_gans.cli import train as train_cli
from keras_gans.cli.generate import load_gan


@pytest.fixture(scope="module")
def gan():
    arch = {"widths": [8, 8], "cardinalities": 2, "blocks_per_stage": 1, "expansion_factor": 2}
    model = keras_gans.R3GAN(keras_gans.R3GANGenerator(**arch, latent_dim=8), keras_gans.R3GANDiscriminator(**arch))
    model.compile(gamma=0.05, learning_rate=2e-4, beta_2=0.99, ema_half_life_images=2000.0)
    fixed_weights(model.ema_generator, 1)  # the EMA generator differs from the trained one
    return model


def _write_run(gan, run, stored_checkpoint_dir):
    """`run/checkpoint` as `keras-gans train --output run` writes it; `metrics.json` records
    `stored_checkpoint_dir` (the path as `train` was given it) unless it is None (a run still going)."""
    checkpoint = run / "checkpoint"
    save_checkpoint(gan, str(checkpoint))
    config = keras.saving.serialize_keras_object(gan)
    config.pop("compile_config", None)
    (checkpoint / train_cli.MODEL_CONFIG_FILE).write_text(json.dumps(config))
    (checkpoint / train_cli.RUN_FILE).write_text(json.dumps({"model": "r3gan", "dataset": "reals.npz"}))
    if stored_checkpoint_dir is not None:
        (run / "metrics.json").write_text(json.dumps({"checkpoint_dir": stored_checkpoint_dir, "images_seen": 0}))
    return checkpoint


def _assert_same_ema_weights(model, gan):
    for loaded, expected in zip(model.ema_generator.weights, gan.ema_generator.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded), keras.ops.convert_to_numpy(expected))


def test_a_copied_run_folder_loads_its_own_checkpoints(gan, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write_run(gan, tmp_path / "r1", "r1/checkpoint")
    shutil.copytree(tmp_path / "r1", tmp_path / "rt2")
    for folder in (tmp_path / "r1" / "checkpoint").glob("ckpt-*"):  # the original run's checkpoints are gone
        shutil.rmtree(folder)
    _assert_same_ema_weights(load_gan(checkpoint="rt2"), gan)
    assert cli.main(["generate", "--checkpoint", "rt2", "--seeds", "0", "--output", "seed.png"]) == 0
    assert (tmp_path / "seed.png").is_file()


def test_a_relative_checkpoint_dir_is_looked_up_inside_the_run_folder(gan, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "moved"
    (run / "checkpoint").mkdir(parents=True)
    shutil.move(str(_write_run(gan, run, "runs/r1/ckpts")), str(run / "ckpts"))
    shutil.rmtree(run / "checkpoint", ignore_errors=True)
    _assert_same_ema_weights(load_gan(checkpoint="moved"), gan)
    shutil.rmtree(run / "ckpts")  # metrics.json names a folder outside the run: never loaded silently
    with pytest.raises(SystemExit, match=r"keras-gans generate: --checkpoint moved: .*metrics.json names .*ckpts"):
        cli.main(["generate", "--checkpoint", "moved", "--seeds", "0", "--output", "seed.png"])


def test_a_run_folder_without_metrics_loads_its_checkpoint_folder(gan, tmp_path):
    run = tmp_path / "running"
    _write_run(gan, run, None)
    _assert_same_ema_weights(load_gan(checkpoint=str(run)), gan)
    out = tmp_path / "g.onnx"
    if "onnx" in keras_gans.export.BACKENDS and keras.backend.backend() in keras_gans.export.BACKENDS["onnx"]:
        assert cli.main(["export", "--checkpoint", str(run), "--format", "onnx", "--output", str(out)]) == 0
        assert out.is_file()


@pytest.mark.parametrize(
    "text, message",
    [
        ("{bad", r"model\.json is not readable JSON .*expected the model configuration"),
        ('{"class_name": "Foo", "config": {}}', r"model\.json cannot be read as the model configuration"),
        ("[1, 2]", r"model\.json describes a list; expected the model configuration"),
    ],
)
def test_damaged_model_json_names_the_file(gan, tmp_path, text, message):
    checkpoint = _write_run(gan, tmp_path / "run", "run/checkpoint")
    (checkpoint / train_cli.MODEL_CONFIG_FILE).write_text(text)
    with pytest.raises(SystemExit, match=rf"^keras-gans generate: --checkpoint .*{message}"):
        cli.main(["generate", "--checkpoint", str(checkpoint), "--seeds", "0", "--output", str(tmp_path / "a.png")])


def test_damaged_run_json_names_the_file(gan, tmp_path):
    checkpoint = _write_run(gan, tmp_path / "run", "run/checkpoint")
    (checkpoint / train_cli.RUN_FILE).write_text("{bad")
    args = ["evaluate", "--checkpoint", str(checkpoint), "--metrics", "ms_ssim", "--output", str(tmp_path / "e.json")]
    with pytest.raises(SystemExit, match=r"^keras-gans evaluate: --checkpoint .*run\.json is not readable JSON"):
        cli.main(args)


def test_a_skipped_damaged_checkpoint_is_named_in_one_sentence(gan, tmp_path):
    checkpoint = _write_run(gan, tmp_path / "run", "run/checkpoint")
    newest = checkpoint / "ckpt-999999999999"
    shutil.copytree(next(checkpoint.glob("ckpt-*")), newest)
    (newest / "model.weights.h5").write_bytes(b"")
    with pytest.warns(RuntimeWarning, match="skipped newer checkpoints") as record:
        _assert_same_ema_weights(load_gan(checkpoint=str(checkpoint)), gan)
    message = str(record[0].message)
    assert "ckpt-999999999999: " in message and "empty (0 bytes)" in message
    assert ".." not in message and message.endswith("again.")
