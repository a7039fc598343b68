"""`keras-gans train --model progan`: growth inside one run on a class-labelled .npz, then sampling its checkpoint.

The tiny ProGAN (8x8) trains 3 steps of 4 images with 4 images of 4x4 and a fade-in of 8 images: steps at 0 and
4 images run at 4x4, the step at 8 images fades 8x8 in (lod 0.5), and after 12 images the schedule has left the
fade-in (its next step would run at lod 0). The phase boundaries are recomputed here from the official formula
(`lod_bounds_at`).
"""

import json

import keras
import numpy as np
from PIL import Image

from keras_gans import cli
from keras_gans.callbacks.sample_grid import image_grid
from keras_gans.cli import train
from keras_gans.cli.generate import load_gan


def _expected_transitions(batch, steps, training, transition):
    """Images seen after which (floor(lod), ceil(lod)) changes, from the official schedule formula (R = 8)."""

    def bounds(n):
        phase, into = divmod(n, training + transition)
        upper = max(1 - phase, 0)
        return (max(upper - 1, 0) if into > training else upper), upper

    seen = [batch * (k + 1) for k in range(steps)]
    return [n for previous, n in zip([0] + seen, seen) if bounds(n) != bounds(previous)]


def test_progan_grows_on_a_conditional_npz_and_its_checkpoint_generates(tmp_path):
    rng = np.random.default_rng(0)
    npz = tmp_path / "digits.npz"
    np.savez(npz, x=rng.integers(0, 256, (12, 8, 8, 1), dtype=np.uint8), y=np.arange(12) % 2)  # grey, 2 classes
    out = tmp_path / "run"
    assert (
        cli.main(
            [
                "train",
                "--model",
                "progan",
                "--preset",
                "tiny",
                "--dataset",
                str(npz),
                "--conditional",
                "--resolution",
                "8",
                "--batch-size",
                "4",
                "--steps",
                "3",
                "--lod-training-kimg",
                "0.004",
                "--lod-transition-kimg",
                "0.008",
                "--sample-every",
                "100",
                "--output",
                str(out),
            ]
        )
        == 0
    )
    metrics = json.loads((out / "metrics.json").read_text())
    assert (metrics["model"], metrics["num_classes"], metrics["images_seen"]) == ("progan", 2, 12)
    schedule = metrics["progan"]["schedule"]
    assert (schedule["lod_training_kimg"], schedule["lod_transition_kimg"]) == (0.004, 0.008)
    assert [t[0] for t in metrics["progan"]["transitions"]] == _expected_transitions(4, 3, 4, 8) == [8, 12]
    # lod is written inside each step: the last step (at 8 images) ran mid-fade, lod = 1 - (8 - 4) / 8.
    assert (metrics["progan"]["lod"], metrics["progan"]["active_resolution"]) == (0.5, 8)
    assert np.isfinite(metrics["final_d_loss"]) and np.isfinite(metrics["final_g_loss"])
    samples = np.asarray(Image.open(out / "samples.png"))
    assert samples.shape == (4 * 8, 8 * 8, 3)

    # The checkpoint (model.json + newest ckpt-*) rebuilds the trained model: same lod, same final samples.
    model = load_gan(checkpoint=out / "checkpoint")
    assert model.ema_generator.active_resolution == 8
    assert float(np.asarray(keras.ops.convert_to_numpy(model.ema_generator.lod.value))) == 0.5
    np.testing.assert_array_equal(image_grid(model.generate(32, seed=0), 4, 8), samples)
    assert (
        cli.main(
            [
                "generate",
                "--checkpoint",
                str(out / "checkpoint"),
                "--seeds",
                "1",
                "--class",
                "1",
                "--output",
                str(tmp_path / "generated"),
            ]
        )
        == 0
    )
    np.testing.assert_array_equal(
        np.asarray(Image.open(tmp_path / "generated" / "seed0001.png")), model.generate(1, seed=1, labels=1)[0]
    )


def test_tiny_progan_schedule_spends_equal_images_per_phase():
    """R = 32: 4 stabilisation and 3 fade-in phases share the run, so it ends at full resolution."""
    schedule = train._tiny_progan_schedule(levels=4, total_images=7000)
    assert schedule.training_images == schedule.transition_images == 1000
    assert schedule.resolution_at(5999) == 32 and schedule.lod_at(5999) > 0  # still fading 32x32 in
    assert schedule.lod_at(6000) == 0.0 and schedule.resolution_at(0) == 4
