"""Stopping `fit()` at the first batch that fails the training step's device-side checks (labels that are not a
class, a batch too small for the step), without reading anything Keras does not read already."""

import threading

import keras

from keras_gans.training.inputs import BATCH_CHECKS


def take_batch_checks(logs):
    """Removes the batch-check counts from `logs` (in place) and returns them as `{name: float}`."""
    found = {}
    for name in BATCH_CHECKS:
        if logs is not None and name in logs:
            value = logs.pop(name)
            try:
                found[name] = float(value)
            except (TypeError, ValueError):
                found[name] = float(keras.ops.convert_to_numpy(value))
    return found


class StopOnInvalidBatch(keras.callbacks.Callback):
    """Stops `fit()` when the step's batch checks count a problem; `GAN.fit` then raises a `ValueError`.

    The step logs running sums over the epoch of label rows that are not a class (`invalid_labels`) and of batches
    smaller than `GAN.min_batch_size` (`small_batches`); this callback reads them from the logs Keras hands every
    callback after each batch (no extra device read), removes them (they are not training metrics) and, at the
    first positive count, records `model.invalid_batch` (`{"epoch", "batch", "invalid_labels", "small_batches"}`)
    and sets `stop_training`. Keras may run it a step or two behind the queued steps (`async_safe`). `GAN.fit`
    adds one as its first callback.
    """

    async_safe = True

    def __init__(self):
        super().__init__()
        self._lock = threading.Lock()
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self._record(take_batch_checks(logs), batch)

    def on_epoch_end(self, epoch, logs=None):
        self._record(take_batch_checks(logs), None)

    def on_train_end(self, logs=None):
        take_batch_checks(logs)

    def _record(self, counts, batch):
        if not any(counts.values()):
            return
        model = self._model  # not `self.model`: on JAX that would sync the training state from this thread
        with self._lock:
            if getattr(model, "invalid_batch", None) is None:
                model.invalid_batch = {"epoch": self._epoch, "batch": batch, **counts}
            model.stop_training = True
