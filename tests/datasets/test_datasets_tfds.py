"""TFDS through `tfds.testing.mock_data` (offline; never a download), and `fit()` on the returned `tf.data`.

A `tf.data.Dataset` is accepted by `fit()` on every Keras backend, so these tests run in all three passes.
"""

import sys

import keras
import numpy as np
import pytest
import tensorflow_datasets as tfds  # the `datasets` extra, part of `.[all,dev]`
from PIL import Image

from keras_gans.datasets import load_tfds
from keras_gans.datasets.dispatch import load_dataset


def elements(dataset):
    images, labels = [], []
    for image, label in tfds.as_numpy(dataset):
        images.append(image)
        labels.append(label)
    return np.stack(images), np.stack(labels)


def test_cifar10_elements_resize_and_mirror():
    with tfds.testing.mock_data(num_examples=6):
        dataset, info = load_tfds("cifar10", shuffle=False, download=False, with_info=True)
        raw_images, raw_labels = elements(dataset)
        resized = load_tfds("cifar10", resolution=12, shuffle=False, download=False)
        small_images, small_labels = elements(resized)
        mirrored = load_tfds("cifar10", shuffle=False, download=False, mirror=True)
        mirror_images, mirror_labels = elements(mirrored)
    assert raw_images.shape == (6, 32, 32, 3) and raw_images.dtype == np.uint8
    assert raw_labels.dtype == np.int32 and raw_labels.min() >= 0 and raw_labels.max() < 10
    assert (info.num_images, info.resolution, info.channels, info.num_classes) == (6, 32, 3, 10)
    assert len(info.class_names) == 10 and info.name == "tfds:cifar10"  # the mock has no metadata: names "0".."9"
    np.testing.assert_array_equal(small_labels, raw_labels)
    for got, image in zip(small_images, raw_images):
        want = Image.fromarray(image).resize((12, 12), Image.Resampling.LANCZOS)
        np.testing.assert_array_equal(got, np.asarray(want))
    np.testing.assert_array_equal(mirror_images, np.concatenate([raw_images, raw_images[:, :, ::-1]]))
    np.testing.assert_array_equal(mirror_labels, np.concatenate([raw_labels, raw_labels]))


def test_grey_to_rgb_unlabeled_batches_and_fit():
    with tfds.testing.mock_data(num_examples=8):
        unlabeled = load_tfds("mnist", resolution=32, as_rgb=True, label_key=None, batch_size=4, download=False)
        batch = next(iter(tfds.as_numpy(unlabeled)))
        data, info = load_dataset("tfds:mnist", resolution=16, batch_size=4, labels=True, download=False)
        assert (info.resolution, info.channels, info.num_classes, info.num_images) == (16, 1, 10, 8)
        inputs = keras.Input((16, 16, 1))
        hidden = keras.layers.GlobalAveragePooling2D()(keras.layers.Rescaling(1 / 127.5, offset=-1.0)(inputs))
        model = keras.Model(inputs, keras.layers.Dense(10)(hidden))
        model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        history = model.fit(data, epochs=2, verbose=0, shuffle=False)  # tf.data shuffles itself
    assert batch.shape == (4, 32, 32, 3) and batch.dtype == np.uint8
    np.testing.assert_array_equal(batch[..., 0], batch[..., 2])
    assert len(history.history["loss"]) == 2 and np.all(np.isfinite(history.history["loss"]))


def test_errors_without_download(tmp_path):
    with tfds.testing.mock_data(num_examples=2):
        with pytest.raises(ValueError, match="no feature 'fine_label'"):
            load_tfds("cifar10", label_key="fine_label", download=False)
        with pytest.raises(ValueError, match="no feature 'picture'"):
            load_tfds("cifar10", image_key="picture", download=False)
        with pytest.raises(ValueError, match="tfds:cifar10 has no class labels"):
            load_dataset("tfds:cifar10", labels=True, download=False, label_key=None)
    with pytest.raises(FileNotFoundError, match="not prepared .* download=False"):
        load_tfds("cifar10", download=False, data_dir=str(tmp_path / "empty"))
    with pytest.raises(ValueError, match="TFDS has no dataset 'no_such_dataset_xyz'"):
        load_tfds("no_such_dataset_xyz", download=False)


def test_missing_tfds_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)  # makes `import tensorflow_datasets` fail
    with pytest.raises(ImportError, match=r"keras-gans\[datasets\]"):
        load_tfds("cifar10", download=False)


def test_a_failed_download_says_how_to_prepare_the_data_offline(tmp_path, monkeypatch):
    import requests

    def no_network(*args, **kwargs):
        raise requests.exceptions.ConnectionError("Max retries exceeded with url: /~kriz/cifar-10-binary.tar.gz")

    # TFDS' download manager is where the download happens; the builder asks it for the archive.
    monkeypatch.setattr(tfds.download.DownloadManager, "download", no_network)
    monkeypatch.setattr(tfds.download.DownloadManager, "download_and_extract", no_network)
    with pytest.raises(OSError, match=r"load_tfds: TFDS could not download or prepare 'cifar10'.*ConnectionError"):
        load_dataset("tfds:cifar10", data_dir=str(tmp_path))
    with pytest.raises(OSError, match=r"tfds build cifar10.*data_dir.*download=False"):
        load_tfds("cifar10", data_dir=str(tmp_path))


def test_without_tensorflow_datasets_the_error_names_the_extras(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)  # makes the import fail
    with pytest.raises(ImportError, match=r'tensorflow_datasets is missing.*"keras-gans\[datasets,tensorflow\]"'):
        load_tfds("cifar10", download=False)


def test_the_datasets_extra_leaves_the_tensorflow_build_to_the_user():
    """Colab and Kaggle ship a GPU TensorFlow; an extra that required tensorflow-cpu would install it over that."""
    import pathlib
    import re

    pyproject = (pathlib.Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    (datasets,) = re.findall(r"^datasets = \[(.*)\]$", pyproject, re.M)  # one line (Python 3.10 has no tomllib)
    requirements = re.findall(r'"([^"]+)"', datasets)
    assert "tensorflow-datasets>=4.9" in requirements
    assert not [r for r in requirements if re.match(r"tensorflow(-cpu|-gpu)?\b(?!-datasets)", r)]
