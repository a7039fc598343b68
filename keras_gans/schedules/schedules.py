"""Hyperparameter schedules as functions of the number of images seen, evaluated with `keras.ops`.

A schedule is called with the `images_seen` counter (an int32 tensor inside the compiled training step) and returns
a float32 scalar tensor, so a value that changes during training (learning rate, Adam beta_2, penalty gamma, EMA
half-life, augmentation probability) is recomputed inside every step instead of being frozen at trace time.
The counter is converted to float32 first: exact up to 2^24 images, then rounded to a relative 6e-8, which is
negligible for schedules spanning millions of images.
"""

import math

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gans", name="Schedule")
class Schedule:
    """Base class: a float hyperparameter as a function of images seen.

    Subclasses implement `__call__(images_seen)` with `keras.ops` (returning a float32 scalar tensor) and
    `get_config()`.

    Examples:

    >>> from keras_gans.schedules import Schedule
    >>> class Halving(Schedule):
    ...     def __init__(self, base):
    ...         self.base = base
    ...     def __call__(self, images_seen):
    ...         import keras
    ...         n = keras.ops.cast(images_seen, "float32")
    ...         return self.base * keras.ops.power(0.5, n / 1000.0)
    ...     def get_config(self):
    ...         return {"base": self.base}
    >>> round(float(Halving(1.0)(2000)), 6)
    0.25
    """

    def __call__(self, images_seen):
        raise NotImplementedError(f"{type(self).__name__}.__call__ is not implemented.")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras.saving.register_keras_serializable(package="keras_gans", name="ConstantSchedule")
class Constant(Schedule):
    """A constant value.

    Args:
        value: the value (float).

    Examples:

    >>> from keras_gans.schedules import Constant
    >>> float(Constant(0.5)(123))
    0.5
    """

    def __init__(self, value):
        self.value = float(value)

    def __call__(self, images_seen):
        return ops.convert_to_tensor(self.value, dtype="float32")

    def get_config(self):
        return {"value": self.value}

    def __repr__(self):
        return f"Constant({self.value!r})"


@keras.saving.register_keras_serializable(package="keras_gans", name="CosineDecaySchedule")
class CosineDecay(Schedule):
    """Half-cosine from `base` at 0 images to `final` at `decay_images`, constant afterwards.

    `value(n) = base + (1 - d) * (final - base)` with `d = 0.5 * (1 + cos(pi * min(n / decay_images, 1)))`.
    This is R3GAN's `cosine_decay_with_warmup` with no warm-up and no hold (the only form its presets use); R3GAN
    applies it to the learning rate, Adam beta_2, gamma, the EMA half-life and the augmentation probability.
    It can increase as well as decrease (beta_2 0.9 -> 0.99, EMA half-life 0 -> 500k images).

    Reference: [Huang et al., 2024](https://arxiv.org/abs/2501.05441).

    Args:
        base: value at 0 images.
        final: value at and after `decay_images`.
        decay_images: length of the cosine, in images (> 0).

    Examples:

    >>> from keras_gans.schedules import CosineDecay
    >>> lr = CosineDecay(2e-4, 5e-5, 20_000_000)
    >>> round(float(lr(10_000_000)), 9)  # midpoint
    0.000125
    """

    def __init__(self, base, final, decay_images):
        if not decay_images > 0:
            raise ValueError(f"CosineDecay: `decay_images` must be > 0, got {decay_images}.")
        self.base = float(base)
        self.final = float(final)
        self.decay_images = float(decay_images)

    def __call__(self, images_seen):
        n = ops.cast(images_seen, "float32")
        progress = ops.minimum(n / self.decay_images, 1.0)
        decay = 0.5 * (1.0 + ops.cos(math.pi * progress))
        return self.base + (1.0 - decay) * (self.final - self.base)

    def get_config(self):
        return {"base": self.base, "final": self.final, "decay_images": self.decay_images}

    def __repr__(self):
        return f"CosineDecay({self.base!r}, {self.final!r}, {self.decay_images!r})"


def get(identifier):
    """Returns a `Schedule` from a number, a serialized schedule, a schedule, or `None`.

    Args:
        identifier: a float/int (-> `Constant`), a dict from `keras.saving.serialize_keras_object`, a `Schedule`
            (returned as is) or `None` (returned as is).

    Returns:
        A `Schedule` or `None`.

    Examples:

    >>> from keras_gans import schedules
    >>> schedules.get(0.1)
    Constant(0.1)
    """
    if identifier is None or isinstance(identifier, Schedule):
        return identifier
    if isinstance(identifier, bool):
        raise ValueError(f"keras_gans.schedules.get: expected a number or a Schedule, got {identifier!r}.")
    if isinstance(identifier, (int, float)):
        return Constant(identifier)
    if isinstance(identifier, dict):
        obj = keras.saving.deserialize_keras_object(identifier)
        if isinstance(obj, Schedule):
            return obj
    raise ValueError(
        f"keras_gans.schedules.get: expected a number, a Schedule or a serialized Schedule; got {identifier!r}."
    )


def serialize(schedule):
    """`keras.saving.serialize_keras_object` for schedules (`None` stays `None`).

    Args:
        schedule: a `Schedule` or `None`.

    Returns:
        A JSON-compatible dict, or `None`.

    Examples:

    >>> from keras_gans import schedules
    >>> schedules.get(schedules.serialize(schedules.Constant(2.0)))
    Constant(2.0)
    """
    if schedule is None:
        return None
    return keras.saving.serialize_keras_object(schedule)
