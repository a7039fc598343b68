"""`ArrayBatches` ordering, mirroring and batching; `center_crop_and_resize` against Pillow."""

import numpy as np
import pytest
from PIL import Image

from keras_gans.datasets import ArrayBatches
from keras_gans.datasets import center_crop_and_resize
from keras_gans.utils.data import mirror_images


def numbered_images(n):
    """Image i is filled with i (plus a column ramp, so that a mirrored copy differs)."""
    ramp = np.arange(4, dtype=np.uint8)[None, None, :, None]
    return np.arange(n, dtype=np.uint8)[:, None, None, None] * 10 + ramp + np.zeros((1, 4, 4, 3), np.uint8)


def gather(data):
    batches = [data[i] for i in range(len(data))]
    if isinstance(batches[0], tuple):
        return np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches])
    return np.concatenate(batches), None


def test_epoch_permutations_are_seeded_and_change_each_epoch():
    images, labels = numbered_images(10), np.arange(10) % 3
    data = ArrayBatches(images, labels, batch_size=3, seed=5)
    assert len(data) == 3 and data.num_images == 10  # 10 // 3, the last incomplete batch is dropped
    seen = []
    for epoch in range(3):
        order = np.random.default_rng([5, epoch]).permutation(10)[:9]
        got_images, got_labels = gather(data)
        np.testing.assert_array_equal(got_images, images[order])
        np.testing.assert_array_equal(got_labels, labels[order])
        seen.append(order)
        data.on_epoch_end()
    assert not np.array_equal(seen[0], seen[1])
    data.set_epoch(1)
    np.testing.assert_array_equal(gather(data)[0], images[seen[1]])
    again = ArrayBatches(images, labels, batch_size=3, seed=5)
    np.testing.assert_array_equal(gather(again)[0], images[seen[0]])


def test_mirroring_matches_mirror_images_and_remainder():
    images, labels = numbered_images(5), np.array([4, 3, 2, 1, 0])
    data = ArrayBatches(images, labels, batch_size=4, shuffle=False, mirror=True, drop_remainder=False)
    assert len(data) == 3 and data.num_images == 10
    assert data[2][0].shape == (2, 4, 4, 3)
    got_images, got_labels = gather(data)
    want_images, want_labels = mirror_images(images, labels)
    np.testing.assert_array_equal(got_images, want_images)
    np.testing.assert_array_equal(got_labels, want_labels)
    unlabeled = ArrayBatches(images, batch_size=2, shuffle=True, seed=1, mirror=True)
    order = np.random.default_rng([1, 0]).permutation(10)
    np.testing.assert_array_equal(gather(unlabeled)[0], want_images[order])
    assert isinstance(unlabeled[0], np.ndarray)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"batch_size": 0}, "batch_size to be a positive int"),
        ({"batch_size": 7}, "larger than the dataset"),
        ({"labels": np.arange(4)}, r"one label per image \(5\)"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ArrayBatches(numbered_images(5), **kwargs)


def test_index_out_of_range_and_rank():
    data = ArrayBatches(numbered_images(4), batch_size=2)
    with pytest.raises(IndexError):
        data[2]
    with pytest.raises(ValueError, match="rank 4"):
        ArrayBatches(np.zeros((4, 8, 8), np.uint8))


def test_center_crop_and_resize_matches_pillow():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(2, 9, 13, 3), dtype=np.uint8)
    out = center_crop_and_resize(images, 5)
    for got, image in zip(out, images):
        reference = Image.fromarray(image[:, 2:11]).resize((5, 5), Image.Resampling.LANCZOS)
        np.testing.assert_array_equal(got, np.asarray(reference))
    grey = images[..., :1]
    out = center_crop_and_resize(grey, 20, "bilinear")
    want = Image.fromarray(grey[1, :, 2:11, 0]).resize((20, 20), Image.Resampling.BILINEAR)
    np.testing.assert_array_equal(out[1, ..., 0], np.asarray(want))
    np.testing.assert_array_equal(center_crop_and_resize(images[:, :, :9], 9), images[:, :, :9])


def test_float_resize_uses_pillow_f_mode_and_clips():
    step = np.where(np.arange(12) < 6, -1.0, 1.0).astype(np.float32)
    images = np.broadcast_to(step[None, None, :, None], (1, 12, 12, 2)).copy()
    images[..., 1] *= 0.5
    out = center_crop_and_resize(images, 5)
    assert out.dtype == np.float32 and out.min() >= -1.0 and out.max() <= 1.0
    half = np.asarray(Image.fromarray(images[0, ..., 1], "F").resize((5, 5), Image.Resampling.LANCZOS))
    np.testing.assert_allclose(out[0, ..., 1], half, rtol=0, atol=0)
    unclipped = np.asarray(Image.fromarray(images[0, ..., 0], "F").resize((5, 5), Image.Resampling.LANCZOS))
    assert unclipped.max() > 1.0  # LANCZOS overshoots at the step ...
    np.testing.assert_array_equal(out[0, ..., 0], np.clip(unclipped, -1, 1))  # ... and the loader clips it


def test_center_crop_and_resize_errors():
    with pytest.raises(ValueError, match="rank 4"):
        center_crop_and_resize(np.zeros((8, 8, 3), np.uint8), 4)
    with pytest.raises(ValueError, match="1 or 3 channels"):
        center_crop_and_resize(np.zeros((1, 8, 8, 2), np.uint8), 4)
    with pytest.raises(ValueError, match="uint8 or float"):
        center_crop_and_resize(np.zeros((1, 8, 8, 3), np.int16), 4)
