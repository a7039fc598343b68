"""Every batch is checked, not just the first: labels that are not a class and batches too small for the step stop
`fit()` with a clear `ValueError` on every backend (device-side counts read with the logs), and too-small batch
sizes fail before any step."""

import warnings

import keras
import numpy as np
import pytest
from gan_testing import tiny_networks
from gan_testing import uint8_images

import keras_gans
from keras_gans.callbacks import StopOnInvalidBatch

NUM_CLASSES = 3


def _gan(loss="nonsaturating", num_classes=NUM_CLASSES):
    generator, discriminator = tiny_networks(num_classes=num_classes, width=4, latent_dim=4)
    gan = keras_gans.GAN(generator, discriminator, seed=0)
    gan.compile(loss=loss, r1_gamma=0.0 if loss != "rpgan" else 0.1, r2_gamma=0.0 if loss != "rpgan" else 0.1)
    return gan


def _labels(n, bad_index=None, bad_value=NUM_CLASSES):
    labels = np.arange(n) % NUM_CLASSES
    if bad_index is not None:
        labels[bad_index] = bad_value
    return labels.astype("int32")


def _batches(images, labels, batch_size):
    for start in range(0, len(images), batch_size):
        yield images[start : start + batch_size], labels[start : start + batch_size]


@pytest.mark.parametrize("bad_value", [NUM_CLASSES, -1], ids=["num_classes", "negative"])
def test_a_later_batch_with_an_out_of_range_class_stops_fit_with_a_clear_error(bad_value):
    gan = _gan()
    images = uint8_images(24)
    # Batches of 4: the third batch (images 8..11) holds the bad class id; the first batch is clean.
    with pytest.raises(ValueError, match=r"label\(s\) in this epoch were not a class: class ids must be in \[0, 3\)"):
        gan.fit(_batches(images, _labels(24, 9, bad_value), 4), epochs=1, steps_per_epoch=6, verbose=0)
    # The check is read with the logs, possibly a few steps behind: it names a batch at or after the bad one.
    assert gan.invalid_batch["invalid_labels"] >= 1 and gan.invalid_batch["batch"] >= 2


def test_arrays_with_a_bad_class_later_on_stop_fit_too():
    gan = _gan()
    with pytest.raises(ValueError, match=r"were not a class"):
        gan.fit(uint8_images(16), _labels(16, 13), batch_size=4, epochs=1, verbose=0)


def test_one_hot_rows_that_are_not_a_class_are_counted():
    gan = _gan()
    one_hot = np.eye(NUM_CLASSES, dtype="float32")[_labels(12)]
    one_hot[10] = 0.0
    with pytest.raises(ValueError, match=r"one-hot rows must sum to 1"):
        gan.fit(_batches(uint8_images(12), one_hot, 4), epochs=1, steps_per_epoch=3, verbose=0)


def test_clean_labels_train_and_the_checks_stay_out_of_the_logs():
    gan = _gan()
    history = gan.fit(uint8_images(8), _labels(8), batch_size=4, epochs=2, verbose=0)
    assert gan.invalid_batch is None
    assert not {"invalid_labels", "small_batches"} & set(history.history)
    assert int(keras.ops.convert_to_numpy(gan.images_seen)) == 16


@pytest.mark.parametrize("batch_size", [1])
def test_rpgan_batch_size_one_is_refused_before_any_step(batch_size):
    gan = _gan(loss="rpgan", num_classes=0)
    assert gan.min_batch_size == 2
    with pytest.raises(ValueError, match=r"a batch of 1 image is too small; the training step needs at least 2"):
        gan.fit(uint8_images(8), batch_size=batch_size, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"a batch of 1 image is too small"):
        gan.fit(uint8_images(1), epochs=1, verbose=0)
    single = ((uint8_images(1),) for _ in range(3))
    with pytest.raises(ValueError, match=r"a batch of 1 image is too small"):
        gan.fit(single, epochs=1, steps_per_epoch=3, verbose=0)
    assert int(keras.ops.convert_to_numpy(gan.images_seen)) == 0


def test_other_losses_accept_a_batch_of_one():
    gan = _gan(num_classes=0)
    assert gan.min_batch_size == 1
    gan.fit(uint8_images(2), batch_size=1, epochs=1, verbose=0)
    assert int(keras.ops.convert_to_numpy(gan.images_seen)) == 2


def test_a_last_partial_array_batch_below_the_minimum_is_dropped_with_a_warning():
    gan = _gan(loss="rpgan", num_classes=0)
    with pytest.warns(UserWarning, match=r"the last batch would hold 1 of 9 images"):
        gan.fit(uint8_images(9), batch_size=4, epochs=1, verbose=0)
    assert int(keras.ops.convert_to_numpy(gan.images_seen)) == 4  # two steps, each a D half of 2


def test_a_last_partial_batch_of_a_dataset_below_the_minimum_stops_fit():
    gan = _gan(loss="rpgan", num_classes=0)
    images = uint8_images(9)
    batches = ((images[start : start + 4],) for start in range(0, 9, 4))  # 4, 4, then 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match=r"too small; the training step needs at least 2"):
            gan.fit(batches, epochs=1, steps_per_epoch=3, verbose=0)


def test_the_stop_callback_removes_the_checks_from_the_logs():
    logs = {"d_loss": 0.5, "invalid_labels": 0.0, "small_batches": 0.0}
    callback = StopOnInvalidBatch()
    callback.set_model(_gan())
    callback.on_train_batch_end(0, logs)
    assert logs == {"d_loss": 0.5} and callback.model.invalid_batch is None
    callback.on_train_batch_end(1, {"invalid_labels": 2.0})
    assert callback.model.invalid_batch == {"epoch": 0, "batch": 1, "invalid_labels": 2.0}
