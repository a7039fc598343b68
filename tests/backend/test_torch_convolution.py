"""The PyTorch convolution with one-kernel gradients of every order (`keras_gans.backend.torch_convolution`).

PyTorch only, by nature: the module is a `torch.autograd.Function`, checked here with PyTorch's own
`gradcheck`/`gradgradcheck` (float64 central differences) and by counting the ATen kernels its backward passes
dispatch. On every backend, `tests/backend/test_convolution.py` checks the NHWC helpers that use it on PyTorch
against NumPy to second order, and `tests/layers/test_equalized.py` its strided forms against the unstrided one.
`tests/conftest.py` collects this file on PyTorch only.
"""

import collections

import pytest
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

from keras_gans.backend.torch_convolution import convolution_nchw


class _CountConvolutions(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.counts = collections.Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = str(func)
        if name.startswith("aten.convolution"):
            self.counts[name] += 1
        return func(*args, **(kwargs or {}))


# (groups, kernel size, stride, padding, transposed, channels-last input)
CASES = [
    (1, 3, 1, 1, False, False),
    (3, 3, 1, 1, False, False),
    (2, 1, 1, 0, False, False),
    (2, 5, 1, 2, False, True),
    (1, 4, 2, 1, False, False),
    (1, 4, 2, 1, True, True),
    (2, 3, 2, 0, True, False),
]


@pytest.mark.parametrize("groups,kernel_size,stride,padding,transposed,channels_last", CASES)
def test_forward_equals_pytorch_and_gradients_pass_gradcheck_to_third_order(
    groups, kernel_size, stride, padding, transposed, channels_last
):
    generator = torch.Generator().manual_seed(groups * 10 + kernel_size)
    x = torch.randn(2, 4 * groups, 5, 6, dtype=torch.float64, generator=generator)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    # conv2d weight [C_out, C_in / groups, k, k]; conv_transpose2d weight [C_in, C_out / groups, k, k]
    shape = (4 * groups, 3, kernel_size, kernel_size) if transposed else (3 * groups, 4, kernel_size, kernel_size)
    w = torch.randn(*shape, dtype=torch.float64, generator=generator) * 0.3
    x, w = x.requires_grad_(), w.requires_grad_()

    def conv(x, w):
        return convolution_nchw(x, w, stride=stride, padding=(padding, padding), transposed=transposed, groups=groups)

    reference = (F.conv_transpose2d if transposed else F.conv2d)(x, w, stride=stride, padding=padding, groups=groups)
    torch.testing.assert_close(conv(x, w), reference, rtol=1e-12, atol=1e-12)
    assert torch.autograd.gradcheck(conv, (x, w))
    assert torch.autograd.gradgradcheck(conv, (x, w))

    def first_order(x, w):  # differentiable first derivatives, so gradgradcheck reaches the third order
        y = conv(x, w)
        return torch.autograd.grad((y * y).sum(), (x, w), create_graph=True)

    assert torch.autograd.gradgradcheck(first_order, (x, w))


def test_r1_double_backprop_uses_one_kernel_per_product_whatever_the_groups():
    """PyTorch's own second-order backward runs one convolution per group; this one does not, and the input
    gradient alone (the first backward of R1) computes no kernel gradient."""
    for groups in (1, 4, 16):
        x = torch.randn(2, 4 * groups, 5, 4, dtype=torch.float64, requires_grad=True)
        w = torch.randn(3 * groups, 4, 3, 3, dtype=torch.float64, requires_grad=True)
        c = torch.randn(2, 3 * groups, 5, 4, dtype=torch.float64)
        with _CountConvolutions() as first:
            y = convolution_nchw(x, w, padding=(1, 1), groups=groups)
            (g,) = torch.autograd.grad((c * F.leaky_relu(y, 0.2)).sum(), x, create_graph=True)
        with _CountConvolutions() as second:
            torch.autograd.grad((g * g).sum(), w)
        # The forward convolution, and the input gradient (one backward-data kernel).
        assert first.counts == {"aten.convolution.default": 1, "aten.convolution_backward.default": 1}
        # d|g|^2/dw: the kernel gradient through the input-gradient product (one backward-weight kernel, and a
        # convolution for the gradient that reaches its other operand), and again through the forward
        # convolution, reached via leaky_relu's backward (whose derivative in its input is zero, but autograd
        # follows the edge).
        assert second.counts == {"aten.convolution.default": 1, "aten.convolution_backward.default": 2}
        with _CountConvolutions() as native:
            (g,) = torch.autograd.grad(
                (c * F.leaky_relu(F.conv2d(x, w, padding=1, groups=groups), 0.2)).sum(), x, create_graph=True
            )
            torch.autograd.grad((g * g).sum(), w)
        if groups > 1:
            assert native.counts["aten.convolution.default"] >= groups  # PyTorch's per-group loop
