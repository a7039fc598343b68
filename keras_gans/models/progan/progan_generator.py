"""The ProGAN generator (Karras et al., ICLR 2018, https://arxiv.org/abs/1710.10196), `G_paper` of the TF code."""

import keras
from keras import ops

from keras_gans.layers.equalized import EqualizedConv2D
from keras_gans.layers.equalized import EqualizedDense
from keras_gans.layers.fade_in import FadeIn
from keras_gans.layers.pixel_norm import PixelNorm
from keras_gans.layers.resampling import NearestUpsample2D
from keras_gans.layers.shape_validation import check_labels
from keras_gans.models.progan.progan_base import SQRT2
from keras_gans.models.progan.progan_base import ProGANNetwork
from keras_gans.models.progan.progan_base import leaky_relu
from keras_gans.models.progan.progan_presets import PRESET_FAMILY
from keras_gans.presets.preset_loader import NetworkPresetMixin


@keras.saving.register_keras_serializable(package="keras_gans")
class ProGANGenerator(NetworkPresetMixin, ProGANNetwork):
    """ProGAN generator: pixel-normalised latent, a 4x4 dense block, then per resolution nearest-upsample + two
    3x3 convs, each followed by leaky ReLU and pixel norm; a linear 1x1 ToRGB per resolution; equalized learning
    rate everywhere. Progressive growing through `lod` / `active_resolution` (see `progan_base`).

    Layers, for the block at `2^r` with `nf(r-1)` channels (gains in brackets, official convention):
    `dense_4x4` to `16 * nf(1)` units [sqrt(2)/4] -> reshape (4, 4, nf(1)) -> per-channel bias -> lrelu -> pixel
    norm -> `conv_4x4` [sqrt(2)] -> lrelu -> pixel norm; for r >= 3: `conv0_up_{res}` (nearest 2x up + 3x3 conv)
    and `conv1_{res}` [sqrt(2)], each + lrelu + pixel norm; `to_rgb_{res}` 1x1 [1]. The output is linear. The
    fade-in blends RGB images: `(1 - a) * ToRGB_r(x_r) + a * up2(image_{r-1})` with `a = clip(lod - (log2 R - r),
    0, 1)`, and the result is nearest-upsampled to `R x R`.

    Dense unit order is (h, w, c) (channels last), unlike the official (c, h, w); weight converters permute.

    Args:
        resolution: final resolution R, a power of two >= 4.
        num_channels: image channels.
        latent_dim: size of z; default `nf(0)` (512 with the defaults).
        num_classes: number of classes (0 = unconditional). Labels are concatenated to z before the latent
            pixel norm (TF version).
        fmap_base, fmap_decay, fmap_max: the width formula (`progan_feature_maps`).
        channels: optional explicit widths for resolutions 4, 8, ..., R (overrides the formula; `nf(0)` then
            means `channels[0]`).
        normalize_latents: pixel-normalise the (latent, label) vector.
        use_pixelnorm: pixel norm after every conv.
        pixelnorm_epsilon: 1e-8 (1e-4 in the official fp16 preset).
        use_wscale: equalized learning rate (False = the ablation).
        leaky_relu_slope: 0.2; 0 gives a plain ReLU (ablation).
        fused_resample: compute upsample + conv as one transposed conv (the official `fused_scale`; same
            function, cheaper).
        dense_bias: `"per_channel"` (official, `nf(1)` values) or `"per_unit"` (pytorch_GAN_zoo, `16 * nf(1)`).
        wscale_convention: `"official"` (gains sqrt(2)/4, sqrt(2), 1 and unscaled biases) or `"pytorch_gan_zoo"`
            (gain sqrt(2) everywhere and the runtime constant also multiplies the bias).
        active_resolution: highest block evaluated by `call` (default R); see `set_lod`.
        allow_large: lifts the size limits checked before building (at most 2e9 parameters, 8192x8192 images;
            see `keras_gans.models.config_validation`).
        **kwargs: `keras.Model` arguments (`name`, `dtype`).

    Call arguments:
        z: latents `(batch, latent_dim)`.
        labels: one-hot float labels `(batch, num_classes)` for a conditional generator, else `None`.
        training: unused.

    Returns:
        Images `(batch, R, R, num_channels)`, NHWC, linear output (nominally [-1, 1]).

    Examples:

    ```python
    g = keras_gans.ProGANGenerator(resolution=32, fmap_base=256, fmap_max=64)
    images = g(np.random.normal(size=(4, g.latent_dim)).astype("float32"))  # (4, 32, 32, 3)
    g.set_lod(2.5)  # fading in 16x16 over 8x8; evaluates blocks up to 16x16, output still 32x32
    ```
    """

    # Presets: `from_preset(name)` is the EMA generator of `ProGAN.from_preset(name)` (keras_gans.presets).
    preset_family = PRESET_FAMILY
    preset_role = "generator"
    preset_weights_attribute = "ema_generator"

    def __init__(
        self,
        resolution=1024,
        num_channels=3,
        latent_dim=None,
        num_classes=0,
        fmap_base=8192,
        fmap_decay=1.0,
        fmap_max=512,
        channels=None,
        normalize_latents=True,
        use_pixelnorm=True,
        pixelnorm_epsilon=1e-8,
        use_wscale=True,
        leaky_relu_slope=0.2,
        fused_resample=True,
        dense_bias="per_channel",
        wscale_convention="official",
        active_resolution=None,
        allow_large=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        nf = self._init_network(
            "generator",
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
            latent_dim=latent_dim,
        )
        if dense_bias not in ("per_channel", "per_unit"):
            raise ValueError(
                f"ProGANGenerator '{self.name}': `dense_bias` must be 'per_channel' or 'per_unit', got {dense_bias!r}."
            )
        self.dense_bias = dense_bias
        self.normalize_latents, self.use_pixelnorm = bool(normalize_latents), bool(use_pixelnorm)
        self.pixelnorm_epsilon = float(pixelnorm_epsilon)

        pgz = self.wscale_convention == "pytorch_gan_zoo"
        common = self.equalized_layer_arguments()
        self.latent_norm = PixelNorm(self.pixelnorm_epsilon, name="latent_norm", dtype=self.dtype_policy)
        self.pixel_norm = PixelNorm(self.pixelnorm_epsilon, name="pixel_norm", dtype=self.dtype_policy)
        self.dense = EqualizedDense(
            16 * nf[1],
            gain=SQRT2 if pgz else SQRT2 / 4,
            bias_units=nf[1] if dense_bias == "per_channel" else None,
            name="dense_4x4",
            **common,
        )
        self.conv_4x4 = EqualizedConv2D(nf[1], 3, gain=SQRT2, name="conv_4x4", **common)
        self.up_convs, self.convs = [], []
        for level in range(3, self.resolution_log2 + 1):
            res = f"{2**level}x{2**level}"
            self.up_convs.append(
                EqualizedConv2D(
                    nf[level - 1],
                    3,
                    gain=SQRT2,
                    resample="up",
                    fused_resample=self.fused_resample,
                    name=f"conv0_up_{res}",
                    **common,
                )
            )
            self.convs.append(EqualizedConv2D(nf[level - 1], 3, gain=SQRT2, name=f"conv1_{res}", **common))
        self.to_rgb = [
            EqualizedConv2D(
                self.num_channels, 1, gain=SQRT2 if pgz else 1.0, name=f"to_rgb_{2**level}x{2**level}", **common
            )
            for level in range(2, self.resolution_log2 + 1)
        ]
        self.upsample = NearestUpsample2D(2, name="upsample", dtype=self.dtype_policy)
        self.output_upsamplers = [
            NearestUpsample2D(2**k, name=f"output_upsample_{2**k}", dtype=self.dtype_policy)
            for k in range(self.resolution_log2 - 1)
        ]
        self.fade_in = FadeIn(alpha=None, name="fade_in", dtype=self.dtype_policy)
        self.build()

    def build(self, z_shape=None, labels_shape=None):
        if self.built:
            return
        self.dense.build((None, self.latent_dim + self.num_classes))
        shape = (None, 4, 4, self.dense.units // 16)
        self.conv_4x4.build(shape)
        self.to_rgb[0].build(shape)
        for up_conv, conv, to_rgb in zip(self.up_convs, self.convs, self.to_rgb[1:]):
            up_conv.build(shape)
            up_conv.upsample.build(shape)  # unused by the fused transposed conv; built for a complete model
            shape = up_conv.compute_output_shape(shape)
            conv.build(shape)
            to_rgb.build(shape)
        # The resamplers own no weights, but every one of them is built here (it validates its input shape), so
        # that the ones of blocks that are still inactive do not count as unbuilt layers.
        self.upsample.build((None, 4, 4, self.num_channels))
        for k, upsampler in enumerate(self.output_upsamplers):
            side = self.resolution // 2**k
            upsampler.build((None, side, side, self.num_channels))
        self.built = True

    def _check_latents(self, z_shape):
        if len(z_shape) != 2 or z_shape[-1] != self.latent_dim:
            raise ValueError(
                f"ProGANGenerator '{self.name}' expects latents of shape (batch, {self.latent_dim}), got "
                f"{tuple(z_shape)}."
            )

    def _activate(self, x):
        x = leaky_relu(x, self.leaky_relu_slope)
        return self.pixel_norm(x) if self.use_pixelnorm else x

    def call(self, z, labels=None, training=None):
        self._check_latents(z.shape)
        labels = check_labels(f"ProGANGenerator '{self.name}'", self.num_classes, labels, z.shape[0])
        x = ops.cast(z, self.compute_dtype)
        if labels is not None:
            x = ops.concatenate([x, ops.cast(labels, self.compute_dtype)], axis=-1)
        if self.normalize_latents:
            x = self.latent_norm(x)
        x = ops.reshape(self.dense(x), (-1, 4, 4, self.dense.units // 16))
        x = self._activate(self.conv_4x4(self._activate(x)))
        images = self.to_rgb[0](x)
        for level in range(3, self.active_level + 1):
            x = self._activate(self.up_convs[level - 3](x))
            x = self._activate(self.convs[level - 3](x))
            new = self.to_rgb[level - 2](x)
            images = self.fade_in(new, self.upsample(images), alpha=self.fade_weight(level))
        return self.output_upsamplers[self.resolution_log2 - self.active_level](images)

    def compute_output_shape(self, z_shape, labels_shape=None):
        self._check_latents(z_shape)
        return (z_shape[0],) + self.image_shape

    def get_config(self):
        return {
            **super().get_config(),
            **self._network_config(),
            "latent_dim": self.latent_dim,
            "normalize_latents": self.normalize_latents,
            "use_pixelnorm": self.use_pixelnorm,
            "pixelnorm_epsilon": self.pixelnorm_epsilon,
            "dense_bias": self.dense_bias,
        }
