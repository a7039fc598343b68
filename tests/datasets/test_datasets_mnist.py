"""MNIST through the Keras API (served offline from the test fixture) and the digits shipped in the package."""

import hashlib
import pathlib

import numpy as np
import pytest
from fixture_paths import MNIST_SUBSET
from fixture_paths import mnist_digests
from fixture_paths import mnist_subset
from PIL import Image
from script_loading import load_script

from keras_gans.datasets import load_embedded_digits
from keras_gans.datasets import load_mnist
from keras_gans.datasets.mnist import EMBEDDED_DIGITS_FILE
from keras_gans.datasets.mnist import digits_to_images

BUILD_SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "weights" / "build_embedded_digits.py"


def _sha256(array):
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def _build_script():
    return load_script(BUILD_SCRIPT, "build_embedded_digits")


@pytest.fixture
def real_mnist():
    """Real MNIST arrays read directly with NumPy from the fixture (independent of Keras and of the loaders)."""
    return mnist_subset()


def test_embedded_file_is_the_first_10000_real_training_digits(real_mnist):
    assert EMBEDDED_DIGITS_FILE.stat().st_size < 2_000_000
    with np.load(EMBEDDED_DIGITS_FILE, allow_pickle=False) as shipped:
        assert sorted(shipped.files) == ["x", "y"]
        x, y = shipped["x"], shipped["y"]
    assert x.dtype == np.uint8 and x.shape == (10_000, 28, 28) and y.dtype == np.uint8
    # The fixture holds the first 2,048 training digits; its digests cover the first 10,000 of the Keras file.
    count = len(real_mnist["x_train"])
    np.testing.assert_array_equal(x[:count], real_mnist["x_train"])
    np.testing.assert_array_equal(y[:count], real_mnist["y_train"])
    digests = mnist_digests()
    assert _sha256(x) == digests["x_train_first_10000_sha256"]
    assert _sha256(y) == digests["y_train_first_10000_sha256"]
    np.testing.assert_array_equal(np.bincount(y), [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978])


def test_build_script_extracts_the_shipped_arrays_and_writes_plain_npz(tmp_path):
    script = _build_script()
    extracted = script.extract_digits(MNIST_SUBSET, num_digits=2048)
    with np.load(EMBEDDED_DIGITS_FILE) as shipped:
        for key in ("x", "y"):
            np.testing.assert_array_equal(extracted[key], shipped[key][:2048])
    small = {"x": extracted["x"][:50], "y": extracted["y"][:50]}
    first, second = tmp_path / "first.npz", tmp_path / "second.npz"
    script.write_npz(first, small)
    script.write_npz(second, small)
    assert first.read_bytes() == second.read_bytes()  # fixed timestamps: same input, same bytes
    with np.load(first, allow_pickle=False) as written:
        np.testing.assert_array_equal(written["x"], small["x"])
        np.testing.assert_array_equal(written["y"], small["y"])
    with pytest.raises(ValueError, match="not the Keras MNIST file"):
        script.extract_digits(first)
    with pytest.raises(ValueError, match="not the Keras MNIST file"):
        script.extract_digits(MNIST_SUBSET)  # 2,048 training digits, not 10,000


def test_load_embedded_digits_pads_to_rgb_32(real_mnist):
    images, labels = load_embedded_digits()
    assert images.shape == (10_000, 32, 32, 3) and images.dtype == np.uint8 and labels.dtype == np.int32
    count = len(real_mnist["x_train"])
    padded = np.zeros((count, 32, 32), np.uint8)
    padded[:, 2:30, 2:30] = real_mnist["x_train"]
    for channel in range(3):
        np.testing.assert_array_equal(images[:count, ..., channel], padded)
    np.testing.assert_array_equal(labels[:count], real_mnist["y_train"])
    grey, _ = load_embedded_digits(resolution=28, as_rgb=False)
    assert _sha256(grey[..., 0]) == mnist_digests()["x_train_first_10000_sha256"]


def test_load_mnist_through_keras_offline(real_mnist):
    images, labels = load_mnist("test")
    assert images.shape == (10_000, 32, 32, 1) and labels.dtype == np.int32
    np.testing.assert_array_equal(images[:, 2:30, 2:30, 0], real_mnist["x_test"])
    assert not images[:, :2].any() and not images[:, 30:].any() and not images[:, :, :2].any()
    np.testing.assert_array_equal(labels, real_mnist["y_test"])
    assert _sha256(real_mnist["x_test"]) == mnist_digests()["x_test_sha256"]  # the whole real test set
    train, train_labels = load_mnist("train", resolution=28, as_rgb=True)
    assert train.shape == (len(real_mnist["x_train"]), 28, 28, 3)  # the fixture's training split
    np.testing.assert_array_equal(train[..., 1], real_mnist["x_train"])
    np.testing.assert_array_equal(train_labels[:10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])


def test_resize_and_odd_padding(real_mnist):
    digits = real_mnist["x_test"][:5]
    resized = digits_to_images(digits, 16, "resize")
    for got, digit in zip(resized, digits):
        want = Image.fromarray(digit).resize((16, 16), Image.Resampling.LANCZOS)
        np.testing.assert_array_equal(got[..., 0], np.asarray(want))
    odd = digits_to_images(digits, 31)
    np.testing.assert_array_equal(odd[:, 1:29, 1:29, 0], digits)  # 3 pixels of margin: 1 before, 2 after
    assert odd[:, :1].sum() == 0 and odd[:, 29:].sum() == 0


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: load_mnist("validation"), "split 'train' or 'test'"),
        (lambda: load_embedded_digits(resolution=16), "pad_or_resize='resize'"),
        (lambda: load_embedded_digits(pad_or_resize="crop"), "pad_or_resize"),
        (lambda: load_embedded_digits(resolution=2.5), "resolution"),
        (lambda: digits_to_images(np.zeros((2, 28, 28), np.float32)), "uint8 digits"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_offline_failure_names_the_cache_and_the_embedded_digits(monkeypatch):
    import keras

    def no_network():
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: no network")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", no_network)
    with pytest.raises(OSError, match=r"\$KERAS_HOME/datasets/.*'embedded'"):
        load_mnist()
