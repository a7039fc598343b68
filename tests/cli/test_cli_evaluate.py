"""`keras-gans evaluate` (keras_gans/cli/evaluate.py): models from a preset directory and from a `keras-gans train`
output folder give the numbers of `evaluate_generator` on the in-memory model (itself checked against the metric
functions in tests/metrics/test_evaluation.py), with the EMA generator unless --no-ema; bad arguments explain.

SWD is the metric used here: FID/KID/precision-recall need the FID Inception weights, which are not available
offline, and MS-SSIM needs 16x16 images (slow to compile on JAX for an R3GAN).
"""

import json

import keras
import numpy as np
import pytest
from gan_testing import fixed_weights

import keras_gans
from keras_gans import cli
from keras_gans.callbacks import save_checkpoint
from keras_gans.cli import train as train_cli
from keras_gans.metrics import evaluate_generator

SWD_OPTIONS = {"min_resolution": 8, "num_patches": 8, "num_repeats": 1, "dirs_per_repeat": 8}
SWD_ARGS = ["--metrics", "swd", "--num-images", "8", "--batch-size", "4", "--seed", "1"] + [
    f"--metric-option=swd.{key}={value}" for key, value in SWD_OPTIONS.items()
]


def _reals(tmp_path):
    path = tmp_path / "reals.npz"
    np.savez(path, x=np.random.default_rng(0).integers(0, 256, (8, 8, 8, 3), dtype=np.uint8))
    return str(path)


def _expected(model, dataset, use_ema=True):
    return evaluate_generator(
        model,
        "swd",
        real=dataset,
        num_images=8,
        batch_size=4,
        seed=1,
        use_ema=use_ema,
        metric_options={"swd": SWD_OPTIONS},
    )


def _tiny_r3gan():
    generator = keras_gans.R3GANGenerator(widths=[16, 16], cardinalities=4, blocks_per_stage=1, latent_dim=8)
    discriminator = keras_gans.R3GANDiscriminator(widths=[16, 16], cardinalities=4, blocks_per_stage=1)
    return keras_gans.R3GAN(generator, discriminator)


def _trained_run(tmp_path, dataset):
    """A `keras-gans train` run as it is on disk: --output folder with metrics.json, checkpoint/ with the model's
    configuration, run.json (dataset) and ckpt-* folders (running `train` itself takes too long for this test)."""
    gan = _tiny_r3gan()
    gan.compile(gamma=0.05, learning_rate=2e-4, beta_2=0.99, ema_half_life_images=2000.0)
    fixed_weights(gan.ema_generator, 1)  # the EMA generator differs from the trained one
    run, checkpoint = tmp_path / "run", tmp_path / "run" / "checkpoint"
    save_checkpoint(gan, str(checkpoint))
    config = keras.saving.serialize_keras_object(gan)
    config.pop("compile_config", None)
    (checkpoint / train_cli.MODEL_CONFIG_FILE).write_text(json.dumps(config))
    (checkpoint / train_cli.RUN_FILE).write_text(json.dumps({"model": "r3gan", "dataset": dataset}))
    (run / "metrics.json").write_text(json.dumps({"checkpoint_dir": str(checkpoint), "images_seen": 0}))
    return gan, run


def test_evaluate_a_train_checkpoint_with_and_without_ema(tmp_path, capsys):
    dataset = _reals(tmp_path)
    gan, run = _trained_run(tmp_path, dataset)
    out = tmp_path / "ema.json"
    assert cli.main(["evaluate", "--checkpoint", str(run), "--output", str(out)] + SWD_ARGS) == 0  # training data
    report = json.loads(out.read_text())
    expected = _expected(gan, dataset)
    assert report["metrics"].keys() == expected.keys() == {"swd_8", "swd_avg"}
    assert report["metrics"] == pytest.approx(expected, rel=1e-6)
    assert report["dataset"] == dataset and report["use_ema"] and report["images_seen"] == 0
    captured = capsys.readouterr()
    assert "swd_avg" in captured.out
    assert "real images" in captured.err and "generated images" in captured.err  # progress bars
    raw = tmp_path / "raw.json"
    ckpt = str(next((run / "checkpoint").glob("ckpt-*")))  # one checkpoint folder works too
    assert (
        cli.main(["evaluate", "--checkpoint", ckpt, "--dataset", dataset, "--no-ema", "--output", str(raw)] + SWD_ARGS)
        == 0
    )
    raw_metrics = json.loads(raw.read_text())["metrics"]
    assert raw_metrics == pytest.approx(_expected(gan, dataset, use_ema=False), rel=1e-6)
    assert abs(raw_metrics["swd_avg"] - report["metrics"]["swd_avg"]) > 1e-3 * report["metrics"]["swd_avg"]


def test_evaluate_a_preset_directory(tmp_path):
    dataset = _reals(tmp_path)
    model = _tiny_r3gan()
    model.save_to_preset(tmp_path / "preset")
    out = tmp_path / "sub" / "preset.json"
    assert (
        cli.main(
            ["evaluate", "--preset", str(tmp_path / "preset"), "--dataset", dataset, "--output", str(out)] + SWD_ARGS
        )
        == 0
    )
    assert json.loads(out.read_text())["metrics"] == pytest.approx(_expected(model, dataset), rel=1e-6)


def test_evaluate_rejects_bad_arguments(tmp_path):
    with pytest.raises(SystemExit, match="unknown --metrics.*'inception'.*fid, kid, swd, ms_ssim"):
        cli.main(["evaluate", "--preset", "x", "--metrics", "fid,inception"])
    with pytest.raises(SystemExit, match="swd compare with real images: pass --dataset"):
        cli.main(["evaluate", "--preset", "x", "--metrics", "ms_ssim,swd"])
    with pytest.raises(SystemExit, match="METRIC.KEY=VALUE"):
        cli.main(["evaluate", "--preset", "x", "--metric-option", "subset_size=3"])
    with pytest.raises(SystemExit, match="does not exist"):
        cli.main(["evaluate", "--checkpoint", str(tmp_path / "missing")])
    with pytest.raises(SystemExit, match="not a checkpoint directory of `keras-gans train`"):
        cli.main(["evaluate", "--checkpoint", str(tmp_path), "--metrics", "ms_ssim"])
    with pytest.raises(SystemExit, match="--preset nope: .*Known presets"):
        cli.main(["evaluate", "--preset", "nope", "--metrics", "ms_ssim"])
    with pytest.raises(SystemExit):  # argparse: exactly one of --preset / --checkpoint
        cli.main(["evaluate", "--metrics", "fid"])
