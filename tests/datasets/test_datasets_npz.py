"""`.npz` archives: layouts, dtypes, labels and the errors for everything else (never unpickling)."""

import numpy as np
import pytest
from PIL import Image

from keras_gans.datasets import load_npz


def rgb(n=3, size=8, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(n, size, size, 3), dtype=np.uint8)


def saved(tmp_path, name="data.npz", **arrays):
    path = tmp_path / name
    np.savez_compressed(path, **arrays)
    return path


def test_nhwc_nchw_grey_and_integer_dtypes(tmp_path):
    images = rgb()
    out, labels = load_npz(saved(tmp_path, x=images))
    assert labels is None and out.dtype == np.uint8
    np.testing.assert_array_equal(out, images)
    out, _ = load_npz(saved(tmp_path, x=np.transpose(images, (0, 3, 1, 2))))
    np.testing.assert_array_equal(out, images)
    grey = images[..., 0]
    out, _ = load_npz(saved(tmp_path, x=grey))
    np.testing.assert_array_equal(out, grey[..., None])
    out, _ = load_npz(saved(tmp_path, x=images.astype(np.int64)))
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, images)


def test_float_images_in_minus_one_one(tmp_path):
    images = np.random.default_rng(1).uniform(-1, 1, size=(2, 8, 8, 3))
    out, _ = load_npz(saved(tmp_path, x=images))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, images, rtol=1e-6)
    nudged = images.copy()
    nudged[0, 0, 0, 0] = 1.0005
    out, _ = load_npz(saved(tmp_path, x=nudged))
    assert out.max() == 1.0
    with pytest.warns(UserWarning, match=r"inside \[0, 1\]"):
        load_npz(saved(tmp_path, x=np.abs(images)))


def test_labels_ids_and_one_hot(tmp_path):
    images = rgb(4)
    _, labels = load_npz(saved(tmp_path, x=images, y=np.array([3, 0, 1, 3], np.uint8)), labels_key="y")
    assert labels.dtype == np.int32
    np.testing.assert_array_equal(labels, [3, 0, 1, 3])
    one_hot = np.eye(5)[[4, 0, 1, 1]]
    _, labels = load_npz(saved(tmp_path, x=images, c=one_hot), labels_key="c")
    assert labels.dtype == np.float32 and labels.shape == (4, 5)
    np.testing.assert_array_equal(labels, one_hot)
    _, labels = load_npz(saved(tmp_path, x=images, y=np.array([[1], [2], [0], [1]])), labels_key="y")
    np.testing.assert_array_equal(labels, [1, 2, 0, 1])


def test_resolution_crops_and_resizes_with_pillow(tmp_path):
    images = np.random.default_rng(2).integers(0, 256, size=(2, 10, 14, 3), dtype=np.uint8)
    out, _ = load_npz(saved(tmp_path, x=images), resolution=6)
    for got, image in zip(out, images):
        reference = Image.fromarray(image[:, 2:12]).resize((6, 6), Image.Resampling.LANCZOS)
        np.testing.assert_array_equal(got, np.asarray(reference))


@pytest.mark.parametrize(
    "arrays, kwargs, error, message",
    [
        ({"x": rgb()}, {"images_key": "img"}, ValueError, r"no array 'img' \(images_key\); its arrays are \['x'\]"),
        ({"x": rgb()}, {"labels_key": "y"}, ValueError, r"no array 'y' \(labels_key\)"),
        ({"x": np.zeros((2, 3, 5, 3), np.uint8)}, {}, ValueError, "ambiguous.*layout='NHWC' or layout='NCHW'"),
        ({"x": np.zeros((2, 8, 8, 4), np.uint8)}, {}, ValueError, "1 or 3 channels"),
        ({"x": np.zeros((2, 8, 8, 4), np.uint8)}, {"layout": "NHWC"}, ValueError, "1 or 3 channels"),
        ({"x": np.zeros((2, 8), np.uint8)}, {}, ValueError, r"\(N, H, W\)"),
        ({"x": np.zeros((0, 8, 8, 3), np.uint8)}, {}, ValueError, "empty"),
        ({"x": np.full((2, 8, 8, 3), 300, np.int32)}, {}, ValueError, r"got int32 values in \[300, 300\]"),
        ({"x": np.full((2, 8, 8, 3), 200.0)}, {}, ValueError, r"\[-1, 1\].*look like \[0, 255\]"),
        ({"x": np.full((2, 8, 8, 3), np.nan)}, {}, ValueError, "NaN"),
        ({"x": np.zeros((2, 8, 8, 3), bool)}, {}, ValueError, "uint8 or float"),
        ({"x": rgb(3), "y": np.arange(2)}, {"labels_key": "y"}, ValueError, "expected 3 labels"),
        ({"x": rgb(3), "y": np.array([0, -1, 2])}, {"labels_key": "y"}, ValueError, ">= 0"),
        ({"x": rgb(3), "y": np.array([0.0, 1.0, 2.0])}, {"labels_key": "y"}, ValueError, "integers"),
        ({"x": rgb(2), "y": np.array([[0.5, 0.5], [1, 0]])}, {"labels_key": "y"}, ValueError, "one-hot"),
        ({"x": rgb()}, {"layout": "CHW"}, ValueError, "layout"),
        ({"x": rgb()}, {"resolution": -2}, ValueError, "resolution"),
    ],
)
def test_bad_contents_raise(tmp_path, arrays, kwargs, error, message):
    with pytest.raises(error, match=message):
        load_npz(saved(tmp_path, **arrays), **kwargs)


def test_layout_argument_resolves_ambiguity(tmp_path):
    images = np.random.default_rng(3).integers(0, 256, size=(2, 3, 5, 3), dtype=np.uint8)
    out, _ = load_npz(saved(tmp_path, x=images), layout="NHWC")
    np.testing.assert_array_equal(out, images)
    out, _ = load_npz(saved(tmp_path, x=images), layout="NCHW")
    np.testing.assert_array_equal(out, np.transpose(images, (0, 2, 3, 1)))


def test_files_that_are_not_plain_npz(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_npz(tmp_path / "missing.npz")
    objects = np.empty(2, dtype=object)
    objects[:] = [rgb(1), "text"]
    path = tmp_path / "pickled.npz"
    np.savez(path, x=objects)
    with pytest.raises(ValueError, match="stores Python objects.*never unpickles"):
        load_npz(path)
    np.save(tmp_path / "single.npy", rgb())
    with pytest.raises(ValueError, match="single array, not an .npz"):
        load_npz(tmp_path / "single.npy")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(ValueError, match="not a readable .npz"):
        load_npz(tmp_path / "text.npz")
