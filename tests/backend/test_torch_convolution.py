"""The PyTorch convolution with one-kernel gradients of every order (`keras_gans.backend.torch_convolution`).

PyTorch only, by nature: the module is a set of `torch.autograd.Function`s, checked here with PyTorch's own
`gradcheck`/`gradgradcheck` (float64 central differences) and by counting the ATen kernels its backward passes
dispatch. On every backend, `tests/backend/test_convolution.py` checks `conv2d_same` (which uses it on PyTorch)
against NumPy to second order. `tests/conftest.py` collects this file on PyTorch only.
"""

import collections

import pytest
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

from keras_gans.backend.torch_convolution import conv2d_same_nchw


class _CountConvolutions(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.counts = collections.Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = str(func)
        if name.startswith("aten.convolution"):
            self.counts[name] += 1
        return func(*args, **(kwargs or {}))


def _tensors(groups, kernel_size=3, channels_last=False):
    generator = torch.Generator().manual_seed(groups * 10 + kernel_size)
    x = torch.randn(2, 4 * groups, 5, 4, dtype=torch.float64, generator=generator)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    w = torch.randn(3 * groups, 4, kernel_size, kernel_size, dtype=torch.float64, generator=generator) * 0.3
    return x.requires_grad_(), w.requires_grad_()


@pytest.mark.parametrize("groups,kernel_size,channels_last", [(1, 3, False), (3, 3, False), (2, 1, False),
                                                               (2, 5, True)])
def test_forward_equals_conv2d_and_gradients_pass_gradcheck_to_third_order(groups, kernel_size, channels_last):
    x, w = _tensors(groups, kernel_size, channels_last)
    torch.testing.assert_close(conv2d_same_nchw(x, w, groups),
                               F.conv2d(x, w, padding=kernel_size // 2, groups=groups), rtol=1e-12, atol=1e-12)
    conv = lambda x, w: conv2d_same_nchw(x, w, groups)  # noqa: E731
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
        x, w = _tensors(groups)
        c = torch.randn(2, 3 * groups, 5, 4, dtype=torch.float64)
        with _CountConvolutions() as first:
            (g,) = torch.autograd.grad((c * F.leaky_relu(conv2d_same_nchw(x, w, groups), 0.2)).sum(), x,
                                       create_graph=True)
        with _CountConvolutions() as second:
            torch.autograd.grad((g * g).sum(), w)
        assert first.counts == {"aten.convolution.default": 2}  # forward, and the input gradient (transposed)
        # d|g|^2/dw: the kernel gradient through the transposed convolution, and through the forward convolution
        # via leaky_relu's backward (whose derivative in its input is zero, but autograd follows the edge), whose
        # input gradient it needs (a convolution).
        assert second.counts == {"aten.convolution.default": 1, "aten.convolution_backward.default": 2}
        with _CountConvolutions() as native:
            (g,) = torch.autograd.grad((c * F.leaky_relu(F.conv2d(x, w, padding=1, groups=groups), 0.2)).sum(),
                                       x, create_graph=True)
            torch.autograd.grad((g * g).sum(), w)
        if groups > 1:
            assert native.counts["aten.convolution.default"] >= groups  # PyTorch's per-group loop
