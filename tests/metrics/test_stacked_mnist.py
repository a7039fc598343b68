import json
import math
import pathlib

import keras
import numpy as np
import pytest
import scipy.stats

from keras_gans.datasets.stacked_mnist import load_stacked_mnist
from keras_gans.datasets.stacked_mnist import to_image_size
from keras_gans.metrics import mnist_classifier
from keras_gans.metrics.stacked_mnist import StackedMNISTModeCoverage
from keras_gans.metrics.stacked_mnist import classify_stacked
from keras_gans.metrics.stacked_mnist import kl_to_uniform
from keras_gans.metrics.stacked_mnist import mode_counts
from keras_gans.metrics.stacked_mnist import stacked_mnist_modes

SIDECAR = pathlib.Path(mnist_classifier.__file__).resolve().parent / "weights" / mnist_classifier.SIDECAR_FILE


class GreyLevelClassifier:
    """Stand-in classifier for synthetic data: the 'digit' d is a flat image of grey level 28 * d."""

    def predict_on_batch(self, x):
        level = np.rint(np.asarray(x).mean(axis=(1, 2, 3)) * 255.0 / 28.0).astype(int)
        return np.eye(10, dtype="float32")[level]


def synthetic_stacked(labels, size_mode="pad"):
    digits = np.stack([labels // 100, labels // 10 % 10, labels % 10], axis=-1).astype("uint8") * 28
    flat = np.broadcast_to(digits[:, None, None, :], (len(labels), 28, 28, 3)).copy()
    return to_image_size(flat, size_mode)


def test_kl_matches_hand_computation():
    counts = np.zeros(1000, "int64")
    counts[[0, 7, 999]] = [5, 3, 2]
    expected = 0.5 * math.log(0.5 * 1000) + 0.3 * math.log(0.3 * 1000) + 0.2 * math.log(0.2 * 1000)
    assert kl_to_uniform(counts) == pytest.approx(expected, rel=1e-12)
    # Independent implementation: scipy's relative entropy, generated distribution first.
    assert kl_to_uniform(counts) == pytest.approx(scipy.stats.entropy(counts / 10, np.full(1000, 1e-3)), rel=1e-12)
    assert kl_to_uniform(np.full(1000, 26)) == pytest.approx(0.0, abs=1e-12)
    one_mode = np.zeros(1000)
    one_mode[123] = 26_000
    assert kl_to_uniform(one_mode) == pytest.approx(math.log(1000), rel=1e-12)


@pytest.mark.parametrize("size_mode, as_float", [("pad", False), ("pad", True), ("resize", False)])
def test_mode_counting_on_synthetic_labelled_images(size_mode, as_float):
    rng = np.random.default_rng(0)
    modes = rng.choice(1000, size=37, replace=False)
    labels = rng.choice(modes, size=500)
    images = synthetic_stacked(labels, size_mode)
    if as_float:
        images = images.astype("float32") / 127.5 - 1.0
    result = stacked_mnist_modes(images, GreyLevelClassifier(), size_mode=size_mode, batch_size=128)
    np.testing.assert_array_equal(result["counts"], np.bincount(labels, minlength=1000))
    assert result["modes"] == len(np.unique(labels)) and result["num_samples"] == 500
    q = np.bincount(labels, minlength=1000) / 500
    assert result["kl"] == pytest.approx(np.sum(q[q > 0] * np.log(q[q > 0] * 1000)), rel=1e-12)
    if size_mode == "pad":
        # 28x28 stacked digits (the VEEGAN/PacGAN size) are classified as they are.
        unpadded = stacked_mnist_modes(images[:, 2:30, 2:30], GreyLevelClassifier())
        np.testing.assert_array_equal(unpadded["counts"], result["counts"])


def test_accumulator_matches_one_shot_and_draws_requested_count():
    labels = np.random.default_rng(1).integers(0, 1000, size=700)
    images = synthetic_stacked(labels)
    metric = StackedMNISTModeCoverage(GreyLevelClassifier())
    with pytest.raises(ValueError, match="no samples"):
        metric.result()
    position = [0]

    def sample(n):
        batch = images[position[0] : position[0] + n]
        position[0] += n
        return batch

    result = metric.evaluate(sample, num_samples=700, sample_batch_size=300)
    np.testing.assert_array_equal(result["counts"], np.bincount(labels, minlength=1000))
    assert result["num_samples"] == 700
    assert result["kl"] == stacked_mnist_modes(images, GreyLevelClassifier())["kl"]
    metric.reset_state()
    metric.update_state(keras.ops.convert_to_tensor(images[:10]))
    assert metric.result()["num_samples"] == 10
    with pytest.raises(ValueError, match="returned 3 images"):
        metric.evaluate(lambda n: images[:3], num_samples=5)


def occupancy_mean_and_std(num_modes, n):
    """Expected number of distinct modes among n uniform draws, and its std (classical occupancy formulas)."""
    p1, p2 = (1 - 1 / num_modes) ** n, (1 - 2 / num_modes) ** n
    mean = num_modes * (1 - p1)
    variance = num_modes * p1 + num_modes * (num_modes - 1) * p2 - (num_modes * p1) ** 2
    return mean, math.sqrt(variance)


def test_real_stacked_mnist_covers_modes_like_a_uniform_sampler():
    """2,600 real stacked MNIST test digits vs what a uniform sampler over the 1000 modes gives.

    Modes: the occupancy expectation `1000 (1 - (1 - 1/1000)^n)` +- 4 std; the lower side also allows for MNIST's
    own (slightly non-uniform) class frequencies, whose product distribution q gives `sum_j 1 - (1 - q_j)^n`.
    KL: Monte Carlo over multinomial draws from q (numpy), +- 4 std. Triple accuracy against the builder's labels:
    at least acc^3 - 4 binomial std, acc being the shipped classifier's per-digit test accuracy.
    """
    n = 2600
    images, labels = load_stacked_mnist("test", num_samples=n, seed=0)
    classifier = mnist_classifier.load_mnist_classifier()
    result = stacked_mnist_modes(images, classifier)
    predicted = classify_stacked(images, classifier)

    (_, _), (_, y_test) = keras.datasets.mnist.load_data()
    frequencies = np.bincount(y_test, minlength=10) / len(y_test)
    q = np.einsum("i,j,k->ijk", frequencies, frequencies, frequencies).ravel()
    uniform_mean, std = occupancy_mean_and_std(1000, n)
    mnist_mean = float(np.sum(1 - (1 - q) ** n))
    assert mnist_mean < uniform_mean
    assert mnist_mean - 4 * std <= result["modes"] <= uniform_mean + 4 * std

    rng = np.random.default_rng(0)
    simulated = [kl_to_uniform(rng.multinomial(n, q)) for _ in range(200)]
    assert abs(result["kl"] - np.mean(simulated)) <= 4 * np.std(simulated)

    digit_accuracy = json.loads(SIDECAR.read_text())["test_accuracy"]
    triple_accuracy = float(np.mean(predicted == labels))
    expected = digit_accuracy**3
    assert triple_accuracy >= expected - 4 * math.sqrt(expected * (1 - expected) / n)

    # The crop undoes the padding exactly: channel predictions equal those on the source digits themselves
    # (checked on the first 400 samples; the picks are re-drawn here the way the builder documents them).
    picks = np.random.default_rng(0).integers(0, 10_000, size=(n, 3))[:400]
    (_, _), (x_test, _) = keras.datasets.mnist.load_data()
    direct = [mnist_classifier.classify_digits(classifier, x_test[picks[:, c]] / 255.0) for c in range(3)]
    np.testing.assert_array_equal(predicted[:400], 100 * direct[0] + 10 * direct[1] + direct[2])


@pytest.mark.parametrize(
    "images, kwargs, message",
    [
        (np.zeros((4, 32, 32, 1), "uint8"), {}, r"\(N, H, W, 3\)"),
        (np.zeros((32, 32, 3), "uint8"), {}, r"\(N, H, W, 3\)"),
        (np.zeros((4, 32, 32, 3), "int32"), {}, "uint8 images"),
        (np.zeros((4, 30, 30, 3), "uint8"), {}, "28x28 or 32x32"),
        (np.zeros((4, 32, 32, 3), "uint8"), {"size_mode": "crop"}, "size_mode"),
        (np.zeros((4, 32, 32, 3), "float32"), {"value_range": (1.0, -1.0)}, "value_range"),
    ],
)
def test_bad_images_raise_value_error(images, kwargs, message):
    with pytest.raises(ValueError, match=message):
        stacked_mnist_modes(images, GreyLevelClassifier(), **kwargs)


def test_bad_counts_and_labels_raise_value_error():
    with pytest.raises(ValueError, match=r"labels in \[0, 1000\)"):
        mode_counts(np.array([0, 1000]))
    with pytest.raises(ValueError, match="1-D integer"):
        mode_counts(np.array([0.5]))
    with pytest.raises(ValueError, match="non-negative counts"):
        kl_to_uniform(np.zeros(1000))
    with pytest.raises(ValueError, match="size_mode"):
        StackedMNISTModeCoverage(size_mode="nearest")
