"""Callbacks that act every N images without making `fit` wait for the device after every step."""

import keras
import numpy as np

from keras_gans.utils.images_seen import read_images_seen


def images_seen_now(callback):
    """`images_seen` of `callback`'s model after the steps run so far, as a Python int.

    A GAN whose step runs eagerly (PyTorch, `run_eagerly=True`) keeps a host copy of the count
    (`GAN.images_seen_host`), which costs no device synchronisation; otherwise the variable is read
    (`callback.model` first syncs the JAX training state).
    """
    # `callback._model` is the model itself: `callback.model` would first sync JAX's training state.
    host = getattr(callback._model, "images_seen_host", None)
    if host is not None:
        return int(host)
    return read_images_seen(callback.model)


class EveryNImages(keras.callbacks.Callback):
    """Base of the callbacks that call `on_images(images_seen)` when `images_seen` crosses a multiple of
    `every_n_images`.

    The crossing is checked when the next step begins (the weights are then those after the crossing step) and at
    the end of training. Such callbacks implement no `on_train_batch_end`, which lets Keras dispatch the per-step
    logs asynchronously: on a GPU an eager step is queued while the host prepares the next one, instead of the host
    waiting for every step's losses.

    Args:
        every_n_images: positive integer.
        owner: name used in error messages.

    Examples:

    ```python
    class PrintEMABeta(keras_gans.callbacks.EveryNImages):
        def __init__(self):
            super().__init__(every_n_images=100_000, owner="PrintEMABeta")

        def on_images(self, images_seen):
            print(images_seen, keras.ops.convert_to_numpy(self.model.hyperparameters["ema_beta"]))

    gan.fit(data, callbacks=[PrintEMABeta()])
    ```
    """

    def __init__(self, every_n_images, owner):
        super().__init__()
        whole = (
            not isinstance(every_n_images, bool)
            and isinstance(every_n_images, (int, float, np.number))
            and (float(every_n_images).is_integer())
        )
        if not whole or every_n_images <= 0:
            raise ValueError(f"{owner}: `every_n_images` must be a positive whole number, got {every_n_images!r}.")
        self.every_n_images = int(every_n_images)
        self._last_bucket = None

    def on_images(self, images_seen):
        """Called once per crossed multiple of `every_n_images` (several crossed in one step: once)."""

    def start(self):
        """Records the current count (no call for it); returns it."""
        images_seen = images_seen_now(self)
        self._last_bucket = images_seen // self.every_n_images
        return images_seen

    def check(self):
        """Calls `on_images` if a multiple was crossed since the last check; returns `images_seen`."""
        images_seen = images_seen_now(self)
        bucket = images_seen // self.every_n_images
        if self._last_bucket is None:
            self._last_bucket = bucket
        elif bucket > self._last_bucket:
            self._last_bucket = bucket
            self.on_images(images_seen)
        return images_seen

    def on_train_begin(self, logs=None):
        self.start()

    def on_train_batch_begin(self, batch, logs=None):
        self.check()

    def on_train_end(self, logs=None):
        self.check()
