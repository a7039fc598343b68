"""Equalized-learning-rate dense and convolution layers (ProGAN's "wscale").

Reference: Karras et al., "Progressive Growing of GANs for Improved Quality, Stability, and Variation", ICLR 2018,
https://arxiv.org/abs/1710.10196 (section 4.1).

The stored weight is drawn from N(0, 1/lr_multiplier²) and multiplied at run time by
``gain / sqrt(fan_in) * lr_multiplier``, so every layer sees the same effective learning rate under Adam. The bias
is zero-initialised and multiplied by ``lr_multiplier`` at run time (StyleGAN's convention; with the default
``lr_multiplier=1`` this is ProGAN's unscaled bias).
"""

import math

import keras
from keras import ops

from keras_gans.backend.convolution import conv2d_padded
from keras_gans.backend.convolution import conv2d_same
from keras_gans.backend.convolution import conv_transpose2d_cropped
from keras_gans.layers.initializers import HostRandomNormal
from keras_gans.layers.initializers import HostZeros
from keras_gans.layers.resampling import AverageDownsample2D
from keras_gans.layers.resampling import NearestUpsample2D
from keras_gans.layers.shape_validation import check_image_shape

SQRT2 = math.sqrt(2.0)


def _runtime_scales(gain, fan_in, lr_multiplier, use_wscale, scale_bias):
    """(init std of the stored weight, runtime weight multiplier, runtime bias multiplier)."""
    he_std = gain / math.sqrt(fan_in)
    if use_wscale:
        init_std, weight_multiplier = 1.0 / lr_multiplier, he_std * lr_multiplier
    else:
        init_std, weight_multiplier = he_std / lr_multiplier, lr_multiplier
    # pytorch_GAN_zoo computes c * (W x + b): its runtime constant also multiplies the bias.
    bias_multiplier = weight_multiplier if scale_bias else lr_multiplier
    return init_std, weight_multiplier, bias_multiplier


def _check_common_args(layer_name, gain, lr_multiplier):
    if not gain > 0:
        raise ValueError(f"{layer_name}: `gain` must be > 0, got {gain}.")
    if not lr_multiplier > 0:
        raise ValueError(f"{layer_name}: `lr_multiplier` must be > 0, got {lr_multiplier}.")


@keras.saving.register_keras_serializable(package="keras_gans")
class EqualizedDense(keras.layers.Layer):
    """Dense layer with an equalized learning rate (weights scaled at run time).

    Computes `y = x @ (W * c) + b * lr_multiplier` with `c = gain / sqrt(fan_in) * lr_multiplier`, where `W` is
    stored with a N(0, 1/lr_multiplier²) initialisation and `b` is zero-initialised (ProGAN,
    https://arxiv.org/abs/1710.10196, section 4.1; the learning-rate multiplier follows StyleGAN). No activation:
    ProGAN applies its leaky ReLU outside.

    Args:
        units: int, output size.
        gain: float, the He gain (`sqrt(2)` before a leaky ReLU, `sqrt(2)/4` for ProGAN G's first dense layer,
            `1` for a linear output).
        lr_multiplier: float, learning-rate multiplier (the stored weight has init std `1/lr_multiplier` and is
            multiplied by `lr_multiplier` at run time; the bias too).
        use_bias: bool, whether to add a bias.
        bias_units: int or None. `None` gives one bias per output unit. An integer `k` (a divisor of `units`)
            gives `k` bias values repeated along the output, unit `u` using `bias[u % k]`: ProGAN's generator
            reshapes its first dense output to `(4, 4, C)` and adds a per-channel bias, which for the
            channels-last reshape is `bias_units=C`.
        use_wscale: bool. `False` is ProGAN's "no equalized learning rate" ablation: the stored weight is
            initialised with std `gain / sqrt(fan_in)` and not scaled at run time.
        scale_bias: bool. `True` reproduces pytorch_GAN_zoo, whose runtime constant multiplies the layer output
            including the bias (`y = c * (x @ W + b)`).
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Examples:

    ```python
    layer = keras_gans.layers.EqualizedDense(64, gain=1.0)
    y = layer(np.ones((2, 16), "float32"))  # (2, 64)
    ```
    """

    def __init__(
        self,
        units,
        gain=SQRT2,
        lr_multiplier=1.0,
        use_bias=True,
        bias_units=None,
        use_wscale=True,
        scale_bias=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        _check_common_args(f"EqualizedDense '{self.name}'", gain, lr_multiplier)
        if int(units) < 1:
            raise ValueError(f"EqualizedDense '{self.name}': `units` must be >= 1, got {units}.")
        if bias_units is not None and (int(bias_units) < 1 or int(units) % int(bias_units)):
            raise ValueError(
                f"EqualizedDense '{self.name}': `bias_units` must divide `units`={units}, got {bias_units}."
            )
        self.units = int(units)
        self.gain = float(gain)
        self.lr_multiplier = float(lr_multiplier)
        self.use_bias = bool(use_bias)
        self.bias_units = None if bias_units is None else int(bias_units)
        self.use_wscale = bool(use_wscale)
        self.scale_bias = bool(scale_bias)

    def build(self, input_shape):
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(
                f"EqualizedDense '{self.name}' expects an input of rank >= 2 with a known last (feature) "
                f"dimension, got shape {tuple(input_shape)}."
            )
        fan_in = int(input_shape[-1])
        init_std, self.weight_multiplier, self.bias_multiplier = _runtime_scales(
            self.gain, fan_in, self.lr_multiplier, self.use_wscale, self.scale_bias
        )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(fan_in, self.units),
            initializer=HostRandomNormal(stddev=init_std),
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.bias_units or self.units,), initializer=HostZeros())
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: fan_in})
        self.built = True

    def call(self, inputs):
        outputs = ops.matmul(inputs, self.kernel * self.weight_multiplier)
        if self.use_bias:
            bias = self.bias * self.bias_multiplier
            if self.bias_units is not None and self.bias_units != self.units:
                bias = ops.tile(bias, [self.units // self.bias_units])
            outputs = outputs + bias
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            gain=self.gain,
            lr_multiplier=self.lr_multiplier,
            use_bias=self.use_bias,
            bias_units=self.bias_units,
            use_wscale=self.use_wscale,
            scale_bias=self.scale_bias,
        )
        return config


def _shift_sum(kernel):
    """Zero-pads a (k, k, ...) kernel by one and sums its four 1-pixel shifts: a (k+1, k+1, ...) kernel."""
    padded = _zero_border(_zero_border(kernel, 0), 1)
    return padded[1:, 1:] + padded[:-1, 1:] + padded[1:, :-1] + padded[:-1, :-1]


def _zero_border(kernel, axis):
    """`kernel` with a zero slice before and after along `axis`. Concatenation rather than `ops.pad`: PyTorch's ONNX
    exporter loses the shape of a padded tensor, and an ONNX convolution needs its kernel's."""
    shape = list(kernel.shape)
    shape[axis] = 1
    zeros = ops.zeros(shape, kernel.dtype)
    return ops.concatenate([zeros, kernel, zeros], axis=axis)


@keras.saving.register_keras_serializable(package="keras_gans")
class EqualizedConv2D(keras.layers.Layer):
    """2D convolution (stride 1, 'same' padding, NHWC) with an equalized learning rate.

    The kernel `(k, k, C_in, filters)` is stored N(0, 1/lr_multiplier²) and multiplied at run time by
    `c = gain / sqrt(k*k*C_in) * lr_multiplier`; the zero-initialised bias is multiplied by `lr_multiplier`
    (ProGAN, https://arxiv.org/abs/1710.10196, section 4.1). Optional 2x resampling around the convolution
    reproduces ProGAN's `Conv0_up` / `Conv1_down` layers:

    * `resample="up"`: nearest-neighbour 2x upsampling, then the convolution, then the bias.
    * `resample="down"`: the convolution, then 2x2 average pooling, then the bias (the official TF ordering:
      the bias, and the activation applied outside, come after the pooling).

    With `fused_resample=True` the same function is computed more cheaply as one stride-2 (transposed)
    convolution with a `(k+1, k+1)` kernel made by summing the four 1-pixel shifts of the zero-padded kernel
    (scaled by 1/4 for "down"); the official code calls this `fused_scale`. The stored weight is the same in both
    cases, so the flag can be switched on a trained layer. (The official TF code stores its fused `Conv0_up`
    weight as `[k, k, C_out, C_in]`; this layer's kernel is that array transposed to `[k, k, C_in, C_out]` and
    flipped in both spatial axes.)

    Args:
        filters: int, output channels.
        kernel_size: odd int, square kernel size.
        gain: float, He gain (`sqrt(2)` before a leaky ReLU, `1` for ProGAN's ToRGB).
        lr_multiplier: float, learning-rate multiplier (see `EqualizedDense`).
        use_bias: bool, whether to add a bias.
        resample: `None`, `"up"` or `"down"`.
        fused_resample: bool, compute the resampling with a fused stride-2 convolution.
        use_wscale: bool, `False` for the no-equalized-learning-rate ablation (init std `c`, no runtime scale).
        scale_bias: bool, `True` reproduces pytorch_GAN_zoo (`y = c * (conv(x, W) + b)`).
        **kwargs: base `keras.layers.Layer` arguments.

    Examples:

    ```python
    conv = keras_gans.layers.EqualizedConv2D(32, 3, resample="up")
    y = conv(np.ones((2, 4, 4, 16), "float32"))  # (2, 8, 8, 32)
    ```
    """

    def __init__(
        self,
        filters,
        kernel_size=3,
        gain=SQRT2,
        lr_multiplier=1.0,
        use_bias=True,
        resample=None,
        fused_resample=False,
        use_wscale=True,
        scale_bias=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        layer_name = f"EqualizedConv2D '{self.name}'"
        _check_common_args(layer_name, gain, lr_multiplier)
        if int(filters) < 1:
            raise ValueError(f"{layer_name}: `filters` must be >= 1, got {filters}.")
        if int(kernel_size) < 1 or int(kernel_size) % 2 == 0:
            raise ValueError(f"{layer_name}: `kernel_size` must be a positive odd integer, got {kernel_size}.")
        if resample not in (None, "up", "down"):
            raise ValueError(f"{layer_name}: `resample` must be None, 'up' or 'down', got {resample!r}.")
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.gain = float(gain)
        self.lr_multiplier = float(lr_multiplier)
        self.use_bias = bool(use_bias)
        self.resample = resample
        self.fused_resample = bool(fused_resample)
        self.use_wscale = bool(use_wscale)
        self.scale_bias = bool(scale_bias)

    def _check_shape(self, shape):
        channels = self.kernel.shape[2] if self.built else None
        return check_image_shape(self, shape, channels=channels, divisible_by=2 if self.resample == "down" else 1)

    def build(self, input_shape):
        self._check_shape(input_shape)
        in_channels = int(input_shape[-1])
        fan_in = self.kernel_size * self.kernel_size * in_channels
        init_std, self.weight_multiplier, self.bias_multiplier = _runtime_scales(
            self.gain, fan_in, self.lr_multiplier, self.use_wscale, self.scale_bias
        )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(self.kernel_size, self.kernel_size, in_channels, self.filters),
            initializer=HostRandomNormal(stddev=init_std),
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer=HostZeros())
        self.upsample = NearestUpsample2D(2, dtype=self.dtype_policy) if self.resample == "up" else None
        self.downsample = AverageDownsample2D(2, dtype=self.dtype_policy) if self.resample == "down" else None
        self.built = True

    def call(self, inputs):
        self._check_shape(inputs.shape)
        kernel = self.kernel * self.weight_multiplier
        pad = (self.kernel_size - 1) // 2
        if self.resample == "up" and self.fused_resample:
            # Transposed conv (TF semantics) with the flipped shift-sum kernel in (k, k, out, in) layout, then
            # crop `pad` pixels on each side: equal to nearest-up followed by the 'same' conv.
            fused = ops.flip(ops.flip(_shift_sum(kernel), axis=0), axis=1)
            fused = ops.transpose(fused, (0, 1, 3, 2))
            outputs = conv_transpose2d_cropped(inputs, fused, strides=2, cropping=pad)
        elif self.resample == "down" and self.fused_resample:
            outputs = conv2d_padded(inputs, _shift_sum(kernel) * 0.25, strides=2, padding=pad)
        else:
            if self.resample == "up":
                inputs = self.upsample(inputs)
            outputs = conv2d_same(inputs, kernel)
            if self.resample == "down":
                outputs = self.downsample(outputs)
        if self.use_bias:
            outputs = outputs + self.bias * self.bias_multiplier
        return outputs

    def compute_output_shape(self, input_shape):
        height, width, _ = self._check_shape(input_shape)
        factor = {"up": 2.0, "down": 0.5}.get(self.resample, 1.0)
        return (input_shape[0], int(height * factor), int(width * factor), self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            kernel_size=self.kernel_size,
            gain=self.gain,
            lr_multiplier=self.lr_multiplier,
            use_bias=self.use_bias,
            resample=self.resample,
            fused_resample=self.fused_resample,
            use_wscale=self.use_wscale,
            scale_bias=self.scale_bias,
        )
        return config
