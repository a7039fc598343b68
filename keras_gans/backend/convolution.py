"""Convolution helpers for NHWC images that avoid per-call copies on PyTorch.

* `conv2d_same`: a stride-1 "same" 2-D convolution (odd kernels; grouped if the kernel says so).
* `conv2d_padded`: a strided 2-D convolution after symmetric zero padding.
* `conv_transpose2d_cropped`: a strided transposed 2-D convolution ("valid"), then a symmetric crop.

`keras.ops.conv` on PyTorch copies NHWC inputs into NCHW, then into channels-last memory, and the kernel likewise,
on every call (and the autograd graph copies back). An NHWC-contiguous tensor viewed as NCHW already *is* a
channels-last tensor, which cuDNN convolves directly; these functions pass such views, to the convolution of
`torch_convolution`, whose second-order gradients (R1, R2, WGAN-GP) are single kernels instead of PyTorch's
per-group or whole-image convolutions, and whose padding and crop are part of the convolution. JAX and TensorFlow
use `keras.ops` (their gradients are single kernels already), except that TensorFlow calls `tf.nn.conv2d` itself for
an ungrouped convolution: `keras.ops.conv` makes a new `tf.function` (its XLA route for grouped convolutions) on
every call, which in an eager forward pass (the first `generate` call) costs more than some of the convolutions.

`cached_constant`: a NumPy constant as a tensor of a given dtype, made once per device and dtype on PyTorch (a
host-to-device copy inside every call would also make the host wait for the GPU).
"""

import keras
from keras import ops

_BACKEND = keras.backend.backend()

if _BACKEND == "torch":
    import torch

    from keras_gans.backend.torch_convolution import convolution_nchw
elif _BACKEND == "tensorflow":
    import tensorflow as tf

_CONSTANTS = {}


def _torch_convolution_nhwc(inputs, kernel, **options):
    """`convolution_nchw(**options)` of NHWC `inputs` through NCHW views, the Keras kernel `(kh, kw, a, b)` viewed
    as PyTorch's `[b, a, kh, kw]` (`conv2d`'s `[C_out, C_in, ...]` from HWIO, `conv_transpose2d`'s
    `[C_in, C_out, ...]` from Keras' `(kh, kw, C_out, C_in)`); the output viewed back as NHWC."""
    inputs, kernel = ops.convert_to_tensor(inputs), ops.convert_to_tensor(kernel)
    return convolution_nchw(inputs.permute(0, 3, 1, 2), kernel.permute(3, 2, 0, 1), **options).permute(0, 2, 3, 1)


def conv2d_same(inputs, kernel):
    """Stride-1, "same"-padded convolution of NHWC `inputs` with an HWIO `kernel`.

    The number of groups is `C_in / kernel.shape[2]`, as in `keras.ops.conv`. Differentiable to any order.
    """
    kh, kw = kernel.shape[0], kernel.shape[1]
    groups = inputs.shape[-1] // kernel.shape[2]
    if _BACKEND == "tensorflow" and groups == 1:
        return tf.nn.conv2d(inputs, kernel, strides=1, padding="SAME")
    if _BACKEND != "torch" or kh % 2 == 0 or kw % 2 == 0:
        return ops.conv(inputs, kernel, padding="same")
    return _torch_convolution_nhwc(inputs, kernel, padding=(kh // 2, kw // 2), groups=groups)


def conv2d_padded(inputs, kernel, strides, padding):
    """`keras.ops.conv(pad(inputs, padding), kernel, strides, "valid")`: NHWC `inputs` zero-padded by `padding`
    pixels on every side, convolved with an HWIO `kernel` (ungrouped). Differentiable to any order."""
    if _BACKEND == "tensorflow":
        return tf.nn.conv2d(inputs, kernel, strides=strides, padding=[[0, 0], [padding] * 2, [padding] * 2, [0, 0]])
    if _BACKEND != "torch":
        padded = ops.pad(inputs, [[0, 0], [padding, padding], [padding, padding], [0, 0]]) if padding else inputs
        return ops.conv(padded, kernel, strides=strides, padding="valid")
    return _torch_convolution_nhwc(inputs, kernel, stride=strides, padding=(padding, padding))


def conv_transpose2d_cropped(inputs, kernel, strides, cropping):
    """`keras.ops.conv_transpose(inputs, kernel, strides, "valid")` with `cropping` pixels removed from every
    side; `kernel` in Keras' transposed layout `(kh, kw, C_out, C_in)`. Differentiable to any order."""
    if _BACKEND != "torch":
        outputs = ops.conv_transpose(inputs, kernel, strides=strides, padding="valid")
        return outputs[:, cropping:-cropping, cropping:-cropping, :] if cropping else outputs
    return _torch_convolution_nhwc(inputs, kernel, stride=strides, padding=(cropping, cropping), transposed=True)


def cached_constant(array, like):
    """`array` (a NumPy array that stays alive, e.g. from an `lru_cache`) as a tensor with `like`'s dtype."""
    if _BACKEND != "torch":
        return ops.convert_to_tensor(array, dtype=like.dtype)
    key = (id(array), like.dtype, like.device)
    if key not in _CONSTANTS:
        # Made outside inference mode: an inference tensor could not be saved for a later training step's backward.
        with torch.inference_mode(False):
            _CONSTANTS[key] = (array, torch.as_tensor(array, dtype=like.dtype, device=like.device))
    return _CONSTANTS[key][1]
