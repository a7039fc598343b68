"""Resampling layers: R3GAN's [1, 3, 3, 1] FIR resamplers and ProGAN's nearest / box resamplers.

All four are per-channel (depthwise) and parameter-free, written with `keras.ops` only, so they work for any
channel count and dtype and can be differentiated to any order on every backend.
"""

import functools

import keras
import numpy as np
from keras import ops

from keras_gans.backend.convolution import cached_constant
from keras_gans.layers.shape_validation import check_image_shape
from keras_gans.layers.shape_validation import check_positive_int

# The separable 1-D taps of R3GAN's resampling filter: [1, 2, 1] convolved with [1, 1] is [1, 3, 3, 1]; normalised
# to sum 1 it is [1, 3, 3, 1] / 8, and the 2-D kernel is its outer product ([1, 3, 3, 1]^T [1, 3, 3, 1] / 64).
FIR_TAPS_1D = (0.125, 0.375, 0.375, 0.125)


def fir_kernel_2d():
    """The official 4x4 resampling kernel `K = [1,3,3,1]^T [1,3,3,1] / 64` as nested lists (sums to 1)."""
    return [[a * b for b in FIR_TAPS_1D] for a in FIR_TAPS_1D]


# The FIR resamplers have two implementations of the same linear map:
# - "taps": padded slices times the taps, per axis (~12 small ops per axis; XLA fuses them into one kernel);
# - "matrix": per axis one matmul with the banded (out, in) resampling matrix: 2 ops in all, which is what an eager
#   backend wants, at the cost of `in` multiply-adds per output instead of 2-4 (cheap while sides are small).
# "auto" picks "matrix" for sides up to MATRIX_MAX_SIZE on PyTorch (eager) and TensorFlow (whose graph runs the
# strided slices and, for gradients, StridedSliceGrad ops that fill input-sized buffers, one per tap: a quarter of
# the kernel time of an R3GAN step on the CPU), and "taps" everywhere else.
FIR_IMPLEMENTATIONS = ("auto", "taps", "matrix")
MATRIX_MAX_SIZE = 64


def resolve_fir_implementation(implementation, height, width):
    """The implementation `"auto"` stands for on this backend for an image of this size (see above)."""
    if implementation != "auto":
        return implementation
    if keras.backend.backend() in ("torch", "tensorflow") and max(height, width) <= MATRIX_MAX_SIZE:
        return "matrix"
    return "taps"


@functools.lru_cache(maxsize=None)
def fir_resampling_matrix(size, direction):
    """The banded float64 matrix of the 1-D resampler along a side of `size` samples: `(size // 2, size)` for
    `"down"`, `(2 * size, size)` for `"up"` (zero padding, as in `_fir_downsample_axis` / `_fir_upsample_axis`)."""
    if direction == "up":
        # Upsampling is the transposed downsampling of the doubled side, with gain 2 (zero insertion halves the mean).
        return 2.0 * fir_resampling_matrix(2 * size, "down").T
    matrix = np.zeros((size // 2, size))
    for i in range(size // 2):
        for k, tap in enumerate(FIR_TAPS_1D):
            if 0 <= 2 * i - 1 + k < size:
                matrix[i, 2 * i - 1 + k] = tap
    return matrix


def _resample_with_matrices(x, direction):
    _, height, width, channels = x.shape
    rows = cached_constant(fir_resampling_matrix(height, direction), x)
    columns = cached_constant(fir_resampling_matrix(width, direction), x)
    x = ops.matmul(rows, ops.reshape(x, (-1, height, width * channels)))  # (N, H', W * C)
    out_height = rows.shape[0]
    x = ops.matmul(columns, ops.reshape(x, (-1, width, channels)))  # (N * H', W', C)
    return ops.reshape(x, (-1, out_height, columns.shape[0], channels))


def _take(x, axis, start, stop, step=1):
    """`x[start:stop:step]` along spatial `axis` (1 or 2) of an NHWC tensor."""
    return x[:, start:stop:step] if axis == 1 else x[:, :, start:stop:step]


def _pad_axis(x, axis, before, after):
    pad = [[0, 0]] * 4
    pad[axis] = [before, after]
    return ops.pad(x, pad)


def _interleave(even, odd, axis, out_shape):
    """Interleaves two tensors along `axis`: out[2i] = even[i], out[2i+1] = odd[i]."""
    return ops.reshape(ops.stack([even, odd], axis=axis + 1), (-1,) + tuple(out_shape))


def _fir_upsample_axis(x, axis, out_shape):
    # Zero insertion then the 4-tap filter with gain 2 and zero padding (2 before, 1 after) gives, per output phase:
    # y[2i] = 0.25 x[i-1] + 0.75 x[i] and y[2i+1] = 0.75 x[i] + 0.25 x[i+1], with x = 0 outside the image.
    size = x.shape[axis]
    padded = _pad_axis(x, axis, 1, 1)
    previous, following = _take(padded, axis, 0, size), _take(padded, axis, 2, size + 2)
    even = 0.25 * previous + 0.75 * x
    odd = 0.75 * x + 0.25 * following
    return _interleave(even, odd, axis, out_shape)


def _fir_downsample_axis(x, axis):
    # Zero padding by 1, the 4-tap filter, every second sample: y[i] = (x[2i-1] + 3 x[2i] + 3 x[2i+1] + x[2i+2]) / 8.
    size = x.shape[axis]
    padded = _pad_axis(x, axis, 1, 1)
    taps = [tap * _take(padded, axis, k, k + size, 2) for k, tap in enumerate(FIR_TAPS_1D)]
    return taps[0] + taps[1] + taps[2] + taps[3]


class _ImageResampler(keras.layers.Layer):
    """Common plumbing: NHWC validation at build time and `compute_output_shape`."""

    divisible_by = 1

    def _check(self, input_shape):
        return check_image_shape(self, input_shape, divisible_by=self.divisible_by)

    def build(self, input_shape):
        self._check(input_shape)


class _FIRResampler(_ImageResampler):
    def __init__(self, implementation="auto", **kwargs):
        super().__init__(**kwargs)
        if implementation not in FIR_IMPLEMENTATIONS:
            raise ValueError(
                f"{type(self).__name__}: `implementation` must be one of {FIR_IMPLEMENTATIONS}, got {implementation!r}."
            )
        self.implementation = implementation

    def get_config(self):
        return {**super().get_config(), "implementation": self.implementation}


@keras.saving.register_keras_serializable(package="keras_gans")
class InterpolativeUpsample2D(_FIRResampler):
    """2x upsampling with R3GAN's [1, 3, 3, 1] FIR filter and zero padding (per channel).

    Equals a per-channel `conv_transpose(x, 4 K, stride 2, padding 1)` with `K = [1,3,3,1]^T [1,3,3,1] / 64`, i.e.
    half-pixel bilinear interpolation everywhere except at the border, where the image is padded with zeros:
    `y[0] = 0.75 x[0]` (a bilinear resize would give `x[0]`). Reference: Huang et al., "The GAN is dead; long live
    the GAN! A Modern GAN Baseline", NeurIPS 2024 (https://arxiv.org/abs/2501.05441).

    Args:
        implementation: `"taps"` (padded slices times the taps), `"matrix"` (one banded matmul per axis) or
            `"auto"` (`"matrix"` on PyTorch for sides up to 64, else `"taps"`); all compute the same function.
        **kwargs: standard `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Examples:
    ```python
    x = np.ones((1, 4, 4, 8), "float32")
    y = keras_gans.layers.InterpolativeUpsample2D()(x)  # (1, 8, 8, 8); y[0, 0, 0] = 0.75 * 0.75
    ```
    """

    def call(self, inputs):
        height, width, channels = self._check(inputs.shape)
        if resolve_fir_implementation(self.implementation, height, width) == "matrix":
            return _resample_with_matrices(inputs, "up")
        x = _fir_upsample_axis(inputs, 1, (2 * height, width, channels))
        return _fir_upsample_axis(x, 2, (2 * height, 2 * width, channels))

    def compute_output_shape(self, input_shape):
        height, width, channels = self._check(input_shape)
        return (input_shape[0], 2 * height, 2 * width, channels)


@keras.saving.register_keras_serializable(package="keras_gans")
class InterpolativeDownsample2D(_FIRResampler):
    """2x downsampling with R3GAN's [1, 3, 3, 1] FIR filter and zero padding (per channel).

    Equals a per-channel `conv2d(x, K, stride 2, padding 1)` with `K = [1,3,3,1]^T [1,3,3,1] / 64`; in 1-D
    `y[i] = (x[2i-1] + 3 x[2i] + 3 x[2i+1] + x[2i+2]) / 8` with zeros outside the image. Height and width must be
    even. Reference: https://arxiv.org/abs/2501.05441.

    Args:
        implementation: `"taps"` (padded slices times the taps), `"matrix"` (one banded matmul per axis) or
            `"auto"` (`"matrix"` on PyTorch for sides up to 64, else `"taps"`); all compute the same function.
        **kwargs: standard `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Examples:
    ```python
    x = np.ones((1, 8, 8, 8), "float32")
    y = keras_gans.layers.InterpolativeDownsample2D()(x)  # (1, 4, 4, 8); y[0, 0, 0] = 0.875 * 0.875
    ```
    """

    divisible_by = 2

    def call(self, inputs):
        height, width, _ = self._check(inputs.shape)
        if resolve_fir_implementation(self.implementation, height, width) == "matrix":
            return _resample_with_matrices(inputs, "down")
        return _fir_downsample_axis(_fir_downsample_axis(inputs, 1), 2)

    def compute_output_shape(self, input_shape):
        height, width, channels = self._check(input_shape)
        return (input_shape[0], height // 2, width // 2, channels)


class _FactorResampler(_ImageResampler):
    def __init__(self, factor=2, **kwargs):
        super().__init__(**kwargs)
        self.factor = check_positive_int(self, "factor", factor)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@keras.saving.register_keras_serializable(package="keras_gans")
class NearestUpsample2D(_FactorResampler):
    """Nearest-neighbour upsampling by an integer factor (each pixel repeated `factor x factor` times).

    ProGAN's upsampling (Karras et al., ICLR 2018, https://arxiv.org/abs/1710.10196).

    Args:
        factor: integer >= 1, the scale factor for height and width.
        **kwargs: standard `keras.layers.Layer` arguments.

    Examples:
    ```python
    y = keras_gans.layers.NearestUpsample2D(2)(np.ones((1, 4, 4, 3), "float32"))  # (1, 8, 8, 3)
    ```
    """

    def call(self, inputs):
        self._check(inputs.shape)
        if self.factor == 1:
            return inputs
        return ops.repeat(ops.repeat(inputs, self.factor, axis=1), self.factor, axis=2)

    def compute_output_shape(self, input_shape):
        height, width, channels = self._check(input_shape)
        return (input_shape[0], height * self.factor, width * self.factor, channels)


@keras.saving.register_keras_serializable(package="keras_gans")
class AverageDownsample2D(_FactorResampler):
    """Box-filter downsampling: the mean over non-overlapping `factor x factor` blocks.

    ProGAN's downsampling (https://arxiv.org/abs/1710.10196). Height and width must be multiples of `factor`.

    Args:
        factor: integer >= 1, the scale factor for height and width.
        **kwargs: standard `keras.layers.Layer` arguments.

    Examples:
    ```python
    y = keras_gans.layers.AverageDownsample2D(2)(np.ones((1, 8, 8, 3), "float32"))  # (1, 4, 4, 3)
    ```
    """

    @property
    def divisible_by(self):
        return self.factor

    def call(self, inputs):
        height, width, channels = self._check(inputs.shape)
        if self.factor == 1:
            return inputs
        f = self.factor
        blocks = ops.reshape(inputs, (-1, height // f, f, width // f, f, channels))
        return ops.mean(blocks, axis=(2, 4))

    def compute_output_shape(self, input_shape):
        height, width, channels = self._check(input_shape)
        return (input_shape[0], height // self.factor, width // self.factor, channels)
