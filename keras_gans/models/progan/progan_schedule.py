"""ProGAN's progressive-growing schedule: `lod` as a pure function of images seen, the reals' fade-in, and the
callback that grows the networks inside one `fit()`.

Official `TrainingSchedule` (Karras et al., ICLR 2018, https://arxiv.org/abs/1710.10196): with
`P = lod_training_kimg + lod_transition_kimg`, `phase = floor(kimg / P)`, `t = kimg - phase * P`,
`lod = log2(R) - log2(lod_initial_resolution) - phase - max(t - lod_training_kimg, 0) / lod_transition_kimg`,
clamped at 0. Each phase stabilises (integer `lod`) and then fades in the next resolution. The "current
resolution" (learning rate, minibatch, active blocks) is `2^(log2(R) - floor(lod))`, the new one during a fade-in.

The phase arithmetic is done on integer image counts (kimg are converted to images once), so the Python side (the
callback) and the compiled step always agree on `floor(lod)` and `ceil(lod)`.
"""

import math

import keras
import numpy as np
from keras import ops

from keras_gans.callbacks.every_n_images import images_seen_now
from keras_gans.schedules.schedules import Schedule
from keras_gans.utils.images_seen import read_images_seen

_SCHEDULE_KEYS = (
    "lod_initial_resolution",
    "lod_training_kimg",
    "lod_transition_kimg",
    "total_kimg",
    "minibatch_base",
    "minibatch_dict",
    "max_minibatch_per_gpu",
    "lr_base",
    "lr_dict",
    "lr_rampup_kimg",
    "minibatch_repeats",
)


def _int_keys(mapping):
    return {int(k): v for k, v in (mapping or {}).items()}


class ProGANSchedule:
    """The official lod / learning-rate / minibatch schedule of one ProGAN run, as a function of images seen.

    Args:
        resolution: final resolution R of the networks.
        lod_initial_resolution: resolution of the first phase (4; R for "no growing").
        lod_training_kimg: thousands of images per stabilisation phase (may be fractional, e.g. 0.032 = 32
            images; must be a whole number of images).
        lod_transition_kimg: thousands of images per fade-in.
        total_kimg: length of the run (informational: pass it to `fit` through the number of steps).
        minibatch_base, minibatch_dict: minibatch per resolution (`ProGAN.fit` follows it unless given a
            `batch_size`; see `scheduled_batches`).
        max_minibatch_per_gpu: the official memory caps (informational).
        lr_base, lr_dict: learning rate of G and D, per resolution (`lr_dict` overrides `lr_base`).
        lr_rampup_kimg: Theano's ramp `lr * exp(-5 (1 - t)^2)`, `t = kimg / lr_rampup_kimg`, 0 = none.
        minibatch_repeats: the official code re-evaluated the schedule every 4 minibatches; here `lod` is updated
            every step (stored for reference only).

    Examples:

    >>> s = ProGANSchedule(32, lod_training_kimg=600, lod_transition_kimg=600)
    >>> s.lod_at(900_000), s.resolution_at(900_000)
    (2.5, 8)
    """

    def __init__(
        self,
        resolution,
        lod_initial_resolution=4,
        lod_training_kimg=600,
        lod_transition_kimg=600,
        total_kimg=15000,
        minibatch_base=16,
        minibatch_dict=None,
        max_minibatch_per_gpu=None,
        lr_base=0.001,
        lr_dict=None,
        lr_rampup_kimg=0,
        minibatch_repeats=4,
    ):
        self.resolution = int(resolution)
        self.resolution_log2 = int(math.log2(self.resolution))
        if 2**self.resolution_log2 != self.resolution or self.resolution < 4:
            raise ValueError(f"ProGANSchedule: `resolution` must be a power of two >= 4, got {resolution!r}.")
        initial = int(lod_initial_resolution)
        if initial < 4 or initial > self.resolution or initial & (initial - 1):
            raise ValueError(
                f"ProGANSchedule: `lod_initial_resolution` must be a power of two in [4, {self.resolution}], "
                f"got {lod_initial_resolution!r}."
            )
        self.lod_initial_resolution = initial
        self.lod_training_kimg = float(lod_training_kimg)
        self.lod_transition_kimg = float(lod_transition_kimg)
        self.training_images = self._images("lod_training_kimg", lod_training_kimg)
        self.transition_images = self._images("lod_transition_kimg", lod_transition_kimg)
        self.total_kimg = float(total_kimg)
        self.minibatch_base = int(minibatch_base)
        self.minibatch_dict = _int_keys(minibatch_dict)
        self.max_minibatch_per_gpu = _int_keys(max_minibatch_per_gpu)
        self.lr_base = float(lr_base)
        self.lr_dict = {k: float(v) for k, v in _int_keys(lr_dict).items()}
        self.lr_rampup_kimg = float(lr_rampup_kimg)
        self.minibatch_repeats = int(minibatch_repeats)
        self.initial_lod = self.resolution_log2 - int(math.log2(initial))

    @staticmethod
    def _images(name, kimg):
        images = float(kimg) * 1000.0
        if images < 0 or abs(images - round(images)) > 1e-6:
            raise ValueError(f"ProGANSchedule: `{name}` must be >= 0 and a whole number of images, got {kimg!r}.")
        return int(round(images))

    @classmethod
    def from_preset(cls, preset, resolution=None, **overrides):
        """Schedule of a preset name or a `PROGAN_SCHEDULES` key (`resolution` defaults to the preset's)."""
        from keras_gans.models.progan.progan_presets import PROGAN_PRESETS
        from keras_gans.models.progan.progan_presets import preset_schedule

        schedule = preset_schedule(preset)  # first: an unknown name is reported as such
        if resolution is None:
            if preset not in PROGAN_PRESETS:
                raise ValueError(f"ProGANSchedule.from_preset: give `resolution` for the schedule {preset!r}.")
            resolution = PROGAN_PRESETS[preset]["generator"]["resolution"]
        return cls(resolution, **{**schedule, **overrides})

    def get_config(self):
        return {"resolution": self.resolution, **{k: getattr(self, k) for k in _SCHEDULE_KEYS}}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    # ------------------------------------------------------------------ Python (exact) side
    def _phase(self, images_seen):
        period = self.training_images + self.transition_images
        images_seen = int(images_seen)
        phase = images_seen // period if period > 0 else 0
        into = images_seen - phase * period
        fading = self.transition_images > 0 and into > self.training_images
        return phase, into, fading

    def lod_at(self, images_seen):
        """`lod` (Python float) after `images_seen` images."""
        phase, into, _ = self._phase(images_seen)
        fade = max(into - self.training_images, 0) / self.transition_images if self.transition_images else 0.0
        return max(self.initial_lod - phase - fade, 0.0)

    def lod_bounds_at(self, images_seen):
        """`(floor(lod), ceil(lod))` from integer arithmetic; ProGAN resets Adam whenever this pair changes."""
        phase, _, fading = self._phase(images_seen)
        upper = max(self.initial_lod - phase, 0)
        lower = max(upper - 1, 0) if fading else upper
        return lower, upper

    def resolution_at(self, images_seen):
        """The current resolution `2^(log2(R) - floor(lod))` (the new resolution during a fade-in)."""
        return 2 ** (self.resolution_log2 - self.lod_bounds_at(images_seen)[0])

    def minibatch_for(self, resolution):
        """The official minibatch at `resolution` (minibatch_dict, else minibatch_base, capped per GPU)."""
        batch = self.minibatch_dict.get(int(resolution), self.minibatch_base)
        return min(batch, self.max_minibatch_per_gpu.get(int(resolution), batch))

    def minibatch_at(self, images_seen):
        """The minibatch of the step that starts after `images_seen` images (`minibatch_for` the current
        resolution)."""
        return self.minibatch_for(self.resolution_at(images_seen))

    def steps_to_show(self, images, images_seen=0):
        """Number of steps with the per-resolution minibatch that show at least `images` images, starting after
        `images_seen`."""
        steps, seen, end = 0, int(images_seen), int(images_seen) + int(images)
        while seen < end:
            seen += self.minibatch_at(seen)
            steps += 1
        return steps

    def learning_rate_for(self, resolution):
        """G and D learning rate at `resolution` (before the optional ramp-up)."""
        return self.lr_dict.get(int(resolution), self.lr_base)

    # ------------------------------------------------------------------ keras.ops (in-step) side
    def lod(self, images_seen):
        """`lod` as a float32 tensor from the int32 `images_seen` tensor (used inside the compiled step)."""
        n = ops.cast(images_seen, "int32")
        period = self.training_images + self.transition_images
        if period > 0:
            phase = n // period
            into = n - phase * period
        else:
            phase, into = ops.zeros_like(n), n
        lod = ops.cast(self.initial_lod - phase, "float32")
        if self.transition_images > 0:
            fade = ops.cast(ops.maximum(into - self.training_images, 0), "float32") / float(self.transition_images)
            lod = lod - fade
        return ops.maximum(lod, 0.0)

    def lod_floor(self, images_seen):
        """`floor(lod)` as an int32 tensor, from integer arithmetic."""
        n = ops.cast(images_seen, "int32")
        period = self.training_images + self.transition_images
        phase = n // period if period > 0 else ops.zeros_like(n)
        into = n - phase * period if period > 0 else n
        upper = ops.maximum(self.initial_lod - phase, 0)
        if self.transition_images == 0:
            return upper
        fading = ops.cast(ops.greater(into, self.training_images), "int32")
        return ops.maximum(upper - fading, 0)


@keras.saving.register_keras_serializable(package="keras_gans")
class ProGANLearningRate(Schedule):
    """ProGAN's learning rate of G and D: per current resolution (`lr_dict`, else `lr_base`), times the optional
    Theano ramp-up `exp(-5 (1 - t)^2)` over the first `lr_rampup_kimg`.

    Args:
        schedule: a `ProGANSchedule` or its config dict.

    Examples:

    >>> lr = ProGANLearningRate(ProGANSchedule(1024, lr_dict={1024: 0.0015}, lod_training_kimg=600,
    ...                                        lod_transition_kimg=600))
    >>> round(float(lr(0)), 6), round(float(lr(9_700_000)), 6)
    (0.001, 0.0015)
    """

    def __init__(self, schedule):
        self.schedule = schedule if isinstance(schedule, ProGANSchedule) else ProGANSchedule.from_config(schedule)
        s = self.schedule
        self._table = [s.learning_rate_for(2 ** (s.resolution_log2 - k)) for k in range(s.resolution_log2 - 1)]

    def __call__(self, images_seen):
        floor_lod = self.schedule.lod_floor(images_seen)
        lr = ops.take(ops.convert_to_tensor(np.asarray(self._table, "float32")), floor_lod)
        if self.schedule.lr_rampup_kimg > 0:
            t = ops.minimum(ops.cast(images_seen, "float32") / (1000.0 * self.schedule.lr_rampup_kimg), 1.0)
            lr = lr * ops.exp(-5.0 * ops.square(1.0 - t))
        return ops.cast(lr, "float32")

    def get_config(self):
        return {"schedule": self.schedule.get_config()}


def fade_reals(images, lod, active_resolution):
    """ProGAN's real-image fade-in (`process_reals`), on full-resolution NHWC images.

    Box-downsamples `images` (N, R, R, C) to `active_resolution`, blends with `nearest_up2(box_down2(x))` by
    `alpha = clip(lod - (log2(R) - log2(active_resolution)), 0, 1)` (`lod - floor(lod)` when the resolution matches
    the schedule) and nearest-upsamples back to `R x R` (the discriminator box-downsamples exactly back).

    Args:
        images: float images `(N, R, R, C)`.
        lod: scalar (tensor or float), the current level of detail.
        active_resolution: Python int, a power of two <= R.

    Returns:
        Float images `(N, R, R, C)`.
    """
    resolution = int(images.shape[1])
    if images.shape[2] != resolution or active_resolution > resolution or resolution % active_resolution:
        raise ValueError(
            f"fade_reals: expected square images with a side divisible by {active_resolution}, got "
            f"{tuple(images.shape)}."
        )
    channels = int(images.shape[3])
    x = images
    factor = resolution // active_resolution
    if factor > 1:
        x = ops.mean(ops.reshape(x, (-1, active_resolution, factor, active_resolution, factor, channels)), (2, 4))
    if active_resolution > 4:
        half = active_resolution // 2
        low = ops.mean(ops.reshape(x, (-1, half, 2, half, 2, channels)), (2, 4))
        low = ops.repeat(ops.repeat(low, 2, axis=1), 2, axis=2)
        level_lod = float(int(math.log2(resolution)) - int(math.log2(active_resolution)))
        alpha = ops.clip(ops.cast(lod, x.dtype) - level_lod, 0.0, 1.0)
        x = x + (low - x) * alpha
    if factor > 1:
        x = ops.repeat(ops.repeat(x, factor, axis=1), factor, axis=2)
    return x


class ProgressiveGrowing(keras.callbacks.Callback):
    """Grows a `ProGAN` inside one `fit()`: at every phase boundary of its schedule (when `floor(lod)` or `ceil(lod)`
    changes) sets the networks' `active_resolution`, resets both optimizers and rebuilds the train function.

    `lod` itself is written inside every training step from `images_seen` (no retrace), and the per-resolution
    learning rate is a `ProGANLearningRate` schedule evaluated in the step, so a resumed run (which restores
    `images_seen`) continues at the same `lod` and learning rate; at the start of `fit` this callback only sets
    the active blocks for the current phase (optimizer state, e.g. restored from a checkpoint, is kept).
    `ProGAN.fit` adds one automatically. The boundary is checked before each step (and at the end of `fit`), so
    the callback does not make `fit` wait for every step; with `steps_per_execution > 1` a boundary is applied
    after the execution that crosses it.

    Attributes:
        transitions: list of `(images_seen, floor_lod, ceil_lod, active_resolution)`, one per phase change.

    Examples:

    ```python
    gan.fit(images, batch_size=16, callbacks=[ProgressiveGrowing()])  # ProGAN.fit adds it when missing
    ```
    """

    def __init__(self):
        super().__init__()
        self.transitions = []
        self._bounds = None

    def _apply(self, model, images_seen, reset):
        schedule = model.growth_schedule
        self._bounds = schedule.lod_bounds_at(images_seen)
        resolution = schedule.resolution_at(images_seen)
        for network in (model.generator, model.discriminator, model.ema_generator):
            network.active_resolution = resolution
        if reset:
            model.reset_optimizer_states()
            self.transitions.append((int(images_seen), *self._bounds, resolution))
        traced = getattr(model, "_traced_active_resolution", None)
        if reset or traced not in (None, resolution):
            model.make_train_function(force=True)

    def on_train_begin(self, logs=None):
        # A train function kept from an earlier `fit` is reused unless it was traced for other active blocks.
        self._apply(self.model, read_images_seen(self.model), reset=False)

    def on_train_batch_begin(self, batch, logs=None):
        # Checked before each step rather than after one (same weights), so `fit` need not wait for every step.
        images_seen = images_seen_now(self)
        if self._model.growth_schedule.lod_bounds_at(images_seen) != self._bounds:
            self._apply(self.model, images_seen, reset=True)  # `self.model` syncs the JAX state first

    def on_train_end(self, logs=None):
        self.on_train_batch_begin(None)  # a boundary crossed by the last step
