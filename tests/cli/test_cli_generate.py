"""`keras-gans generate`: seeds, classes, grids and individual PNGs from preset directories.

Reference: `GAN.generate(1, seed=s)` of the model that was saved (seed `s` is the latent
`default_rng(s).standard_normal((1, latent_dim))`), read back from the PNG files bit for bit.
"""

import keras
import numpy as np
import pytest
from PIL import Image

import keras_gans
from keras_gans import cli
from keras_gans.callbacks import sample_grid
from keras_gans.cli.seeds import parse_seeds


def _png(path):
    return np.asarray(Image.open(path))


@pytest.fixture(scope="module")
def conditional_r3gan(tmp_path_factory):
    """A tiny class-conditional R3GAN (8x8, 3 classes) whose EMA generator differs from its generator."""
    arch = {"widths": [8, 8], "cardinalities": [2, 2], "blocks_per_stage": 1, "expansion_factor": 2}
    model = keras_gans.R3GAN(
        keras_gans.R3GANGenerator(**arch, latent_dim=8, num_classes=3),
        keras_gans.R3GANDiscriminator(**arch, num_classes=3),
    )
    for variable in model.ema_generator.weights:  # all are kernels and biases (not trainable: EMA)
        variable.assign(keras.ops.convert_to_numpy(variable.value) * 0.5)
    return model, model.save_to_preset(tmp_path_factory.mktemp("presets") / "r3gan")


@pytest.fixture(scope="module")
def progan(tmp_path_factory):
    """A tiny unconditional ProGAN (8x8) at its first phase (lod 1: the 4x4 blocks are active)."""
    model = keras_gans.ProGAN(
        keras_gans.ProGANGenerator(resolution=8, channels=[4, 4], latent_dim=4),
        keras_gans.ProGANDiscriminator(resolution=8, channels=[4, 4]),
    )
    return model, model.save_to_preset(tmp_path_factory.mktemp("presets") / "progan")


def test_generate_seeds_classes_grid_and_no_ema(conditional_r3gan, tmp_path):
    model, preset = conditional_r3gan
    out = tmp_path / "individual"
    # --batch-size 1: one generator call per seed, as generate(1, seed=s) (batches may round differently).
    assert (
        cli.main(
            [
                "generate",
                "--preset",
                str(preset),
                "--seeds",
                "0-2,5",
                "--class",
                "2",
                "--batch-size",
                "1",
                "--output",
                str(out),
            ]
        )
        == 0
    )
    assert sorted(p.name for p in out.iterdir()) == ["seed0000.png", "seed0001.png", "seed0002.png", "seed0005.png"]
    for seed in (0, 1, 2, 5):
        np.testing.assert_array_equal(_png(out / f"seed{seed:04d}.png"), model.generate(1, seed=seed, labels=2)[0])

    # A grid of 5 seeds in 3 columns: 2 rows, the last cell black; without --class the classes cycle 0, 1, 2, 0.
    assert (
        cli.main(
            [
                "generate",
                "--preset",
                str(preset),
                "--seeds",
                "3-7",
                "--grid",
                "--cols",
                "3",
                "--no-ema",
                "--output",
                str(tmp_path / "grid"),
            ]
        )
        == 0
    )
    grid = _png(tmp_path / "grid" / "grid.png")
    assert grid.shape == (2 * 8, 3 * 8, 3)
    z = np.concatenate([np.random.default_rng(seed).standard_normal((1, 8)) for seed in range(3, 8)])
    labels = np.arange(5) % 3
    expected = model.generate(z, labels=labels, use_ema=False)
    assert np.abs(expected.astype(int) - model.generate(z, labels=labels).astype(int)).max() > 8  # EMA differs
    for i in range(5):
        tile = grid[(i // 3) * 8 : (i // 3 + 1) * 8, (i % 3) * 8 : (i % 3 + 1) * 8]
        np.testing.assert_array_equal(tile, expected[i])
    assert not grid[8:, 16:].any()


def test_generate_progan_preset_keeps_its_level_of_detail(progan, tmp_path):
    """A ProGAN saved at its first phase (4x4 active) generates 4x4 images nearest-upsampled to 8x8."""
    model, preset = progan
    assert cli.main(["generate", "--preset", str(preset), "--seeds", "4", "--output", str(tmp_path / "out")]) == 0
    image = _png(tmp_path / "out" / "seed0004.png")
    np.testing.assert_array_equal(image, model.generate(1, seed=4)[0])
    np.testing.assert_array_equal(image, image[::2, ::2].repeat(2, 0).repeat(2, 1))


def test_generate_scale_repeats_every_pixel(conditional_r3gan, tmp_path):
    """`--scale 3` writes each image with every pixel repeated 3x3 (small models stay visible and sharp)."""
    model, preset = conditional_r3gan
    args = ["generate", "--preset", str(preset), "--seeds", "1-2", "--batch-size", "1", "--scale", "3"]
    assert cli.main(args + ["--output", str(tmp_path / "big")]) == 0
    for seed, label in ((1, 0), (2, 1)):  # the classes cycle from 0
        image = _png(tmp_path / "big" / f"seed{seed:04d}.png")
        assert image.shape == (24, 24, 3)
        np.testing.assert_array_equal(image, model.generate(1, seed=seed, labels=label)[0].repeat(3, 0).repeat(3, 1))
    assert cli.main(args + ["--grid", "--cols", "2", "--output", str(tmp_path / "grid.png")]) == 0
    assert _png(tmp_path / "grid.png").shape == (24, 48, 3)


def test_parse_seeds():
    seeds = parse_seeds("0-3,7, 9-10")
    assert list(seeds) == [0, 1, 2, 3, 7, 9, 10] and len(seeds) == 7
    assert [seeds[i] for i in range(-7, 7)] == list(seeds) * 2
    assert seeds[3:6] == [3, 7, 9] and seeds[5:100] == [9, 10]
    with pytest.raises(IndexError):
        seeds[7]
    assert list(parse_seeds("5")) == [5]
    # A long range is held as a range: its length and any element, without a list of its seeds.
    huge = parse_seeds("3,10-10000000009")
    assert len(huge) == 10**10 + 1 and huge[1] == 10 and huge[-1] == 10**10 + 9 and huge[10**9] == 10**9 + 9
    for bad in ("", "a", "-1", "3-1", "1,,2", "0-"):
        with pytest.raises(ValueError):
            parse_seeds(bad)


def test_generate_errors_are_helpful(conditional_r3gan, progan, tmp_path):
    _, preset = conditional_r3gan
    out = str(tmp_path / "out")
    with pytest.raises(SystemExit, match="--seeds: the range '3-1' is empty"):
        cli.main(["generate", "--preset", str(preset), "--seeds", "3-1", "--output", out])
    with pytest.raises(SystemExit, match="--seeds: expected seeds such as '0-15'"):
        cli.main(["generate", "--preset", str(preset), "--seeds", "x", "--output", out])
    with pytest.raises(SystemExit, match=r"--class must be in \[0, 3\)"):
        cli.main(["generate", "--preset", str(preset), "--class", "3", "--output", out])
    with pytest.raises(
        SystemExit, match="'nope' is neither a file or folder nor a preset name. Known presets: .*cifar10"
    ):
        cli.main(["generate", "--preset", "nope", "--output", out])
    with pytest.raises(SystemExit, match="the checkpoint .*missing does not exist"):
        cli.main(["generate", "--checkpoint", str(tmp_path / "missing"), "--output", out])
    with pytest.raises(SystemExit, match="not a checkpoint directory of `keras-gans train`"):
        cli.main(["generate", "--checkpoint", str(tmp_path), "--output", out])
    with pytest.raises(SystemExit, match="has no published weights"):
        cli.main(["generate", "--preset", "bench32", "--output", out])
    with pytest.raises(SystemExit, match="--cols must be >= 1"):
        cli.main(["generate", "--preset", str(preset), "--grid", "--cols", "0", "--output", out])
    with pytest.raises(SystemExit, match="--scale must be >= 1, got 0"):
        cli.main(["generate", "--preset", str(preset), "--scale", "0", "--output", out])
    with pytest.raises(SystemExit, match="--class was given but the model is unconditional"):
        cli.main(["generate", "--preset", str(progan[1]), "--class", "0", "--output", out])


def test_generate_writes_as_it_goes_and_stops_cleanly_on_ctrl_c(conditional_r3gan, tmp_path, monkeypatch, capsys):
    model, preset = conditional_r3gan
    out = tmp_path / "many"
    saved = []
    save_png = sample_grid.save_png

    def save_then_interrupt(image, path):
        if len(saved) == 3:
            raise KeyboardInterrupt
        save_png(image, path)
        saved.append(path)

    monkeypatch.setattr(sample_grid, "save_png", save_then_interrupt)
    # A billion seeds: images are made and written chunk by chunk, not all at once.
    argv = ["generate", "--preset", str(preset), "--seeds", "0-999999999", "--batch-size", "2", "--output", str(out)]
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 130
    assert "interrupted after writing 3 of 1,000,000,000 images to" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["seed0000.png", "seed0001.png", "seed0002.png"]
    np.testing.assert_array_equal(_png(out / "seed0002.png"), model.generate(1, seed=2, labels=2)[0])
    # The grid holds all images at once: refused before any is made when they cannot fit in memory.
    with pytest.raises(SystemExit, match="--grid with --seeds: 1000000000000 images need at least"):
        cli.main([*argv[:4], "0-999999999999", *argv[5:], "--grid"])
    assert len(saved) == 3
