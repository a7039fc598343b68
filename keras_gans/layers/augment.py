"""Differentiable augmentation with a scheduled probability (StyleGAN2-ADA's pipeline, R3GAN's settings)."""

import math

import keras
import numpy as np
from keras import ops

from keras_gans.layers.augment_color import apply_color_matrices
from keras_gans.layers.augment_color import apply_cutout
from keras_gans.layers.augment_color import color_matrices
from keras_gans.layers.augment_geometric import geometric_inverse_matrices
from keras_gans.layers.augment_geometric import resample_images
from keras_gans.layers.shape_validation import check_image_shape
from keras_gans.layers.shape_validation import describe

_SEED_STATE_KEY = "seed_generator_state"
_UNIFORM_COLUMNS = 24  # 14 geometric (8 gates, 6 values), 7 colour (5 gates, 2 values), 3 cutout
_NORMAL_COLUMNS = 7  # scale, aniso, 2 xfrac, brightness, contrast, saturation
_GEOMETRIC_OPS = ("xflip", "rotate90", "xint", "scale", "rotate", "aniso", "xfrac")
_COLOR_OPS = ("brightness", "contrast", "lumaflip", "hue", "saturation")
_MAGNITUDES = (
    "xint_max",
    "scale_std",
    "rotate_max",
    "aniso_std",
    "xfrac_std",
    "brightness_std",
    "contrast_std",
    "hue_max",
    "saturation_std",
    "cutout_size",
)


@keras.saving.register_keras_serializable(package="keras_gans")
class DifferentiableAugment(keras.layers.Layer):
    """Random geometric, colour and cutout augmentation that gradients (and gradients of gradients) flow through.

    The augmentation pipeline of StyleGAN2-ADA ("Training Generative Adversarial Networks with Limited Data",
    Karras et al. 2020, https://arxiv.org/abs/2006.06676) with the per-op probability multipliers R3GAN uses
    ("The GAN is dead; long live the GAN!", Huang et al. 2024, https://arxiv.org/abs/2501.05441). Each op is applied
    to each sample independently with probability `multiplier * probability` (rotation: see below), in ADA's
    order: x-flip, quarter turns, integer translation, isotropic scaling, rotation, anisotropic scaling, rotation,
    fractional translation (all composed into one affine map and resampled once), then brightness, contrast,
    luma flip, hue rotation, saturation (one colour matrix), then cutout. As in ADA, the two rotations each fire
    with probability `1 - sqrt(1 - rotate * p)`, so that at least one fires with probability `rotate * p`.

    `probability` is an input of `call`, not a setting: a Python number or a scalar tensor/variable that the
    training step updates (R3GAN schedules it by images seen; the layer never adapts it). A tensor is only used in
    tensor ops (never branched on in Python), so a compiled step reads its current value. Exactness: with
    `probability == 0` the output is the input bit for bit, and so is every sample for which no op fires (identity
    matrices give exact resampling weights). Cost: a Python 0 (or `training=False`) returns the input at once; a
    tensor p runs the whole pipeline whatever its value, as ADA does (a conditional would cost a device sync per
    call on PyTorch and a recompilation per eager call on JAX, to save work only while p is exactly 0).

    Deviations from ADA (documented choices; the per-op distributions and probabilities are ADA's):
    * Resampling is one bilinear pass at the input resolution, reading mirror-reflected borders (NumPy
      "reflect", repeated as far as needed). ADA pads by reflection, upsamples 2x with a symlet-6 wavelet filter,
      samples bilinearly and downsamples 2x, which anti-aliases scalings down and sub-pixel shifts, and reads zeros
      beyond its padding (at most one image size). Here identity, flips, quarter turns and integer shifts are exact
      pixel permutations; fractional shifts and rotations are bilinear (slightly blurring) and strong shrinking
      aliases.
    * The signs of rotation angles and the order of the random draws differ from ADA (same distributions).
    * ADA's ops that R3GAN leaves off (image-space filtering and additive noise) are not implemented.
    * Colour matrices keep 1 in the homogeneous corner where ADA's saturation matrix has `s`; that row never
      reaches the pixels, so the result is the same.

    The computation is float32 whatever the input dtype; the output is cast back to the input dtype. Random draws
    use the layer's own `keras.random.SeedGenerator`, whose state is one of the layer's (non-trainable) variables.

    Args:
        xflip, rotate90, xint, scale, rotate, aniso, xfrac: probability multipliers of the geometric ops
            (default 1 each, R3GAN). 0 disables an op.
        brightness, contrast, lumaflip, hue, saturation: probability multipliers of the colour ops (default 0.5
            each, R3GAN). Colour ops need 1 or 3 channels.
        cutout: probability multiplier of cutout (default 1, R3GAN).
        xint_max: integer translation range, a fraction of the image size; uniform in `[-xint_max, xint_max]`,
            rounded to whole pixels.
        scale_std: log2 standard deviation of the isotropic scale.
        rotate_max: rotation range in units of pi: uniform in `[-pi * rotate_max, pi * rotate_max]`.
        aniso_std: log2 standard deviation of the anisotropic scale.
        xfrac_std: standard deviation of the fractional translation, a fraction of the image size.
        brightness_std: standard deviation of the brightness offset (in [-1, 1] pixel units).
        contrast_std: log2 standard deviation of the contrast factor.
        hue_max: hue rotation range in units of pi.
        saturation_std: log2 standard deviation of the saturation factor.
        cutout_size: side of the cutout square, a fraction of the image side.
        seed: optional integer seed of the layer's `SeedGenerator`.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Examples:

    ```python
    augment = keras_gans.layers.DifferentiableAugment()
    images = keras.random.uniform((8, 32, 32, 3), -1.0, 1.0)
    augmented = augment(images, 0.3)

    # Scheduled probability read by a compiled training step:
    p = keras.Variable(0.0, trainable=False)
    augmented = augment(images, p)
    ```
    """

    def __init__(
        self,
        xflip=1.0,
        rotate90=1.0,
        xint=1.0,
        scale=1.0,
        rotate=1.0,
        aniso=1.0,
        xfrac=1.0,
        brightness=0.5,
        contrast=0.5,
        lumaflip=0.5,
        hue=0.5,
        saturation=0.5,
        cutout=1.0,
        xint_max=0.125,
        scale_std=0.2,
        rotate_max=1.0,
        aniso_std=0.2,
        xfrac_std=0.125,
        brightness_std=0.2,
        contrast_std=0.5,
        hue_max=1.0,
        saturation_std=1.0,
        cutout_size=0.5,
        seed=None,
        **kwargs,
    ):
        kwargs.pop("autocast", None)
        # The input is cast to float32 in `call` and the result back, so Keras must not autocast it first.
        super().__init__(autocast=False, **kwargs)
        # `probability` may be a plain Python number passed positionally.
        self._allow_non_tensor_positional_args = True
        values = dict(
            xflip=xflip,
            rotate90=rotate90,
            xint=xint,
            scale=scale,
            rotate=rotate,
            aniso=aniso,
            xfrac=xfrac,
            brightness=brightness,
            contrast=contrast,
            lumaflip=lumaflip,
            hue=hue,
            saturation=saturation,
            cutout=cutout,
            xint_max=xint_max,
            scale_std=scale_std,
            rotate_max=rotate_max,
            aniso_std=aniso_std,
            xfrac_std=xfrac_std,
            brightness_std=brightness_std,
            contrast_std=contrast_std,
            hue_max=hue_max,
            saturation_std=saturation_std,
            cutout_size=cutout_size,
        )
        for key, value in values.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0:
                raise ValueError(f"{describe(self)}: `{key}` must be a number >= 0, got {value!r}.")
            setattr(self, key, float(value))
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        self.use_geometric = any(getattr(self, op) > 0 for op in _GEOMETRIC_OPS)
        self.use_color = any(getattr(self, op) > 0 for op in _COLOR_OPS)

    def build(self, images_shape):
        _, _, channels = check_image_shape(self, images_shape)
        if self.use_color and channels not in (1, 3):
            raise ValueError(
                f"{describe(self)}: the colour ops need 1 or 3 channels, got shape {tuple(images_shape)}; set "
                "brightness, contrast, lumaflip, hue and saturation to 0 for other channel counts."
            )
        self.built = True

    def compute_output_spec(self, images, probability=None, training=True):
        return keras.KerasTensor(images.shape, dtype=images.dtype)

    def call(self, images, probability, training=True):
        if not training:
            return images
        dtype = keras.backend.standardize_dtype(images.dtype)
        if "float" not in dtype:
            raise ValueError(f"{describe(self)}: expected floating-point images in [-1, 1], got dtype {dtype}.")
        if isinstance(probability, (int, float)) and probability == 0:
            return images
        p = ops.cast(ops.convert_to_tensor(probability), "float32")
        if len(p.shape) != 0:
            raise ValueError(f"{describe(self)}: `probability` must be a scalar, got shape {tuple(p.shape)}.")
        x = ops.cast(images, "float32")
        # No `ops.cond` on p == 0: it would cost a device sync per call on PyTorch and a fresh compilation per
        # eager call on JAX, to save work only where p is exactly 0 (the first step of R3GAN's schedule).
        params = self.sample_parameters(ops.shape(x)[0], x.shape[1], x.shape[2], p)
        return ops.cast(self.apply_parameters(x, params), dtype)

    def sample_parameters(self, batch, height, width, probability):
        """Draws every op's per-sample parameter; an op that does not fire gets its identity value.

        Two random draws per call, a `(batch, 24)` uniform block and a `(batch, 7)` standard-normal block, whose
        columns are dealt out to the ops in a fixed order (also for disabled ops, so the layout never changes).

        Args:
            batch: number of samples (int or scalar tensor).
            height, width: image size in pixels (Python ints; translations are drawn in pixels).
            probability: float32 scalar tensor, the augmentation probability p.

        Returns:
            A dict of per-sample tensors, the arguments of `geometric_inverse_matrices`, `color_matrices` and
            `apply_cutout` (`cutout_size`, `cutout_center`); see `apply_parameters`.
        """
        uniform = iter(ops.unstack(keras.random.uniform((batch, _UNIFORM_COLUMNS), seed=self.seed_generator), axis=1))
        normal = iter(ops.unstack(keras.random.normal((batch, _NORMAL_COLUMNS), seed=self.seed_generator), axis=1))

        def gated(multiplier, value, identity, prob=None):
            gate = next(uniform) < (multiplier * probability if prob is None else prob)
            if multiplier == 0:
                return ops.zeros_like(value) + identity
            if len(value.shape) == 2:
                gate = ops.expand_dims(gate, -1)
            return ops.where(gate, value, identity)

        def integer(count):  # 0..count-1 as float; clipped in case a backend's uniform rounds up to 1
            return ops.minimum(ops.floor(next(uniform) * count), count - 1.0)

        def symmetric(limit):  # uniform in [-limit, limit]
            return (next(uniform) * 2.0 - 1.0) * limit

        def log2_normal(std):
            return ops.power(2.0, next(normal) * std)

        rotate_prob = 1.0 - ops.sqrt(ops.clip(1.0 - self.rotate * probability, 0.0, 1.0))
        params = dict(
            xflip=gated(self.xflip, integer(2), 0.0),
            rotate90=gated(self.rotate90, integer(4), 0.0),
            translate_int=gated(
                self.xint,
                ops.round(ops.stack([symmetric(self.xint_max * width), symmetric(self.xint_max * height)], axis=-1)),
                0.0,
            ),
            scale=gated(self.scale, log2_normal(self.scale_std), 1.0),
            rotate_pre=gated(self.rotate, symmetric(math.pi * self.rotate_max), 0.0, rotate_prob),
            aniso=gated(self.aniso, log2_normal(self.aniso_std), 1.0),
            rotate_post=gated(self.rotate, symmetric(math.pi * self.rotate_max), 0.0, rotate_prob),
            translate_frac=gated(
                self.xfrac,
                ops.stack([next(normal) * self.xfrac_std * width, next(normal) * self.xfrac_std * height], axis=-1),
                0.0,
            ),
            brightness=gated(self.brightness, next(normal) * self.brightness_std, 0.0),
            contrast=gated(self.contrast, log2_normal(self.contrast_std), 1.0),
            lumaflip=gated(self.lumaflip, integer(2), 0.0),
            hue=gated(self.hue, symmetric(math.pi * self.hue_max), 0.0),
            saturation=gated(self.saturation, log2_normal(self.saturation_std), 1.0),
        )
        params["cutout_size"] = gated(self.cutout, ops.zeros_like(params["hue"]) + self.cutout_size, 0.0)
        params["cutout_center"] = ops.stack([next(uniform), next(uniform)], axis=-1)
        return params

    def apply_parameters(self, images, params):
        """Applies explicit per-sample parameters (as returned by `sample_parameters`) to float32 NHWC images.

        Deterministic and affine in `images`: resampling through `geometric_inverse_matrices`, then
        `apply_color_matrices` with `color_matrices`, then `apply_cutout`, each skipped when all its ops are
        disabled in the layer's settings.
        """
        if self.use_geometric:
            matrices = geometric_inverse_matrices(
                params["xflip"],
                params["rotate90"],
                params["translate_int"],
                params["scale"],
                params["rotate_pre"],
                params["aniso"],
                params["rotate_post"],
                params["translate_frac"],
            )
            images = resample_images(images, matrices)
        if self.use_color:
            matrices = color_matrices(
                params["brightness"], params["contrast"], params["lumaflip"], params["hue"], params["saturation"]
            )
            images = apply_color_matrices(images, matrices)
        if self.cutout > 0:
            images = apply_cutout(images, params["cutout_center"], params["cutout_size"])
        return images

    # Keras' weight files skip SeedGenerator states; this layer stores its own so that a restored checkpoint
    # continues the same random sequence.
    def save_own_variables(self, store):
        super().save_own_variables(store)
        store[_SEED_STATE_KEY] = self.seed_generator.state

    def load_own_variables(self, store):
        keys = list(store.keys())
        if _SEED_STATE_KEY in keys:
            state = self.seed_generator.state
            state.assign(ops.cast(np.asarray(store[_SEED_STATE_KEY]), state.dtype))  # file IO: read via NumPy
        super().load_own_variables({key: store[key] for key in keys if key != _SEED_STATE_KEY})

    def get_config(self):
        config = super().get_config()
        config.update({key: getattr(self, key) for key in _GEOMETRIC_OPS + _COLOR_OPS + ("cutout",) + _MAGNITUDES})
        config["seed"] = self.seed
        return config
