"""Centre-crop to a square and resize with Pillow: the one resampling used by every loader of this package.

The crop keeps the largest centred square (`min(height, width)` on a side, offset `(size - crop) // 2`) and the
resize uses Pillow's antialiased filters, LANCZOS by default. This is the `--transform=center-crop` of the
StyleGAN2-ADA / StyleGAN3 `dataset_tool.py` that R3GAN's datasets are made with, so an image folder prepared here
has the pixels those tools would write. Images already at the target size are returned untouched (no
resampling); upscaling smaller images is allowed.

uint8 images are resampled as Pillow `L` / `RGB` images (Pillow rounds and clips to [0, 255]); float images (the
library's [-1, 1] range) are resampled channel by channel as Pillow `F` images and clipped to [-1, 1], since
LANCZOS and BICUBIC overshoot at sharp edges.
"""

import numpy as np
from PIL import Image
from PIL import ImageOps

INTERPOLATIONS = {
    "lanczos": Image.Resampling.LANCZOS,
    "bicubic": Image.Resampling.BICUBIC,
    "bilinear": Image.Resampling.BILINEAR,
    "box": Image.Resampling.BOX,
    "nearest": Image.Resampling.NEAREST,
}


def resampling_filter(interpolation, owner):
    """The Pillow filter for an interpolation name; `ValueError` naming `owner` for an unknown name."""
    if interpolation not in INTERPOLATIONS:
        raise ValueError(
            f"{owner}: expected interpolation to be one of {sorted(INTERPOLATIONS)}; got {interpolation!r}."
        )
    return INTERPOLATIONS[interpolation]


def check_resolution(resolution, owner, allow_none=False):
    if resolution is None and allow_none:
        return None
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 1:
        expected = "a positive int or None" if allow_none else "a positive int"
        raise ValueError(f"{owner}: expected resolution to be {expected}; got {resolution!r}.")
    return int(resolution)


def center_crop_box(width, height):
    """`(left, top, right, bottom)` of the largest centred square of a `width` x `height` image."""
    crop = min(width, height)
    left, top = (width - crop) // 2, (height - crop) // 2
    return left, top, left + crop, top + crop


FITS = ("crop", "pad")


def crop_resize_pil(image, resolution, resample, fit="crop"):
    """Fits a PIL image into `resolution` x `resolution`: `fit="crop"` centre-crops it to a square and resizes it;
    `fit="pad"` resizes it to fit inside the square (aspect ratio kept) and centres it on black."""
    if fit == "pad":
        return ImageOps.pad(image, (resolution, resolution), method=resample, color=0)
    box = center_crop_box(*image.size)
    if box != (0, 0) + image.size:
        image = image.crop(box)
    if image.size != (resolution, resolution):
        image = image.resize((resolution, resolution), resample)
    return image


def center_crop_and_resize(images, resolution, interpolation="lanczos"):
    """Centre-crops a batch of NHWC images to squares and resizes them with Pillow.

    Args:
        images: `(N, H, W, C)` uint8 (C = 1 or 3) or float (any C) images.
        resolution: output height and width.
        interpolation: one of `"lanczos"` (default), `"bicubic"`, `"bilinear"`, `"box"`, `"nearest"`.

    Returns:
        `(N, resolution, resolution, C)` with the input dtype (uint8) or float32 clipped to [-1, 1].

    Examples:

    >>> images = np.zeros((2, 40, 30, 3), "uint8")
    >>> center_crop_and_resize(images, 16).shape
    (2, 16, 16, 3)
    """
    resample = resampling_filter(interpolation, "center_crop_and_resize")
    resolution = check_resolution(resolution, "center_crop_and_resize")
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"center_crop_and_resize: expected NHWC images of rank 4; got shape {images.shape}.")
    if images.shape[1:3] == (resolution, resolution):
        return images
    channels = images.shape[-1]
    if images.dtype == np.uint8:
        if channels not in (1, 3):
            raise ValueError(f"center_crop_and_resize: uint8 images need 1 or 3 channels; got {channels}.")
        out = np.empty((len(images), resolution, resolution, channels), np.uint8)
        for i, image in enumerate(images):
            pil = Image.fromarray(image[..., 0] if channels == 1 else image, "L" if channels == 1 else "RGB")
            out[i] = np.asarray(crop_resize_pil(pil, resolution, resample)).reshape(resolution, resolution, -1)
        return out
    if images.dtype.kind != "f":
        raise ValueError(f"center_crop_and_resize: expected uint8 or float images; got {images.dtype}.")
    out = np.empty((len(images), resolution, resolution, channels), np.float32)
    for i, image in enumerate(images):
        for c in range(channels):
            pil = Image.fromarray(np.ascontiguousarray(image[..., c], dtype=np.float32), "F")
            out[i, ..., c] = np.asarray(crop_resize_pil(pil, resolution, resample))
    return np.clip(out, -1.0, 1.0)
