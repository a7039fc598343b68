"""StackedMNIST mode coverage: how many of the 1000 digit triples a generator produces, and KL to uniform.

Protocol of VEEGAN (arXiv:1705.07761) and PacGAN (arXiv:1712.04086), reported by later GAN papers (e.g. R3GAN,
arXiv:2501.05441, Table 2): draw 26,000 samples, classify each colour channel with a pretrained MNIST classifier,
and report

* **modes**: the number of distinct triples `100 * d0 + 10 * d1 + d2` among the samples (at most 1000);
* **KL**: `KL(q || u) = sum_{j: q_j > 0} q_j * log(q_j / (1/1000))`, natural log, where `q` is the empirical
  distribution of the samples over the 1000 modes and `u` is uniform. This is the direction of PacGAN's public
  evaluation code (generated distribution first, uniform second). It is 0 for perfectly uniform counts and
  `log(1000) = 6.91` when every sample falls in one mode. Note that even a perfect sampler gets a small positive
  value from finite-sample noise (about `999 / (2 * 26000) = 0.019` at 26k samples) plus the slight non-uniformity of
  MNIST's own class frequencies and the classifier's errors.

Images: `(N, 32, 32, 3)` (or 28x28) NHWC, either `uint8` in [0, 255] or float in the library's [-1, 1] range (set
`value_range` otherwise). Channels go back to the classifier's 28x28 input the inverse way the dataset was built
(`keras_gans.datasets.stacked_mnist`): centre crop for `size_mode="pad"` (default), bilinear for `"resize"`.
Classification runs the Keras classifier on the active backend; counting and KL are numpy.
"""

import numpy as np

from keras_gans.datasets import stacked_mnist as stacked_mnist_data
from keras_gans.metrics import mnist_classifier

NUM_MODES = stacked_mnist_data.NUM_MODES
DEFAULT_NUM_SAMPLES = 26_000


def _digits_for_classifier(images, size_mode, value_range, owner):
    """`(N, H, W, 3)` images -> `(3N, 28, 28, 1)` float32 in [0, 1], channel-major (all R, then all G, then B)."""
    images = images if isinstance(images, np.ndarray) else _to_numpy(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(
            f"{owner}: expected StackedMNIST images of shape (N, H, W, 3) (NHWC, 3 channels); got shape {images.shape}."
        )
    if len(value_range) != 2 or not value_range[1] > value_range[0]:
        raise ValueError(f"{owner}: expected value_range (low, high) with high > low; got {value_range!r}.")
    if images.dtype == np.uint8:
        unit = images.astype("float32") / 255.0
    elif np.issubdtype(images.dtype, np.floating):
        low, high = value_range
        unit = np.clip((images.astype("float32") - low) / (high - low), 0.0, 1.0)
    else:
        raise ValueError(
            f"{owner}: expected uint8 images in [0, 255] or float images in {tuple(value_range)}; got dtype "
            f"{images.dtype}."
        )
    try:
        unit = stacked_mnist_data.to_digit_size(unit, size_mode)
    except ValueError as error:
        raise ValueError(f"{owner}: {error}") from None
    return np.moveaxis(unit, -1, 0).reshape(-1, *unit.shape[1:3], 1)


def classify_stacked(images, classifier=None, size_mode="pad", value_range=(-1.0, 1.0), batch_size=2048):
    """Mode label `100 * d0 + 10 * d1 + d2` of each StackedMNIST image, from the classifier's three digits.

    Args:
        images: `(N, 32, 32, 3)` or `(N, 28, 28, 3)`, uint8 or float (see the module docstring).
        classifier: MNIST classifier (28x28x1 in [0, 1] -> 10 scores); default: the shipped one.
        size_mode: how the dataset went from 28 to 32 pixels: `"pad"` (default) or `"resize"`.
        value_range: the range of float images.
        batch_size: digits per classifier call.

    Returns:
        `(N,)` int64 labels in [0, 1000).
    """
    digits = _digits_for_classifier(images, size_mode, value_range, "classify_stacked")
    if classifier is None:
        classifier = mnist_classifier.load_mnist_classifier()
    predicted = mnist_classifier.classify_digits(classifier, digits, batch_size).reshape(3, -1)
    return 100 * predicted[0] + 10 * predicted[1] + predicted[2]


def mode_counts(labels, num_modes=NUM_MODES):
    """`(num_modes,)` int64 histogram of mode labels; a `ValueError` for labels outside [0, num_modes)."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not (labels.size == 0 or np.issubdtype(labels.dtype, np.integer)):
        raise ValueError(f"mode_counts: expected a 1-D integer array of labels; got {labels.dtype} {labels.shape}.")
    if labels.size and (labels.min() < 0 or labels.max() >= num_modes):
        raise ValueError(f"mode_counts: expected labels in [0, {num_modes}); got [{labels.min()}, {labels.max()}].")
    return np.bincount(labels.astype("int64"), minlength=num_modes).astype("int64")


def kl_to_uniform(counts):
    """`KL(q || uniform)` in nats, `q = counts / counts.sum()`; empty modes contribute 0 (`0 log 0 = 0`).

    Examples:

    >>> round(kl_to_uniform(np.array([2, 2, 0, 0])), 6)   # log(0.5 / 0.25)
    0.693147
    """
    counts = np.asarray(counts, dtype="float64")
    if counts.ndim != 1 or counts.size == 0 or np.any(counts < 0) or counts.sum() <= 0:
        raise ValueError("kl_to_uniform: expected a 1-D array of non-negative counts with a positive sum.")
    q = counts[counts > 0] / counts.sum()
    return float(np.sum(q * np.log(q * counts.size)))


def stacked_mnist_modes(images, classifier=None, size_mode="pad", value_range=(-1.0, 1.0), batch_size=2048):
    """Modes covered and KL to uniform for a set of StackedMNIST samples (26,000 in the papers).

    Args:
        images: `(N, 32, 32, 3)` or `(N, 28, 28, 3)` samples, uint8 in [0, 255] or float in `value_range`.
        classifier: MNIST classifier; default: the shipped one (`load_mnist_classifier()`).
        size_mode: `"pad"` (default) or `"resize"`, as the training data was built.
        value_range: range of float images (the library's generators emit [-1, 1]).
        batch_size: digits per classifier call.

    Returns:
        dict: `modes` (int, distinct triples), `kl` (float, nats), `num_samples`, `counts` (`(1000,)` int64).

    Examples:

    >>> import keras_gans
    >>> gan = keras_gans.R3GAN.from_preset("stacked_mnist_small")
    >>> result = stacked_mnist_modes(gan.generate(32, seed=0))
    >>> result["num_samples"], result["counts"].shape, result["modes"] <= 32
    (32, (1000,), True)

    On real data (`load_stacked_mnist("test", num_samples=26_000, seed=0)` of `keras_gans.datasets.stacked_mnist`)
    it finds all 1000 modes, KL 0.026.
    """
    labels = classify_stacked(images, classifier, size_mode, value_range, batch_size)
    counts = mode_counts(labels)
    return {
        "modes": int(np.count_nonzero(counts)),
        "kl": kl_to_uniform(counts),
        "num_samples": int(len(labels)),
        "counts": counts,
    }


class StackedMNISTModeCoverage:
    """Accumulates StackedMNIST mode counts over batches of samples (host-side, outside any compiled step).

    Args:
        classifier: MNIST classifier; default: the shipped one, loaded on first use.
        size_mode: `"pad"` (default) or `"resize"`, as the training data was built.
        value_range: range of float images.
        batch_size: digits per classifier call.

    Examples:

    >>> import keras_gans
    >>> gan = keras_gans.R3GAN.from_preset("stacked_mnist_small")
    >>> metric = StackedMNISTModeCoverage()
    >>> result = metric.evaluate(gan.generate, 64, sample_batch_size=32)  # 26,000 samples in the protocol
    >>> result["num_samples"], 0 < result["modes"] <= 64
    (64, True)
    """

    def __init__(self, classifier=None, size_mode="pad", value_range=(-1.0, 1.0), batch_size=2048):
        if size_mode not in stacked_mnist_data.SIZE_MODES:
            raise ValueError(
                f"StackedMNISTModeCoverage: expected size_mode in {stacked_mnist_data.SIZE_MODES}; got {size_mode!r}."
            )
        self.classifier = classifier
        self.size_mode = size_mode
        self.value_range = tuple(value_range)
        self.batch_size = batch_size
        self.counts = np.zeros((NUM_MODES,), "int64")

    def reset_state(self):
        self.counts = np.zeros((NUM_MODES,), "int64")

    def update_state(self, images):
        if self.classifier is None:
            self.classifier = mnist_classifier.load_mnist_classifier()
        labels = classify_stacked(images, self.classifier, self.size_mode, self.value_range, self.batch_size)
        self.counts += mode_counts(labels)

    def result(self):
        total = int(self.counts.sum())
        if total == 0:
            raise ValueError("StackedMNISTModeCoverage.result: no samples yet; call update_state first.")
        return {
            "modes": int(np.count_nonzero(self.counts)),
            "kl": kl_to_uniform(self.counts),
            "num_samples": total,
            "counts": self.counts.copy(),
        }

    def evaluate(self, sample_fn, num_samples=DEFAULT_NUM_SAMPLES, sample_batch_size=500):
        """Resets, then draws `num_samples` images via `sample_fn(n)` (n <= sample_batch_size per call), scores them.

        Args:
            sample_fn: callable `n -> (n, H, W, 3)` images (numpy or backend tensor), e.g. a generator's sampler.
            num_samples: total samples (26,000 in the VEEGAN/PacGAN protocol).
            sample_batch_size: largest `n` asked of `sample_fn` at once.

        Returns:
            The `result()` dict.
        """
        self.reset_state()
        remaining = num_samples
        while remaining > 0:
            n = min(sample_batch_size, remaining)
            images = _to_numpy(sample_fn(n))
            if len(images) != n:
                raise ValueError(
                    f"StackedMNISTModeCoverage.evaluate: sample_fn({n}) returned {len(images)} images; expected {n}."
                )
            self.update_state(images)
            remaining -= n
        return self.result()


def _to_numpy(x):
    if isinstance(x, np.ndarray):
        return x
    if not hasattr(x, "shape"):
        return np.asarray(x)
    import keras

    return np.asarray(keras.ops.convert_to_numpy(x))
