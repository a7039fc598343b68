"""`GroupedConv2D`: a stride-1 "same" grouped convolution that trains (to second order) on every backend."""

import functools

import keras
from keras import ops

from keras_gans.backend.convolution import conv2d_same
from keras_gans.layers.shape_validation import check_image_shape
from keras_gans.layers.shape_validation import check_positive_int
from keras_gans.layers.shape_validation import describe

IMPLEMENTATIONS = ("auto", "native", "split", "matmul")


@functools.lru_cache(maxsize=None)
def _jax_on_accelerator():
    return any(not device.startswith("cpu") for device in keras.distribution.list_devices())


def resolve_implementation(implementation, groups):
    """The implementation that `"auto"` stands for on this backend (and, for JAX, device).

    - PyTorch: `"native"` (`conv2d(groups=...)`, differentiable to any order).
    - TensorFlow: `"split"` for `groups > 1`. TensorFlow's grouped `conv2d` has no CPU gradient outside XLA, and
      whether a step is XLA-compiled is not visible from `keras.ops`.
    - JAX: `"split"` on CPU, where XLA's grouped convolution is slow; `"native"` (`feature_group_count`) on
      GPU/TPU, which run a grouped convolution as one kernel instead of `groups`.
    An XLA-compiled TensorFlow step on a GPU can pass `implementation="native"` explicitly. `"matmul"` is never
    chosen by `"auto"`. The measurements behind these choices are `benchmarks/grouped_conv_throughput.py` (see
    `benchmarks/RESULTS.md`).
    """
    if implementation != "auto":
        return implementation
    backend = keras.backend.backend()
    if groups == 1 or backend == "torch":
        return "native"
    if backend == "jax" and _jax_on_accelerator():
        return "native"
    return "split"


def grouped_conv_as_matmul(inputs, kernel, groups):
    """Stride-1 "same" grouped convolution as one batched matrix product over the groups (im2col).

    Each group's `kh * kw` shifted windows of its input channels are laid side by side, `(G, N * H * W, kh * kw *
    C_in / G)`, and multiplied by that group's kernel `(G, kh * kw * C_in / G, C_out / G)`. All three products of
    the training step (the output, the input gradient and the kernel gradient, the latter a reduction over
    `N * H * W`) are then plain batched matmuls, also in the second-order backward of R1/R2, instead of grouped
    convolution kernels. Costs `kh * kw` times the input in memory.
    """
    kh, kw, group_in, filters = kernel.shape
    _, height, width, _ = inputs.shape
    group_out = filters // groups
    x = ops.pad(inputs, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    x = ops.reshape(x, (-1, height + kh - 1, width + kw - 1, groups, group_in))
    x = ops.transpose(x, (3, 0, 1, 2, 4))  # (G, N, H + kh - 1, W + kw - 1, C_in / G)
    # Column (i * kw + j) * C_in / G + c holds channel c shifted by tap (i, j): the row order of the kernel below.
    patches = ops.concatenate([x[:, :, i : i + height, j : j + width] for i in range(kh) for j in range(kw)], axis=-1)
    patches = ops.reshape(patches, (groups, -1, kh * kw * group_in))
    weights = ops.transpose(ops.reshape(kernel, (kh * kw * group_in, groups, group_out)), (1, 0, 2))
    # einsum, not matmul: Keras' torch matmul computes float64 operands in float32.
    outputs = ops.reshape(ops.einsum("gmk,gkd->gmd", patches, weights), (groups, -1, height, width, group_out))
    return ops.reshape(ops.transpose(outputs, (1, 2, 3, 0, 4)), (-1, height, width, filters))


@keras.saving.register_keras_serializable(package="keras_gans")
class GroupedConv2D(keras.layers.Layer):
    """Grouped 2-D convolution (stride 1, zero "same" padding, odd kernel) with first- and second-order gradients.

    Output channels are split into `groups` contiguous blocks and block `k` reads input channels
    `[k * C_in / groups, (k + 1) * C_in / groups)`: the convention of PyTorch `groups`, Keras `Conv2D(groups=...)`
    and JAX `feature_group_count`. The kernel has Keras' layout `(kh, kw, C_in / groups, C_out)`, so a PyTorch
    weight `[C_out, C_in / groups, kh, kw]` loads with `transpose(2, 3, 1, 0)`.

    Implementations (all compute the same function; the choice is made when the layer is called):
    - `"native"`: `keras.ops.conv` with the grouped kernel. Differentiates to any order on JAX and PyTorch, and on
      TensorFlow only under XLA (TensorFlow's grouped conv has no CPU gradient otherwise). On PyTorch it runs
      `keras_gans.backend.torch_convolution`, whose gradients of every order are single grouped kernels.
    - `"split"`: one ungrouped `keras.ops.conv` per group, concatenated. Differentiates to any order everywhere.
    - `"matmul"`: the shifted windows of each group as columns of one batched matmul (`grouped_conv_as_matmul`).
      Differentiates to any order everywhere; uses `kh * kw` times the input's memory.
    - `"auto"` (default): `"native"` on PyTorch and on JAX with a GPU/TPU, `"split"` on TensorFlow and on JAX on
      CPU (see `resolve_implementation`).

    Args:
        filters: number of output channels, a multiple of `groups`.
        kernel_size: odd int or tuple of two odd ints.
        groups: number of groups; the input channel count must be a multiple of it.
        use_bias: whether to add a per-channel bias.
        kernel_initializer: initializer of the `(kh, kw, C_in / groups, filters)` kernel.
        bias_initializer: initializer of the bias.
        implementation: one of `"auto"`, `"native"`, `"split"`, `"matmul"`.
        **kwargs: standard `keras.layers.Layer` arguments.

    Examples:
    ```python
    conv = keras_gans.layers.GroupedConv2D(32, 3, groups=4)
    y = conv(np.zeros((2, 8, 8, 16), "float32"))  # (2, 8, 8, 32); conv.kernel.shape == (3, 3, 4, 32)
    ```
    """

    def __init__(
        self,
        filters,
        kernel_size,
        groups=1,
        use_bias=False,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        implementation="auto",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = check_positive_int(self, "filters", filters)
        self.groups = check_positive_int(self, "groups", groups)
        sizes = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
        if len(sizes) != 2 or any(isinstance(k, bool) or not isinstance(k, int) or k < 1 or k % 2 == 0 for k in sizes):
            raise ValueError(f"GroupedConv2D: `kernel_size` must be an odd int or two odd ints, got {kernel_size!r}.")
        self.kernel_size = sizes
        if filters % groups:
            raise ValueError(f"GroupedConv2D: `filters` ({filters}) must be a multiple of `groups` ({groups}).")
        if implementation not in IMPLEMENTATIONS:
            raise ValueError(
                f"GroupedConv2D: `implementation` must be one of {IMPLEMENTATIONS}, got {implementation!r}."
            )
        self.implementation = implementation
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.input_channels = None

    def _check(self, input_shape):
        height, width, channels = check_image_shape(self, input_shape)
        if self.input_channels is not None and channels != self.input_channels:
            raise ValueError(
                f"{describe(self)} was built for {self.input_channels} input channels, got {channels} "
                f"(shape {tuple(input_shape)})."
            )
        if channels % self.groups:
            raise ValueError(
                f"{describe(self)} expects input channels divisible by groups={self.groups}, got "
                f"{channels} (shape {tuple(input_shape)})."
            )
        return height, width, channels

    def build(self, input_shape):
        _, _, channels = self._check(input_shape)
        self.input_channels = channels
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer,
        )
        self.bias = (
            self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer)
            if self.use_bias
            else None
        )

    def call(self, inputs):
        self._check(inputs.shape)
        implementation = resolve_implementation(self.implementation, self.groups)
        kernel = ops.cast(self.kernel, inputs.dtype)
        if implementation == "native" or self.groups == 1:
            outputs = conv2d_same(inputs, kernel)
        elif implementation == "matmul":
            outputs = grouped_conv_as_matmul(inputs, kernel, self.groups)
        else:
            pairs = zip(ops.split(inputs, self.groups, axis=-1), ops.split(kernel, self.groups, axis=-1))
            outputs = ops.concatenate([conv2d_same(x, k) for x, k in pairs], axis=-1)
        if self.bias is not None:
            outputs = outputs + ops.cast(self.bias, outputs.dtype)
        return outputs

    def compute_output_shape(self, input_shape):
        height, width, _ = self._check(input_shape)
        return (input_shape[0], height, width, self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "groups": self.groups,
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "implementation": self.implementation,
        }
