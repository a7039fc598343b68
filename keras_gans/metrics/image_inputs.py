"""Checks and conversions for the uint8 image batches that the image-statistics metrics (SWD, MS-SSIM) take.

ProGAN evaluates on 8-bit images: generator output in [-1, 1] becomes `round(x * 127.5 + 127.5)` saturated to
[0, 255] (`images_to_uint8`). The metrics take such batches in our NHWC layout and refuse anything else with a
`ValueError`, because a float batch in [-1, 1] silently fed as pixel values would give meaningless numbers.
"""

import keras
import numpy as np
from keras import ops


def images_to_uint8(images):
    """Converts generator output in [-1, 1] to uint8 pixels the way ProGAN's evaluation does.

    `round(x * 127.5 + 127.5)` (round half to even), saturated to [0, 255].

    Args:
        images: float tensor or array in [-1, 1], any shape (usually `(N, H, W, C)`).

    Returns:
        A uint8 tensor of the same shape (a backend tensor).

    Examples:

    >>> pixels = images_to_uint8(np.array([-1.0, -0.5, 0.0, 0.999, 1.5], "float32"))
    >>> keras.ops.convert_to_numpy(pixels).tolist()
    [0, 64, 128, 255, 255]
    """
    pixels = ops.round(ops.cast(images, "float32") * 127.5 + 127.5)
    return ops.cast(ops.clip(pixels, 0.0, 255.0), "uint8")


def check_uint8_images(images, caller, name="images", divisible_by=1, min_size=1, spatial=None):
    """Validates an NHWC uint8 batch with 1 or 3 channels and returns it with 3 channels.

    Grayscale batches are tiled to RGB, as ProGAN's evaluation tiles grayscale datasets.

    Args:
        images: array or backend tensor, `(N, H, W, C)`, dtype uint8, C in {1, 3}.
        caller: the function or class doing the check (named in the error).
        name: the argument's name (named in the error).
        divisible_by: height and width must be multiples of this.
        min_size: height and width must be at least this.
        spatial: the required `(H, W)`, or `None` for any.

    Returns:
        `images` (a numpy array if it was not already an array or tensor), with C == 3.
    """
    if not hasattr(images, "shape") or not hasattr(images, "dtype"):
        images = np.asarray(images)
    dtype = keras.backend.standardize_dtype(images.dtype)
    shape = tuple(images.shape)
    if dtype != "uint8":
        raise ValueError(
            f"{caller}: `{name}` must be uint8 pixels in [0, 255], got dtype {dtype} (shape {shape}). Convert "
            "generator output in [-1, 1] with `keras_gans.metrics.images_to_uint8`."
        )
    if len(shape) != 4:
        raise ValueError(
            f"{caller}: `{name}` must be NHWC images of rank 4 (batch, height, width, channels), got shape "
            f"{shape} (rank {len(shape)})."
        )
    _, height, width, channels = shape
    if channels not in (1, 3):
        raise ValueError(
            f"{caller}: `{name}` must have 1 (grayscale) or 3 (RGB) channels on the last axis (NHWC), got "
            f"{channels} (shape {shape})."
        )
    if spatial is not None and (height, width) != tuple(spatial):
        raise ValueError(
            f"{caller}: `{name}` must be {spatial[0]}x{spatial[1]} images, got {height}x{width} (shape {shape})."
        )
    if height < min_size or width < min_size or height % divisible_by or width % divisible_by:
        raise ValueError(
            f"{caller}: `{name}` needs height and width >= {min_size} and divisible by {divisible_by}, got "
            f"{height}x{width} (shape {shape})."
        )
    if shape[0] == 0:
        raise ValueError(f"{caller}: `{name}` is an empty batch (shape {shape}).")
    if channels == 1:
        images = ops.tile(images, (1, 1, 1, 3))
    return images
