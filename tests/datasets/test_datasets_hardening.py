"""Bad data is reported before training: every unreadable file of an image folder at once, an empty dataset by
name, and float images that look like [0, 1] data (even with a little resampling overshoot below 0)."""

import warnings

import numpy as np
import pytest
from gan_testing import tiny_networks
from PIL import Image

import keras_gans
from keras_gans.datasets import load_dataset
from keras_gans.datasets import load_image_folder
from keras_gans.training import inputs as gan_inputs


def test_an_image_folder_lists_every_unreadable_file_before_training(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(tmp_path / f"good{i}.png")
    png = (tmp_path / "good0.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(png[: len(png) - 20])  # the last chunks are missing
    (tmp_path / "flipped.png").write_bytes(png[:60] + bytes([png[60] ^ 0xFF]) + png[61:])  # a chunk checksum fails
    (tmp_path / "text.jpg").write_bytes(b"not an image at all")
    Image.fromarray(np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000).save(tmp_path / "deep.png")
    with pytest.raises(ValueError) as info:
        load_image_folder(tmp_path, 8, labels=None)
    message = str(info.value)
    assert "4 of 7 image files cannot be read" in message
    for name in ("cut.png", "flipped.png", "text.jpg", "deep.png"):
        assert str(tmp_path / name) in message
    assert "good" not in message and "Pillow mode I" in message
    # The same check runs for load_dataset on a folder, before any batch is read.
    with pytest.raises(ValueError, match="4 of 7 image files cannot be read"):
        load_dataset(str(tmp_path), resolution=8, batch_size=2)
    for name in ("cut.png", "flipped.png", "text.jpg", "deep.png"):
        (tmp_path / name).unlink()
    data, info = load_dataset(str(tmp_path), resolution=8, batch_size=2)
    assert data[0].shape == (2, 8, 8, 3) and info.num_images == 3


def test_an_empty_dataset_is_named_before_the_backend_sees_it(tmp_path):
    with pytest.raises(ValueError, match="the training data is empty: its first batch has no images"):
        gan_inputs.check_batch_values(np.zeros((0, 8, 8, 3), "uint8"), None, (8, 8, 3), 0)
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d)
    gan.compile(loss="nonsaturating")
    for dtype in ("uint8", "float32"):
        with pytest.raises(ValueError, match="GAN.fit: the training data is empty"):
            gan.fit(np.zeros((0, 8, 8, 3), dtype), batch_size=4, verbose=0)
    np.savez(tmp_path / "empty.npz", x=np.zeros((0, 8, 8, 3), "uint8"))
    with pytest.raises(ValueError, match=r"load_npz: the images array is empty"):
        load_dataset(str(tmp_path / "empty.npz"))
    empty = tmp_path / "no_images"
    empty.mkdir()
    with pytest.raises(ValueError, match=f"no image files .* found in {empty}"):
        load_dataset(str(empty), resolution=8)


def test_float_images_in_zero_one_warn_even_with_resampling_overshoot(tmp_path):
    rng = np.random.default_rng(0)
    unit = rng.uniform(0.0, 1.0, (4, 8, 8, 3)).astype("float32")
    overshoot = unit.copy()
    overshoot[0, :2, :2, 0] = -0.02  # LANCZOS ringing at dark edges: a few values just below 0
    for images in (unit, overshoot):
        with pytest.warns(UserWarning, match=r"inside \[0, 1\] up to resampling overshoot.*x \* 2 - 1"):
            gan_inputs.check_batch_values(images, None, (8, 8, 3), 0)
        np.savez(tmp_path / "unit.npz", x=images)
        with pytest.warns(UserWarning, match=r"load_npz: the float images lie in .*inside \[0, 1\] up to resampling"):
            load_dataset(str(tmp_path / "unit.npz"), batch_size=2)
    # Data in [-1, 1] (about half of it negative) and data with clearly negative values do not warn.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gan_inputs.check_batch_values(unit * 2 - 1, None, (8, 8, 3), 0)
        shifted = unit.copy()
        shifted[0, 0, 0, 0] = -0.5
        gan_inputs.check_batch_values(shifted, None, (8, 8, 3), 0)
    assert gan_inputs.unit_range_warning(unit[:1, :2, :2], "tiny") is None  # 12 values are not judged
