import keras
import numpy as np
import pytest

from keras_gans.metrics.precision_recall import extract_features
from keras_gans.metrics.precision_recall import knn_radii
from keras_gans.metrics.precision_recall import precision_recall
from keras_gans.metrics.precision_recall import precision_recall_from_images


def brute_force(real, fake, k):
    """The paper's definition, written directly: full float64 distance matrices, sort, compare."""
    real, fake = np.asarray(real, "float64"), np.asarray(fake, "float64")

    def distances(a, b):
        return np.sqrt(np.sum((a[:, None, :] - b[None, :, :]) ** 2, axis=-1))

    real_radii = np.sort(distances(real, real), axis=1)[:, k]  # index 0 is the point itself
    fake_radii = np.sort(distances(fake, fake), axis=1)[:, k]
    precision_mask = np.any(distances(fake, real) <= real_radii[None, :], axis=1)
    recall_mask = np.any(distances(real, fake) <= fake_radii[None, :], axis=1)
    return precision_mask, recall_mask, real_radii


def overlapping_sets(seed, n_real=150, n_fake=110, dim=6):
    rng = np.random.default_rng(seed)
    real = rng.normal(size=(n_real, dim)).astype("float32")
    # Shifted by one standard deviation: a mix of fake points inside and outside the real manifold, and vice versa.
    fake = (rng.normal(size=(n_fake, dim)) + 1.0).astype("float32")
    return real, fake


@pytest.mark.parametrize("k", [1, 3, 5])
def test_matches_brute_force_reference(k):
    real, fake = overlapping_sets(seed=k)
    result = precision_recall(real, fake, k=k)
    precision_mask, recall_mask, real_radii = brute_force(real, fake, k)
    np.testing.assert_array_equal(result["precision_mask"], precision_mask)
    np.testing.assert_array_equal(result["recall_mask"], recall_mask)
    assert result["precision"] == pytest.approx(precision_mask.mean(), abs=0)
    assert result["recall"] == pytest.approx(recall_mask.mean(), abs=0)
    # The sets were built so that both numbers are strictly between 0 and 1 (a non-trivial comparison).
    assert 0.2 < result["precision"] < 0.9 and 0.2 < result["recall"] < 0.9
    np.testing.assert_allclose(knn_radii(real, k=k), real_radii, rtol=1e-4)


def test_hand_computed_one_dimensional_example():
    """Real points -1, 0, 1 with k=1 have radius 1 each; a fake at exactly 2.0 lies on the boundary (inside)."""
    real = np.array([[-1.0], [0.0], [1.0]], "float32")
    fake = np.array([[2.0], [0.5], [2.5], [-3.0]], "float32")
    np.testing.assert_array_equal(knn_radii(real, k=1), [1.0, 1.0, 1.0])
    result = precision_recall(real, fake, k=1)
    np.testing.assert_array_equal(result["precision_mask"], [True, True, False, False])
    assert result["precision"] == 0.5
    # Fake radii (k=1): 2.0 -> 0.5, 0.5 -> 1.5, 2.5 -> 0.5, -3.0 -> 3.5. Real -1 is 2.0 from -3.0 (<= 3.5); real 0
    # and 1 are 0.5 from 0.5 (<= 1.5).
    np.testing.assert_array_equal(result["recall_mask"], [True, True, True])
    assert result["recall"] == 1.0


def test_identical_sets_give_one_and_one():
    real, _ = overlapping_sets(seed=10)
    result = precision_recall(real, real.copy(), k=3)
    assert (result["precision"], result["recall"]) == (1.0, 1.0)


def test_disjoint_far_apart_sets_give_zero_and_zero():
    real, fake = overlapping_sets(seed=11)
    result = precision_recall(real, fake + 1000.0, k=3)
    assert (result["precision"], result["recall"]) == (0.0, 0.0)


def test_result_does_not_depend_on_block_sizes():
    real, fake = overlapping_sets(seed=12, n_real=47, n_fake=31)
    reference = precision_recall(real, fake, k=3)
    for rows, cols in [(7, 13), (40, 4), (1000, 1000)]:
        result = precision_recall(real, fake, k=3, row_batch_size=rows, col_batch_size=cols)
        np.testing.assert_array_equal(result["precision_mask"], reference["precision_mask"], err_msg=f"{rows}x{cols}")
        np.testing.assert_array_equal(result["recall_mask"], reference["recall_mask"], err_msg=f"{rows}x{cols}")
        np.testing.assert_allclose(knn_radii(real, 3, rows, cols), knn_radii(real, 3), rtol=1e-5)


def test_accepts_backend_tensors_and_int_features():
    real, fake = overlapping_sets(seed=13)
    as_tensor = precision_recall(keras.ops.convert_to_tensor(real), keras.ops.convert_to_tensor(fake))
    as_numpy = precision_recall(real, fake)
    assert as_tensor["precision"] == as_numpy["precision"] and as_tensor["recall"] == as_numpy["recall"]
    grid = np.stack(np.meshgrid(np.arange(6), np.arange(6)), -1).reshape(-1, 2)
    assert precision_recall(grid, grid, k=2)["precision"] == 1.0


def test_from_images_equals_features_path():
    rng = np.random.default_rng(14)
    real_images = rng.uniform(-1, 1, size=(40, 4, 4, 3)).astype("float32")
    fake_images = np.clip(real_images[:30] + rng.normal(0, 0.3, size=(30, 4, 4, 3)), -1, 1).astype("float32")
    projector = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(8)])
    via_images = precision_recall_from_images(real_images, fake_images, projector, k=3, batch_size=16)
    features_real = keras.ops.convert_to_numpy(projector(real_images))
    features_fake = keras.ops.convert_to_numpy(projector(fake_images))
    precision_mask, recall_mask, _ = brute_force(features_real, features_fake, 3)
    np.testing.assert_array_equal(via_images["precision_mask"], precision_mask)
    np.testing.assert_array_equal(via_images["recall_mask"], recall_mask)
    assert extract_features(real_images, projector, batch_size=7).shape == (40, 8)


@pytest.mark.parametrize(
    "real, fake, kwargs, message",
    [
        (np.zeros((10,)), np.zeros((10, 2)), {}, "rank 2"),
        (np.zeros((10, 3)), np.zeros((10, 2)), {}, "same feature_dim"),
        (np.zeros((3, 2)), np.zeros((10, 2)), {"k": 3}, "more than k=3"),
        (np.zeros((10, 2)), np.zeros((10, 2)), {"k": 0}, "positive int"),
        (np.zeros((10, 2)), np.zeros((10, 2)), {"row_batch_size": 0}, "row_batch_size"),
        (np.zeros((10, 2), bool), np.zeros((10, 2)), {}, "numeric"),
    ],
)
def test_bad_inputs_raise_value_error(real, fake, kwargs, message):
    with pytest.raises(ValueError, match=message):
        precision_recall(real, fake, **kwargs)


def test_extractor_must_return_rank_two_features():
    with pytest.raises(ValueError, match="feature_dim"):
        extract_features(np.zeros((4, 2, 2, 1)), lambda x: x)
