"""Tests of `keras_gans.utils.data.mirror_images` (dataset x-flip mirroring, NumPy only)."""

import numpy as np
import pytest

from keras_gans.utils.data import mirror_images


def test_mirror_doubles_the_dataset_with_flipped_copies_after_the_originals():
    images = np.arange(2 * 2 * 3 * 1, dtype=np.uint8).reshape(2, 2, 3, 1)
    doubled = mirror_images(images)
    assert doubled.shape == (4, 2, 3, 1) and doubled.dtype == np.uint8
    np.testing.assert_array_equal(doubled[:2], images)
    # Written out by hand: each row of pixels reversed, channels untouched.
    np.testing.assert_array_equal(doubled[2, :, :, 0], [[2, 1, 0], [5, 4, 3]])
    np.testing.assert_array_equal(doubled[3, :, :, 0], [[8, 7, 6], [11, 10, 9]])


def test_mirror_keeps_channels_and_repeats_labels():
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (3, 4, 5, 3)).astype("float32")
    labels = np.eye(3, dtype="float32")
    doubled, doubled_labels = mirror_images(list(images), labels)  # any array-like
    for i in range(3):
        for x in range(5):
            np.testing.assert_array_equal(doubled[3 + i, :, x, :], images[i, :, 4 - x, :])
    np.testing.assert_array_equal(doubled_labels, np.concatenate([labels, labels]))
    np.testing.assert_array_equal(mirror_images(doubled[3:]), np.concatenate([doubled[3:], images]))


def test_mirror_rejects_bad_shapes():
    with pytest.raises(ValueError, match="rank 4"):
        mirror_images(np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match="3 labels"):
        mirror_images(np.zeros((3, 4, 4, 1)), np.zeros(2))
