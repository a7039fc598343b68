"""A PyTorch 2-D convolution whose gradients of every order are single convolution kernels (PyTorch only).

R1, R2 and WGAN-GP differentiate the discriminator's input gradient once more, so each convolution of D also runs a
second-order backward. PyTorch's built-in one (`_convolution_double_backward`) computes the kernel gradient of a
convolution's input gradient as a forward convolution over batch-transposed tensors, and for `groups > 1` as one
such convolution per group: 96 launches for each grouped convolution of the paper's CIFAR-10 discriminator, each a
kernel the size of the whole feature map with a 3x3 output; for a strided convolution that kernel is also dilated.
Here the three bilinear maps of a convolution are one autograd function (`_ConvolutionProduct`, by `kind`) whose
backward passes are written with each other:

    y  = conv(x, w)        d/dx: conv_input_grad(., w)    d/dw: conv_weight_grad(., x)
    gx = conv_input_grad(gy, w)     d/dgy: conv(., w)     d/dw: conv_weight_grad(gy, .)
    gw = conv_weight_grad(gy, x)    d/dgy: conv(x, .)     d/dx: conv_input_grad(gy, .)

so a gradient of any order is a grouped forward, input-gradient or weight-gradient kernel (cuDNN's own on GPUs).
A backward pass computes only the gradients its autograd task uses: an input gradient taken for R1 skips the kernel
gradient that PyTorch's own convolution backward also skips.

Any stride, symmetric zero padding, plain or transposed (no dilation, no output padding): the convolutions of
`GroupedConv2D` and `EqualizedConv2D`. Tensors are NCHW-shaped (channels-last views of NHWC tensors are fine).
"""

import torch


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
    return torch.empty(
        shape,
        dtype=like.dtype,
        device=like.device,
        memory_format=torch.channels_last if channels_last else torch.contiguous_format,
    )


def _product(kind, a, b, spec):
    """One of the three bilinear maps of the convolution `spec` (see `convolution_nchw`): `"output"` conv(x=a,
    w=b), `"input_grad"` conv_input_grad(gy=a, w=b), `"weight_grad"` conv_weight_grad(gy=a, x=b)."""
    input_shape, weight_shape, stride, padding, transposed, groups = spec
    args = (list(stride), list(padding), [1, 1], transposed, [0, 0], groups)
    if kind == "output":
        return torch.ops.aten.convolution(a, b, None, *args)
    # The backward kernels read only the shape, dtype and layout of the operand whose gradient is not asked for.
    if kind == "input_grad":
        x = _empty_like_layout(input_shape, a)
        return torch.ops.aten.convolution_backward(a, x, b, None, *args, [True, False, False])[0]
    weight = _empty_like_layout(weight_shape, b)
    return torch.ops.aten.convolution_backward(a, b, weight, None, *args, [False, True, False])[1]


# kind -> how the gradients in its first and second operand are computed from the incoming gradient `g`:
# (kind, first operand, second operand), operands named "g", "a" (the first input) or "b" (the second).
_GRADIENTS = {
    "output": (("input_grad", "g", "b"), ("weight_grad", "g", "a")),
    "input_grad": (("output", "g", "b"), ("weight_grad", "a", "g")),
    "weight_grad": (("output", "b", "g"), ("input_grad", "a", "g")),
}


class _ConvolutionProduct(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b, kind, spec):
        ctx.save_for_backward(a, b)
        ctx.kind, ctx.spec = kind, spec
        return _product(kind, a, b, spec)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        operands = {"g": g, "a": a, "b": b}
        grads = [
            _ConvolutionProduct.apply(operands[first], operands[second], kind, ctx.spec)
            if _computes_grad(ctx, index)
            else None
            for index, (kind, first, second) in enumerate(_GRADIENTS[ctx.kind])
        ]
        return grads[0], grads[1], None, None


def convolution_nchw(x, w, stride=1, padding=(0, 0), transposed=False, groups=1):
    """`torch.nn.functional.conv2d(x, w, stride=stride, padding=padding, groups=groups)` (or `conv_transpose2d`
    with `transposed=True`, weight `[C_in, C_out / groups, kh, kw]`), with one-kernel gradients of every order (see
    the module docstring). `padding`: symmetric zero padding per spatial axis (a crop for `transposed`)."""
    if _without_graph(x, w):
        convolve = torch.nn.functional.conv_transpose2d if transposed else torch.nn.functional.conv2d
        return convolve(x, w, stride=stride, padding=tuple(padding), groups=groups)
    spec = (tuple(x.shape), tuple(w.shape), (stride, stride), tuple(padding), bool(transposed), groups)
    return _ConvolutionProduct.apply(x, w, "output", spec)


def _without_graph(x, w):
    """Whether the convolution is only evaluated: no gradient will be taken, or it is being traced (for ONNX).

    Then PyTorch's own function is called: the same kernel, without an autograd node, and one that tracers
    understand (they cannot see into `_ConvolutionProduct`: ONNX export fails on its transposed form).
    """
    if torch.jit.is_tracing() or torch.onnx.is_in_onnx_export():
        return True
    return not (torch.is_grad_enabled() and (x.requires_grad or w.requires_grad))
