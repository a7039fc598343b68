"""Conventions every `keras-gans` subcommand follows: each option has help text; `--output` names the file where
one file is written and a folder otherwise (here: `generate`, whose output count depends on its options)."""

import argparse

import numpy as np
import pytest
from PIL import Image

import keras_gans
from keras_gans import cli


def _subparsers(parser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    raise AssertionError("keras-gans has no subcommands")


def test_every_option_of_every_subcommand_has_help():
    subcommands = _subparsers(cli.build_parser())
    assert set(subcommands) >= set(cli.SUBCOMMANDS)
    missing = [
        f"{name} {'/'.join(action.option_strings) or action.dest}"
        for name, parser in subcommands.items()
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction) and not (action.help or "").strip()
    ]
    assert not missing, f"options without help text: {missing}"


@pytest.fixture(scope="module")
def preset(tmp_path_factory):
    arch = {"widths": [8, 8], "cardinalities": [2, 2], "blocks_per_stage": 1, "expansion_factor": 2}
    model = keras_gans.R3GAN(keras_gans.R3GANGenerator(**arch, latent_dim=8), keras_gans.R3GANDiscriminator(**arch))
    return model, model.save_to_preset(tmp_path_factory.mktemp("presets") / "r3gan")


def test_generate_output_is_a_file_when_one_file_is_written(preset, tmp_path):
    model, path = preset
    grid = tmp_path / "deep" / "x.png"
    assert (
        cli.main(["generate", "--preset", str(path), "--seeds", "0-3", "--grid", "--cols", "2", "--output", str(grid)])
        == 0
    )
    assert grid.is_file() and np.asarray(Image.open(grid)).shape == (16, 16, 3)
    z = np.concatenate([np.random.default_rng(s).standard_normal((1, 8)) for s in range(4)]).astype("float32")
    expected = model.generate(z)
    np.testing.assert_array_equal(np.asarray(Image.open(grid))[:8, 8:], expected[1])
    one = tmp_path / "one.png"
    assert cli.main(["generate", "--preset", str(path), "--seeds", "7", "--output", str(one)]) == 0
    np.testing.assert_array_equal(np.asarray(Image.open(one)), model.generate(1, seed=7)[0])
    # Several files into a .png name: refused, saying what to do; a folder otherwise.
    with pytest.raises(SystemExit, match="names one PNG file but 2 images"):
        cli.main(["generate", "--preset", str(path), "--seeds", "0-1", "--output", str(tmp_path / "y.png")])
    assert not (tmp_path / "y.png").exists()
    assert cli.main(["generate", "--preset", str(path), "--seeds", "0-1", "--output", str(tmp_path / "f")]) == 0
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == ["seed0000.png", "seed0001.png"]


def test_generate_batches_match_one_call(preset):
    """The progress loop draws `batch_size` seeds per call: the images equal one call for all seeds."""
    from keras_gans.cli.generate import generate_images

    model, _ = preset
    np.testing.assert_array_equal(
        generate_images(model, list(range(5)), batch_size=2), generate_images(model, list(range(5)), batch_size=8)
    )


def test_ctrl_c_ends_any_subcommand_with_one_line_and_status_130(monkeypatch, capsys):
    from keras_gans.cli import export

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(export, "export_command", interrupted)
    assert cli.main(["export", "--preset", "x", "--output", "out"]) == cli.EXIT_INTERRUPTED == 130
    assert capsys.readouterr().err == "keras-gans export: interrupted.\n"
