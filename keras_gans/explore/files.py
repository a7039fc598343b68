"""Durable, atomic output files for the exploration tools (animations, reconstructions, latents)."""

import contextlib
import os
import pathlib
import uuid

import numpy as np

from keras_gans.utils.durable import fsync_directory
from keras_gans.utils.durable import fsync_file


@contextlib.contextmanager
def atomic_output(path):
    """Yields a temporary path beside `path`; on success it is flushed to disk and renamed to `path`.

    The temporary name keeps `path`'s suffix, so writers that pick a format from it (Pillow, imageio) work. A
    failed write leaves `path` as it was and removes the temporary file.
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}{path.suffix}")
    try:
        yield tmp
        fsync_file(tmp)
        os.replace(tmp, path)
        fsync_directory(path.parent)  # makes the rename itself durable
    finally:
        if tmp.exists():
            tmp.unlink()


def save_image(array, path):
    """Writes an `(H, W, C)` uint8 array (C = 1 or 3) as an image file (format from the suffix), atomically."""
    from PIL import Image

    array = np.asarray(array)
    with atomic_output(path) as tmp:
        Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array).save(tmp)


def save_array(array, path):
    """Writes a NumPy array as `.npy` (no pickled objects), atomically."""
    with atomic_output(path) as tmp:
        with open(tmp, "wb") as f:
            np.save(f, np.asarray(array), allow_pickle=False)
