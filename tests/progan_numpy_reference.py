"""Independent float64 NumPy implementation of ProGAN's building blocks and networks (spec PROGAN.md §2-4).

Written from the formulas, not from the Keras code: the runtime constants come from the spec's gain table, the
fade-in follows the official "linear" structure (every block evaluated, `lerp_clip` at every level), the
minibatch-stddev groups are enumerated explicitly. The networks read their stored weights from a dict
`{layer_name: (kernel, bias)}` in Keras layouts (HWIO conv kernels, (in, out) dense kernels, (h, w, c) flatten).
"""

import math

import numpy as np

SQRT2 = math.sqrt(2.0)


def nf(stage, fmap_base, fmap_decay, fmap_max):
    return min(int(fmap_base / 2.0 ** (stage * fmap_decay)), fmap_max)


def conv_same(x, kernel):
    """Cross-correlation with zero 'same' padding, NHWC x HWIO."""
    k = kernel.shape[0]
    p = (k - 1) // 2
    xp = np.pad(x, [(0, 0), (p, p), (p, p), (0, 0)])
    n, h, w, _ = x.shape
    out = np.zeros((n, h, w, kernel.shape[-1]))
    for dy in range(k):
        for dx in range(k):
            out += np.einsum("nhwc,co->nhwo", xp[:, dy : dy + h, dx : dx + w], kernel[dy, dx])
    return out


def upsample(x, factor=2):
    return x.repeat(factor, axis=1).repeat(factor, axis=2)


def downsample(x, factor=2):
    n, h, w, c = x.shape
    return x.reshape(n, h // factor, factor, w // factor, factor, c).mean(axis=(2, 4))


def lrelu(x, slope=0.2):
    return np.where(x >= 0, x, slope * x)


def pixel_norm(x, eps=1e-8):
    return x / np.sqrt(np.mean(x**2, axis=-1, keepdims=True) + eps)


def lerp_clip(a, b, t):
    return a + (b - a) * np.clip(t, 0.0, 1.0)


def mbstd_official(x, group_size, eps=1e-8):
    """Strided groups (sample n in group n mod N/G), biased variance, mean over H, W, C, one channel."""
    n = x.shape[0]
    g = min(group_size, n)
    m = n // g
    stat = np.zeros(n)
    for group in range(m):
        members = [i for i in range(n) if i % m == group]
        stat[members] = np.sqrt(np.var(x[members], axis=0) + eps).mean()
    return np.concatenate([x, np.broadcast_to(stat[:, None, None, None], x.shape[:3] + (1,))], axis=-1)


def he(gain, fan_in):
    return gain / math.sqrt(fan_in)


def eq_conv(x, kernel, bias, gain):
    k, _, cin, _ = kernel.shape
    return conv_same(x, kernel * he(gain, k * k * cin)) + bias


def generator_forward(weights, z, labels, lod, resolution, eps=1e-8):
    """Official G_paper (TF), official gains, per-channel dense bias, every block evaluated; output R x R."""
    rl = int(math.log2(resolution))
    x = np.asarray(z, np.float64)
    if labels is not None:
        x = np.concatenate([x, labels], axis=1)
    x = pixel_norm(x, eps)
    kernel, bias = weights["dense_4x4"]
    channels = bias.shape[0]
    x = (x @ (kernel * he(SQRT2 / 4, kernel.shape[0]))).reshape(-1, 4, 4, channels) + bias
    x = pixel_norm(lrelu(x), eps)
    x = pixel_norm(lrelu(eq_conv(x, *weights["conv_4x4"], SQRT2)), eps)
    image = eq_conv(x, *weights["to_rgb_4x4"], 1.0)
    for r in range(3, rl + 1):
        res = f"{2**r}x{2**r}"
        x = pixel_norm(lrelu(eq_conv(upsample(x), *weights[f"conv0_up_{res}"], SQRT2)), eps)
        x = pixel_norm(lrelu(eq_conv(x, *weights[f"conv1_{res}"], SQRT2)), eps)
        image = lerp_clip(eq_conv(x, *weights[f"to_rgb_{res}"], 1.0), upsample(image), lod - (rl - r))
    return image


def discriminator_forward(weights, images, lod, resolution, mbstd_group=4, pool_before_activation=True):
    """Official D_paper, every block evaluated. Returns the dense1 output `(N, 1 + classes)` and the features."""
    rl = int(math.log2(resolution))
    img = np.asarray(images, np.float64)
    x = lrelu(eq_conv(img, *weights[f"from_rgb_{resolution}x{resolution}"], SQRT2))
    for r in range(rl, 2, -1):
        res = f"{2**r}x{2**r}"
        x = lrelu(eq_conv(x, *weights[f"conv0_{res}"], SQRT2))
        kernel, bias = weights[f"conv1_down_{res}"]
        if pool_before_activation:  # conv -> pool -> bias -> lrelu
            x = lrelu(downsample(eq_conv(x, kernel, 0.0, SQRT2)) + bias)
        else:  # conv -> bias -> lrelu -> pool
            x = downsample(lrelu(eq_conv(x, kernel, bias, SQRT2)))
        img = downsample(img)
        y = lrelu(eq_conv(img, *weights[f"from_rgb_{2 ** (r - 1)}x{2 ** (r - 1)}"], SQRT2))
        x = lerp_clip(x, y, lod - (rl - r))
    if mbstd_group:
        x = mbstd_official(x, mbstd_group)
    x = lrelu(eq_conv(x, *weights["conv_4x4"], SQRT2))
    x = x.reshape(x.shape[0], -1)
    kernel, bias = weights["dense0_4x4"]
    features = lrelu(x @ (kernel * he(SQRT2, kernel.shape[0])) + bias)
    kernel, bias = weights["dense1_4x4"]
    return features @ (kernel * he(1.0, kernel.shape[0])) + bias, features


def expected_generator_params(resolution, num_channels, latent_dim, num_classes, fmap_base, fmap_decay, fmap_max):
    """Trainable parameters of G_paper from its layer list (spec §3)."""

    def f(stage):
        return nf(stage, fmap_base, fmap_decay, fmap_max)

    rl = int(math.log2(resolution))
    count = (latent_dim + num_classes) * 16 * f(1) + f(1)  # dense + per-channel bias
    count += 9 * f(1) * f(1) + f(1)  # 4x4 conv
    for r in range(3, rl + 1):
        count += 9 * f(r - 2) * f(r - 1) + f(r - 1)  # Conv0_up
        count += 9 * f(r - 1) * f(r - 1) + f(r - 1)  # Conv1
    for r in range(2, rl + 1):
        count += f(r - 1) * num_channels + num_channels  # ToRGB
    return count


def expected_discriminator_params(resolution, num_channels, num_classes, fmap_base, fmap_decay, fmap_max, mbstd=True):
    """Trainable parameters of D_paper from its layer list (spec §4)."""

    def f(stage):
        return nf(stage, fmap_base, fmap_decay, fmap_max)

    rl = int(math.log2(resolution))
    count = sum(num_channels * f(r - 1) + f(r - 1) for r in range(2, rl + 1))  # FromRGB
    for r in range(3, rl + 1):
        count += 9 * f(r - 1) * f(r - 1) + f(r - 1)  # Conv0
        count += 9 * f(r - 1) * f(r - 2) + f(r - 2)  # Conv1_down
    count += 9 * (f(1) + int(mbstd)) * f(1) + f(1)  # 4x4 conv after minibatch stddev
    count += 16 * f(1) * f(0) + f(0)  # Dense0
    count += f(0) * (1 + num_classes) + 1 + num_classes  # Dense1
    return count
