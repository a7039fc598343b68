"""Dynamic loss scaling for float16 training: the one rule for the losses and the optimizer updates.

A loss is multiplied by the scale before differentiation (the penalties' input gradients take the same scale
through their `gradient_scale` argument, see `keras_gans.losses.penalties`). Before an update the gradients are
divided by it; a non-finite gradient on any replica skips the update and halves the scale (never below 1), and
`GROWTH_INTERVAL` finite steps in a row double it.
"""

import keras
from keras import ops

INITIAL_SCALE = 2.0**15
GROWTH_INTERVAL = 2000


def _all_finite(tensors):
    return ops.all(ops.stack([ops.all(ops.isfinite(t)) for t in tensors]))


class DynamicLossScale:
    """The scale of one network's loss and its count of finite steps, as two variables of the model.

    Args:
        scale: float32 scalar variable.
        good_steps: int32 scalar variable (finite steps since the last change).
    """

    def __init__(self, scale, good_steps):
        self.scale = scale
        self.good_steps = good_steps

    @classmethod
    def create(cls, model, which):
        """Adds the two variables to `model` as `{which}_loss_scale` and `{which}_loss_scale_good_steps`."""
        scale = model.add_weight(
            shape=(),
            dtype="float32",
            initializer=keras.initializers.Constant(INITIAL_SCALE),
            trainable=False,
            name=f"{which}_loss_scale",
        )
        good_steps = model.add_weight(
            shape=(), dtype="int32", initializer="zeros", trainable=False, name=f"{which}_loss_scale_good_steps"
        )
        return cls(scale, good_steps)

    def read(self, state):
        """The current scale on `state`."""
        return state.read([self.scale])[0]

    def apply(self, state, optimizer, grads, variables, scale, replicas):
        """Unscales `grads`, applies them unless some are non-finite, and adapts the scale. Returns the new scale."""
        grads = [ops.cast(g, "float32") / scale for g in grads]
        finite = replicas.all_true(_all_finite(grads))
        grads = [ops.where(finite, g, ops.zeros_like(g)) for g in grads]
        watched = list(variables) + list(optimizer.variables)
        before = [ops.copy(v) for v in state.read(watched)]
        state.apply(optimizer, grads, variables)
        after = state.read(watched)
        state.write(watched, [ops.where(finite, a, b) for a, b in zip(after, before)])
        count = state.read([self.good_steps])[0]
        count = ops.where(finite, count + 1, ops.zeros_like(count))
        grow = ops.greater_equal(count, GROWTH_INTERVAL)
        new_scale = ops.where(finite, ops.where(grow, scale * 2.0, scale), ops.maximum(scale * 0.5, 1.0))
        count = ops.where(grow, ops.zeros_like(count), count)
        state.write([self.scale, self.good_steps], [new_scale, count])
        return new_scale


def scale_loss(loss, scale):
    """`loss * scale`, or `loss` without loss scaling (`scale` None)."""
    return loss if scale is None else loss * scale
