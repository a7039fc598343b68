"""The ProGAN discriminator (Karras et al., ICLR 2018, https://arxiv.org/abs/1710.10196), `D_paper` of the TF
code."""

import keras
from keras import ops

from keras_gans.layers.equalized import EqualizedConv2D
from keras_gans.layers.equalized import EqualizedDense
from keras_gans.layers.fade_in import FadeIn
from keras_gans.layers.minibatch_stddev import MinibatchStdDev
from keras_gans.layers.resampling import AverageDownsample2D
from keras_gans.layers.shape_validation import check_image_shape
from keras_gans.layers.shape_validation import check_positive_int
from keras_gans.models.progan.progan_base import SQRT2
from keras_gans.models.progan.progan_base import ProGANNetwork
from keras_gans.models.progan.progan_base import leaky_relu
from keras_gans.models.progan.progan_presets import PRESET_FAMILY
from keras_gans.presets.preset_loader import NetworkPresetMixin

DOWNSAMPLE_ORDERS = ("conv_pool_bias_act", "conv_bias_act_pool")


@keras.saving.register_keras_serializable(package="keras_gans")
class ProGANDiscriminator(NetworkPresetMixin, ProGANNetwork):
    """ProGAN discriminator (critic): FromRGB per resolution, per resolution two 3x3 convs with 2x2 average-pool
    downsampling, minibatch standard deviation, then a 4x4 block with two dense layers; linear output with an
    optional AC-GAN label head. Progressive growing through `lod` / `active_resolution` (see `progan_base`).

    Layers, for the block at `2^r` (gains in brackets, official convention): `from_rgb_{res}` 1x1 conv to `nf(r-1)`
    [sqrt(2)] + lrelu; `conv0_{res}` 3x3 `nf(r-1)` [sqrt(2)] + lrelu; `conv1_down_{res}` 3x3 to `nf(r-2)` with 2x2
    average pooling [sqrt(2)] + lrelu; then `mbstd` (one extra channel), `conv_4x4` 3x3 `nf(1)` + lrelu, flatten
    (h, w, c order), `dense0_4x4` to `nf(0)` [sqrt(2)] + lrelu, `dense1_4x4` to `1 + num_classes` [1], linear.
    Fade-in: `x = (1 - a) * Block_r(FromRGB_r(img)) + a * FromRGB_{r-1}(avgpool2(img))` with
    `a = clip(lod - (log2 R - r), 0, 1)`; the input is first box-downsampled from `R x R` to the active resolution.

    Args:
        resolution: final resolution R, a power of two >= 4.
        num_channels: image channels.
        num_classes: AC-GAN classes (0 = plain critic).
        fmap_base, fmap_decay, fmap_max: the width formula (`progan_feature_maps`).
        channels: optional explicit widths for resolutions 4, 8, ..., R (overrides the formula; the
            penultimate dense width is then `channels[0]`).
        mbstd_group_size: minibatch-stddev group size (4 in the TF release, 16 in its v1 preset); 0 disables it.
        mbstd_mode: `"official"` or `"pytorch_gan_zoo"` (see `MinibatchStdDev`).
        use_wscale: equalized learning rate (False = the ablation).
        leaky_relu_slope: 0.2.
        fused_resample: compute conv + average pool as one stride-2 conv (the official `fused_scale`; same
            function, cheaper). Only used with `downsample_order="conv_pool_bias_act"`.
        downsample_order: `"conv_pool_bias_act"` (official TF: the pooling comes before the bias and the leaky
            ReLU) or `"conv_bias_act_pool"` (Theano and pytorch_GAN_zoo). The two are different functions.
        wscale_convention: `"official"` or `"pytorch_gan_zoo"` (gain sqrt(2) everywhere, bias scaled too).
        fade_in_8x8: blend the 8x8 block in like every other block (official). `False` reproduces
            pytorch_GAN_zoo, whose discriminator ignores its fade weight while it has exactly two scales (4x4 and
            8x8; its generator does fade): the 8x8 block is then either fully active (`lod < log2(R) - 2`) or off.
        active_resolution: highest block evaluated by `call` (default R); see `set_lod`.
        allow_large: lifts the size limits checked before building (at most 2e9 parameters, 8192x8192 images;
            see `keras_gans.models.config_validation`).
        **kwargs: `keras.Model` arguments (`name`, `dtype`).

    Call arguments:
        images: `(batch, R, R, num_channels)`.
        labels: ignored (an AC-GAN critic predicts the labels); accepted for a uniform network interface.
        training: unused.

    Returns:
        Scores `(batch,)`, or `(scores (batch,), class_logits (batch, num_classes))` when `num_classes > 0`.

    Examples:

    ```python
    d = keras_gans.ProGANDiscriminator(resolution=32, fmap_base=256, fmap_max=64)
    scores = d(np.zeros((4, 32, 32, 3), "float32"))  # (4,)
    ```
    """

    # Presets: `from_preset(name)` is the discriminator of `ProGAN.from_preset(name)` (keras_gans.presets).
    preset_family = PRESET_FAMILY
    preset_role = "discriminator"
    preset_weights_attribute = "discriminator"

    def __init__(
        self,
        resolution=1024,
        num_channels=3,
        num_classes=0,
        fmap_base=8192,
        fmap_decay=1.0,
        fmap_max=512,
        channels=None,
        mbstd_group_size=4,
        mbstd_mode="official",
        use_wscale=True,
        leaky_relu_slope=0.2,
        fused_resample=True,
        downsample_order="conv_pool_bias_act",
        wscale_convention="official",
        fade_in_8x8=True,
        active_resolution=None,
        allow_large=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        nf = self._init_network(
            "discriminator",
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
        )
        owner = f"ProGANDiscriminator '{self.name}'"
        self.mbstd_group_size = check_positive_int(owner, "mbstd_group_size", mbstd_group_size, minimum=0)
        if downsample_order not in DOWNSAMPLE_ORDERS:
            raise ValueError(
                f"{owner}: `downsample_order` must be one of {DOWNSAMPLE_ORDERS}, got {downsample_order!r}."
            )
        self.mbstd_mode, self.downsample_order = mbstd_mode, downsample_order
        self.fade_in_8x8 = bool(fade_in_8x8)

        pgz = self.wscale_convention == "pytorch_gan_zoo"
        common = self.equalized_layer_arguments()
        pool_in_conv = downsample_order == "conv_pool_bias_act"
        self.from_rgb = [
            EqualizedConv2D(nf[level - 1], 1, gain=SQRT2, name=f"from_rgb_{2**level}x{2**level}", **common)
            for level in range(2, self.resolution_log2 + 1)
        ]
        self.convs0, self.convs1_down = [], []
        for level in range(3, self.resolution_log2 + 1):
            res = f"{2**level}x{2**level}"
            self.convs0.append(EqualizedConv2D(nf[level - 1], 3, gain=SQRT2, name=f"conv0_{res}", **common))
            self.convs1_down.append(
                EqualizedConv2D(
                    nf[level - 2],
                    3,
                    gain=SQRT2,
                    resample="down" if pool_in_conv else None,
                    fused_resample=self.fused_resample,
                    name=f"conv1_down_{res}",
                    **common,
                )
            )
        self.mbstd = None
        if self.mbstd_group_size:
            self.mbstd = MinibatchStdDev(self.mbstd_group_size, mode=mbstd_mode, name="mbstd", dtype=self.dtype_policy)
        self.conv_4x4 = EqualizedConv2D(nf[1], 3, gain=SQRT2, name="conv_4x4", **common)
        self.dense0 = EqualizedDense(nf[0], gain=SQRT2, name="dense0_4x4", **common)
        self.dense1 = EqualizedDense(1 + self.num_classes, gain=SQRT2 if pgz else 1.0, name="dense1_4x4", **common)
        self.downsample = AverageDownsample2D(2, name="downsample", dtype=self.dtype_policy)
        self.input_downsamplers = [
            AverageDownsample2D(2**k, name=f"input_downsample_{2**k}", dtype=self.dtype_policy)
            for k in range(self.resolution_log2 - 1)
        ]
        self.fade_in = FadeIn(alpha=None, name="fade_in", dtype=self.dtype_policy)
        self.build()

    def build(self, images_shape=None, labels_shape=None):
        if self.built:
            return
        for level, from_rgb in enumerate(self.from_rgb, start=2):
            from_rgb.build((None, 2**level, 2**level, self.num_channels))
        for level, (conv0, conv1) in enumerate(zip(self.convs0, self.convs1_down), start=3):
            conv0.build((None, 2**level, 2**level, conv0.filters))
            conv1.build((None, 2**level, 2**level, conv0.filters))
            if conv1.downsample is not None:  # unused by the fused stride-2 conv; built for a complete model
                conv1.downsample.build((None, 2**level, 2**level, conv0.filters))
        in_channels = self.from_rgb[0].filters + (1 if self.mbstd is not None else 0)
        self.conv_4x4.build((None, 4, 4, in_channels))
        self.dense0.build((None, 16 * self.conv_4x4.filters))
        self.dense1.build((None, self.dense0.units))
        # The resamplers own no weights, but every one of them is built here (it validates its input shape), so
        # that the ones of blocks that are still inactive do not count as unbuilt layers.
        self.downsample.build((None, 8, 8, self.num_channels))
        for downsampler in self.input_downsamplers:
            downsampler.build((None, self.resolution, self.resolution, self.num_channels))
        self.built = True

    def _check_images(self, shape):
        check_image_shape(self, shape, channels=self.num_channels, spatial=self.image_shape[:2])

    def _act(self, x):
        return leaky_relu(x, self.leaky_relu_slope)

    def _block(self, level, x):
        x = self._act(self.convs0[level - 3](x))
        x = self._act(self.convs1_down[level - 3](x))
        return x if self.downsample_order == "conv_pool_bias_act" else self.downsample(x)

    def _fade_weight(self, level):
        alpha = self.fade_weight(level)
        if level == 3 and not self.fade_in_8x8:  # pytorch_GAN_zoo: no partial blend of the 8x8 block
            alpha = ops.where(ops.greater_equal(alpha, 1.0), alpha, ops.zeros_like(alpha))
        return alpha

    def feature_maps(self, images):
        """The spatial features of the active blocks, highest resolution first: the FromRGB features at the active
        resolution, then every block's output (after its fade-in), down to 4x4. They come before the minibatch
        standard deviation, so each image's maps depend on that image alone; `keras_gans.explore.project` compares
        them as a perceptual distance.

        Args:
            images: NHWC images `(batch, R, R, C)` in [-1, 1].

        Returns:
            A list of NHWC tensors, one more than the active blocks above 4x4.
        """
        self._check_images(images.shape)
        img = self.input_downsamplers[self.resolution_log2 - self.active_level](ops.cast(images, self.compute_dtype))
        x = self._act(self.from_rgb[self.active_level - 2](img))
        maps = [x]
        for level in range(self.active_level, 2, -1):
            x = self._block(level, x)
            img = self.downsample(img)
            y = self._act(self.from_rgb[level - 3](img))
            x = self.fade_in(x, y, alpha=self._fade_weight(level))
            maps.append(x)
        return maps

    def features(self, images, training=None):
        """The penultimate features `(batch, nf(0))`: the output of `dense0_4x4` after its leaky ReLU."""
        x = self.feature_maps(images)[-1]
        if self.mbstd is not None:
            x = self.mbstd(x)
        x = self._act(self.conv_4x4(x))
        x = ops.reshape(x, (-1, 16 * self.conv_4x4.filters))
        return self._act(self.dense0(x))

    def call(self, images, labels=None, training=None):
        out = self.dense1(self.features(images))
        if self.num_classes:
            return out[:, 0], out[:, 1:]
        return out[:, 0]

    def compute_output_shape(self, images_shape, labels_shape=None):
        self._check_images(images_shape)
        if self.num_classes:
            return (images_shape[0],), (images_shape[0], self.num_classes)
        return (images_shape[0],)

    def get_config(self):
        return {
            **super().get_config(),
            **self._network_config(),
            "mbstd_group_size": self.mbstd_group_size,
            "mbstd_mode": self.mbstd_mode,
            "downsample_order": self.downsample_order,
            "fade_in_8x8": self.fade_in_8x8,
        }
