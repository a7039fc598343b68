"""examples/quickstart.py (the main job of .ci/quickstart.sh) at tiny size: it writes the pretrained grid, trains,
and writes a self-contained report whose quality figures are those of `digit_quality` on the same images."""

import json
import pathlib
import re

import numpy as np
from PIL import Image
from script_loading import load_script

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "examples" / "quickstart.py"


def _module():
    return load_script(SCRIPT, "quickstart")


def test_quickstart_tiny_run_writes_grids_and_a_self_contained_report(tmp_path):
    import keras_gans

    quickstart = _module()
    out = tmp_path / "qs"
    summary = quickstart.main(
        [
            "--output",
            str(out),
            "--steps",
            "2",
            "--snapshots",
            "2",
            "--resolution",
            "8",
            "--width",
            "16",
            "--batch-size",
            "2",
            "--quality-images",
            "16",
        ]
    )
    assert np.asarray(Image.open(out / "pretrained.png")).shape == (10 * 32, 10 * 32)  # mnist_small, grey
    assert np.asarray(Image.open(out / "final.png")).shape == (8 * 8, 8 * 8)  # grayscale 8x8 digits
    page = (out / "report.html").read_text()
    assert 'src="http' not in page and "src='http" not in page  # nothing fetched: every image is embedded
    assert len(re.findall(r'src="data:image/png;base64,', page)) >= 4  # pretrained, snapshots, final, losses
    assert json.loads((out / "quickstart.json").read_text())["quality"] == summary["quality"]
    # The reference at the training resolution is the same figure on real digits downscaled as the data was.
    assert "real digits at 8x8" in page and "real digits at 28x28" in page
    real_8, _ = keras_gans.datasets.load_embedded_digits(8, as_rgb=False, pad_or_resize="resize")
    assert summary["real_digits_at_resolution"] == quickstart.digit_quality(real_8[: quickstart.REFERENCE_IMAGES])
    real = summary["real_digits"]
    # 1000 real digits: the shipped classifier is confident on most and sees all ten classes.
    assert real["confident_fraction"] > 0.8 and real["classes_covered"] == 10
    assert 0.0 <= summary["quality"]["confident_fraction"] <= 1.0


def test_digit_quality_counts_confidence_and_classes():
    """Closed cases: blank images are not confidently any digit; real digits of one class cover one class."""
    import keras_gans

    quickstart = _module()
    images, labels = keras_gans.datasets.load_embedded_digits(28, as_rgb=False)
    ones = images[labels == 1][:32]
    figures = quickstart.digit_quality(ones)
    assert figures["classes_covered"] == 1 and figures["confident_fraction"] > 0.9
    blank = quickstart.digit_quality(np.zeros((4, 16, 16, 3), np.uint8))  # other sizes: resized to 28x28 grey
    assert blank["classes_covered"] <= 1 and blank["mean_confidence"] <= 1.0
