"""`keras-gans train --dataset my_folder/` with no preset: the folder is inspected, the configuration printed and
an R3GAN trained in grayscale or RGB, at the chosen or the asked resolution, on non-square and mixed-size images
(`--fit crop` and `--fit pad`). Two steps of two images each: the point is the plumbing, not the training."""

import json

import numpy as np
import pytest
from PIL import Image

from keras_gans import cli


def _folder(root, sizes, mode):
    root.mkdir(parents=True)
    rng = np.random.default_rng(1)
    for i, (w, h) in enumerate(sizes):
        shape = (h, w) if mode == "L" else (h, w, 3)
        Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(root / f"img{i}.png")
    return root


def _train(tmp_path, folder, *extra):
    out = tmp_path / "run"
    assert (
        cli.main(
            [
                "train",
                "--dataset",
                str(folder),
                "--steps",
                "2",
                "--batch-size",
                "2",
                "--sample-every",
                "1000",
                "--output",
                str(out),
                *extra,
            ]
        )
        == 0
    )
    return json.loads((out / "metrics.json").read_text()), np.asarray(Image.open(out / "samples.png"))


def test_grayscale_non_square_mixed_sizes(tmp_path, capsys):
    folder = _folder(tmp_path / "grey", [(12, 9), (10, 8), (20, 10), (9, 14)], "L")
    metrics, samples = _train(tmp_path, folder)
    printed = capsys.readouterr().out
    assert "4 images" in printed and "grayscale (1)" in printed and "resolution 8" in printed
    # The printed choice is the batch size actually used: --batch-size 2 overrides the CPU's default of 32.
    assert "batch size 2: as asked" in printed and "batch size 32" not in printed
    assert (metrics["preset"], metrics["resolution"], metrics["images_seen"]) == ("auto", 8, 4)
    assert metrics["architecture"]["generator"]["image_channels"] == 1
    assert samples.shape == (4 * 8, 8 * 8)  # a grey PNG grid of 4 x 8 samples
    assert np.isfinite(metrics["final_d_loss"]) and np.isfinite(metrics["final_g_loss"])


def test_rgb_padded_at_an_asked_resolution(tmp_path):
    folder = _folder(tmp_path / "rgb", [(30, 10), (12, 12), (7, 21), (16, 9)], "RGB")
    metrics, samples = _train(tmp_path, folder, "--resolution", "4", "--fit", "pad")
    assert (metrics["resolution"], metrics["fit"]) == (4, "pad")
    assert metrics["architecture"]["generator"]["image_channels"] == 3 and samples.shape == (4 * 4, 8 * 4, 3)


def test_unreadable_files_and_bad_choices_stop_before_training(tmp_path, capsys):
    folder = _folder(tmp_path / "bad", [(8, 8), (8, 8)], "RGB")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8 truncated")
    with pytest.raises(SystemExit, match="1 image files cannot be read"):
        cli.main(["train", "--dataset", str(folder), "--output", str(tmp_path / "r")])
    assert "broken.jpg" in capsys.readouterr().out
    (folder / "broken.jpg").unlink()
    with pytest.raises(SystemExit, match="power of two"):
        cli.main(["train", "--dataset", str(folder), "--resolution", "6", "--output", str(tmp_path / "r")])
    with pytest.raises(SystemExit, match="--preset auto chooses an R3GAN for a folder"):
        cli.main(["train", "--dataset", "embedded", "--preset", "auto", "--output", str(tmp_path / "r")])
    with pytest.raises(SystemExit, match="--fit applies to image folders only"):
        cli.main(
            [
                "train",
                "--dataset",
                "embedded",
                "--fit",
                "pad",
                "--resolution",
                "4",
                "--steps",
                "1",
                "--output",
                str(tmp_path / "r"),
            ]
        )
