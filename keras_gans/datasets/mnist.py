"""MNIST as GAN training images: the full set through Keras, or 10,000 real digits shipped with the package.

MNIST digits are 28x28 grey; GAN networks want a power-of-two size, usually 32. `pad_or_resize="pad"` (default)
adds a black border (2 pixels on each side for 32; for odd margins the extra pixel goes to the bottom and right),
leaving the digits untouched; `"resize"` centre-crops (a no-op for squares) and resizes with Pillow's LANCZOS
filter (see `keras_gans.datasets.resize`). `as_rgb=True` repeats the grey channel three times.

MNIST is by Yann LeCun, Corinna Cortes and Christopher J. C. Burges (derived from NIST Special Databases 1 and 3)
and is distributed under the Creative Commons Attribution-Share Alike 3.0 license (CC BY-SA 3.0).
"""

import pathlib

import numpy as np

from keras_gans.datasets.resize import center_crop_and_resize
from keras_gans.datasets.resize import check_resolution

PAD_OR_RESIZE = ("pad", "resize")
DIGIT_SIZE = 28
EMBEDDED_DIGITS_FILE = pathlib.Path(__file__).resolve().parent / "data" / "mnist_train_first10k.npz"


def digits_to_images(digits, resolution=32, pad_or_resize="pad", as_rgb=False, owner="digits_to_images"):
    """`(N, 28, 28)` uint8 digits -> `(N, resolution, resolution, 1 or 3)` uint8 images (see the module doc)."""
    resolution = check_resolution(resolution, owner)
    if pad_or_resize not in PAD_OR_RESIZE:
        raise ValueError(f"{owner}: expected pad_or_resize to be one of {PAD_OR_RESIZE}; got {pad_or_resize!r}.")
    digits = np.asarray(digits)
    if digits.ndim != 3 or digits.dtype != np.uint8:
        raise ValueError(f"{owner}: expected uint8 digits of shape (N, H, W); got {digits.dtype} {digits.shape}.")
    images = digits[..., None]
    if pad_or_resize == "pad":
        margin = resolution - digits.shape[1]
        if margin < 0 or resolution < digits.shape[2]:
            raise ValueError(
                f"{owner}: cannot pad {digits.shape[1]}x{digits.shape[2]} digits to a smaller resolution "
                f"{resolution}; use pad_or_resize='resize'."
            )
        before_h, before_w = margin // 2, (resolution - digits.shape[2]) // 2
        images = np.pad(
            images,
            ((0, 0), (before_h, margin - before_h), (before_w, resolution - digits.shape[2] - before_w), (0, 0)),
        )
    else:
        images = center_crop_and_resize(images, resolution, "lanczos")
    return np.repeat(images, 3, axis=-1) if as_rgb else images


def load_keras_mnist(owner):
    """`keras.datasets.mnist.load_data()`, with an `OSError` that says how to work offline when it fails.

    Args:
        owner: the caller named in the error.
    """
    import keras

    try:
        return keras.datasets.mnist.load_data()
    except Exception as e:  # Keras reports a failed download as a bare `Exception`
        raise OSError(
            f"{owner}: keras.datasets.mnist.load_data() could not get MNIST ({e}). Without a network, put the "
            "Keras mnist.npz into $KERAS_HOME/datasets/ (default ~/.keras/datasets/), or train on the digits "
            "shipped with the package: load_embedded_digits() / dataset spec 'embedded'."
        ) from e


def load_mnist(split="train", resolution=32, pad_or_resize="pad", as_rgb=False):
    """Real MNIST through `keras.datasets.mnist.load_data()` (downloaded once into the Keras cache).

    MNIST: Yann LeCun, Corinna Cortes and Christopher J. C. Burges, CC BY-SA 3.0.

    Args:
        split: `"train"` (60,000 digits) or `"test"` (10,000).
        resolution: output height and width (default 32).
        pad_or_resize: `"pad"` (black border, digits untouched; default) or `"resize"` (Pillow LANCZOS).
        as_rgb: repeat the grey channel to 3 channels.

    Returns:
        `(images, labels)`: uint8 `(N, resolution, resolution, 1 or 3)` and int32 digits `(N,)` in [0, 10).

    Examples:

    ```python
    images, labels = keras_gans.datasets.load_mnist("train", resolution=32)   # (60000, 32, 32, 1) uint8
    ```
    """
    if split not in ("train", "test"):
        raise ValueError(f"load_mnist: expected split 'train' or 'test'; got {split!r}.")
    (x_train, y_train), (x_test, y_test) = load_keras_mnist("load_mnist")
    digits, labels = (x_train, y_train) if split == "train" else (x_test, y_test)
    images = digits_to_images(digits, resolution, pad_or_resize, as_rgb, owner="load_mnist")
    return images, labels.astype(np.int32)


def load_embedded_digits(resolution=32, as_rgb=True, pad_or_resize="pad"):
    """10,000 real MNIST digits stored inside the package: training data with no download.

    The digits are the first 10,000 images of the MNIST training set and their labels, unchanged (the file
    `keras_gans/datasets/data/mnist_train_first10k.npz`, 1.6 MB; it is rebuilt by
    the script `weights/build_embedded_digits.py`). Class counts: 1001 1127 991 1032 980 863 1014 1070 944 978.

    Attribution: MNIST is by Yann LeCun, Corinna Cortes and Christopher J. C. Burges (derived from NIST Special
    Databases 1 and 3) and is distributed under the Creative Commons Attribution-Share Alike 3.0 license
    (CC BY-SA 3.0, https://creativecommons.org/licenses/by-sa/3.0/). This subset keeps that license.

    Args:
        resolution: output height and width (default 32).
        as_rgb: repeat the grey channel to 3 channels (default True, as most GAN presets are RGB).
        pad_or_resize: `"pad"` (black border, digits untouched; default) or `"resize"` (Pillow LANCZOS).

    Returns:
        `(images, labels)`: uint8 `(10000, resolution, resolution, 3 or 1)` and int32 digits `(10000,)`.

    Examples:

    ```python
    images, labels = keras_gans.datasets.load_embedded_digits()   # (10000, 32, 32, 3) uint8, int32
    gan.fit(images, batch_size=64, epochs=5)
    ```
    """
    with np.load(EMBEDDED_DIGITS_FILE, allow_pickle=False) as data:
        digits, labels = data["x"], data["y"]
    images = digits_to_images(digits, resolution, pad_or_resize, as_rgb, owner="load_embedded_digits")
    return images, labels.astype(np.int32)
