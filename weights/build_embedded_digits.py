"""Rebuilds `keras_gans/datasets/data/mnist_train_first10k.npz`, the MNIST digits shipped with the package.

The file holds the first 10,000 images of the MNIST training set and their labels, unchanged, in the original
MNIST order (`x_train[:10000]`, `y_train[:10000]` of `keras.datasets.mnist.load_data()`):

* `x`: uint8 `(10000, 28, 28)`, 0..255, white digits on black;
* `y`: uint8 `(10000,)`, 0..9 (counts 1001 1127 991 1032 980 863 1014 1070 944 978).

It is a plain `.npz` (a zip of two `.npy` files, deflate level 9) written with fixed member timestamps, so the same
input and zlib give the same bytes.

MNIST is by Yann LeCun, Corinna Cortes and Christopher J. C. Burges (derived from NIST Special Databases 1 and 3)
and is distributed under the Creative Commons Attribution-Share Alike 3.0 license (CC BY-SA 3.0). The subset keeps
that license; see `keras_gans/datasets/data/README.md`.

Usage (from the repository root; `MNIST_NPZ` is the `mnist.npz` that Keras caches in `~/.keras/datasets/`):

    python weights/build_embedded_digits.py MNIST_NPZ keras_gans/datasets/data/mnist_train_first10k.npz
"""

import argparse
import hashlib
import io
import zipfile

import numpy as np

NUM_DIGITS = 10_000
_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


def extract_digits(mnist_npz, num_digits=NUM_DIGITS):
    """The first `num_digits` training images and labels of the Keras `mnist.npz` file: `{"x": ..., "y": ...}`."""
    with np.load(mnist_npz, allow_pickle=False) as mnist:
        if not {"x_train", "y_train"} <= set(mnist.files):
            raise ValueError(f"extract_digits: {mnist_npz} is not the Keras MNIST file (arrays {mnist.files}).")
        x, y = mnist["x_train"][:num_digits], mnist["y_train"][:num_digits]
    if x.shape != (num_digits, 28, 28) or x.dtype != np.uint8 or y.shape != (num_digits,) or y.dtype != np.uint8:
        raise ValueError(
            f"extract_digits: {mnist_npz} is not the Keras MNIST file (x_train {x.dtype} {x.shape}, "
            f"y_train {y.dtype} {y.shape})."
        )
    return {"x": x, "y": y}


def write_npz(path, arrays):
    """Writes an `.npz` readable by `numpy.load`, with fixed timestamps (reproducible bytes)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_TIMESTAMP)
            info.external_attr = 0o100644 << 16
            archive.writestr(info, buffer.getvalue(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mnist_npz", help="the Keras mnist.npz (x_train, y_train, x_test, y_test)")
    parser.add_argument("out", help="the .npz to write")
    args = parser.parse_args(argv)
    write_npz(args.out, extract_digits(args.mnist_npz))
    with open(args.out, "rb") as f:
        data = f.read()
    print(f"{args.out}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
