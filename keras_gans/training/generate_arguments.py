"""Checks of the arguments of `GAN.generate` (and of the model settings it shares with `GAN.__init__`)."""

import math
import os

import numpy as np

UINT8_ROUNDINGS = ("floor", "round")


def check_uint8_rounding(uint8_rounding, where):
    """Raises `ValueError` unless `uint8_rounding` is one of `UINT8_ROUNDINGS`.

    Args:
        uint8_rounding: the value to check.
        where: the caller named in the error, e.g. `"GAN.generate"`.
    """
    if not isinstance(uint8_rounding, str) or uint8_rounding not in UINT8_ROUNDINGS:
        raise ValueError(f"{where}: `uint8_rounding` must be 'floor' or 'round', got {uint8_rounding!r}.")


def check_seed(seed, where):
    """Raises `TypeError`/`ValueError` unless `seed` is `None` or a non-negative integer (what NumPy's
    `default_rng` takes as the seed of the latents).

    Args:
        seed: the value to check.
        where: the caller named in the error.
    """
    if seed is None:
        return
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{where}: `seed` must be None or a non-negative integer, got {seed!r}.")
    if seed < 0:
        raise ValueError(f"{where}: `seed` must be None or a non-negative integer, got {seed}.")


def physical_memory_bytes():
    """The machine's physical memory in bytes, or `None` where the system does not report it."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_generation_size(num_images, latent_dim, image_shape, output, where, memory_bytes=None):
    """Raises `ValueError` when the latents and images of `num_images` images need more than the machine's memory,
    before anything is allocated.

    Args:
        num_images: the number of images asked for.
        latent_dim: the generator's latent size.
        image_shape: the generator's `(H, W, C)`.
        output: `"uint8"` or `"float"` (1 or 4 bytes a pixel value).
        where: the caller named in the error.
        memory_bytes: the memory to compare with; `None` for `physical_memory_bytes()`.
    """
    memory = physical_memory_bytes() if memory_bytes is None else memory_bytes
    if memory is None:
        return
    pixel_bytes = 4 if output == "float" else 1
    needed = int(num_images) * (int(latent_dim) * 4 + math.prod(image_shape) * pixel_bytes)
    if needed > memory:
        raise ValueError(
            f"{where}: {num_images} images need at least {needed / 2**30:.4g} GiB for their latents and images, more "
            f"than this machine's {memory / 2**30:.4g} GiB of memory; generate them in smaller counts."
        )
