"""A PyTorch 2-D convolution whose gradients of every order are single convolution kernels (PyTorch only).

R1, R2 and WGAN-GP differentiate the discriminator's input gradient once more, so each convolution of D also runs a
second-order backward. PyTorch's built-in one (`_convolution_double_backward`) computes the kernel gradient of a
convolution's input gradient as a forward convolution over batch-transposed tensors, and for `groups > 1` as one
such convolution per group: 96 launches for each grouped convolution of the paper's CIFAR-10 discriminator, each a
kernel the size of the whole feature map with a 3x3 output. Here the three bilinear maps of a convolution are
autograd functions whose backward passes are written with each other:

    y  = conv(x, w)        d/dx: conv_input_grad(., w)    d/dw: conv_weight_grad(., x)
    gx = conv_input_grad(gy, w)     d/dgy: conv(., w)     d/dw: conv_weight_grad(gy, .)
    gw = conv_weight_grad(gy, x)    d/dgy: conv(x, .)     d/dx: conv_input_grad(gy, .)

so a gradient of any order is a grouped forward, input-gradient or weight-gradient kernel (cuDNN's own on GPUs).
A backward pass computes only the gradients its autograd task uses: an input gradient taken for R1 skips the kernel
gradient that PyTorch's own convolution backward also skips.

Stride 1 and symmetric zero padding (`padding = (kh // 2, kw // 2)`, odd kernels) only: the convolutions of
`GroupedConv2D`. Tensors are NCHW-shaped (channels-last views of NHWC tensors are fine).
"""

import torch
import torch.nn.functional as F


def _computes_grad(ctx, index):
    """Whether the current backward pass needs the gradient of the `index`-th tensor input of `ctx`'s forward.

    `ctx.needs_input_grad` only says that the input requires a gradient; the engine knows whether this task (e.g.
    `torch.autograd.grad(outputs, inputs)` for an input gradient) reaches it. Falls back to `needs_input_grad`
    where PyTorch does not expose that.
    """
    if not ctx.needs_input_grad[index]:
        return False
    node = ctx.next_functions[index][0]
    try:
        return node is None or torch._C._will_engine_execute_node(node)
    except (AttributeError, RuntimeError):
        return True


def _empty_like_layout(shape, like):
    """An uninitialised tensor of `shape` in `like`'s dtype, device and (channels-last or not) memory format."""
    channels_last = like.dim() == 4 and like.is_contiguous(memory_format=torch.channels_last)
    return torch.empty(shape, dtype=like.dtype, device=like.device,
                       memory_format=torch.channels_last if channels_last else torch.contiguous_format)


class _Conv(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, padding, groups):
        ctx.save_for_backward(x, w)
        ctx.padding, ctx.groups = padding, groups
        return F.conv2d(x, w, padding=padding, groups=groups)

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        gx = _ConvInputGrad.apply(gy, w, ctx.padding, ctx.groups) if _computes_grad(ctx, 0) else None
        gw = _ConvWeightGrad.apply(gy, x, w.shape, ctx.padding, ctx.groups) if _computes_grad(ctx, 1) else None
        return gx, gw, None, None


class _ConvInputGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, gy, w, padding, groups):
        ctx.save_for_backward(gy, w)
        ctx.padding, ctx.groups = padding, groups
        # The adjoint of a stride-1 convolution with padding k // 2 (odd k) is this transposed convolution.
        return F.conv_transpose2d(gy, w, padding=padding, groups=groups)

    @staticmethod
    def backward(ctx, h):
        gy, w = ctx.saved_tensors
        ggy = _Conv.apply(h, w, ctx.padding, ctx.groups) if _computes_grad(ctx, 0) else None
        gw = _ConvWeightGrad.apply(gy, h, w.shape, ctx.padding, ctx.groups) if _computes_grad(ctx, 1) else None
        return ggy, gw, None, None


class _ConvWeightGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, gy, x, weight_shape, padding, groups):
        ctx.save_for_backward(gy, x)
        ctx.padding, ctx.groups = padding, groups
        # Only the weight's shape, dtype and layout are read when just the weight gradient is asked for.
        weight = _empty_like_layout(weight_shape, x)
        return torch.ops.aten.convolution_backward(
            gy, x, weight, None, [1, 1], list(padding), [1, 1], False, [0, 0], groups, [False, True, False]
        )[1]

    @staticmethod
    def backward(ctx, gw_grad):
        gy, x = ctx.saved_tensors
        ggy = _Conv.apply(x, gw_grad, ctx.padding, ctx.groups) if _computes_grad(ctx, 0) else None
        gx = _ConvInputGrad.apply(gy, gw_grad, ctx.padding, ctx.groups) if _computes_grad(ctx, 1) else None
        return ggy, gx, None, None, None


def conv2d_same_nchw(x, w, groups):
    """`F.conv2d(x, w, padding=(kh // 2, kw // 2), groups=groups)` for odd kernels, with one-kernel gradients of
    every order (see the module docstring)."""
    return _Conv.apply(x, w, (w.shape[2] // 2, w.shape[3] // 2), groups)
