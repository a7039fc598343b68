"""Independent NumPy re-implementations of R3GAN's operations, written from the formulas of the official code.

Activations are NHWC (as the Keras layers); weights are in the official PyTorch layout (convs `[out, in/groups,
kh, kw]`, Linear `[out, in]`), so the tests also check the layout conversions. float64 throughout.
"""

import numpy as np

FIR_1D = np.array([1.0, 3.0, 3.0, 1.0])
FIR_2D = np.outer(FIR_1D, FIR_1D) / 64.0


def lrelu(x, slope=0.2):
    return np.where(x >= 0, x, slope * x)


def _correlate_valid(x, kernel):
    """Per-channel 2-D correlation, 'valid', stride 1: x (N, H, W, C), kernel (kh, kw)."""
    kh, kw = kernel.shape
    h, w = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    out = np.zeros((x.shape[0], h, w, x.shape[3]))
    for i in range(kh):
        for j in range(kw):
            out += kernel[i, j] * x[:, i : i + h, j : j + w, :]
    return out


def fir_upsample(x):
    """Zero insertion (sample at even positions), zero padding 2 before / 1 after, correlation with 4 K."""
    n, h, w, c = x.shape
    up = np.zeros((n, 2 * h, 2 * w, c))
    up[:, ::2, ::2, :] = x
    up = np.pad(up, ((0, 0), (2, 1), (2, 1), (0, 0)))
    return _correlate_valid(up, 4.0 * FIR_2D)


def fir_upsample_transposed_conv(x):
    """The same operator written as `conv_transpose2d(x, 4 K, stride=2, padding=1)`: scatter-add, then crop."""
    n, h, w, c = x.shape
    full = np.zeros((n, 2 * h + 2, 2 * w + 2, c))
    for i in range(h):
        for j in range(w):
            full[:, 2 * i : 2 * i + 4, 2 * j : 2 * j + 4, :] += (
                4.0 * FIR_2D[None, :, :, None] * x[:, i : i + 1, j : j + 1, :]
            )
    return full[:, 1:-1, 1:-1, :]


def fir_downsample(x):
    """Zero padding 1, correlation with K, every second sample (`conv2d(x, K, stride=2, padding=1)`)."""
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    return _correlate_valid(padded, FIR_2D)[:, ::2, ::2, :]


def grouped_conv(x, weight, groups, bias=None):
    """`torch.nn.functional.conv2d(x, weight, bias, padding=k//2, groups=groups)` in NHWC with loops over groups.

    weight: `[out, in/groups, kh, kw]`; output group `g` reads input channels `[g*in/groups, (g+1)*in/groups)`.
    """
    out_channels, group_in, kh, kw = weight.shape
    n, h, w, _ = x.shape
    group_out = out_channels // groups
    padded = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    out = np.zeros((n, h, w, out_channels))
    for g in range(groups):
        xs = padded[..., g * group_in : (g + 1) * group_in]
        for o in range(g * group_out, (g + 1) * group_out):
            for i in range(kh):
                for j in range(kw):
                    out[..., o] += xs[:, i : i + h, j : j + w, :] @ weight[o, :, i, j]
    if bias is not None:
        out += bias
    return out


def grouped_conv_input_adjoint(cotangent, weight, groups):
    """The transpose of `grouped_conv` in its input: d<cotangent, conv(x)>/dx."""
    out_channels, group_in, kh, kw = weight.shape
    n, h, w, _ = cotangent.shape
    group_out = out_channels // groups
    grad = np.zeros((n, h + kh - 1, w + kw - 1, group_in * groups))
    for o in range(out_channels):
        g = o // group_out
        for i in range(kh):
            for j in range(kw):
                grad[:, i : i + h, j : j + w, g * group_in : (g + 1) * group_in] += (
                    cotangent[..., o : o + 1] * weight[o, :, i, j]
                )
    return grad[:, kh // 2 : kh // 2 + h, kw // 2 : kw // 2 + w, :]


def grouped_conv_weight_gradient(x, cotangent, weight_shape, groups):
    """d<cotangent, conv(x; weight)>/dweight, in the official layout `[out, in/groups, kh, kw]`."""
    out_channels, group_in, kh, kw = weight_shape
    n, h, w, _ = x.shape
    group_out = out_channels // groups
    padded = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    grad = np.zeros(weight_shape)
    for o in range(out_channels):
        g = o // group_out
        for i in range(kh):
            for j in range(kw):
                patch = padded[:, i : i + h, j : j + w, g * group_in : (g + 1) * group_in]
                grad[o, :, i, j] = np.einsum("nhwc,nhw->c", patch, cotangent[..., o])
    return grad


def pointwise(x, weight):
    """A bias-free 1x1 conv with an official weight `[out, in, 1, 1]` (or a Linear `[out, in]`)."""
    return x @ weight.reshape(weight.shape[0], -1).T


def residual_block(x, w1, b1, w2, b2, w3, groups):
    h = lrelu(pointwise(x, w1) + b1)
    h = lrelu(grouped_conv(h, w2, groups) + b2)
    return x + pointwise(h, w3)


def generative_basis(z, basis, linear):
    """basis `[C, 4, 4]`, linear `[C, Din]` -> NHWC `(N, 4, 4, C)`."""
    return basis.transpose(1, 2, 0)[None] * (z @ linear.T)[:, None, None, :]


def discriminative_basis(x, depthwise, linear):
    """depthwise `[C, 1, 4, 4]` valid conv on a 4x4 input, flatten, Linear `[Dout, C]`."""
    features = np.einsum("nhwc,chw->nc", x, depthwise[:, 0])
    return features @ linear.T
