"""The metrics refuse degenerate inputs (non-finite features, invalid covariances, empty sets, KID options that
leave nothing to average) with errors that name the problem, before any network is loaded."""

import numpy as np
import pytest
from PIL import Image

from keras_gans.metrics import fid
from keras_gans.metrics import frechet_distance
from keras_gans.metrics import image_sets
from keras_gans.metrics import kid
from keras_gans.metrics import mnist_classifier
from keras_gans.metrics.fid import KernelInceptionDistance
from keras_gans.metrics.fid import kernel_inception_distance

FEATURES_A = np.random.default_rng(0).normal(size=(12, 4))
FEATURES_B = np.random.default_rng(1).normal(size=(10, 4))


def test_features_with_nan_or_inf_are_refused():
    bad = FEATURES_A.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"features must be finite; rows \[2\] of the batch hold NaN or Inf"):
        fid(bad, FEATURES_B)
    bad[2, 1] = np.inf
    with pytest.raises(ValueError, match=r"rows \[2\]"):
        kid(FEATURES_B, bad)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"subset_size": 0}, r"`subset_size` must be an integer >= 2, got 0"),
        ({"subset_size": 1}, r"`subset_size` must be an integer >= 2, got 1"),
        ({"num_subsets": 0}, r"`num_subsets` must be an integer >= 1, got 0"),
        ({"num_subsets": 2.5}, r"`num_subsets` must be an integer >= 1, got 2.5"),
    ],
)
def test_kid_options_that_leave_nothing_to_average_are_refused(options, message):
    with pytest.raises(ValueError, match="kid: " + message):
        kid(FEATURES_A, FEATURES_B, **options)
    with pytest.raises(ValueError, match="kernel_inception_distance: " + message):
        kernel_inception_distance(FEATURES_A, FEATURES_B, **options)
    with pytest.raises(ValueError, match="KernelInceptionDistance: " + message):
        KernelInceptionDistance(inception=object(), **options)


def test_frechet_distance_refuses_covariances_that_are_not_symmetric_psd():
    mean, identity = np.zeros(3), np.eye(3)
    with pytest.raises(ValueError, match="`covariance1` must be positive semi-definite"):
        frechet_distance(mean, -identity, mean, identity)
    with pytest.raises(ValueError, match="`covariance2` must be symmetric"):
        frechet_distance(mean, identity, mean, identity + np.triu(np.ones((3, 3)), 1))
    with pytest.raises(ValueError, match="`covariance2` holds NaN or Inf"):
        frechet_distance(mean, identity, mean, np.full((3, 3), np.nan))
    with pytest.raises(ValueError, match="`mean1` holds NaN or Inf"):
        frechet_distance(np.full(3, np.inf), identity, mean, identity)
    # Singular and zero covariances are valid: a round-off negative eigenvalue stays within the tolerance.
    vector = np.array([[1.0], [2.0], [3.0]])
    singular = vector @ vector.T - 1e-12 * identity
    assert frechet_distance(mean, singular, mean, np.zeros((3, 3))) == pytest.approx(np.trace(singular))


def test_digit_quality_of_no_images_is_refused_before_the_classifier_loads(monkeypatch):
    def classifier_loaded():
        raise AssertionError("the classifier was loaded for an empty set")

    monkeypatch.setattr(mnist_classifier, "load_mnist_classifier", classifier_loaded)
    with pytest.raises(ValueError, match=r"digit_quality: `images` is empty"):
        mnist_classifier.digit_quality(np.zeros((0, 28, 28, 1), "uint8"))


def test_an_empty_folder_is_reported_before_the_inception_network_loads(tmp_path, monkeypatch):
    def network_loaded(*args, **kwargs):
        raise AssertionError("the Inception network ran before the folders were checked")

    monkeypatch.setattr(image_sets, "inception_statistics", network_loaded)
    images = tmp_path / "images"
    images.mkdir()
    Image.fromarray(np.zeros((8, 8, 3), "uint8")).save(images / "0.png")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="fid: no image files .* found in .*empty"):
        fid(images, tmp_path / "empty")
    with pytest.raises(ValueError, match="kid: no image files"):
        kid(tmp_path / "empty", images)
