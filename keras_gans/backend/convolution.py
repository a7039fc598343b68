"""Convolution helpers for NHWC images that avoid per-call copies on PyTorch.

`conv2d_same`: a stride-1 "same" 2-D convolution without layout copies.

`keras.ops.conv` on PyTorch copies NHWC inputs into NCHW, then into channels-last memory, and the kernel likewise,
on every call (and the autograd graph copies back). An NHWC-contiguous tensor viewed as NCHW already *is* a
channels-last tensor, which cuDNN convolves directly; this function passes such views, to the convolution of
`torch_convolution` whose second-order gradients are grouped kernels instead of PyTorch's one convolution per
group. JAX and TensorFlow use `keras.ops.conv` unchanged.

`cached_constant`: a NumPy constant as a tensor of a given dtype, made once per device and dtype on PyTorch (a
host-to-device copy inside every call would also make the host wait for the GPU).
"""

import keras
from keras import ops

_BACKEND = keras.backend.backend()

if _BACKEND == "torch":
    import torch

    from keras_gans.backend.torch_convolution import conv2d_same_nchw

_CONSTANTS = {}


def conv2d_same(inputs, kernel):
    """Stride-1, "same"-padded convolution of NHWC `inputs` with an HWIO `kernel` (odd kernel sizes).

    The number of groups is `C_in / kernel.shape[2]`, as in `keras.ops.conv`. Differentiable to any order.
    """
    kh, kw = kernel.shape[0], kernel.shape[1]
    if _BACKEND != "torch" or kh % 2 == 0 or kw % 2 == 0:
        return ops.conv(inputs, kernel, padding="same")
    inputs = ops.convert_to_tensor(inputs)
    kernel = ops.convert_to_tensor(kernel)
    groups = inputs.shape[-1] // kernel.shape[2]
    outputs = conv2d_same_nchw(inputs.permute(0, 3, 1, 2), kernel.permute(3, 2, 0, 1), groups)
    return outputs.permute(0, 2, 3, 1)


def cached_constant(array, like):
    """`array` (a NumPy array that stays alive, e.g. from an `lru_cache`) as a tensor with `like`'s dtype."""
    if _BACKEND != "torch":
        return ops.convert_to_tensor(array, dtype=like.dtype)
    key = (id(array), like.dtype, like.device)
    if key not in _CONSTANTS:
        _CONSTANTS[key] = (array, torch.as_tensor(array, dtype=like.dtype, device=like.device))
    return _CONSTANTS[key][1]
