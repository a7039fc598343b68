"""R3GAN's building blocks (Huang et al., NeurIPS 2024, https://arxiv.org/abs/2501.05441).

Every layer is NHWC and bias-free except the activations' per-channel bias. Convolutions are initialised with
`MSRInitializer` (std = gain / sqrt(fan_in)); the LeakyReLU gain sqrt(2 / (1 + 0.2^2)) is used for initialisation
only, never at run time. 1x1 convolutions are `Dense` layers over the channel axis (kernel `(C_in, C_out)`).
"""

import math

import keras
from keras import ops

from keras_gans.layers.grouped_conv import GroupedConv2D
from keras_gans.layers.initializers import HostRandomNormal
from keras_gans.layers.initializers import HostZeros
from keras_gans.layers.resampling import InterpolativeDownsample2D
from keras_gans.layers.resampling import InterpolativeUpsample2D
from keras_gans.layers.shape_validation import check_image_shape
from keras_gans.layers.shape_validation import check_positive_int
from keras_gans.layers.shape_validation import check_vector_shape

LEAKY_RELU_SLOPE = 0.2
# He gain of LeakyReLU(0.2): sqrt(2 / (1 + 0.2^2)) ~= 1.3867505. Used for initialisation only.
ACTIVATION_GAIN = math.sqrt(2.0 / (1.0 + LEAKY_RELU_SLOPE**2))
# Each residual block has m = 3 linear layers; fix-up scaling multiplies their init by L^(-1 / (2m - 2)).
LINEAR_LAYERS_PER_BLOCK = 3


def residual_init_gain(total_blocks):
    """`g_a = ACTIVATION_GAIN * L^(-1/4)`: init gain of a block's first two convs; `L` = blocks in the network."""
    return ACTIVATION_GAIN * total_blocks ** (-1.0 / (2 * LINEAR_LAYERS_PER_BLOCK - 2))


@keras.saving.register_keras_serializable(package="keras_gans")
class MSRInitializer(HostRandomNormal):
    """Normal initializer with `std = gain / sqrt(fan_in)` (He/MSR initialisation with an explicit gain).

    `fan_in` defaults to the product of all but the last axis of the weight shape: `kh * kw * C_in / groups` for
    a Keras conv kernel `(kh, kw, C_in / groups, C_out)` and `C_in` for a `Dense` kernel `(C_in, C_out)`. Pass it
    explicitly where that rule does not hold (a depthwise kernel `(kh, kw, C, 1)` has `fan_in = kh * kw`). Values
    are drawn with NumPy (`keras_gans.layers.HostRandomNormal`): the same on every backend for a seed.

    Args:
        gain: multiplier of the standard deviation.
        fan_in: optional explicit fan-in.
        seed: optional int or `keras.random.SeedGenerator`.

    Examples:
    ```python
    init = keras_gans.layers.MSRInitializer(gain=2.0)
    w = init((3, 3, 16, 32))  # std = 2 / sqrt(144)
    ```
    """

    def __init__(self, gain=1.0, fan_in=None, seed=None):
        super().__init__(mean=0.0, stddev=1.0, seed=seed)
        self.gain = float(gain)
        self.fan_in = fan_in

    def _stddev_for(self, shape):
        fan_in = self.fan_in if self.fan_in is not None else math.prod(shape[:-1])
        return self.gain / math.sqrt(fan_in)

    def get_config(self):
        return {"gain": self.gain, "fan_in": self.fan_in, "seed": super().get_config()["seed"]}


def pointwise_conv(filters, gain=1.0, zero_init=False, **kwargs):
    """A bias-free 1x1 convolution (a `Dense` over the channel axis) with MSR or zero initialisation."""
    initializer = HostZeros() if zero_init else MSRInitializer(gain)
    return keras.layers.Dense(filters, use_bias=False, kernel_initializer=initializer, **kwargs)


def _child_kwargs(layer):
    return {"dtype": layer.dtype_policy}


def run_sublayer(sublayer, inputs, parent=None):
    """Runs a built sub-layer's `call` inside its parent's `call`.

    Sub-layers are built in the parent's `build`, and the parent's `__call__` has already cast the inputs and opened
    the variable autocast scope, so a sub-layer with the parent's dtype policy would only repeat that bookkeeping in
    its own `__call__`; in an eager PyTorch step it was about half of all Python calls. A sub-layer with another
    policy than `parent`'s (e.g. a bfloat16 stage of a float32 network), one whose input comes in another dtype (the
    first layer after such a stage) or a quantized one still goes through `__call__`, which casts its inputs and
    routes it to its quantized kernel. Without `parent` the policies are taken to be equal (the blocks give their
    sub-layers their own policy).
    """
    policy = sublayer.dtype_policy
    if policy.quantization_mode is not None:
        return sublayer(inputs)
    if parent is not None and (
        policy.name != parent.dtype_policy.name or keras.backend.standardize_dtype(inputs.dtype) != policy.compute_dtype
    ):
        return sublayer(inputs)
    return sublayer.call(inputs)


@keras.saving.register_keras_serializable(package="keras_gans")
class BiasedLeakyReLU(keras.layers.Layer):
    """`leaky_relu(x + b, 0.2)` with a learned per-channel bias `b` initialised to zero (no output gain).

    Args:
        negative_slope: slope for negative inputs (0.2 in R3GAN).
        **kwargs: standard `keras.layers.Layer` arguments.

    Examples:
    ```python
    y = keras_gans.layers.BiasedLeakyReLU()(np.zeros((2, 4, 4, 8), "float32"))
    ```
    """

    def __init__(self, negative_slope=LEAKY_RELU_SLOPE, **kwargs):
        super().__init__(**kwargs)
        self.negative_slope = float(negative_slope)

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(f"BiasedLeakyReLU '{self.name}' needs a static channel axis, got {input_shape}.")
        self.bias = self.add_weight(name="bias", shape=(input_shape[-1],), initializer=HostZeros())

    def call(self, inputs):
        if inputs.shape[-1] != self.bias.shape[0]:
            raise ValueError(
                f"BiasedLeakyReLU '{self.name}' was built for {self.bias.shape[0]} channels, got "
                f"shape {tuple(inputs.shape)}."
            )
        return ops.leaky_relu(inputs + ops.cast(self.bias, inputs.dtype), negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


@keras.saving.register_keras_serializable(package="keras_gans")
class ResidualBlock(keras.layers.Layer):
    """R3GAN's residual block: an inverted bottleneck around a grouped 3x3 convolution, `out = x + h(x)`.

    `h` = 1x1 conv C -> E, biased LeakyReLU, grouped kxk conv E -> E (`cardinality` groups), biased LeakyReLU,
    1x1 conv E -> C, with `E = expansion_factor * C`. No normalisation. Fix-up initialisation: the first two convs
    use `MSRInitializer(residual_init_gain(total_blocks))` and the last conv is zero, so the block starts as the
    identity. Reference: Huang et al., NeurIPS 2024 (https://arxiv.org/abs/2501.05441), after ResNeXt's grouped
    bottleneck and Fixup's initialisation.

    Args:
        cardinality: number of groups of the middle convolution.
        total_blocks: `L`, the number of residual blocks in the whole network (sets the init gain).
        expansion_factor: `E / C`.
        kernel_size: odd size of the grouped convolution.
        conv_implementation: `GroupedConv2D` implementation (`"auto"`, `"native"`, `"split"` or `"matmul"`).
        **kwargs: standard `keras.layers.Layer` arguments.

    Examples:
    ```python
    block = keras_gans.layers.ResidualBlock(cardinality=4, total_blocks=8)
    y = block(np.zeros((2, 8, 8, 32), "float32"))  # (2, 8, 8, 32)
    ```
    """

    def __init__(
        self, cardinality, total_blocks, expansion_factor=2, kernel_size=3, conv_implementation="auto", **kwargs
    ):
        super().__init__(**kwargs)
        self.cardinality = check_positive_int(self, "cardinality", cardinality)
        self.total_blocks = check_positive_int(self, "total_blocks", total_blocks)
        self.expansion_factor = check_positive_int(self, "expansion_factor", expansion_factor)
        self.kernel_size = check_positive_int(self, "kernel_size", kernel_size)
        self.conv_implementation = conv_implementation

    def build(self, input_shape):
        _, _, channels = check_image_shape(self, input_shape)
        hidden = channels * self.expansion_factor
        if hidden % self.cardinality:
            raise ValueError(
                f"ResidualBlock '{self.name}': expanded width {hidden} (= {channels} channels x "
                f"{self.expansion_factor}) is not divisible by cardinality {self.cardinality}."
            )
        gain = residual_init_gain(self.total_blocks)
        child = _child_kwargs(self)
        self.expand = pointwise_conv(hidden, gain, name="expand", **child)
        self.expand_activation = BiasedLeakyReLU(name="expand_activation", **child)
        self.grouped_conv = GroupedConv2D(
            hidden,
            self.kernel_size,
            groups=self.cardinality,
            kernel_initializer=MSRInitializer(gain),
            implementation=self.conv_implementation,
            name="grouped_conv",
            **child,
        )
        self.conv_activation = BiasedLeakyReLU(name="conv_activation", **child)
        self.project = pointwise_conv(channels, zero_init=True, name="project", **child)
        hidden_shape = tuple(input_shape[:3]) + (hidden,)
        self.expand.build(input_shape)
        self.expand_activation.build(hidden_shape)
        self.grouped_conv.build(hidden_shape)
        self.conv_activation.build(hidden_shape)
        self.project.build(hidden_shape)

    def call(self, inputs):
        h = run_sublayer(self.expand_activation, run_sublayer(self.expand, inputs))
        h = run_sublayer(self.conv_activation, run_sublayer(self.grouped_conv, h))
        return inputs + run_sublayer(self.project, h)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "cardinality": self.cardinality,
            "total_blocks": self.total_blocks,
            "expansion_factor": self.expansion_factor,
            "kernel_size": self.kernel_size,
            "conv_implementation": self.conv_implementation,
        }


@keras.saving.register_keras_serializable(package="keras_gans")
class GenerativeBasis(keras.layers.Layer):
    """R3GAN generator input: a learned 4x4 constant (N(0, 1) init) scaled per channel by a linear map of z.

    `out[n, h, w, c] = basis[h, w, c] * (z @ W)[n, c]`, with a bias-free `W` (std 1 / sqrt(dim z)). No activation.

    Args:
        width: output channels.
        **kwargs: standard `keras.layers.Layer` arguments.

    Examples:
    ```python
    y = keras_gans.layers.GenerativeBasis(32)(np.zeros((2, 64), "float32"))  # (2, 4, 4, 32)
    ```
    """

    def __init__(self, width, **kwargs):
        super().__init__(**kwargs)
        self.width = check_positive_int(self, "width", width)

    def build(self, input_shape):
        check_vector_shape(self, input_shape, what="latent features")
        self.basis = self.add_weight(
            name="basis", shape=(4, 4, self.width), initializer=MSRInitializer(gain=1.0, fan_in=1)
        )  # unit normal
        self.linear = pointwise_conv(self.width, name="linear", **_child_kwargs(self))
        self.linear.build(input_shape)

    def call(self, inputs):
        scale = run_sublayer(self.linear, inputs)
        return ops.cast(self.basis, scale.dtype)[None] * scale[:, None, None, :]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 4, 4, self.width)

    def get_config(self):
        return {**super().get_config(), "width": self.width}


@keras.saving.register_keras_serializable(package="keras_gans")
class DiscriminativeBasis(keras.layers.Layer):
    """R3GAN discriminator head: a depthwise 4x4 "valid" convolution to `(N, C)`, then a bias-free linear map.

    The depthwise kernel has Keras' `DepthwiseConv2D` layout `(4, 4, C, 1)`, std 1/4 (fan-in 16); the linear map
    has std 1 / sqrt(C). The input must be exactly 4x4. No activation.

    Args:
        output_dim: 1 for an unconditional discriminator, the class-embedding size for a projection head.
        **kwargs: standard `keras.layers.Layer` arguments.

    Examples:
    ```python
    y = keras_gans.layers.DiscriminativeBasis(1)(np.zeros((2, 4, 4, 32), "float32"))  # (2, 1)
    ```
    """

    def __init__(self, output_dim, **kwargs):
        super().__init__(**kwargs)
        self.output_dim = check_positive_int(self, "output_dim", output_dim)

    def build(self, input_shape):
        _, _, channels = check_image_shape(self, input_shape, spatial=(4, 4))
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=(4, 4, channels, 1), initializer=MSRInitializer(fan_in=16)
        )
        self.linear = pointwise_conv(self.output_dim, name="linear", **_child_kwargs(self))
        self.linear.build((input_shape[0], channels))

    def call(self, inputs):
        check_image_shape(self, inputs.shape, spatial=(4, 4))
        kernel = ops.cast(self.depthwise_kernel[..., 0], inputs.dtype)
        return run_sublayer(self.linear, ops.einsum("nhwc,hwc->nc", inputs, kernel))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def get_config(self):
        return {**super().get_config(), "output_dim": self.output_dim}


@keras.saving.register_keras_serializable(package="keras_gans")
class UpsampleTransition(keras.layers.Layer):
    """R3GAN generator stage transition: 1x1 conv to `width` at the low resolution (if widths differ), then
    `InterpolativeUpsample2D`.

    Args:
        width: output channels.
        **kwargs: standard `keras.layers.Layer` arguments.

    Examples:
    ```python
    y = keras_gans.layers.UpsampleTransition(16)(np.zeros((2, 4, 4, 32), "float32"))  # (2, 8, 8, 16)
    ```
    """

    def __init__(self, width, **kwargs):
        super().__init__(**kwargs)
        self.width = check_positive_int(self, "width", width)

    def build(self, input_shape):
        _, _, channels = check_image_shape(self, input_shape)
        child = _child_kwargs(self)
        self.linear = pointwise_conv(self.width, name="linear", **child) if channels != self.width else None
        self.resampler = InterpolativeUpsample2D(name="resampler", **child)
        if self.linear is not None:
            self.linear.build(input_shape)
        self.resampler.build(tuple(input_shape[:3]) + (self.width,))

    def call(self, inputs):
        x = run_sublayer(self.linear, inputs) if self.linear is not None else inputs
        return run_sublayer(self.resampler, x)

    def compute_output_shape(self, input_shape):
        height, width, _ = check_image_shape(self, input_shape)
        return (input_shape[0], 2 * height, 2 * width, self.width)

    def get_config(self):
        return {**super().get_config(), "width": self.width}


@keras.saving.register_keras_serializable(package="keras_gans")
class DownsampleTransition(keras.layers.Layer):
    """R3GAN discriminator stage transition: `InterpolativeDownsample2D`, then a 1x1 conv to `width` at the low
    resolution (if widths differ).

    Args:
        width: output channels.
        **kwargs: standard `keras.layers.Layer` arguments.

    Examples:
    ```python
    y = keras_gans.layers.DownsampleTransition(32)(np.zeros((2, 8, 8, 16), "float32"))  # (2, 4, 4, 32)
    ```
    """

    def __init__(self, width, **kwargs):
        super().__init__(**kwargs)
        self.width = check_positive_int(self, "width", width)

    def build(self, input_shape):
        height, width, channels = check_image_shape(self, input_shape, divisible_by=2)
        child = _child_kwargs(self)
        self.resampler = InterpolativeDownsample2D(name="resampler", **child)
        self.linear = pointwise_conv(self.width, name="linear", **child) if channels != self.width else None
        self.resampler.build(input_shape)
        if self.linear is not None:
            self.linear.build((input_shape[0], height // 2, width // 2, channels))

    def call(self, inputs):
        x = run_sublayer(self.resampler, inputs)
        return run_sublayer(self.linear, x) if self.linear is not None else x

    def compute_output_shape(self, input_shape):
        height, width, _ = check_image_shape(self, input_shape, divisible_by=2)
        return (input_shape[0], height // 2, width // 2, self.width)

    def get_config(self):
        return {**super().get_config(), "width": self.width}
