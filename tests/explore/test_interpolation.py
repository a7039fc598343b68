"""Interpolation frames and `keras-gans interpolate`.

References: `GAN.generate` on the endpoint latents with the endpoint classes (the first and last frames), the
slerp/lerp functions (tested against closed forms in test_latents.py) for the frames in between, and the files
read back with Pillow (GIF) and imageio (MP4).
"""

import os
import subprocess

import imageio.v2 as imageio
import keras
import numpy as np
import pytest
from PIL import Image
from PIL import ImageSequence

import keras_gans
from keras_gans import cli
from keras_gans.explore import interpolate_classes
from keras_gans.explore import interpolation_frames
from keras_gans.explore import interpolation_inputs
from keras_gans.explore import seed_latent
from keras_gans.explore import slerp
from keras_gans.explore import write_animation


@pytest.fixture(scope="module")
def conditional_r3gan(tmp_path_factory):
    """A tiny class-conditional R3GAN (8x8, 3 classes), saved as a preset directory."""
    arch = {"widths": [8, 8], "cardinalities": [2, 2], "blocks_per_stage": 1, "expansion_factor": 2}
    model = keras_gans.R3GAN(
        keras_gans.R3GANGenerator(**arch, latent_dim=8, num_classes=3),
        keras_gans.R3GANDiscriminator(**arch, num_classes=3),
        seed=0,
    )
    for variable in model.ema_generator.weights:  # keep the outputs mostly inside [-1, 1] (few clipped pixels)
        variable.assign(keras.ops.convert_to_numpy(variable.value) * 0.5)
    return model, model.save_to_preset(tmp_path_factory.mktemp("presets") / "r3gan")


def test_class_interpolation_endpoints_equal_generate(conditional_r3gan):
    model, _ = conditional_r3gan
    frames = interpolation_frames(model, 3, 8, num_steps=5, start_class=0, end_class=2, output="float")
    assert frames.shape == (5, 8, 8, 3)
    first = model.generate(1, seed=3, labels=0, output="float")[0]
    last = model.generate(1, seed=8, labels=2, output="float")[0]
    np.testing.assert_allclose(frames[0], first, atol=1e-5)
    np.testing.assert_allclose(frames[-1], last, atol=1e-5)
    # The frames in between: the slerp latents with the blended one-hot labels.
    latents, labels = interpolation_inputs(model, 3, 8, 5, "slerp", 0, 2)
    np.testing.assert_allclose(latents, slerp(seed_latent(3, 8), seed_latent(8, 8), np.linspace(0, 1, 5)), rtol=1e-6)
    np.testing.assert_allclose(labels, interpolate_classes(0, 2, 5, 3))
    np.testing.assert_allclose(
        frames[2], model.generate(latents[2:3], labels=labels[2:3], output="float")[0], atol=1e-5
    )
    # One seed, two classes: only the label moves; end_class defaults to start_class.
    same = interpolation_frames(model, 4, 4, num_steps=3, start_class=1, output="float")
    np.testing.assert_allclose(same, np.repeat(model.generate(1, seed=4, labels=1, output="float"), 3, 0), atol=1e-5)
    # Truncation applies to every frame.
    truncated = interpolation_frames(
        model, 3, 8, num_steps=5, start_class=0, end_class=2, truncation_psi=0.5, output="float"
    )
    np.testing.assert_allclose(truncated, model.generate(0.5 * latents, labels=labels, output="float"), atol=1e-5)
    with pytest.raises(ValueError, match="`start` must be a seed or a latent of shape \\(8,\\)"):
        interpolation_frames(model, np.zeros(3), 1)


def test_cli_interpolate_writes_a_gif_with_every_frame(conditional_r3gan, tmp_path):
    model, preset = conditional_r3gan
    out = tmp_path / "walk.gif"
    assert (
        cli.main(
            [
                "interpolate",
                "--preset",
                str(preset),
                "--start-seed",
                "1",
                "--end-seed",
                "2",
                "--steps",
                "6",
                "--class",
                "1",
                "--end-class",
                "2",
                "--scale",
                "2",
                "--fps",
                "10",
                "--output",
                str(out),
            ]
        )
        == 0
    )
    with Image.open(out) as gif:
        assert gif.format == "GIF" and gif.n_frames == 6 and gif.size == (16, 16)
        assert gif.info["duration"] == 100 and gif.info["loop"] == 0
        frames = np.stack([np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(gif)])
    expected = interpolation_frames(model, 1, 2, num_steps=6, start_class=1, end_class=2)
    expected = expected.repeat(2, axis=1).repeat(2, axis=2)
    # 8x8 frames have at most 64 colours, which fit a GIF palette: the file holds the images exactly.
    np.testing.assert_array_equal(frames, expected)


def test_write_animation_mp4_and_errors(conditional_r3gan, tmp_path, monkeypatch):
    model, preset = conditional_r3gan
    out = tmp_path / "walk.mp4"
    popen_arguments = []

    def recording_popen(*args, **kwargs):
        popen_arguments.append(kwargs)
        return popen(*args, **kwargs)

    popen = subprocess.Popen
    monkeypatch.setattr(subprocess, "Popen", recording_popen)
    assert (
        cli.main(["interpolate", "--preset", str(preset), "--frames", "4", "--scale", "4", "--output", str(out)]) == 0
    )
    # ffmpeg is spawned without a `preexec_fn`, which would run the fork hooks of a multithreaded process (JAX warns).
    assert popen_arguments and all(kwargs.get("preexec_fn") is None for kwargs in popen_arguments)
    assert "IMAGEIO_FFMPEG_NO_PREVENT_SIGINT" not in os.environ
    monkeypatch.undo()
    monkeypatch.setenv("IMAGEIO_FFMPEG_NO_PREVENT_SIGINT", "1")  # the reader's ffmpeg, likewise
    video = np.stack(imageio.mimread(out, format="FFMPEG"))
    assert video.shape == (4, 32, 32, 3)
    expected = interpolation_frames(model, 0, 1, num_steps=4, start_class=0).repeat(4, 1).repeat(4, 2)
    # H.264 is lossy: compare the mean error (identical frames would be 0; unrelated images differ by ~60).
    assert np.abs(video.astype(int) - expected.astype(int)).mean() < 12
    with pytest.raises(ValueError, match="the animation format is chosen by the suffix"):
        write_animation(expected, tmp_path / "walk.avi")
    with pytest.raises(ValueError, match="MP4 \\(libx264\\) needs even frame sizes"):
        write_animation(np.zeros((2, 5, 5, 3), "uint8"), tmp_path / "odd.mp4")
    with pytest.raises(SystemExit, match="keras-gans interpolate: --frames must be >= 2"):
        cli.main(["interpolate", "--preset", str(preset), "--frames", "1", "--output", str(out)])
    with pytest.raises(SystemExit, match="keras-gans interpolate: --frames must be >= 2"):  # its unlisted alias
        cli.main(["interpolate", "--preset", str(preset), "--steps", "1", "--output", str(out)])
    with pytest.raises(SystemExit, match=r"`end_class` must be a class id in \[0, 3\)"):
        cli.main(["interpolate", "--preset", str(preset), "--end-class", "3", "--output", str(out)])
    assert not list(tmp_path.glob(".tmp-*"))  # failed writes leave no temporary files


def test_cli_generate_truncation_psi(conditional_r3gan, tmp_path):
    model, preset = conditional_r3gan
    assert (
        cli.main(
            [
                "generate",
                "--preset",
                str(preset),
                "--seeds",
                "5",
                "--class",
                "1",
                "--batch-size",
                "1",
                "--truncation-psi",
                "0.4",
                "--output",
                str(tmp_path),
            ]
        )
        == 0
    )
    np.testing.assert_array_equal(
        np.asarray(Image.open(tmp_path / "seed0005.png")), model.generate(0.4 * seed_latent(5, 8)[None], labels=1)[0]
    )
