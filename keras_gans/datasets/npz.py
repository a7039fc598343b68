"""Images (and labels) from a NumPy `.npz` archive, validated and brought to the library's NHWC conventions.

The file is read with `numpy.load(path, allow_pickle=False)`, always: an `.npz` that stores Python objects
(object arrays, which need unpickling and can run code) is refused. Accepted images:

* uint8 in [0, 255] (kept), other integer dtypes whose values lie in [0, 255] (cast to uint8), or float in
  [-1, 1] (float32; values up to 1e-3 outside are clipped, anything else is an error);
* `(N, H, W)` (grey), `(N, H, W, C)` (NHWC) or `(N, C, H, W)` (NCHW, transposed) with C = 1 or 3. The layout is
  detected from where the 1- or 3-sized axis is; when both axes 1 and 3 could be channels (e.g.
  `(N, 3, 5, 3)`) pass `layout="NHWC"` or `"NCHW"`.

Labels are integer class ids `(N,)` (returned as int32) or one-hot rows `(N, K)` (float32, each row one 1).
"""

import os
import warnings
import zipfile

import numpy as np

from keras_gans.datasets.resize import center_crop_and_resize
from keras_gans.datasets.resize import check_resolution
from keras_gans.training.inputs import unit_range_warning

LAYOUTS = ("NHWC", "NCHW")
CHANNELS = (1, 3)
FLOAT_TOLERANCE = 1e-3


def standardize_images(images, layout=None, owner="standardize_images"):
    """Validates images and returns them NHWC as uint8 or float32 in [-1, 1] (see the module docstring)."""
    images = np.asarray(images)
    if layout is not None and layout not in LAYOUTS:
        raise ValueError(f"{owner}: expected layout to be one of {LAYOUTS} or None; got {layout!r}.")
    if images.ndim == 3:
        images = images[..., None]
        layout = "NHWC"
    if images.ndim != 4:
        raise ValueError(
            f"{owner}: expected images of shape (N, H, W), (N, H, W, C) or (N, C, H, W); got {images.shape}."
        )
    if images.shape[0] == 0:
        raise ValueError(f"{owner}: the images array is empty (shape {images.shape}).")
    if layout is None:
        last, second = images.shape[3] in CHANNELS, images.shape[1] in CHANNELS
        if last and second:
            raise ValueError(
                f"{owner}: images of shape {images.shape} are ambiguous: both axis 1 and axis 3 could hold the "
                "channels. Pass layout='NHWC' or layout='NCHW'."
            )
        if not (last or second):
            raise ValueError(
                f"{owner}: expected 1 or 3 channels in the last axis (NHWC) or in axis 1 (NCHW); got shape "
                f"{images.shape}."
            )
        layout = "NHWC" if last else "NCHW"
    if layout == "NCHW":
        images = np.transpose(images, (0, 2, 3, 1))
    if images.shape[3] not in CHANNELS:
        raise ValueError(f"{owner}: expected 1 or 3 channels; got shape {images.shape} in NHWC.")
    return _standardize_dtype(images, owner)


def _standardize_dtype(images, owner):
    if images.dtype == np.uint8:
        return images
    if images.dtype.kind in "iu":
        low, high = int(images.min()), int(images.max())
        if low < 0 or high > 255:
            raise ValueError(
                f"{owner}: integer images must lie in [0, 255]; got {images.dtype} values in [{low}, {high}]."
            )
        return images.astype(np.uint8)
    if images.dtype.kind != "f":
        raise ValueError(f"{owner}: expected uint8 or float images; got dtype {images.dtype}.")
    if not np.all(np.isfinite(images)):
        raise ValueError(f"{owner}: the float images contain NaN or Inf.")
    low, high = float(images.min()), float(images.max())
    if low < -1.0 - FLOAT_TOLERANCE or high > 1.0 + FLOAT_TOLERANCE:
        hint = " They look like [0, 255] values: store them as uint8." if high > 2.0 else ""
        raise ValueError(f"{owner}: float images must lie in [-1, 1]; got values in [{low:.4g}, {high:.4g}].{hint}")
    message = unit_range_warning(images, f"{owner}: the float images")
    if message:
        warnings.warn(message, stacklevel=3)
    return np.clip(images.astype(np.float32), -1.0, 1.0)


def standardize_labels(labels, num_images, owner="standardize_labels"):
    """Validates class ids `(N,)` (-> int32, non-negative) or one-hot rows `(N, K)` (-> float32)."""
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1 and labels.dtype.kind in "iu":
        labels = labels[:, 0]
    if labels.ndim not in (1, 2) or labels.shape[0] != num_images:
        raise ValueError(
            f"{owner}: expected {num_images} labels as class ids (N,) or one-hot rows (N, K); got shape {labels.shape}."
        )
    if labels.ndim == 1:
        if labels.dtype.kind not in "iu":
            raise ValueError(f"{owner}: class ids must be integers; got dtype {labels.dtype}.")
        if labels.min() < 0:
            raise ValueError(f"{owner}: class ids must be >= 0; got minimum {labels.min()}.")
        return labels.astype(np.int32)
    if (
        labels.dtype.kind not in "iuf"
        or not np.all((labels == 0) | (labels == 1))
        or not np.all(labels.sum(axis=1) == 1)
    ):
        raise ValueError(f"{owner}: one-hot labels must have exactly one 1 per row and 0 elsewhere.")
    return labels.astype(np.float32)


def num_classes_of(labels):
    """Number of classes of standardized labels: K for one-hot `(N, K)`, `max id + 1` for ids, 0 for `None`."""
    if labels is None:
        return 0
    return int(labels.shape[1]) if labels.ndim == 2 else int(labels.max()) + 1


def load_npz(path, images_key="x", labels_key=None, layout=None, resolution=None, interpolation="lanczos"):
    """Loads images (and optionally labels) from an `.npz` file, never unpickling anything.

    Args:
        path: the `.npz` file (as written by `numpy.savez` / `numpy.savez_compressed`).
        images_key: name of the images array in the archive.
        labels_key: name of the labels array, or `None` for no labels.
        layout: `None` (detect), `"NHWC"` or `"NCHW"`, for 4-D images.
        resolution: if given, images of another size are centre-cropped and resized to it (Pillow, see
            `keras_gans.datasets.resize`).
        interpolation: Pillow filter for that resize (`"lanczos"` by default).

    Returns:
        `(images, labels)`: NHWC uint8 (or float32 in [-1, 1]) images and int32 class ids `(N,)`, float32
        one-hot rows `(N, K)` or `None`.

    Examples:

    ```python
    np.savez_compressed("cifar_like.npz", x=uint8_nchw_images, y=class_ids)
    images, labels = keras_gans.datasets.load_npz("cifar_like.npz", labels_key="y")   # NHWC uint8, int32
    ```
    """
    resolution = check_resolution(resolution, "load_npz", allow_none=True)
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load_npz: no such file: {path}.")
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
        raise ValueError(f"load_npz: {path} is not a readable .npz file ({e}).") from e
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(
            f"load_npz: {path} holds a single array, not an .npz archive; save it with "
            f"numpy.savez_compressed(path, {images_key}=images)."
        )
    with archive:
        keys = list(archive.files)
        arrays = {}
        for role, key in (("images_key", images_key), ("labels_key", labels_key)):
            if key is None:
                continue
            if key not in keys:
                raise ValueError(f"load_npz: {path} has no array {key!r} ({role}); its arrays are {keys}.")
            try:
                arrays[key] = archive[key]
            except ValueError as e:
                raise ValueError(
                    f"load_npz: the array {key!r} in {path} stores Python objects, which would need unpickling; "
                    f"this loader never unpickles (allow_pickle=False). Save plain numeric arrays ({e})."
                ) from e
    images = standardize_images(arrays[images_key], layout, owner="load_npz")
    labels = None
    if labels_key is not None:
        labels = standardize_labels(arrays[labels_key], len(images), owner="load_npz")
    if resolution is not None:
        images = center_crop_and_resize(images, resolution, interpolation)
    return images, labels
