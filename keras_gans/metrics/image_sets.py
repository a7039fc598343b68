"""FID and KID between two sets of images: folders, arrays, batches, feature arrays or saved statistics.

`fid(a, b)` and `kid(a, b)` take each side as any of:

* a folder of image files (PNG, JPEG, ...; read as `keras_gans.datasets.load_image_folder` reads them: RGB,
  centre-cropped to a square, at the size of the first image unless `resolution` is given);
* an `.npz` file written by `InceptionStatistics.save` (e.g. a cached `dataset_statistics`);
* an `InceptionStatistics`;
* an `(N, H, W, C)` array or tensor of images: uint8 pixels, or floats in [-1, 1] (converted with
  `images_to_uint8`), C = 1 or 3;
* an `(N, D)` array of precomputed features (Inception pool3 or any other extractor);
* an iterable of image batches (`(images, labels)` pairs allowed), such as a `tf.data.Dataset`.

Images go through the FID Inception network (`inception`; the official weights by default) and the statistics are
exactly those of the streaming `FrechetInceptionDistance` / `KernelInceptionDistance` fed the same images.
"""

import os
import pathlib

import keras
import numpy as np

from keras_gans.metrics.feature_statistics import InceptionStatistics
from keras_gans.metrics.feature_statistics import inception_statistics
from keras_gans.metrics.fid import check_kid_options
from keras_gans.metrics.fid import fid_from_statistics
from keras_gans.metrics.fid import kid_from_statistics
from keras_gans.metrics.image_inputs import images_to_uint8


def _folder_batches(folder, resolution, batch_size, owner):
    """uint8 `(n, resolution, resolution, 3)` batches of the image files under `folder`, in sorted order. The
    folder is indexed at once, so a missing or empty folder fails here, before any batch is read."""
    from keras_gans.datasets.image_folder import index_image_folder

    paths, _, _ = index_image_folder(folder, labels=None, owner=owner)
    return _read_batches(paths, resolution, batch_size, owner)


def _read_batches(paths, resolution, batch_size, owner):
    from PIL import Image

    from keras_gans.datasets.image_folder import read_image

    if resolution is None:
        with Image.open(paths[0]) as first:
            resolution = min(first.size)
    for start in range(0, len(paths), batch_size):
        yield np.stack([read_image(p, resolution, owner=owner) for p in paths[start : start + batch_size]])


def _open_image_set(images, resolution, batch_size, owner):
    """A path as the `InceptionStatistics` of an `.npz` or the batches of a folder (checked now, before any network
    is loaded); any other set as it is."""
    if not isinstance(images, (str, os.PathLike)):
        return images
    path = pathlib.Path(images).expanduser()
    if path.is_file() and path.suffix == ".npz":
        return InceptionStatistics.load(path)
    if not path.exists():
        raise FileNotFoundError(
            f"{owner}: {path} does not exist (expected a folder of images or an .npz of InceptionStatistics)."
        )
    return _folder_batches(path, resolution, batch_size, owner)


def _uint8(batch, owner):
    """A batch as uint8 pixels: uint8 as is, floats in [-1, 1] converted like `images_to_uint8`."""
    dtype = keras.backend.standardize_dtype(batch.dtype)
    if dtype.startswith("float"):
        array = np.asarray(keras.ops.convert_to_numpy(batch))
        if array.size and (array.min() < -1.01 or array.max() > 1.01):
            raise ValueError(
                f"{owner}: float images must be in [-1, 1]; got values in [{array.min()}, "
                f"{array.max()}]. Pass uint8 pixels or rescale."
            )
        return np.asarray(keras.ops.convert_to_numpy(images_to_uint8(array)))
    return batch


def image_set_statistics(
    images, inception=None, batch_size=32, max_features=10000, resolution=None, owner="image_set_statistics"
):
    """`InceptionStatistics` of one image set (any form listed in the module docstring).

    Args:
        images: a folder, an `.npz` of saved statistics, an `InceptionStatistics`, images `(N, H, W, C)`, features
            `(N, D)` or an iterable of image batches.
        inception: a `FIDInceptionV3` (or any object with `resize` and `extract_features(images, batch_size)`);
            the official FID network when `None` and the set is made of images.
        batch_size: images per network call (and per folder read).
        max_features: feature vectors kept for KID.
        resolution: for folders, the size images are read at (default: the shorter side of the first image).
        owner: name used in error messages.
    """
    images = _open_image_set(images, resolution, batch_size, owner)
    if isinstance(images, InceptionStatistics):
        return images
    if hasattr(images, "shape") and len(images.shape) == 2:
        features = np.asarray(keras.ops.convert_to_numpy(images) if not isinstance(images, np.ndarray) else images)
        metadata = {"resize": getattr(inception, "resize", None)} if inception is not None else {}
        stats = InceptionStatistics(max_features, metadata=metadata)
        stats.update(features)
        return stats
    elif hasattr(images, "shape") and len(images.shape) != 4:
        raise ValueError(f"{owner}: expected images (N, H, W, C) or features (N, D); got shape {tuple(images.shape)}.")
    if hasattr(images, "shape"):
        images = _uint8(images, owner)
    else:
        images = (_uint8(b[0] if isinstance(b, (tuple, list)) else b, owner) for b in images)
    return inception_statistics(images, inception, batch_size, max_features=max_features)


def fid(images_a, images_b, inception=None, batch_size=32, resolution=None):
    """FID between two image sets (folders, arrays, features, statistics, batches: see the module docstring).

    Paper: Heusel et al., https://arxiv.org/abs/1706.08500.

    Args:
        images_a, images_b: the two sets.
        inception: a `FIDInceptionV3`; the official network (legacy TF resize) when `None`.
        batch_size: images per network call.
        resolution: the size folders are read at (default: each folder's first image).

    Returns:
        The FID as a float.

    Examples:

    ```python
    keras_gans.metrics.fid("data/real", "samples/")
    keras_gans.metrics.fid(real_uint8, gan.generate(10_000))
    ```
    """
    sets = [_open_image_set(x, resolution, batch_size, "fid") for x in (images_a, images_b)]
    stats = [image_set_statistics(x, inception, batch_size, 0, resolution, "fid") for x in sets]
    return fid_from_statistics(*stats)


def kid(
    images_a,
    images_b,
    inception=None,
    batch_size=32,
    num_subsets=100,
    subset_size=1000,
    max_features=10000,
    seed=0,
    resolution=None,
):
    """KID (unbiased MMD^2, cubic kernel) between two image sets; `{"kid": mean, "kid_std": std}`.

    Paper: Binkowski et al., https://arxiv.org/abs/1801.01401. The subsets and the kept features are drawn as in
    `KernelInceptionDistance` with the same arguments.

    Args:
        images_a, images_b, inception, batch_size, resolution: as for `fid`.
        num_subsets: random subsets averaged.
        subset_size: vectors per subset (capped by the available features).
        max_features: feature vectors kept per set (a uniform sample).
        seed: seed of the subset sampling.

    Examples:

    ```python
    keras_gans.metrics.kid("data/real", "samples/", subset_size=500)["kid"]
    ```
    """
    check_kid_options(num_subsets, subset_size, "kid")
    sets = [_open_image_set(x, resolution, batch_size, "kid") for x in (images_a, images_b)]
    stats = [image_set_statistics(x, inception, batch_size, max_features, resolution, "kid") for x in sets]
    mean, std = kid_from_statistics(*stats, num_subsets, subset_size, seed)
    return {"kid": mean, "kid_std": std}
