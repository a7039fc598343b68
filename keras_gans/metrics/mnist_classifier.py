"""A small MNIST digit classifier, used to count StackedMNIST modes, and where its shipped weights are found.

The network is the classic two-convolution MNIST CNN (34,826 parameters, ~150 KB of float32 weights):
`Conv 3x3 (32) -> max-pool -> Conv 3x3 (64) -> max-pool -> dropout -> dense softmax (10)`, channels_last, input
`(28, 28, 1)` floats in [0, 1]. The script `weights/train_mnist_classifier.py` trains it on the real MNIST
training set; its weights ship with the library together with a JSON sidecar (test accuracy, command, backend,
date, sha256).

Where the weights are looked up, first hit wins (`classifier_weights_path`):

1. `$KERAS_GANS_MNIST_CLASSIFIER`, when set (an explicit file);
2. package data, `keras_gans/metrics/weights/` (in a clone and in an installed wheel);
3. the download cache, `keras_gans.utils.preset_utils.cache_root() / "weights"`.

If none has the file, a `FileNotFoundError` says where it looked and how to re-create it with the training script.
"""

import json
import os
import pathlib

import keras
import numpy as np

from keras_gans.utils.download import sha256_file
from keras_gans.utils.weights_io import load_weights_file

WEIGHTS_FILE = "mnist_classifier.weights.h5"
SIDECAR_FILE = "mnist_classifier.json"
INPUT_SIZE = 28
NUM_CLASSES = 10
ENV_VAR = "KERAS_GANS_MNIST_CLASSIFIER"
# A fixed random subset of the MNIST test set, for quick accuracy checks (its accuracy is in the sidecar too).
TEST_SUBSET_SIZE = 2000
TEST_SUBSET_SEED = 0
TRAIN_COMMAND = (
    "python weights/train_mnist_classifier.py --output keras_gans/metrics/weights/mnist_classifier.weights.h5"
)


def build_mnist_classifier(dropout=0.5, name="mnist_classifier"):
    """Builds the (untrained) MNIST CNN used for StackedMNIST mode counting.

    Args:
        dropout: dropout rate before the final dense layer (active only in training).
        name: model name.

    Returns:
        A built `keras.Model` mapping `(N, 28, 28, 1)` floats in [0, 1] to `(N, 10)` class probabilities.

    Examples:

    >>> model = build_mnist_classifier()
    >>> model.count_params()
    34826
    """
    inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, 1), name="digits")
    x = keras.layers.Conv2D(32, 3, activation="relu", name="conv1")(inputs)
    x = keras.layers.MaxPooling2D(2, name="pool1")(x)
    x = keras.layers.Conv2D(64, 3, activation="relu", name="conv2")(x)
    x = keras.layers.MaxPooling2D(2, name="pool2")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)


def test_subset_indices(size=TEST_SUBSET_SIZE, seed=TEST_SUBSET_SEED, num_test=10_000):
    """Indices of the quick-check subset: `numpy.random.default_rng(seed).choice(num_test, size, replace=False)`."""
    return np.random.default_rng(seed).choice(num_test, size, replace=False)


def _package_weights_dir():
    return pathlib.Path(__file__).resolve().parent / "weights"


def _cache_weights_dir():
    from keras_gans.utils.preset_utils import cache_root

    return cache_root() / "weights"


def classifier_weights_candidates():
    """The paths searched for the classifier weights, in order (see the module docstring)."""
    candidates = []
    if os.environ.get(ENV_VAR):
        candidates.append(pathlib.Path(os.environ[ENV_VAR]).expanduser())
    candidates += [d / WEIGHTS_FILE for d in (_package_weights_dir(), _cache_weights_dir())]
    return candidates


def classifier_weights_path():
    """The first existing classifier weights file, or a `FileNotFoundError` naming every place searched."""
    candidates = classifier_weights_candidates()
    for path in candidates:
        if path.is_file():
            return path
    searched = "\n  ".join(str(p) for p in candidates)
    raise FileNotFoundError(
        f"The StackedMNIST classifier weights '{WEIGHTS_FILE}' were not found. Searched:\n  {searched}\n"
        f"Re-create them from a clone with `{TRAIN_COMMAND}` (a minute or two on a CPU), or point "
        f"${ENV_VAR} at a copy."
    )


def classifier_sidecar(weights_path=None):
    """The JSON sidecar (accuracy, command, backend, date, sha256) next to the weights, as a dict ({} if absent)."""
    weights_path = pathlib.Path(weights_path) if weights_path else classifier_weights_path()
    sidecar = weights_path.with_name(SIDECAR_FILE)
    if not sidecar.is_file():
        return {}
    return json.loads(sidecar.read_text())


def sha256_of(path):
    """The SHA-256 hex digest of a file (`keras_gans.utils.download.sha256_file`)."""
    return sha256_file(path)


def load_mnist_classifier(weights_path=None):
    """Builds the MNIST CNN and loads the shipped (or given) weights.

    Args:
        weights_path: a `.weights.h5` file; default: `classifier_weights_path()`.

    Returns:
        The trained `keras.Model`.

    Examples:

    >>> classifier = load_mnist_classifier()
    >>> probabilities = classifier.predict_on_batch(np.zeros((2, 28, 28, 1), "float32"))
    """
    weights_path = pathlib.Path(weights_path) if weights_path else classifier_weights_path()
    model = build_mnist_classifier()
    load_weights_file(model, weights_path, "MNIST classifier weights")
    return model


def classify_digits(classifier, digits, batch_size=2048):
    """Predicted digit (0-9) for each 28x28 grey image.

    Args:
        classifier: a model mapping `(N, 28, 28, 1)` floats in [0, 1] to `(N, 10)` scores.
        digits: `(N, 28, 28)` or `(N, 28, 28, 1)` floats in [0, 1].
        batch_size: images per forward pass.

    Returns:
        `(N,)` int64 numpy array of predicted classes.
    """
    digits = np.asarray(digits, dtype="float32")
    if digits.ndim == 3:
        digits = digits[..., None]
    if digits.ndim != 4 or digits.shape[1:] != (INPUT_SIZE, INPUT_SIZE, 1):
        raise ValueError(
            f"classify_digits: expected digits of shape (N, 28, 28) or (N, 28, 28, 1), got {digits.shape}."
        )
    predictions = [np.zeros((0,), "int64")]
    for start in range(0, len(digits), batch_size):
        scores = classifier.predict_on_batch(digits[start : start + batch_size])
        predictions.append(np.argmax(keras.ops.convert_to_numpy(scores), axis=-1).astype("int64"))
    return np.concatenate(predictions)


# Predictions at or above this probability count as confident in `digit_quality`.
CONFIDENT = 0.9


def classifier_input(images):
    """uint8 digit images `(N, H, W, 1 or 3)` as the classifier's input, float32 `(N, 28, 28, 1)` in [0, 1].

    Larger images are centre-cropped to 28x28 (MNIST digits padded to 32x32 come back unchanged), smaller ones
    resized up (`keras_gans.datasets.center_crop_and_resize`); only the first channel is read.
    """
    from keras_gans.datasets import center_crop_and_resize

    images = np.asarray(images)[..., :1]
    if images.shape[1] > INPUT_SIZE and images.shape[2] > INPUT_SIZE:
        top, left = (images.shape[1] - INPUT_SIZE) // 2, (images.shape[2] - INPUT_SIZE) // 2
        images = images[:, top : top + INPUT_SIZE, left : left + INPUT_SIZE]
    elif images.shape[1:3] != (INPUT_SIZE, INPUT_SIZE):
        images = center_crop_and_resize(images, INPUT_SIZE)
    return images.astype("float32") / 255.0


def digit_features(images, classifier=None, batch_size=2048):
    """The classifier's 1,600 penultimate features (`flatten`) of uint8 digit images, float64 `(N, 1600)`: the
    feature space of a Frechet or kernel distance between generated and real digits (`keras_gans.metrics.fid.
    frechet_distance`, `kernel_inception_distance`), which also sees a lack of variety within a class."""
    classifier = classifier or load_mnist_classifier()
    features = keras.Model(classifier.inputs, classifier.get_layer("flatten").output)
    inputs = classifier_input(images)
    chunks = [
        np.asarray(features.predict_on_batch(inputs[i : i + batch_size])) for i in range(0, len(inputs), batch_size)
    ]
    return np.concatenate(chunks).astype("float64")


class DigitQuality:
    """`digit_quality` over batches: `update_state(images)` for each batch of uint8 digit images, then `result()`.

    Args:
        classifier: the MNIST classifier; default: `load_mnist_classifier()` (loaded on the first batch).

    Examples:

    >>> import keras_gans
    >>> gan = keras_gans.R3GAN.from_preset("mnist_small")
    >>> quality = DigitQuality()
    >>> for seed in range(2):
    ...     quality.update_state(gan.generate(50, seed=seed, labels=np.arange(50) % 10))
    >>> figures = quality.result()
    >>> 0.0 <= figures["confident_fraction"] <= 1.0, figures["classes_covered"] <= 10
    (True, True)
    """

    def __init__(self, classifier=None):
        self.classifier = classifier
        self.reset_state()

    def reset_state(self):
        self._confidence, self._digits = [], []

    def update_state(self, images):
        if self.classifier is None:
            self.classifier = load_mnist_classifier()
        probabilities = np.asarray(self.classifier.predict_on_batch(classifier_input(images)))
        self._confidence.append(probabilities.max(axis=1))
        self._digits.append(probabilities.argmax(axis=1))

    def result(self, labels=None):
        """The figures of `digit_quality` for every image so far (`labels`: the class of each, in order)."""
        if not sum(len(batch) for batch in self._confidence):
            raise ValueError("DigitQuality.result: no images yet; call update_state with at least one image first.")
        confidence, digits = np.concatenate(self._confidence), np.concatenate(self._digits)
        confident = confidence >= CONFIDENT
        figures = {
            "mean_confidence": float(confidence.mean()),
            "confident_fraction": float(confident.mean()),
            "classes_covered": int(len(np.unique(digits[confident]))),
        }
        if labels is not None:
            labels = np.asarray(labels).reshape(-1)
            if labels.shape != digits.shape:
                raise ValueError(f"digit_quality: {len(digits)} images but labels of shape {labels.shape}.")
            figures["label_agreement"] = float((digits == labels).mean())
        return figures


def digit_quality(images, classifier=None, labels=None):
    """Classifier figures of generated (or real) digit images.

    Images are brought to the classifier's input as `classifier_input` says.

    Args:
        images: uint8 `(N, H, W, 1 or 3)` images, 0..255.
        classifier: the MNIST classifier; default: `load_mnist_classifier()`.
        labels: the class each image was generated for (`(N,)` ids), to measure how often the classifier
            reads the requested digit.

    Returns:
        A dict: `mean_confidence` (mean top probability), `confident_fraction` (top probability >= `CONFIDENT`),
        `classes_covered` (distinct digits among the confident images, 0-10) and, with `labels`,
        `label_agreement` (fraction whose predicted digit is the requested one).

    Examples:

    >>> import keras_gans
    >>> gan = keras_gans.R3GAN.from_preset("mnist_small")
    >>> labels = np.arange(50) % 10
    >>> figures = digit_quality(gan.generate(50, seed=0, labels=labels), labels=labels)
    >>> sorted(figures)
    ['classes_covered', 'confident_fraction', 'label_agreement', 'mean_confidence']
    """
    count = len(images) if hasattr(images, "__len__") else None
    if count == 0:
        raise ValueError("digit_quality: `images` is empty; expected uint8 digit images (N, H, W, 1 or 3), N >= 1.")
    quality = DigitQuality(classifier or load_mnist_classifier())
    quality.update_state(images)
    return quality.result(labels)
