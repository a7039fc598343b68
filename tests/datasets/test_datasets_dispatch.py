"""`load_dataset`: every kind of spec, its metadata, and errors that list what is accepted."""

import numpy as np
import pytest
from PIL import Image

from keras_gans.datasets import ArrayBatches
from keras_gans.datasets import DatasetInfo
from keras_gans.datasets import ImageFolderDataset
from keras_gans.datasets import load_dataset
from keras_gans.datasets import load_embedded_digits

ACCEPTED = ['"embedded"', '"mnist"', '"stacked_mnist"', '"tfds:<name>"', "folder of images", ".npz file"]


@pytest.mark.parametrize("spec", ["cifar10", "no/such/folder", "tfds"])
def test_unknown_spec_lists_the_accepted_specs(spec):
    with pytest.raises(ValueError, match="unknown dataset spec") as error:
        load_dataset(spec)
    for accepted in ACCEPTED:
        assert accepted in str(error.value)


def test_other_spec_errors(tmp_path):
    with pytest.raises(ValueError, match="spec string or path; got int"):
        load_dataset(3)
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(ValueError, match=r"not an .npz archive\. Accepted dataset specs"):
        load_dataset(tmp_path / "notes.txt")
    with pytest.raises(FileNotFoundError, match="no such .npz file"):
        load_dataset(tmp_path / "missing.npz")
    with pytest.raises(ValueError, match="'tfds:' needs a dataset name"):
        load_dataset("tfds:")
    with pytest.raises(ValueError, match="as_numpy=True is not available for TFDS"):
        load_dataset("tfds:cifar10", as_numpy=True)
    with pytest.raises(ValueError, match=r"unknown options \['colour'\] for a embedded dataset; it accepts"):
        load_dataset("embedded", colour="red")
    with pytest.raises(ValueError, match="one split, 'train'"):
        load_dataset("embedded", split="test")
    with pytest.raises(ValueError, match="stacked_mnist' images are 32x32"):
        load_dataset("stacked_mnist", resolution=64)


def test_embedded_batches_numpy_and_metadata():
    reference, reference_labels = load_embedded_digits()
    data, info = load_dataset("embedded", batch_size=100, seed=2)
    assert isinstance(data, ArrayBatches) and len(data) == 100
    assert info == DatasetInfo("embedded", 10_000, 32, 3, 0, None, False)
    assert info.image_shape == (32, 32, 3)
    batch = data[0]
    assert isinstance(batch, np.ndarray) and batch.shape == (100, 32, 32, 3) and batch.dtype == np.uint8
    np.testing.assert_array_equal(batch, reference[np.random.default_rng([2, 0]).permutation(10_000)[:100]])

    (images, labels), info = load_dataset("embedded", labels=True, mirror=True, as_numpy=True)
    assert info.num_images == 20_000 and info.num_classes == 10 and info.class_names[3] == "3" and info.mirrored
    np.testing.assert_array_equal(images[10_000:], reference[:, :, ::-1])
    np.testing.assert_array_equal(labels, np.concatenate([reference_labels, reference_labels]))

    (grey, none), info = load_dataset("embedded", resolution=28, as_numpy=True, as_rgb=False)
    assert grey.shape == (10_000, 28, 28, 1) and none is None and info.channels == 1


def test_mnist_and_stacked_mnist():
    data, info = load_dataset("mnist", split="test", labels=True, batch_size=500, shuffle=False)
    assert (info.num_images, info.resolution, info.channels, info.num_classes) == (10_000, 32, 1, 10)
    images, labels = data[0]
    assert images.shape == (500, 32, 32, 1) and labels.dtype == np.int32
    np.testing.assert_array_equal(labels[:10], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
    (stacked, modes), info = load_dataset(
        "stacked_mnist", split="test", labels=True, as_numpy=True, num_samples=50, seed=4
    )
    assert stacked.shape == (50, 32, 32, 3) and modes.dtype == np.int32 and info.num_classes == 1000


def test_image_folder_spec(tmp_path):
    for name, seed in (("red", 0), ("blue", 1)):
        (tmp_path / name).mkdir()
        for i in range(2):
            pixels = np.random.default_rng(seed * 10 + i).integers(0, 256, (20, 24, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / name / f"{i}.png")
    with pytest.raises(ValueError, match="needs a resolution"):
        load_dataset(tmp_path)
    data, info = load_dataset(str(tmp_path), resolution=8, labels=True, batch_size=2, mirror=True)
    assert isinstance(data, ImageFolderDataset) and len(data) == 4
    assert info == DatasetInfo(str(tmp_path), 8, 8, 3, 2, ("blue", "red"), True)
    (images, labels), info = load_dataset(tmp_path, resolution=8, as_numpy=True, color_mode="grayscale")
    assert images.shape == (4, 8, 8, 1) and labels is None and info.num_classes == 0 and info.channels == 1


def test_npz_spec(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, size=(6, 3, 10, 10), dtype=np.uint8)
    path = tmp_path / "data.npz"
    np.savez(path, x=images, y=np.array([0, 4, 1, 1, 0, 4]))
    (out, labels), info = load_dataset(path, labels=True, as_numpy=True)
    np.testing.assert_array_equal(out, np.transpose(images, (0, 2, 3, 1)))
    assert info == DatasetInfo(str(path), 6, 10, 3, 5, None, False)
    data, info = load_dataset(str(path), resolution=8, batch_size=3)
    assert data[0].shape == (3, 8, 8, 3) and info.num_classes == 0 and info.resolution == 8
    with pytest.raises(ValueError, match="labels_key is given but labels=False"):
        load_dataset(path, labels_key="y")
    np.savez(tmp_path / "wide.npz", x=np.zeros((2, 8, 12, 3), np.uint8))
    with pytest.raises(ValueError, match="8x12 images; pass resolution"):
        load_dataset(tmp_path / "wide.npz")
