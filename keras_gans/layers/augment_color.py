"""Colour part and cutout of the differentiable augmentation (StyleGAN2-ADA's colour ops, written from the paper).

Colours are transformed by per-sample 4x4 homogeneous matrices acting on ``(r, g, b, 1)``, as in StyleGAN2-ADA
(Karras et al. 2020, https://arxiv.org/abs/2006.06676, appendix B.2). Brightness, contrast and hue work directly on
the [-1, 1] pixel values, so "grey" is 0. The luma axis is ``v = (1, 1, 1, 0) / sqrt(3)``.
"""

import math

from keras import ops

from keras_gans.layers.augment_geometric import batched_small_matmul
from keras_gans.layers.augment_geometric import stack_matrices

_LUMA = 1.0 / math.sqrt(3.0)  # each component of the unit luma axis


def color_matrices(brightness, contrast, lumaflip, hue, saturation):
    """Composes the per-sample colour matrices, in StyleGAN2-ADA's order (each new op multiplies from the left).

    The value in brackets is the "op not applied" value; it gives an exact identity factor.

    Args:
        brightness: `(batch,)`, offset added to r, g and b (0).
        contrast: `(batch,)`, factor scaling r, g and b about 0 (1).
        lumaflip: `(batch,)`, 1 to reflect colours through the plane orthogonal to the luma axis,
            `I - 2 v v^T` (0).
        hue: `(batch,)`, angle in radians of a rotation about the luma axis (0).
        saturation: `(batch,)`, factor scaling the component orthogonal to the luma axis,
            `v v^T + s (I - v v^T)` (1).

    Returns:
        `(batch, 4, 4)` float32 matrices acting on `(r, g, b, 1)`.
    """
    b = ops.cast(brightness, "float32")
    c = ops.cast(contrast, "float32")
    flip = ops.cast(lumaflip, "float32")
    theta = ops.cast(hue, "float32")
    s = ops.cast(saturation, "float32")
    third = 1.0 / 3.0  # v v^T has this in every entry of its 3x3 colour block

    brightness_m = stack_matrices([[1, 0, 0, b], [0, 1, 0, b], [0, 0, 1, b], [0, 0, 0, 1]], b)
    contrast_m = stack_matrices([[c, 0, 0, 0], [0, c, 0, 0], [0, 0, c, 0], [0, 0, 0, 1]], c)
    # Householder reflection I - 2 i v v^T.
    d, o = 1.0 - 2.0 * third * flip, -2.0 * third * flip
    lumaflip_m = stack_matrices([[d, o, o, 0], [o, d, o, 0], [o, o, d, 0], [0, 0, 0, 1]], flip)
    # Rodrigues: cos I + sin [v]_x + (1 - cos) v v^T; written so that theta = 0 gives exact 1s and 0s.
    cos, sin = ops.cos(theta), ops.sin(theta)
    diag = cos + third * (1.0 - cos)
    plus = third * (1.0 - cos) + _LUMA * sin
    minus = third * (1.0 - cos) - _LUMA * sin
    hue_m = stack_matrices(
        [[diag, minus, plus, 0], [plus, diag, minus, 0], [minus, plus, diag, 0], [0, 0, 0, 1]], theta
    )
    # v v^T + s (I - v v^T) = s I + (1 - s) v v^T on the colour block; the homogeneous entry stays 1 (ADA puts s
    # there, but that row never reaches the pixels).
    sd, so = s + third * (1.0 - s), third * (1.0 - s)
    saturation_m = stack_matrices([[sd, so, so, 0], [so, sd, so, 0], [so, so, sd, 0], [0, 0, 0, 1]], s)

    matrix = brightness_m
    for factor in (contrast_m, lumaflip_m, hue_m, saturation_m):
        matrix = batched_small_matmul(factor, matrix)
    return matrix


def apply_color_matrices(images, matrices):
    """Applies per-sample 4x4 colour matrices to NHWC images with 3 channels (RGB) or 1 (greyscale).

    RGB: ``out = M[:3, :3] @ rgb + M[:3, 3]``. Greyscale follows ADA: the three colour rows are averaged into one
    row ``m`` and ``out = x * (m0 + m1 + m2) + m3``. Written as element-wise multiply-adds (exact float32, no
    TF32 matmul); an identity matrix returns the input exactly.
    """
    images = ops.convert_to_tensor(images)
    channels = images.shape[-1]
    m = ops.reshape(ops.cast(matrices, images.dtype), (-1, 1, 1, 4, 4))
    if channels == 3:
        return (
            images[..., 0:1] * m[..., :3, 0]
            + images[..., 1:2] * m[..., :3, 1]
            + images[..., 2:3] * m[..., :3, 2]
            + m[..., :3, 3]
        )
    if channels == 1:
        row = ops.mean(m[..., :3, :], axis=-2)
        return images * ops.sum(row[..., :3], axis=-1, keepdims=True) + row[..., 3:4]
    raise ValueError(f"apply_color_matrices: expected images with 1 or 3 channels, got shape {tuple(images.shape)}.")


def apply_cutout(images, centers, sizes):
    """Zeroes one axis-aligned square per image (cutout, DeVries & Taylor 2017, as parameterised in ADA).

    A pixel is zeroed when its centre ``((j + 0.5) / W, (i + 0.5) / H)`` lies strictly within ``size / 2`` of
    the square's centre along both axes (sizes and centres in fractions of the image side).

    Args:
        images: `(batch, height, width, channels)`.
        centers: `(batch, 2)`, `(x, y)` of each square's centre in [0, 1].
        sizes: `(batch,)`, side of each square as a fraction of the image side; 0 leaves the image untouched.
    """
    images = ops.convert_to_tensor(images)
    height, width = images.shape[1], images.shape[2]
    centers = ops.cast(centers, "float32")
    half = ops.reshape(ops.cast(sizes, "float32") / 2.0, (-1, 1, 1))
    coord_x = ops.reshape((ops.arange(width, dtype="float32") + 0.5) / width, (1, 1, width))
    coord_y = ops.reshape((ops.arange(height, dtype="float32") + 0.5) / height, (1, height, 1))
    outside_x = ops.abs(coord_x - ops.reshape(centers[:, 0], (-1, 1, 1))) >= half
    outside_y = ops.abs(coord_y - ops.reshape(centers[:, 1], (-1, 1, 1))) >= half
    keep = ops.logical_or(outside_x, outside_y)
    return images * ops.expand_dims(ops.cast(keep, images.dtype), -1)
