import json
import math
import pathlib

import keras
import numpy as np
import pytest
from script_loading import load_script

from keras_gans.metrics import mnist_classifier

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE_WEIGHTS = REPO_ROOT / "keras_gans" / "metrics" / "weights" / mnist_classifier.WEIGHTS_FILE
TRAIN_SCRIPT = REPO_ROOT / "weights" / "train_mnist_classifier.py"


def _train_script():
    return load_script(TRAIN_SCRIPT, "train_mnist_classifier")


@pytest.fixture(scope="module")
def sidecar():
    return json.loads(PACKAGE_WEIGHTS.with_name(mnist_classifier.SIDECAR_FILE).read_text())


@pytest.fixture(scope="module")
def mnist_test():
    (_, _), (x_test, y_test) = keras.datasets.mnist.load_data()
    return x_test.astype("float32") / 255.0, y_test.astype("int64")


def test_shipped_files_match_their_sidecar(sidecar):
    assert mnist_classifier.sha256_of(PACKAGE_WEIGHTS) == sidecar["sha256"]
    assert not (REPO_ROOT / "weights" / mnist_classifier.WEIGHTS_FILE).exists()  # one copy: the package data
    assert PACKAGE_WEIGHTS.stat().st_size < 300_000
    assert sidecar["parameters"] == mnist_classifier.build_mnist_classifier().count_params() == 34826
    assert sidecar["train_samples"] == 60_000 and sidecar["test_accuracy"] > 0.98
    for key in ("command", "backend", "date", "keras_version"):
        assert sidecar[key]


def test_accuracy_on_real_mnist_test_subset(sidecar, mnist_test):
    """2,000 fixed random test images on this backend vs the accuracies recorded at training time.

    * Against the same subset's recorded accuracy: only backend round-off may differ, allowed 0.2%.
    * Against the full-test-set accuracy: the subset's accuracy is a draw without replacement from the 10,000, so
      it may also differ by sampling noise: binomial std with finite-population correction, 3 sigma, plus 0.2%.
    """
    x_test, y_test = mnist_test
    subset = mnist_classifier.test_subset_indices()
    assert len(np.unique(subset)) == len(subset) == 2000
    predictions = mnist_classifier.classify_digits(mnist_classifier.load_mnist_classifier(), x_test[subset])
    accuracy = float(np.mean(predictions == y_test[subset]))
    assert accuracy >= sidecar["test_subset_accuracy"] - 0.002
    p, n, population = sidecar["test_accuracy"], len(subset), len(y_test)
    sigma = math.sqrt(p * (1 - p) / n * (population - n) / (population - 1))
    assert accuracy >= p - 0.002 - 3 * sigma


def test_lookup_order_and_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv(mnist_classifier.ENV_VAR, raising=False)
    assert mnist_classifier.classifier_weights_path() == PACKAGE_WEIGHTS.resolve()
    # Without package data (e.g. a trimmed install), the cache.
    monkeypatch.setattr(mnist_classifier, "_package_weights_dir", lambda: tmp_path / "no_package")
    monkeypatch.setattr(mnist_classifier, "_cache_weights_dir", lambda: tmp_path / "cache")
    with pytest.raises(FileNotFoundError, match="train_mnist_classifier") as error:
        mnist_classifier.classifier_weights_path()
    assert str(tmp_path / "cache") in str(error.value)
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / mnist_classifier.WEIGHTS_FILE).write_bytes(PACKAGE_WEIGHTS.read_bytes())
    assert mnist_classifier.classifier_weights_path() == tmp_path / "cache" / mnist_classifier.WEIGHTS_FILE
    # An explicit file in the environment variable wins over everything.
    explicit = tmp_path / "mine.weights.h5"
    explicit.write_bytes(PACKAGE_WEIGHTS.read_bytes())
    monkeypatch.setenv(mnist_classifier.ENV_VAR, str(explicit))
    assert mnist_classifier.classifier_weights_path() == explicit


def test_training_script_writes_weights_and_sidecar(tmp_path, mnist_test):
    """A smoke run on 1,024 images; the accuracy it records is recomputed here from the written weights."""
    output = tmp_path / "smoke" / "classifier.weights.h5"
    _train_script().main(["--output", str(output), "--epochs", "1", "--max-train-samples", "1024"])
    written = json.loads((output.parent / mnist_classifier.SIDECAR_FILE).read_text())
    assert written["sha256"] == mnist_classifier.sha256_of(output)
    assert written["train_samples"] == 1024 and written["backend"] == keras.backend.backend()
    x_test, y_test = mnist_test
    subset = mnist_classifier.test_subset_indices()
    predictions = mnist_classifier.classify_digits(mnist_classifier.load_mnist_classifier(output), x_test[subset])
    assert abs(float(np.mean(predictions == y_test[subset])) - written["test_subset_accuracy"]) <= 0.002
    assert written["test_accuracy"] > 0.3  # far above chance (0.1) after 8 steps


def test_classify_digits_rejects_wrong_shapes():
    with pytest.raises(ValueError, match=r"\(N, 28, 28\)"):
        mnist_classifier.classify_digits(None, np.zeros((2, 32, 32, 1), "float32"))


def test_digit_quality_reads_real_digits_and_their_labels(mnist_test):
    """Real test digits: the classifier is confident on most, covers all 10 and agrees with most labels; with
    the labels shifted by one digit it agrees with almost none. Other sizes are brought to 28x28 first."""
    digits, labels = mnist_test
    images = np.round(np.asarray(digits[:500]).reshape(-1, 28, 28, 1) * 255).astype("uint8")
    figures = mnist_classifier.digit_quality(images, labels=labels[:500])
    assert figures["confident_fraction"] >= 0.9 and figures["classes_covered"] == 10
    assert figures["label_agreement"] >= 0.95
    assert mnist_classifier.digit_quality(images, labels=(labels[:500] + 1) % 10)["label_agreement"] <= 0.05
    padded = np.pad(images, ((0, 0), (2, 2), (2, 2), (0, 0)))
    assert mnist_classifier.digit_quality(padded, labels=labels[:500]) == figures
    with pytest.raises(ValueError, match="500 images but labels of shape"):
        mnist_classifier.digit_quality(images, labels=labels[:10])


def test_digit_quality_over_batches_is_that_of_all_images_at_once(mnist_test):
    """`DigitQuality` fed in uneven batches gives the figures computed here from the classifier's probabilities
    of all images in one call."""
    digits, _ = mnist_test
    images = np.round(np.asarray(digits[:300]).reshape(-1, 28, 28, 1) * 255).astype("uint8")
    classifier = mnist_classifier.load_mnist_classifier()
    probabilities = np.asarray(classifier.predict_on_batch(mnist_classifier.classifier_input(images)))
    confident = probabilities.max(axis=1) >= mnist_classifier.CONFIDENT
    expected = {
        "mean_confidence": float(probabilities.max(axis=1).mean()),
        "confident_fraction": float(confident.mean()),
        "classes_covered": len(set(probabilities.argmax(axis=1)[confident].tolist())),
    }
    quality = mnist_classifier.DigitQuality(classifier)
    with pytest.raises(ValueError, match="no images yet"):
        quality.result()
    for start, stop in ((0, 7), (7, 128), (128, 300)):
        quality.update_state(images[start:stop])
    result = quality.result()
    assert result["confident_fraction"] == expected["confident_fraction"] >= 0.9
    assert result["classes_covered"] == expected["classes_covered"] == 10
    assert result["mean_confidence"] == pytest.approx(expected["mean_confidence"], rel=1e-6)
    quality.reset_state()
    quality.update_state(images[:5])
    assert quality.result() == mnist_classifier.digit_quality(images[:5], classifier)


def test_digit_features_are_the_classifiers_flatten_layer(mnist_test):
    """The features are the 1,600 inputs of the classifier's last layer: that layer applied to them gives the
    classifier's own probabilities."""
    digits, _ = mnist_test
    images = np.round(np.asarray(digits[:64]).reshape(-1, 28, 28, 1) * 255).astype("uint8")
    classifier = mnist_classifier.load_mnist_classifier()
    features = mnist_classifier.digit_features(images, classifier, batch_size=16)
    assert features.shape == (64, 1600) and features.dtype == np.float64
    dense = classifier.get_layer("probabilities")
    kernel, bias = (keras.ops.convert_to_numpy(w).astype("float64") for w in dense.weights)
    logits = features @ kernel + bias
    expected = np.exp(logits - logits.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    probabilities = keras.ops.convert_to_numpy(classifier.predict_on_batch(images.astype("float32") / 255.0))
    np.testing.assert_allclose(expected, probabilities, atol=1e-5)
