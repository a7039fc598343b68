"""Stopping GAN training at a non-finite loss (naming the first such step), and the finiteness check that callbacks
run before writing files."""

import math
import threading
import warnings

import keras
import numpy as np


def _scalar(value):
    try:
        return float(np.asarray(keras.ops.convert_to_numpy(value)).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        return None


def nonfinite_keys(logs, keys=None):
    """Names of the logged scalars that are NaN or Inf (all numeric logs when `keys` is None)."""
    bad = []
    for key, value in (logs or {}).items():
        if keys is not None and key not in keys:
            continue
        number = _scalar(value)
        if number is not None and not math.isfinite(number):
            bad.append(key)
    return bad


def nonfinite_metrics(model):
    """Names of `model.metrics` whose current result is NaN or Inf.

    The GAN's loss trackers are running means over the epoch, so this names every logged term that was non-finite
    at some step of the current epoch; callbacks read it before writing anything (one device read).
    """
    bad = []
    for metric in model.metrics:
        result = metric.result()
        values = result.values() if isinstance(result, dict) else [result]
        for value in values:
            number = _scalar(value)
            if number is not None and not math.isfinite(number):
                bad.append(metric.name)
                break
    return bad


def training_is_finite(model):
    """False when `TerminateOnNonFinite` marked `model.diverged` or a loss tracker holds NaN/Inf.

    What a callback checks before writing a checkpoint or an evaluation. Reading `callback.model` on JAX first
    syncs the training state, which those writers need anyway.
    """
    return not getattr(model, "diverged", None) and not nonfinite_metrics(model)


@keras.saving.register_keras_serializable(package="keras_gans")
class TerminateOnNonFinite(keras.callbacks.Callback):
    """Stops `fit()` when a logged loss becomes NaN or Inf, naming the step and the images seen.

    `GAN.fit` adds one automatically. It only reads the logs, so Keras may run it on a worker thread
    (`async_safe`) while the next steps are queued: training then stops a step or two after the first non-finite
    step rather than immediately, and `model.diverged` (a dict with that first `step`, its `batch`, the
    `images_seen` after it and the offending `keys`) names the first one. Callbacks that write files
    (`GANCheckpoint`, `GANEvaluation`) check `keras_gans.callbacks.nonfinite_metrics` themselves
    before writing, so the last good checkpoint stays on disk whatever the timing.

    Args:
        keys: names of the logs to watch (default: every numeric log of the step).
        verbose: report the divergence as a `RuntimeWarning` (`model.diverged` holds it either way).

    Examples:

    ```python
    gan.fit(data, callbacks=[keras_gans.callbacks.TerminateOnNonFinite(keys=["d_loss", "g_loss"])])
    if gan.diverged:
        print("diverged at", gan.diverged["images_seen"], "images")
    ```
    """

    async_safe = True

    def __init__(self, keys=None, verbose=True):
        super().__init__()
        self.keys = None if keys is None else list(keys)
        self.verbose = verbose
        self._lock = threading.Lock()
        self._steps_before_epoch = 0
        self._batches_in_epoch = 0

    def on_train_begin(self, logs=None):
        self._steps_before_epoch = 0
        self._batches_in_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        # Keras has waited for every asynchronous batch-end call of the epoch before this.
        with self._lock:
            self._steps_before_epoch += self._batches_in_epoch
            self._batches_in_epoch = 0

    def on_train_batch_end(self, batch, logs=None):
        bad = nonfinite_keys(logs, self.keys)
        model = self._model  # not `self.model`: on JAX that would sync the training state from this thread
        with self._lock:
            self._batches_in_epoch = max(self._batches_in_epoch, int(batch) + 1)
            if not bad or getattr(model, "invalid_batch", None) is not None:
                return  # an invalid batch (StopOnInvalidBatch) explains the non-finite values; GAN.fit reports it
            step = self._steps_before_epoch + int(batch) + 1
            earlier = getattr(model, "diverged", None)
            if earlier is not None and earlier["step"] <= step:
                return
            images_seen = _scalar((logs or {}).get("images_seen"))
            images_seen = None if images_seen is None else int(images_seen)
            model.diverged = {"step": step, "batch": int(batch), "images_seen": images_seen, "keys": bad}
            model.stop_training = True
        message = (
            f"Training stopped: non-finite {', '.join(bad)} at training step {step} of this fit() "
            f"(batch {batch}); images seen after the step: {images_seen}. Weights are no longer valid; "
            "restore the last checkpoint."
        )
        if self.verbose:  # one report: a warning shows in terminals and notebooks and can be filtered or caught
            warnings.warn(message, RuntimeWarning, stacklevel=2)

    def get_config(self):
        return {"keys": self.keys, "verbose": self.verbose}
