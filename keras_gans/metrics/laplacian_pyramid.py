"""The Laplacian pyramid of ProGAN's sliced Wasserstein distance (`cv2.pyrDown`/`cv2.pyrUp` semantics).

Kernel: outer product of the binomial taps `[1, 4, 6, 4, 1] / 16`; borders: reflect-101 (`d c b | a b c d | c b a`,
scipy's `mode="mirror"`, OpenCV's `BORDER_REFLECT_101`). Each filter is a reflect-101 padding (`keras.ops.take`)
followed by one depthwise convolution; `pyr_up` zero-stuffs first, literally as in the definition. All kernel
weights are multiples of 1/256, so the first level of an integer image is exact in float32 (every partial sum is
representable) and matches the official float64-accumulated values bit for bit; deeper levels agree to float32
round-off.
"""

import numpy as np
from keras import ops

_BINOMIAL_TAPS = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def _reflect101(positions, size):
    """Maps integer positions onto `[0, size)` with reflect-101 borders (d c b | a b c d | c b a)."""
    period = 2 * (size - 1)
    positions = np.abs(positions) % period
    return np.where(positions >= size, period - positions, positions)


def _pad_reflect101(x, width):
    """Pads height and width by `width` on each side with reflect-101 borders."""
    for axis in (1, 2):
        size = int(x.shape[axis])
        x = ops.take(x, _reflect101(np.arange(-width, size + width), size).astype("int32"), axis=axis)
    return x


def _blur(x, gain, strides):
    """Reflect-101 padding, then `gain` x the 5x5 binomial kernel on every channel (one depthwise convolution)."""
    channels = int(x.shape[-1])
    kernel = np.tile((gain * np.outer(_BINOMIAL_TAPS, _BINOMIAL_TAPS))[:, :, None, None], (1, 1, channels, 1))
    return ops.depthwise_conv(_pad_reflect101(x, 2), kernel.astype("float32"), strides=strides, padding="valid")


def pyr_down(images):
    """Blurs with the 5x5 binomial kernel (reflect-101 borders) and keeps even rows and columns (`cv2.pyrDown`).

    Args:
        images: float32 tensor `(N, H, W, C)`, H and W even.

    Returns:
        `(N, H / 2, W / 2, C)` float32 tensor.
    """
    return _blur(images, 1.0, strides=2)


def pyr_up(images):
    """Doubles the size by zero-stuffing and filtering with 4x the binomial kernel, reflect-101 (`cv2.pyrUp`).

    Args:
        images: float32 tensor `(N, H, W, C)`.

    Returns:
        `(N, 2H, 2W, C)` float32 tensor.
    """
    batch, height, width, channels = (int(s) for s in images.shape)
    # Each pixel followed by a zero row and column: (N, H, 1, W, 1, C) padded to (N, H, 2, W, 2, C).
    spread = ops.reshape(images, (batch, height, 1, width, 1, channels))
    stuffed = ops.pad(spread, [[0, 0], [0, 0], [0, 1], [0, 0], [0, 1], [0, 0]])
    return _blur(ops.reshape(stuffed, (batch, 2 * height, 2 * width, channels)), 4.0, strides=1)


def laplacian_pyramid(images, num_levels):
    """The Laplacian pyramid of ProGAN's SWD: band-pass levels, then the low-pass image as the last level.

    Level `i < num_levels - 1` is `G_i - pyr_up(G_{i+1})` with `G_0 = images` and `G_{i+1} = pyr_down(G_i)`;
    the last level is `G_{num_levels - 1}` itself. Summing `pyr_up` from the last level down reconstructs the input.

    Args:
        images: `(N, H, W, C)` tensor or array (cast to float32); H and W divisible by `2 ** (num_levels - 1)`.
        num_levels: number of levels, >= 1.

    Returns:
        A list of `num_levels` float32 tensors, `(N, H / 2**i, W / 2**i, C)`.

    Examples:

    >>> images = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3)).astype("uint8")
    >>> [tuple(level.shape) for level in laplacian_pyramid(images, 2)]
    [(2, 32, 32, 3), (2, 16, 16, 3)]
    """
    images = ops.cast(images, "float32")
    if len(images.shape) != 4:
        raise ValueError(f"laplacian_pyramid: expected NHWC images of rank 4, got shape {tuple(images.shape)}.")
    factor = 2 ** (num_levels - 1)
    if num_levels < 1 or images.shape[1] % factor or images.shape[2] % factor or images.shape[1] // factor < 2:
        raise ValueError(
            f"laplacian_pyramid: {num_levels} levels need height and width divisible by {factor} and >= "
            f"{2 * factor}, got shape {tuple(images.shape)}."
        )
    levels = [images]
    for _ in range(num_levels - 1):
        low = pyr_down(levels[-1])
        levels[-1] = levels[-1] - pyr_up(low)
        levels.append(low)
    return levels
