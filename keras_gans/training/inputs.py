"""Checks and conversions of the batches that `GAN.fit()` receives and of the labels `GAN.generate()` takes.

Conventions: images are NHWC; uint8 images in [0, 255] are mapped to [-1, 1] by `x / 127.5 - 1` (R3GAN's
preprocessing); float images must already be in [-1, 1] (a slack of `RANGE_SLACK` is allowed for resampling
overshoot). Labels are integer class ids `(N,)` or one-hot `(N, K)`; the networks always receive one-hot float32.
Static problems (rank, spatial size, channels, dtype, label width) raise at trace time; value problems
(a float image in [0, 255] or [0, 1], a class id out of range, an empty dataset) are caught on the first batch by
`GAN.fit`.

Every later batch is checked on the device, without a host synchronisation per step: the step counts label rows
that are not a class (`invalid_label_rows`) and batches smaller than the step's minimum into running sums that
travel with the step's logs, which Keras reads after every batch anyway;
`keras_gans.callbacks.StopOnInvalidBatch` stops training at the first positive count and `GAN.fit` raises a
`ValueError` saying which check failed. The batch that tripped the check has already updated the weights.
"""

import warnings

import keras
import numpy as np
from keras import ops

RANGE_SLACK = 0.05
# Float images with fewer negative values than this fraction look like [0, 1] data: images in [-1, 1] have their
# dark half below 0, while [0, 1] data resized or filtered with overshoot has only a few slightly negative values.
UNIT_RANGE_NEGATIVE_FRACTION = 0.01
# The step's device-side checks of every batch, logged as running sums over the epoch (see the module docstring).
BATCH_CHECKS = ("invalid_labels", "small_batches")


def _shape_str(shape):
    return "(" + ", ".join("N" if i == 0 else str(d) for i, d in enumerate(shape)) + ")"


def check_image_spec(shape, dtype, image_shape, where="GAN.fit"):
    """Raises `ValueError` unless a batch of images has shape `(N, *image_shape)` and a supported dtype."""
    expected = (None,) + tuple(image_shape)
    if len(shape) != 4:
        raise ValueError(
            f"{where}: images must be a rank-4 batch {_shape_str(expected)} (channels_last); got shape {tuple(shape)}."
        )
    if tuple(shape[1:]) != tuple(image_shape):
        hint = ""
        if tuple(shape[1:]) == (image_shape[2], image_shape[0], image_shape[1]):
            hint = " The batch looks channels_first; transpose it to NHWC."
        raise ValueError(
            f"{where}: images must have shape {_shape_str(expected)} to match the networks' image_shape "
            f"{tuple(image_shape)}; got {_shape_str((None,) + tuple(shape[1:]))}.{hint}"
        )
    dtype = str(dtype)
    if dtype != "uint8" and "float" not in dtype:
        raise ValueError(f"{where}: images must be uint8 in [0, 255] or float in [-1, 1]; got dtype {dtype}.")


def check_label_spec(labels_shape, labels_dtype, num_classes, where="GAN.fit"):
    """Raises `ValueError` unless labels fit a conditional model with `num_classes` classes (or are absent)."""
    if num_classes == 0:
        if labels_shape is not None:
            raise ValueError(
                f"{where}: the networks are unconditional (num_classes=0) but the data has labels of shape "
                f"{tuple(labels_shape)}. Give images only (e.g. `dataset.map(lambda x, y: x)`)."
            )
        return
    if labels_shape is None:
        raise ValueError(
            f"{where}: the networks are conditional with {num_classes} classes; give `(images, labels)` with "
            "integer class ids (N,) or one-hot labels (N, K)."
        )
    rank = len(labels_shape)
    dtype = str(labels_dtype)
    if rank == 1 or (rank == 2 and labels_shape[1] == 1 and "int" in dtype):
        if "int" not in dtype:
            raise ValueError(f"{where}: class-id labels of shape (N,) must be integers; got dtype {dtype}.")
        return
    if rank == 2:
        if labels_shape[1] != num_classes:
            raise ValueError(f"{where}: one-hot labels must have shape (N, {num_classes}); got (N, {labels_shape[1]}).")
        return
    raise ValueError(
        f"{where}: labels must be class ids (N,) or one-hot (N, {num_classes}); got shape {tuple(labels_shape)}."
    )


def images_to_float(images):
    """uint8 [0, 255] -> float32 `x / 127.5 - 1`; float -> float32 unchanged."""
    if "uint8" in str(images.dtype):
        return ops.cast(images, "float32") / 127.5 - 1.0
    return ops.cast(images, "float32")


def labels_to_one_hot(labels, num_classes):
    """Class ids `(N,)` / `(N, 1)` or one-hot `(N, K)` -> one-hot float32 `(N, K)`; `None` when unconditional."""
    if num_classes == 0 or labels is None:
        return None
    labels = ops.convert_to_tensor(labels)
    if "int" in str(labels.dtype):
        if len(labels.shape) == 2:
            labels = ops.reshape(labels, (-1,))
        ids = ops.cast(labels, "int32")
        # An id outside [0, num_classes) becomes an all-zero row (PyTorch's one_hot would raise mid-step instead);
        # `invalid_label_rows` counts such rows so that `GAN.fit` stops with a clear error.
        valid = ops.logical_and(ops.greater_equal(ids, 0), ops.less(ids, num_classes))
        one_hot = ops.one_hot(ops.where(valid, ids, 0), num_classes, dtype="float32")
        return one_hot * ops.cast(valid, "float32")[:, None]
    return ops.cast(labels, "float32")


def invalid_label_rows(one_hot):
    """The number of rows of one-hot labels (from `labels_to_one_hot`) that are not a class: a class id outside
    [0, num_classes) or a one-hot row that does not sum to 1. A float32 scalar, computed on the device."""
    sums = ops.sum(one_hot, axis=-1)
    return ops.sum(ops.cast(ops.greater(ops.abs(sums - 1.0), 1e-3), "float32"))


def small_batch_message(size, minimum, where="GAN.fit"):
    """The error for a batch of `size` images when the training step needs at least `minimum`."""
    return (
        f"{where}: a batch of {size} image{'s' if size != 1 else ''} is too small; the training step needs at "
        f"least {minimum} (with loss='rpgan' every batch is split into a discriminator half and a generator half, "
        "each of at least one image). Use a larger batch, and drop a last partial batch that is smaller "
        "(tf.data: `batch(n, drop_remainder=True)`; PyTorch: `DataLoader(..., drop_last=True)`)."
    )


def unit_range_warning(images, what):
    """A warning message when the float `images` look like [0, 1] data instead of [-1, 1], else `None`.

    They do when (almost) no value is negative: fewer than `UNIT_RANGE_NEGATIVE_FRACTION` of them, none below
    `-RANGE_SLACK`, and none above `1 + RANGE_SLACK`. Small arrays (64 values or fewer) are not judged.
    """
    values = np.asarray(images)
    if values.dtype.kind != "f" or values.size <= 64:
        return None
    low, high = float(values.min()), float(values.max())
    negative = float(np.mean(values < 0))
    if low < -RANGE_SLACK or high > 1.0 + RANGE_SLACK or negative >= UNIT_RANGE_NEGATIVE_FRACTION:
        return None
    return (
        f"{what} lie in [{low:.3g}, {high:.3g}] ({negative:.2%} negative), inside [0, 1] up to resampling "
        "overshoot; the networks expect [-1, 1]. If the data is in [0, 1], map it with `x * 2 - 1`."
    )


def check_batch_values(images, labels, image_shape, num_classes, where="GAN.fit"):
    """Checks a concrete first batch (NumPy): shapes, dtypes and value ranges.

    Raises `ValueError` for float images outside [-1, 1] (beyond `RANGE_SLACK`), non-finite pixels, integer
    images that are not uint8, class ids outside [0, num_classes) and one-hot rows that do not sum to 1. Warns
    when float images all lie in [0, 1], which usually means a forgotten `x * 2 - 1`.
    """
    images = np.asarray(images)
    if images.ndim and images.shape[0] == 0:
        raise ValueError(
            f"{where}: the training data is empty: its first batch has no images (shape {images.shape}). Check that "
            "the dataset holds images (and, for a filtered dataset, that the filter keeps some)."
        )
    check_image_spec(images.shape, images.dtype, image_shape, where)
    if labels is not None:
        labels = np.asarray(labels)
    check_label_spec(
        None if labels is None else labels.shape, None if labels is None else labels.dtype, num_classes, where
    )
    if images.dtype.kind == "f":
        values = images.astype("float64")
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{where}: the first batch of images contains NaN or Inf.")
        low, high = float(values.min()), float(values.max())
        if low < -1.0 - RANGE_SLACK or high > 1.0 + RANGE_SLACK:
            raise ValueError(
                f"{where}: float images must be in [-1, 1]; the first batch spans [{low:.4g}, {high:.4g}]. "
                "Map uint8 images with `x / 127.5 - 1`, or pass them as uint8 (mapped automatically)."
            )
        message = unit_range_warning(values, f"{where}: the first batch of float images")
        if message:
            warnings.warn(message, stacklevel=3)
    if labels is not None and labels.dtype.kind in "iu":
        ids = labels.reshape(-1)
        if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
            raise ValueError(
                f"{where}: class ids must be in [0, {num_classes}); the first batch has ids in "
                f"[{int(ids.min())}, {int(ids.max())}]."
            )
    elif labels is not None:
        sums = labels.astype("float64").sum(axis=-1)
        if not np.allclose(sums, 1.0, atol=1e-3):
            raise ValueError(f"{where}: one-hot labels must sum to 1 per row; the first batch has sums {sums}.")


def unpack_batch(data, image_shape, num_classes):
    """`(images in [-1, 1], one-hot labels or None)` of one batch as `fit()` hands it to the training step."""
    images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
    if isinstance(images, (tuple, list)):
        raise ValueError("GAN.fit: `x` must be a batch of images; give labels as `y` or as `(images, labels)`.")
    check_image_spec(tuple(images.shape), keras.backend.standardize_dtype(images.dtype), image_shape)
    check_label_spec(
        None if labels is None else tuple(labels.shape),
        None if labels is None else keras.backend.standardize_dtype(labels.dtype),
        num_classes,
    )
    return images_to_float(images), labels_to_one_hot(labels, num_classes)


def generation_labels(labels, n, num_classes):
    """One-hot float32 labels `(n, K)` for `GAN.generate` from class ids `(n,)`, one id for all, one-hot `(n, K)`
    or `None` (cycle through the classes); `None` for unconditional networks.

    Class ids are integers (floats only when integral); one-hot rows may be any finite vectors (soft rows blend
    classes). Strings and booleans are refused.
    """
    if num_classes == 0:
        if labels is not None:
            raise ValueError("GAN.generate: the networks are unconditional; do not pass labels.")
        return None
    if labels is None:
        labels = np.arange(n) % num_classes
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iuf":
        raise TypeError(
            f"GAN.generate: `labels` must be integer class ids or float one-hot rows, got dtype {labels.dtype} "
            f"({labels.tolist() if labels.size <= 10 else labels.shape})."
        )
    if labels.ndim == 0:
        labels = np.full((n,), labels)
    if labels.ndim == 1:
        return _class_ids_to_one_hot(labels, n, num_classes)
    if labels.shape != (n, num_classes):
        raise ValueError(f"GAN.generate: one-hot labels must have shape ({n}, {num_classes}).")
    return _checked_one_hot(labels)


def _class_ids_to_one_hot(ids, n, num_classes):
    message = f"GAN.generate: `labels` must be {n} integer class ids in [0, {num_classes}); got {ids}."
    if ids.shape[0] != n:
        raise ValueError(message)
    if ids.dtype.kind == "f" and not np.all(np.isfinite(ids) & (ids == np.round(ids))):
        raise ValueError(message)
    if ids.min() < 0 or ids.max() >= num_classes:
        raise ValueError(message)
    return np.eye(num_classes, dtype="float32")[ids.astype("int64")]


def _checked_one_hot(rows):
    # Any finite label vector is a valid generator input: soft rows blend classes, and the official ProGAN code
    # (whose fixtures test this) feeds its conditional generator arbitrary real label vectors.
    bad = ~np.isfinite(rows.astype("float64")).all(axis=1)
    if bad.any():
        indices = np.flatnonzero(bad)[:10].tolist()
        raise ValueError(
            f"GAN.generate: one-hot `labels` must be finite; rows {indices} are not "
            f"(first: {rows[indices[0]].tolist()})."
        )
    return rows.astype("float32")
