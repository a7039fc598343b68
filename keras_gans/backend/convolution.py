"""A stride-1 "same" 2-D convolution of NHWC images without layout copies on PyTorch.

`keras.ops.conv` on PyTorch copies NHWC inputs into NCHW, then into channels-last memory, and the kernel likewise,
on every call (and the autograd graph copies back). An NHWC-contiguous tensor viewed as NCHW already *is* a
channels-last tensor, which cuDNN convolves directly; this function passes such views. JAX and TensorFlow use
`keras.ops.conv` unchanged.
"""

import keras
from keras import ops

_BACKEND = keras.backend.backend()

if _BACKEND == "torch":
    import torch


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
    outputs = torch.nn.functional.conv2d(
        inputs.permute(0, 3, 1, 2), kernel.permute(3, 2, 0, 1), padding=(kh // 2, kw // 2), groups=groups
    )
    return outputs.permute(0, 2, 3, 1)
