"""`TimeLimit`: ends `fit` after a wall-clock budget, so that a run in a time-limited session stops cleanly."""

import time

import keras


class TimeLimit(keras.callbacks.Callback):
    """Stops training once `hours` of wall time have passed since `fit` began.

    Hosted notebooks end their sessions after a fixed time (Kaggle: 12 hours; Colab: at most 12 and often less),
    and a session that is cut off may lose what it wrote last. Stopping a little earlier lets `GANCheckpoint`
    write its end-of-training checkpoint, from which the next session resumes. The check runs when a step
    begins, so it adds no device synchronisation.

    Args:
        hours: the wall-time budget of one `fit` call, a positive number.

    Examples:

    ```python
    gan.fit(data, epochs=400, callbacks=[GANCheckpoint("ckpt", every_n_images=200_000), TimeLimit(11.5)])
    ```
    """

    def __init__(self, hours):
        super().__init__()
        if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not hours > 0:
            raise ValueError(f"TimeLimit: `hours` must be a positive number, got {hours!r}.")
        self.hours = float(hours)
        self.stopped = False
        self._start = None

    def on_train_begin(self, logs=None):
        self._start = time.monotonic()
        self.stopped = False

    def on_train_batch_begin(self, batch, logs=None):
        if not self.stopped and time.monotonic() - self._start >= self.hours * 3600.0:
            self.stopped = True
            self.model.stop_training = True
            print(f"TimeLimit: {self.hours:g} hours have passed; training stops after this step.")
