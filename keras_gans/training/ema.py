"""The exponential moving average of the generator's weights (the EMA generator that `generate()` uses)."""

import keras
from keras import ops

from keras_gans.backend import fused_updates
from keras_gans.backend.variable_values import assign_copy


def beta_from_half_life(half_life_images, batch, images_seen=None, rampup=None):
    """Per-step EMA beta from a half-life in images (R3GAN, StyleGAN): `0.5 ** (batch / half_life)`.

    A zero half-life gives `beta = 0` (the EMA copies the generator). With `rampup`, the half-life is at most
    `rampup * images_seen` (StyleGAN's ramp-up).

    Args:
        half_life_images: half-life in images (scalar).
        batch: images the discriminator trains on per step (all replicas).
        images_seen: images seen before this step (needed with `rampup`).
        rampup: optional ramp-up factor.

    Returns:
        Float32 scalar.

    Examples:

    >>> from keras_gans.training.ema import beta_from_half_life
    >>> float(beta_from_half_life(64.0, 32))
    0.7071067690849304
    """
    half_life = ops.cast(half_life_images, "float32")
    if rampup is not None:
        half_life = ops.minimum(half_life, ops.cast(images_seen, "float32") * rampup)
    return ops.power(0.5, ops.cast(batch, "float32") / ops.maximum(half_life, 1e-8))


class ExponentialMovingAverage:
    """`p_ema = p + beta * (p_ema - p)` for the generator's trainable float weights; other state is copied.

    A plain object rather than a list on the model, so that Keras does not track these variables a second time as
    the GAN's own (its weights file would then store the generator and the EMA generator again).

    Args:
        generator: the trained network.
        ema_generator: an identically built network; its weights are overwritten with the generator's.
    """

    def __init__(self, generator, ema_generator):
        g_vars, e_vars = generator.variables, ema_generator.variables
        if [tuple(v.shape) for v in g_vars] != [tuple(v.shape) for v in e_vars]:
            raise ValueError("GAN: `ema_generator` does not have the generator's variables (shapes differ).")
        self.triples = tuple(
            (g, e, bool(g.trainable) and "float" in keras.backend.standardize_dtype(g.dtype))
            for g, e in zip(g_vars, e_vars)
        )
        self.averaged = [(g, e) for g, e, averaged in self.triples if averaged]
        self.copied = [(g, e) for g, e, averaged in self.triples if not averaged]
        for g, e in zip(g_vars, e_vars):
            assign_copy(e, g.value)

    def __len__(self):
        return len(self.triples)

    def update(self, state, beta):
        """One EMA step on `state` (see `keras_gans.training.state`)."""
        if not state.stateless and fused_updates.fused_updates_available():
            # PyTorch (eager): one multi-tensor update instead of three small ops per generator variable.
            fused_updates.moving_average_update([e for _, e in self.averaged], [g for g, _ in self.averaged], beta)
            state.write([e for _, e in self.copied], state.read([g for g, _ in self.copied]))
            return
        g_values = state.read([g for g, _, _ in self.triples])
        e_values = state.read([e for _, e, _ in self.triples])
        new = []
        for (_, e, averaged), g_value, e_value in zip(self.triples, g_values, e_values):
            if averaged:
                b = ops.cast(beta, e.dtype)
                new.append(g_value + b * (e_value - g_value))
            else:
                new.append(g_value)
        state.write([e for _, e, _ in self.triples], new)
