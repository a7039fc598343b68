import keras
import numpy as np
import pytest
from PIL import Image

from keras_gans.datasets.dispatch import load_dataset
from keras_gans.datasets.stacked_mnist import load_stacked_mnist
from keras_gans.datasets.stacked_mnist import resize_images
from keras_gans.datasets.stacked_mnist import stack_digits
from keras_gans.datasets.stacked_mnist import to_digit_size
from keras_gans.datasets.stacked_mnist import to_image_size


def unique_digit_pool():
    """Ten distinct random 28x28 'digits'; digit i has label i, so a crop identifies its digit."""
    return np.random.default_rng(0).integers(0, 256, size=(10, 28, 28), dtype=np.uint8), np.arange(10)


def test_shapes_dtypes_padding_and_label_formula():
    pool, pool_labels = unique_digit_pool()
    images, labels = stack_digits(pool, pool_labels, num_samples=300, seed=3)
    assert images.shape == (300, 32, 32, 3) and images.dtype == np.uint8
    assert labels.shape == (300,) and labels.dtype == np.int64
    assert labels.min() >= 0 and labels.max() < 1000
    border = np.ones((32, 32), bool)
    border[2:30, 2:30] = False
    assert not images[:, border, :].any()
    for image, label in zip(images, labels):
        for channel, digit in enumerate((label // 100, label // 10 % 10, label % 10)):
            np.testing.assert_array_equal(image[2:30, 2:30, channel], pool[digit])
    # 300 draws over 1000 triples: many distinct modes, as sampling with replacement should give.
    assert len(np.unique(labels)) > 200


def test_deterministic_under_seed():
    pool, pool_labels = unique_digit_pool()
    first = stack_digits(pool, pool_labels, num_samples=64, seed=7)
    again = stack_digits(pool, pool_labels, num_samples=64, seed=7)
    other = stack_digits(pool, pool_labels, num_samples=64, seed=8)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[1], other[1])


def test_real_mnist_builder_matches_an_independent_draw():
    (_, _), (x_test, y_test) = keras.datasets.mnist.load_data()
    images, labels = load_stacked_mnist("test", num_samples=500, seed=5)
    picks = np.random.default_rng(5).integers(0, len(x_test), size=(500, 3))
    digits = y_test.astype(np.int64)[picks]
    np.testing.assert_array_equal(labels, 100 * digits[:, 0] + 10 * digits[:, 1] + digits[:, 2])
    for channel in range(3):
        np.testing.assert_array_equal(images[:, 2:30, 2:30, channel], x_test[picks[:, channel]])
    default_size, _ = load_stacked_mnist("test")
    assert default_size.shape == (10_000, 32, 32, 3)


def pillow_bilinear(images, size):
    out = np.empty((len(images), size, size, images.shape[-1]), np.uint8)
    for i, image in enumerate(images):
        for c in range(images.shape[-1]):
            resized = Image.fromarray(image[..., c]).resize((size, size), Image.Resampling.BILINEAR)
            out[i, ..., c] = np.asarray(resized)
    return out


def test_resize_mode_matches_pillow_bilinear():
    """Pillow is the independent reference; it rounds in 8-bit fixed point, hence a tolerance of one grey level."""
    (_, _), (x_test, y_test) = keras.datasets.mnist.load_data()
    digits = np.stack([x_test[:20], x_test[20:40], x_test[40:60]], axis=-1)
    up = to_image_size(digits, "resize")
    assert up.shape == (20, 32, 32, 3) and up.dtype == np.uint8
    assert np.abs(up.astype(int) - pillow_bilinear(digits, 32).astype(int)).max() <= 1
    down = resize_images(up, 28)
    assert np.abs(down.astype(int) - pillow_bilinear(up, 28).astype(int)).max() <= 1
    images, labels = load_stacked_mnist("test", num_samples=50, seed=1, size_mode="resize")
    padded, same_labels = load_stacked_mnist("test", num_samples=50, seed=1, size_mode="pad")
    np.testing.assert_array_equal(labels, same_labels)
    assert np.abs(images.astype(int) - pillow_bilinear(padded[:, 2:30, 2:30], 32).astype(int)).max() <= 1


def test_to_digit_size_inverts_padding_and_passes_28x28_through():
    pool, pool_labels = unique_digit_pool()
    digits = np.stack([pool[:5], pool[5:], pool[::-1][:5]], axis=-1)
    np.testing.assert_array_equal(to_digit_size(to_image_size(digits, "pad"), "pad"), digits)
    np.testing.assert_array_equal(to_digit_size(digits, "pad"), digits)
    assert to_digit_size(np.zeros((2, 64, 64, 3), "float32"), "resize").shape == (2, 28, 28, 3)
    constant = np.full((1, 32, 32, 3), 0.25, "float32")
    np.testing.assert_allclose(to_digit_size(constant, "resize"), 0.25, rtol=1e-6)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: stack_digits(np.zeros((5, 28, 28), np.float32), np.arange(5), 3), "uint8 digits"),
        (lambda: stack_digits(np.zeros((5, 32, 32), np.uint8), np.arange(5), 3), r"\(M, 28, 28\)"),
        (lambda: stack_digits(np.zeros((5, 28, 28), np.uint8), np.arange(4), 3), "digit_labels"),
        (lambda: stack_digits(np.zeros((2, 28, 28), np.uint8), np.array([0, 10]), 3), r"\[0, 9\]"),
        (lambda: stack_digits(np.zeros((2, 28, 28), np.uint8), np.arange(2), -1), "num_samples"),
        (lambda: stack_digits(np.zeros((2, 28, 28), np.uint8), np.arange(2), 3, size_mode="crop"), "size_mode"),
        (lambda: load_stacked_mnist("validation"), "split"),
        (lambda: to_digit_size(np.zeros((1, 30, 30, 3)), "pad"), "28x28 or 32x32"),
        (lambda: to_digit_size(np.zeros((1, 32, 30, 3)), "pad"), "square"),
    ],
)
def test_bad_inputs_raise_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_offline_failure_names_the_cache_and_the_embedded_digits(monkeypatch):
    def no_network():
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: no network")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", no_network)
    with pytest.raises(OSError, match=r"load_stacked_mnist: .*could not get MNIST.*\$KERAS_HOME/datasets/"):
        load_dataset("stacked_mnist")
