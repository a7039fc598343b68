"""`TimeLimit`: `fit` stops at the first step that begins after the budget, not before it."""

import keras
import numpy as np
import pytest

from keras_gans.callbacks import TimeLimit


class _CountSteps(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.steps = 0

    def on_train_batch_begin(self, batch, logs=None):
        self.steps += 1


def _fit(limit, monkeypatch, clock):
    monkeypatch.setattr("keras_gans.callbacks.time_limit.time.monotonic", lambda: clock[0])
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    counter = _CountSteps()

    class _Tick(keras.callbacks.Callback):  # one simulated minute per step
        def on_train_batch_end(self, batch, logs=None):
            clock[0] += 60.0

    x = np.zeros((8, 2), "float32")
    model.fit(x, x[:, :1], batch_size=1, epochs=1, callbacks=[counter, limit, _Tick()], verbose=0)
    return counter.steps


def test_stops_once_the_budget_is_spent(monkeypatch):
    limit = TimeLimit(hours=3 / 60)  # three simulated minutes
    assert _fit(limit, monkeypatch, [0.0]) == 4  # steps begin at minutes 0, 1, 2 and 3; the fourth sets the stop
    assert limit.stopped
    unlimited = TimeLimit(hours=1)
    assert _fit(unlimited, monkeypatch, [0.0]) == 8 and not unlimited.stopped


@pytest.mark.parametrize("hours", [0, -1, True, "2"])
def test_rejects_a_budget_that_is_not_a_positive_number(hours):
    with pytest.raises(ValueError, match="positive number"):
        TimeLimit(hours)
