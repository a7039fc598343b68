"""Stops GAN training at the first non-finite loss, before anything saves the broken weights."""

import math
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


@keras.saving.register_keras_serializable(package="keras_gans")
class TerminateOnNonFinite(keras.callbacks.Callback):
    """Stops `fit()` when a logged loss becomes NaN or Inf, naming the step and the images seen.

    `GAN.fit` adds one automatically, first in the callback list, so that it flags the model
    (`model.diverged`, a dict with `step`, `images_seen` and the offending `keys`) before `GANCheckpoint` runs in
    the same batch; `GANCheckpoint` then refuses to save, and the last good checkpoint stays on disk.

    Args:
        keys: names of the logs to watch (default: every numeric log of the step).
        verbose: print the message (it is also raised as a `RuntimeWarning`).

    Examples:

    ```python
    gan.fit(data, callbacks=[keras_gans.callbacks.TerminateOnNonFinite(keys=["d_loss", "g_loss"])])
    if gan.diverged:
        print("diverged at", gan.diverged["images_seen"], "images")
    ```
    """

    def __init__(self, keys=None, verbose=True):
        super().__init__()
        self.keys = None if keys is None else list(keys)
        self.verbose = verbose
        self._step = 0

    def on_train_begin(self, logs=None):
        self._step = 0

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        bad = nonfinite_keys(logs, self.keys)
        if not bad:
            return
        images_seen = _scalar((logs or {}).get("images_seen"))
        images_seen = None if images_seen is None else int(images_seen)
        model = self.model
        model.diverged = {"step": self._step, "batch": int(batch), "images_seen": images_seen, "keys": bad}
        message = (
            f"Training stopped: non-finite {', '.join(bad)} at training step {self._step} of this fit() "
            f"(batch {batch}); images seen after the step: {images_seen}. Weights are no longer valid; "
            "restore the last checkpoint."
        )
        if self.verbose:
            print(message, flush=True)
        warnings.warn(message, RuntimeWarning, stacklevel=2)
        model.stop_training = True

    def get_config(self):
        return {"keys": self.keys, "verbose": self.verbose}
