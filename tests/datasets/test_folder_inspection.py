"""`inspect_image_folder`: counts, sizes, aspect ratios, channels and unreadable files of generated folders (the
expected values are those the files were written with); `fit="pad"` keeps the whole image (closed form: a 2:1 white
image padded to a square is white in its middle half rows, black above and below)."""

import numpy as np
import pytest
from PIL import Image

from keras_gans.datasets import inspect_image_folder
from keras_gans.datasets import load_image_folder


def _write(folder, sizes, mode):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i, (w, h) in enumerate(sizes):
        shape = (h, w) if mode == "L" else (h, w, 3)
        Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(folder / f"{i}.png")


def test_inspect_grayscale_rgb_mixed_sizes_and_unreadable_files(tmp_path):
    _write(tmp_path / "grey" / "a", [(40, 20), (40, 20), (30, 60)], "L")
    info = inspect_image_folder(tmp_path / "grey")
    assert (info.num_images, info.grayscale, info.channels) == (3, True, 1)
    assert info.sizes == {(40, 20): 2, (30, 60): 1}
    assert info.typical_side == 20 and info.aspect_ratios == (0.5, 2.0)
    assert info.unreadable == []
    _write(tmp_path / "grey" / "b", [(16, 16)], "RGB")  # one colour image: the folder is colour
    (tmp_path / "grey" / "broken.png").write_bytes(b"not a png")
    info = inspect_image_folder(tmp_path / "grey")
    assert (info.num_images, info.grayscale, info.channels) == (4, False, 3)
    assert [p.endswith("broken.png") for p, _ in info.unreadable] == [True]
    assert "1 files cannot be read" in info.summary() and "broken.png" in info.summary()
    with pytest.raises(ValueError, match="no image files"):
        inspect_image_folder(_empty(tmp_path))


def _empty(tmp_path):
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty"


def test_fit_pad_keeps_the_whole_image(tmp_path):
    (tmp_path / "wide").mkdir()
    Image.fromarray(np.full((4, 8), 255, np.uint8)).save(tmp_path / "wide" / "w.png")
    padded, _ = load_image_folder(
        tmp_path / "wide", 8, labels=None, as_numpy=True, color_mode="grayscale", fit="pad", interpolation="nearest"
    )
    assert padded.shape == (1, 8, 8, 1)
    np.testing.assert_array_equal(padded[0, :, :, 0], np.repeat([0, 0, 255, 255, 255, 255, 0, 0], 8).reshape(8, 8))
    cropped, _ = load_image_folder(
        tmp_path / "wide", 8, labels=None, as_numpy=True, color_mode="grayscale", interpolation="nearest"
    )
    assert (cropped == 255).all()
    with pytest.raises(ValueError, match="fit"):
        load_image_folder(tmp_path / "wide", 8, labels=None, fit="stretch")
