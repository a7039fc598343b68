"""SampleGrid: PNG grids of fixed latents, the class cycle for conditional models, and the images-seen cadence."""

import os

import numpy as np
import pytest
from gan_testing import TinyDiscriminator
from gan_testing import TinyGenerator
from gan_testing import tiny_networks
from gan_testing import uint8_images
from PIL import Image

import keras_gans
from keras_gans.callbacks import SampleGrid
from keras_gans.callbacks import image_grid
from keras_gans.callbacks import save_png


def test_image_grid_tiles_row_major():
    images = np.arange(6 * 2 * 3 * 1, dtype="uint8").reshape(6, 2, 3, 1)
    grid = image_grid(images, 2, 3)
    assert grid.shape == (4, 9, 1)
    np.testing.assert_array_equal(grid[0:2, 3:6], images[1])  # row 0, column 1
    np.testing.assert_array_equal(grid[2:4, 0:3], images[3])  # row 1, column 0


def test_grid_shows_fixed_latents_with_cycling_labels(tmp_path):
    g, d = tiny_networks(num_classes=3)
    gan = keras_gans.GAN(g, d)
    callback = SampleGrid(tmp_path, every_n_images=100, rows=2, cols=3, seed=7)
    path = callback.write(gan, images_seen=0)
    assert os.path.basename(path) == "samples-000000000.png"
    png = np.asarray(Image.open(path))
    assert png.shape == (16, 24, 3)
    z = np.random.default_rng(7).standard_normal((6, 8)).astype("float32")
    expected = gan.generate(z, labels=[0, 1, 2, 0, 1, 2])
    np.testing.assert_array_equal(png, image_grid(expected, 2, 3))
    again = np.asarray(Image.open(callback.write(gan, images_seen=1)))
    np.testing.assert_array_equal(again, png)  # same latents every time
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]


def test_grayscale_grid(tmp_path):
    gan = keras_gans.GAN(TinyGenerator(image_shape=(8, 8, 1)), TinyDiscriminator(image_shape=(8, 8, 1)))
    png = Image.open(SampleGrid(tmp_path, 10, rows=1, cols=2).write(gan, images_seen=5))
    assert png.mode == "L" and png.size == (16, 8)


def test_grids_are_written_every_n_images_during_fit(tmp_path):
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d)
    gan.compile(loss="nonsaturating")
    callback = SampleGrid(tmp_path, every_n_images=8, rows=1, cols=2)
    gan.fit(uint8_images(16), batch_size=4, verbose=0, callbacks=[callback])
    names = sorted(os.path.basename(p) for p in callback.written)
    assert names == ["samples-000000000.png", "samples-000000008.png", "samples-000000016.png"]


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        ({"rows": 0}, ValueError, r"SampleGrid: `rows` must be an integer >= 1, got 0"),
        ({"rows": -1}, ValueError, r"`rows` must be an integer >= 1, got -1"),
        ({"cols": 2.5}, ValueError, r"`cols` must be an integer >= 1, got 2.5"),
        ({"seed": -3}, ValueError, r"SampleGrid: `seed` must be None or a non-negative integer"),
        ({"filename": "{step}.png"}, ValueError, r"may use only the placeholder `\{images_seen\}`.*KeyError"),
        ({"filename": "{}.png"}, ValueError, r"may use only the placeholder `\{images_seen\}`"),
        ({"filename": "{images_seen:q}.png"}, ValueError, r"may use only the placeholder `\{images_seen\}`"),
        ({"filename": 5}, TypeError, r"`filename` must be a format string, got int"),
    ],
)
def test_bad_arguments_are_refused_at_construction(tmp_path, arguments, error, message):
    with pytest.raises(error, match=message):
        SampleGrid(tmp_path, 10, **arguments)


def test_save_png_refuses_float_and_misshapen_arrays_and_keeps_the_last_good_file(tmp_path):
    path = tmp_path / "grid.png"
    good = uint8_images(1)[0]
    save_png(good, path)
    with pytest.raises(TypeError, match=r"save_png: `array` must be uint8 pixels in \[0, 255\], got dtype float32"):
        save_png(good.astype("float32"), path)
    with pytest.raises(ValueError, match=r"shape \(H, W, 1\) or \(H, W, 3\) with H, W >= 1, got \(0, 8, 3\)"):
        save_png(good[:0], path)
    np.testing.assert_array_equal(np.asarray(Image.open(path)), good)
    assert os.listdir(tmp_path) == ["grid.png"]
