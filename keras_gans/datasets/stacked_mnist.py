"""StackedMNIST: three random MNIST digits stacked as the R, G, B channels of one image (1000 modes).

The mode-collapse benchmark of Metz et al. (Unrolled GANs, arXiv:1611.02163), VEEGAN (arXiv:1705.07761), PacGAN
(arXiv:1712.04086) and later papers (e.g. R3GAN, arXiv:2501.05441, Table 2). Each image draws three MNIST digits
independently and uniformly at random (with replacement) from one MNIST split; its label is the digit triple
`100 * d0 + 10 * d1 + d2`, where `d0` is the digit in channel 0 (red). The 10^3 triples are the 1000 modes.

Size: the digits are 28x28; GAN code wants 32x32. Two ways are offered, and the mode metric
(`keras_gans.metrics.stacked_mnist`) undoes whichever one was used:

* `"pad"` (default): 2 black pixels on every side, digits untouched. This is what the public StackedMNIST
  pipeline of the DDGAN line of work does (`Pad(padding=2)` to 32x32), whose numbers R3GAN's Table 2 sits beside;
  the official R3GAN repository ships no StackedMNIST code. The metric crops the centre 28x28 back out exactly.
* `"resize"`: bilinear (triangle-filter, antialiased when shrinking, Pillow's `BILINEAR` semantics) 28 -> 32; the
  metric resizes 32 -> 28 with the same filter.

Everything is numpy and deterministic under `seed` (`numpy.random.default_rng`), independent of the Keras backend.
Images are `uint8` NHWC, `(N, 32, 32, 3)`; labels are `int64` in [0, 1000).
"""

import numpy as np

NUM_MODES = 1000
DIGIT_SIZE = 28
IMAGE_SIZE = 32
SIZE_MODES = ("pad", "resize")
_PAD = (IMAGE_SIZE - DIGIT_SIZE) // 2


def _check_size_mode(size_mode, owner):
    if size_mode not in SIZE_MODES:
        raise ValueError(f"{owner}: expected size_mode to be one of {SIZE_MODES}; got {size_mode!r}.")


def resize_matrix(in_size, out_size):
    """`(out_size, in_size)` bilinear (triangle filter) resampling weights, antialiased when shrinking.

    Pixel centres sit at `i + 0.5`; when shrinking, the filter is stretched by `in_size / out_size` (Pillow's
    `BILINEAR`). Rows sum to 1. `resize_images` applies it along height and width.
    """
    scale = in_size / out_size
    support = max(scale, 1.0)
    centers = (np.arange(out_size) + 0.5) * scale
    offsets = (np.arange(in_size)[None, :] + 0.5 - centers[:, None]) / support
    weights = np.maximum(0.0, 1.0 - np.abs(offsets))
    return weights / weights.sum(axis=1, keepdims=True)


def resize_images(images, size, chunk=4096):
    """Bilinear resize of `(N, H, W, C)` images to `(N, size, size, C)`; uint8 in -> rounded uint8 out.

    Args:
        images: uint8 or float `(N, H, W, C)`.
        size: output height and width.
        chunk: images per vectorized step (bounds memory).
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"resize_images: expected (N, H, W, C) images; got shape {images.shape}.")
    rows = resize_matrix(images.shape[1], size).astype("float32")
    cols = resize_matrix(images.shape[2], size).astype("float32")
    out = []
    for start in range(0, len(images), chunk):
        block = images[start : start + chunk].astype("float32")
        out.append(np.einsum("oh,nhwc,pw->nopc", rows, block, cols, optimize=True))
    out = np.concatenate(out) if out else np.zeros((0, size, size, images.shape[3]), "float32")
    if images.dtype == np.uint8:
        return np.clip(np.rint(out), 0, 255).astype("uint8")
    return out.astype(images.dtype)


def to_image_size(digits, size_mode="pad"):
    """28x28 stacked digits `(N, 28, 28, C)` -> `(N, 32, 32, C)` by zero padding or bilinear resizing."""
    _check_size_mode(size_mode, "to_image_size")
    digits = np.asarray(digits)
    if digits.ndim != 4 or digits.shape[1:3] != (DIGIT_SIZE, DIGIT_SIZE):
        raise ValueError(f"to_image_size: expected (N, 28, 28, C) digits; got shape {digits.shape}.")
    if size_mode == "pad":
        return np.pad(digits, ((0, 0), (_PAD, _PAD), (_PAD, _PAD), (0, 0)))
    return resize_images(digits, IMAGE_SIZE)


def to_digit_size(images, size_mode="pad"):
    """Inverse of `to_image_size`: `(N, 32, 32, C)` -> `(N, 28, 28, C)` (centre crop, or bilinear resize).

    28x28 input is returned unchanged (StackedMNIST at MNIST's own size, as in VEEGAN/PacGAN). With
    `size_mode="resize"` any square size is resized to 28x28.
    """
    _check_size_mode(size_mode, "to_digit_size")
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[1] != images.shape[2]:
        raise ValueError(f"to_digit_size: expected square (N, H, W, C) images; got shape {images.shape}.")
    if images.shape[1] == DIGIT_SIZE:
        return images
    if size_mode == "pad":
        if images.shape[1] != IMAGE_SIZE:
            raise ValueError(
                f"to_digit_size: size_mode='pad' expects 28x28 or 32x32 images; got {images.shape[1]}x"
                f"{images.shape[2]}. Use size_mode='resize' for other sizes."
            )
        return images[:, _PAD : _PAD + DIGIT_SIZE, _PAD : _PAD + DIGIT_SIZE, :]
    return resize_images(images, DIGIT_SIZE)


def stack_digits(digits, digit_labels, num_samples, seed=0, size_mode="pad"):
    """Builds StackedMNIST from given grey digits (any source, e.g. a subset of MNIST).

    Args:
        digits: `(M, 28, 28)` uint8 grey digits.
        digit_labels: `(M,)` ints in [0, 10).
        num_samples: number of stacked images to make.
        seed: seed of the `numpy.random.default_rng` that picks the three digits per image.
        size_mode: `"pad"` (default) or `"resize"`, see the module docstring.

    Returns:
        `(images, labels)`: uint8 `(num_samples, 32, 32, 3)` and int64 `(num_samples,)` with
        `label = 100 * d0 + 10 * d1 + d2`.

    Examples:

    >>> digits = np.zeros((10, 28, 28), "uint8")
    >>> images, labels = stack_digits(digits, np.arange(10), num_samples=4, seed=0)
    >>> images.shape, labels.dtype
    ((4, 32, 32, 3), dtype('int64'))
    """
    _check_size_mode(size_mode, "stack_digits")
    digits = np.asarray(digits)
    digit_labels = np.asarray(digit_labels)
    if digits.ndim != 3 or digits.shape[1:] != (DIGIT_SIZE, DIGIT_SIZE) or digits.dtype != np.uint8:
        raise ValueError(
            f"stack_digits: expected uint8 digits of shape (M, 28, 28); got {digits.dtype} {digits.shape}."
        )
    if digit_labels.shape != (len(digits),) or not np.issubdtype(digit_labels.dtype, np.integer):
        raise ValueError(
            f"stack_digits: expected integer digit_labels of shape ({len(digits)},); got "
            f"{digit_labels.dtype} {digit_labels.shape}."
        )
    if len(digits) and (digit_labels.min() < 0 or digit_labels.max() > 9):
        raise ValueError("stack_digits: expected digit_labels in [0, 9].")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 0:
        raise ValueError(f"stack_digits: expected num_samples to be a non-negative int; got {num_samples!r}.")
    if len(digits) == 0:
        raise ValueError("stack_digits: expected at least one digit to draw from; got none.")
    picks = np.random.default_rng(seed).integers(0, len(digits), size=(num_samples, 3))
    stacked = np.moveaxis(digits[picks], 1, -1)  # (N, 3, 28, 28) -> (N, 28, 28, 3)
    triples = digit_labels[picks].astype("int64")
    labels = 100 * triples[:, 0] + 10 * triples[:, 1] + triples[:, 2]
    return to_image_size(stacked, size_mode), labels


def load_stacked_mnist(split="train", num_samples=None, seed=0, size_mode="pad"):
    """StackedMNIST built from real MNIST (`keras.datasets.mnist.load_data()`, i.e. the Keras cache).

    Args:
        split: `"train"` (60,000 source digits) or `"test"` (10,000).
        num_samples: stacked images to make; default: as many as the split has digits.
        seed: seed of the digit picks (the same seed gives the same dataset).
        size_mode: `"pad"` (default, DDGAN-style 2-pixel border) or `"resize"` (bilinear 28 -> 32).

    Returns:
        `(images, labels)`: uint8 `(num_samples, 32, 32, 3)` and int64 labels in [0, 1000).

    Examples:

    ```python
    images, labels = load_stacked_mnist("train", num_samples=50_000, seed=0)  # downloads MNIST once
    images = images.astype("float32") / 127.5 - 1.0  # the library's [-1, 1] convention
    ```
    """
    if split not in ("train", "test"):
        raise ValueError(f"load_stacked_mnist: expected split 'train' or 'test'; got {split!r}.")
    from keras_gans.datasets.mnist import load_keras_mnist

    (x_train, y_train), (x_test, y_test) = load_keras_mnist("load_stacked_mnist")
    digits, digit_labels = (x_train, y_train) if split == "train" else (x_test, y_test)
    if num_samples is None:
        num_samples = len(digits)
    return stack_digits(digits, digit_labels, num_samples, seed=seed, size_mode=size_mode)
