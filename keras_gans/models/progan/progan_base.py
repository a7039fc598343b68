"""What ProGAN's generator and discriminator share: feature-map widths and the level-of-detail machinery.

Growing design (why it is built this way):

* **Every block of every resolution exists from construction on.** The list of weights never changes while the
  network grows, so a checkpoint (`.weights.h5`, `.keras`) written in any phase loads into a freshly built network,
  the EMA copy of the generator stays aligned weight by weight, and one `model.fit` can run all phases. (ProGAN
  resets Adam at every phase boundary, so no optimizer state has to survive a change of the active blocks.)
* **`lod` is a non-trainable float32 variable** with the official meaning (`lod = log2(R) - log2(current
  resolution)`, fractional during a fade-in). It is saved with the weights and read inside `call`: every fade
  weight is `clip(lod - (log2(R) - r), 0, 1)` for the block at `2^r`, so a compiled training step can move the
  fade-in forward every iteration without being retraced.
* **`active_resolution` is a Python attribute**: the highest block that `call` evaluates. Blocks above it are not
  computed at all, so training at 4x4 does not pay for the 1024x1024 layers. Changing it changes the graph: a
  trainer sets it when a phase starts and rebuilds its train function (which it does anyway to reset Adam). The
  default is the full resolution, which evaluates every block and gives the official network's value for any `lod`
  (correct but as expensive as the final phase). With `active_resolution = 2^a`, the output equals the official
  network whenever `lod >= log2(R) - a`; a smaller `lod` behaves like `log2(R) - a` (the missing blocks cannot
  contribute).
* The generator always returns `R x R` images (the active resolution's image, nearest-upsampled), the
  discriminator always takes `R x R` images (box-downsampled internally to the active resolution), as in the
  official TF code, so data pipelines and losses never change shape.

`set_lod(lod)` assigns the variable and picks the cheapest exact `active_resolution`, `2^(log2(R) - floor(lod))`
(the new, higher resolution during a fade-in); a trainer that knows its phase can pass `active_resolution`
explicitly (e.g. at the first step of a fade-in, where `lod` is still an integer).
"""

import math

import keras
from keras import ops

from keras_gans.layers.shape_validation import check_positive_int
from keras_gans.models import config_validation

SQRT2 = math.sqrt(2.0)
WSCALE_CONVENTIONS = ("official", "pytorch_gan_zoo")


def progan_feature_maps(stage, fmap_base=8192, fmap_decay=1.0, fmap_max=512):
    """ProGAN's width formula `nf(stage) = min(floor(fmap_base / 2^(stage * fmap_decay)), fmap_max)`.

    The block at resolution `2^r` uses `nf(r - 1)` channels (so 4x4 uses `nf(1)`); `nf(0)` is the default latent
    size and the width of the discriminator's penultimate dense layer.

    Examples:

    >>> [progan_feature_maps(s) for s in range(1, 11)]
    [512, 512, 512, 512, 256, 128, 64, 32, 16, 8]
    """
    return int(min(int(math.floor(fmap_base / 2.0 ** (stage * fmap_decay))), fmap_max))


def check_resolution(owner, resolution):
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, int)
        or resolution < 4
        or resolution & (resolution - 1)
    ):
        raise ValueError(f"{owner}: `resolution` must be a power of two >= 4, got {resolution!r}.")
    return int(math.log2(resolution))


def resolve_channels(owner, resolution_log2, channels, fmap_base, fmap_decay, fmap_max):
    """Widths `[nf(0), nf(1), ..., nf(log2(R) - 1)]`; `channels` (per resolution 4..R) overrides the formula."""
    if channels is None:
        config_validation.check_int(owner, "fmap_base", fmap_base)
        config_validation.check_number(owner, "fmap_decay", fmap_decay, minimum=0.0)
        config_validation.check_int(owner, "fmap_max", fmap_max)
        return [progan_feature_maps(s, fmap_base, fmap_decay, fmap_max) for s in range(resolution_log2)]
    count = resolution_log2 - 1
    channels = config_validation.check_int_list(
        owner, f"channels (one width per resolution 4 ... {2**resolution_log2})", channels, minimum=1, length=count
    )
    return [channels[0]] + channels  # nf(0) = the 4x4 width when the widths are given explicitly.


def estimate_parameters(role, nf, num_channels, latent_dim=0, num_classes=0, mbstd=True):
    """The parameter count of a ProGAN network from its widths `nf` (see `resolve_channels`), nothing built.

    Generator: a dense layer from latent (+ one-hot labels) to 4x4, a 3x3 conv at 4x4, two 3x3 convs per higher
    resolution and a ToRGB 1x1 conv per resolution. Discriminator: a FromRGB 1x1 conv per resolution, two 3x3
    convs per resolution above 4x4, a 3x3 conv at 4x4 (one more input channel with minibatch stddev) and two dense
    layers. Biases are counted per output channel (the dense layer's per-unit bias option adds `15 * nf[1]`).
    """
    levels = range(3, len(nf) + 1)
    if role == "generator":
        total = (latent_dim + num_classes) * 16 * nf[1] + nf[1] + 9 * nf[1] * nf[1] + nf[1]
        total += sum(9 * nf[r - 2] * nf[r - 1] + 9 * nf[r - 1] ** 2 + 2 * nf[r - 1] for r in levels)
        return total + sum(nf[r - 1] * num_channels + num_channels for r in range(2, len(nf) + 1))
    total = sum(num_channels * nf[r - 1] + nf[r - 1] for r in range(2, len(nf) + 1))
    total += sum(9 * nf[r - 1] ** 2 + 9 * nf[r - 1] * nf[r - 2] + nf[r - 1] + nf[r - 2] for r in levels)
    total += 9 * (nf[1] + int(mbstd)) * nf[1] + nf[1]
    return total + 16 * nf[1] * nf[0] + nf[0] + (nf[0] + 1) * (1 + num_classes)


def check_network_size(owner, role, resolution, nf, num_channels, allow_large, latent_dim=0, num_classes=0):
    """Raises `ValueError` when the network exceeds `keras_gans.models.config_validation`'s size limits."""
    parameters = estimate_parameters(role, nf, num_channels, latent_dim, num_classes)
    config_validation.check_size(owner, parameters, allow_large, resolution=resolution)


def check_wscale_convention(owner, value):
    if value not in WSCALE_CONVENTIONS:
        raise ValueError(f"{owner}: `wscale_convention` must be one of {WSCALE_CONVENTIONS}, got {value!r}.")
    return value


class ProGANNetwork(keras.Model):
    """Base of `ProGANGenerator` / `ProGANDiscriminator`: the arguments both take, the `lod` variable and
    `active_resolution`."""

    def _init_network(
        self,
        role,
        resolution,
        num_channels,
        num_classes,
        fmap_base,
        fmap_decay,
        fmap_max,
        channels,
        use_wscale,
        leaky_relu_slope,
        fused_resample,
        wscale_convention,
        active_resolution,
        allow_large,
        latent_dim=None,
    ):
        """Checks and stores the arguments both networks take, then checks the network's size before anything is
        built. `latent_dim` is the generator's (default `nf(0)`). Returns the widths `nf` (see `resolve_channels`).
        """
        owner = f"{type(self).__name__} '{self.name}'"
        self.resolution = resolution
        self.resolution_log2 = check_resolution(owner, resolution)
        self.fmap_base, self.fmap_decay, self.fmap_max = fmap_base, fmap_decay, fmap_max
        nf = resolve_channels(owner, self.resolution_log2, channels, fmap_base, fmap_decay, fmap_max)
        self.channels = None if channels is None else nf[1:]
        self.num_channels = check_positive_int(owner, "num_channels", num_channels)
        if role == "generator":
            self.latent_dim = check_positive_int(owner, "latent_dim", nf[0] if latent_dim is None else latent_dim)
        self.num_classes = check_positive_int(owner, "num_classes", num_classes, minimum=0)
        self.wscale_convention = check_wscale_convention(owner, wscale_convention)
        self.use_wscale, self.leaky_relu_slope = bool(use_wscale), float(leaky_relu_slope)
        self.fused_resample = bool(fused_resample)
        self.allow_large = config_validation.check_allow_large(owner, allow_large)
        check_network_size(
            owner,
            role,
            resolution,
            nf,
            self.num_channels,
            self.allow_large,
            latent_dim=self.latent_dim if role == "generator" else 0,
            num_classes=self.num_classes,
        )
        self.image_shape = (resolution, resolution, self.num_channels)
        self.lod = self.add_weight(
            name="lod", shape=(), dtype="float32", initializer="zeros", trainable=False, autocast=False
        )
        self._active_resolution = resolution
        if active_resolution is not None:
            self.active_resolution = active_resolution
        return nf

    @property
    def active_resolution(self):
        """The highest resolution whose block `call` evaluates (a Python int; see the module docstring)."""
        return self._active_resolution

    @property
    def trace_key(self):
        """The Python-level state a traced forward pass depends on (see `GAN.generate`)."""
        return self._active_resolution

    @active_resolution.setter
    def active_resolution(self, value):
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < 4
            or value > self.resolution
            or value & (value - 1)
        ):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `active_resolution` must be a power of two in "
                f"[4, {self.resolution}], got {value!r}."
            )
        self._active_resolution = value

    @property
    def active_level(self):
        """`log2(active_resolution)`."""
        return int(math.log2(self._active_resolution))

    def set_lod(self, lod, active_resolution=None):
        """Assigns `lod` and sets `active_resolution` (default: `2^(log2(R) - floor(lod))`, the cheapest exact
        choice). Call it outside compiled functions; inside a compiled step assign `self.lod` directly."""
        lod = float(lod)
        if not 0.0 <= lod <= self.resolution_log2 - 2:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': `lod` must be in [0, {self.resolution_log2 - 2}] "
                f"(4x4 ... {self.resolution}x{self.resolution}), got {lod}."
            )
        if active_resolution is None:
            active_resolution = 2 ** (self.resolution_log2 - int(math.floor(lod)))
        self.active_resolution = int(active_resolution)
        self.lod.assign(lod)

    def fade_weight(self, level):
        """Weight of the old (lower-resolution) path when the block at `2^level` is blended in:
        `clip(lod - (log2(R) - level), 0, 1)` (the clip happens in `FadeIn`)."""
        return self.lod - float(self.resolution_log2 - level)

    def equalized_layer_arguments(self):
        """Keyword arguments of every equalized layer of the network (pytorch_GAN_zoo also scales the biases)."""
        return dict(
            use_wscale=self.use_wscale,
            scale_bias=self.wscale_convention == "pytorch_gan_zoo",
            dtype=self.dtype_policy,
        )

    def _network_config(self):
        """The config entries of the arguments `_init_network` takes (`role` and `latent_dim` aside)."""
        return {
            "resolution": self.resolution,
            "active_resolution": self._active_resolution,
            "num_channels": self.num_channels,
            "num_classes": self.num_classes,
            "fmap_base": self.fmap_base,
            "fmap_decay": self.fmap_decay,
            "fmap_max": self.fmap_max,
            "channels": self.channels,
            "use_wscale": self.use_wscale,
            "leaky_relu_slope": self.leaky_relu_slope,
            "fused_resample": self.fused_resample,
            "wscale_convention": self.wscale_convention,
            **({"allow_large": True} if self.allow_large else {}),
        }


def leaky_relu(x, slope):
    """Leaky ReLU with ProGAN's slope (0.2); slope 0 is a plain ReLU (an ablation)."""
    return ops.leaky_relu(x, negative_slope=slope) if slope else ops.relu(x)
