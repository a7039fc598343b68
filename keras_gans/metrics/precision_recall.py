"""Improved precision and recall of generative models (Kynkäänniemi et al., 2019).

Paper: "Improved Precision and Recall Metric for Assessing Generative Models", NeurIPS 2019,
https://arxiv.org/abs/1904.06991.

Each feature set spans a *manifold*: the union of balls centred on its points, each ball's radius being the distance
to the point's k-th nearest neighbour within the same set (the point itself excluded). Then

* precision = fraction of fake features that lie inside the real manifold (in some real point's ball);
* recall = fraction of real features that lie inside the fake manifold.

A point on a ball's boundary counts as inside (`distance <= radius`), as in the paper's definition.

Computation: `keras.ops` on the active backend (so it runs on a GPU when there is one), in float32, on squared
Euclidean distances `|a|^2 - 2 a.b + |b|^2` clamped at 0. The features are first centred on the real features' mean
(distances do not change; round-off of the expansion shrinks). Pairwise distances are never held in full: queries
go in blocks of `row_batch_size` rows against reference blocks of `col_batch_size` columns, so memory is
`O(row_batch_size * col_batch_size)`; the k-NN radii keep a running top-(k+1) per row across column blocks. The
result does not depend on the block sizes (tested). Results are plain Python floats / numpy arrays.
"""

import keras
import numpy as np
from keras import ops

DEFAULT_BATCH_SIZE = 5000


def _check_features(name, features, owner):
    array = features if hasattr(features, "shape") and hasattr(features, "dtype") else np.asarray(features)
    if len(array.shape) != 2:
        raise ValueError(
            f"{owner}: expected {name} of rank 2, (num_samples, feature_dim); got shape {tuple(array.shape)}."
        )
    dtype = keras.backend.standardize_dtype(array.dtype)
    if not (dtype.startswith("float") or dtype.startswith("int") or dtype.startswith("uint")):
        raise ValueError(f"{owner}: expected {name} with a numeric (float or int) dtype; got {dtype}.")
    return ops.cast(ops.convert_to_tensor(array), "float32")


def _check_k(k, sizes, owner):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"{owner}: expected k to be a positive int; got {k!r}.")
    for name, size in sizes.items():
        if size <= k:
            raise ValueError(f"{owner}: the k-NN radius needs more than k={k} samples per set; {name} has {size}.")


def _check_batch_sizes(row_batch_size, col_batch_size, owner):
    for name, value in (("row_batch_size", row_batch_size), ("col_batch_size", col_batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{owner}: expected {name} to be a positive int; got {value!r}.")


def _squared_distances(rows, cols):
    row_norms = ops.sum(ops.square(rows), axis=1, keepdims=True)
    col_norms = ops.sum(ops.square(cols), axis=1)[None, :]
    return ops.maximum(row_norms - 2.0 * ops.matmul(rows, ops.transpose(cols)) + col_norms, 0.0)


def _split(x, block_size, fill=0.0):
    """Equal blocks of `min(block_size, n)` leading rows, the last one padded with `fill`.

    Equal shapes mean one compilation per block shape on backends that compile eager ops (JAX).
    """
    n = x.shape[0]
    size = min(block_size, n)
    padded = -(-n // size) * size
    if padded > n:
        x = ops.concatenate([x, ops.full((padded - n,) + tuple(x.shape[1:]), fill, dtype=x.dtype)], axis=0)
    return [x[start : start + size] for start in range(0, padded, size)]


def _knn_squared_radii(features, k, row_batch_size, col_batch_size):
    """Squared distance of every row of `features` to its k-th nearest other row (tensor, shape (N,))."""
    n = features.shape[0]
    col_blocks = _split(features, col_batch_size)
    # Padding columns get an infinite distance so they are never among the nearest.
    col_penalty = _split(ops.zeros((n,), "float32"), col_batch_size, fill=float("inf"))
    radii = []
    for rows in _split(features, row_batch_size):
        nearest = None  # negated squared distances of the k+1 nearest seen so far (the point itself included)
        for cols, penalty in zip(col_blocks, col_penalty):
            negated = -(_squared_distances(rows, cols) + penalty[None, :])
            candidates = negated if nearest is None else ops.concatenate([nearest, negated], axis=1)
            nearest, _ = ops.top_k(candidates, min(k + 1, candidates.shape[1]))
        # Column k of the k+1 smallest is the k-th neighbour once the point's own zero distance is counted.
        radii.append(-nearest[:, k])
    return ops.concatenate(radii, axis=0)[:n]


def _inside_manifold(queries, reference, squared_radii, row_batch_size, col_batch_size):
    """Bool numpy array: is each query within some reference point's k-NN ball."""
    col_blocks = _split(reference, col_batch_size)
    # Padding columns get a negative radius: never reached, since distances are >= 0.
    radius_blocks = _split(squared_radii, col_batch_size, fill=-1.0)
    inside = []
    for rows in _split(queries, row_batch_size):
        hit = ops.zeros((rows.shape[0],), dtype="bool")
        for cols, radii in zip(col_blocks, radius_blocks):
            hit = ops.logical_or(hit, ops.any(_squared_distances(rows, cols) <= radii[None, :], axis=1))
        inside.append(ops.convert_to_numpy(hit))
    return np.concatenate(inside)[: queries.shape[0]].astype(bool)


def knn_radii(features, k=3, row_batch_size=DEFAULT_BATCH_SIZE, col_batch_size=DEFAULT_BATCH_SIZE):
    """Euclidean distance from each feature vector to its k-th nearest neighbour in the same set (itself excluded).

    Args:
        features: `(N, D)` array-like, N > k.
        k: neighbourhood size.
        row_batch_size: rows per block of the pairwise-distance computation.
        col_batch_size: columns per block.

    Returns:
        `(N,)` float32 numpy array.

    Examples:

    >>> knn_radii(np.array([[0.0], [1.0], [3.0]]), k=1)
    array([1., 1., 2.], dtype=float32)
    """
    features = _check_features("features", features, "knn_radii")
    _check_k(k, {"features": features.shape[0]}, "knn_radii")
    _check_batch_sizes(row_batch_size, col_batch_size, "knn_radii")
    squared = _knn_squared_radii(features, k, row_batch_size, col_batch_size)
    return np.sqrt(ops.convert_to_numpy(squared))


def precision_recall(
    real_features, fake_features, k=3, row_batch_size=DEFAULT_BATCH_SIZE, col_batch_size=DEFAULT_BATCH_SIZE
):
    """Improved precision and recall (arXiv:1904.06991) of fake feature vectors against real ones.

    Args:
        real_features: `(N, D)` array-like (e.g. Inception or VGG features of real images), N > k.
        fake_features: `(M, D)` array-like of generated samples' features, M > k.
        k: neighbourhood size of the k-NN manifolds (3 in the paper).
        row_batch_size: query rows per block of pairwise distances (memory ~ row x col floats).
        col_batch_size: reference columns per block.

    Returns:
        dict with `precision` and `recall` (Python floats in [0, 1]), and `precision_mask` / `recall_mask`:
        bool numpy arrays saying which fake (resp. real) features fell inside the other set's manifold.

    Examples:

    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(500, 16))
    >>> result = precision_recall(real, real)
    >>> result["precision"], result["recall"]
    (1.0, 1.0)
    """
    owner = "precision_recall"
    real = _check_features("real_features", real_features, owner)
    fake = _check_features("fake_features", fake_features, owner)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"{owner}: expected real_features and fake_features with the same feature_dim; got "
            f"{real.shape[1]} and {fake.shape[1]}."
        )
    _check_k(k, {"real_features": real.shape[0], "fake_features": fake.shape[0]}, owner)
    _check_batch_sizes(row_batch_size, col_batch_size, owner)
    center = ops.mean(real, axis=0, keepdims=True)
    real, fake = real - center, fake - center
    real_radii = _knn_squared_radii(real, k, row_batch_size, col_batch_size)
    fake_radii = _knn_squared_radii(fake, k, row_batch_size, col_batch_size)
    precision_mask = _inside_manifold(fake, real, real_radii, row_batch_size, col_batch_size)
    recall_mask = _inside_manifold(real, fake, fake_radii, row_batch_size, col_batch_size)
    return {
        "precision": float(precision_mask.mean()),
        "recall": float(recall_mask.mean()),
        "precision_mask": precision_mask,
        "recall_mask": recall_mask,
    }


def extract_features(images, feature_extractor, batch_size=64):
    """Runs `feature_extractor` over `images` in batches; returns a `(N, D)` float32 numpy array.

    Args:
        images: `(N, ...)` array-like, passed to the extractor `batch_size` at a time.
        feature_extractor: callable mapping a batch to `(B, D)` features (a Keras model, an FID Inception
            wrapper, a plain function).
        batch_size: images per call.
    """
    if not callable(feature_extractor):
        raise ValueError(f"extract_features: expected a callable feature_extractor; got {type(feature_extractor)}.")
    features = []
    for start in range(0, len(images), batch_size):
        batch = feature_extractor(images[start : start + batch_size])
        batch = np.asarray(ops.convert_to_numpy(batch), dtype="float32")
        if batch.ndim != 2:
            raise ValueError(
                f"extract_features: expected the feature_extractor to return (batch, feature_dim) features; got "
                f"shape {batch.shape}."
            )
        features.append(batch)
    if not features:
        raise ValueError("extract_features: expected at least one image; got none.")
    return np.concatenate(features, axis=0)


def precision_recall_from_images(real_images, fake_images, feature_extractor, k=3, batch_size=64, **kwargs):
    """`precision_recall` on features computed by `feature_extractor` (see `extract_features`).

    Args:
        real_images: real images, in whatever format `feature_extractor` takes.
        fake_images: generated images, same format.
        feature_extractor: callable mapping an image batch to `(B, D)` features.
        k: neighbourhood size.
        batch_size: images per extractor call.
        **kwargs: `row_batch_size` / `col_batch_size` for `precision_recall`.

    Returns:
        The `precision_recall` dict.

    Examples:

    >>> flatten = lambda x: np.reshape(x, (len(x), -1))
    >>> images = np.random.default_rng(0).uniform(-1, 1, size=(64, 8, 8, 3))
    >>> precision_recall_from_images(images, images, flatten)["precision"]
    1.0
    """
    real = extract_features(real_images, feature_extractor, batch_size)
    fake = extract_features(fake_images, feature_extractor, batch_size)
    return precision_recall(real, fake, k=k, **kwargs)
