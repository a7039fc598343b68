"""Streaming statistics of FID Inception features and the cache of a dataset's reference statistics.

`InceptionStatistics` accumulates the mean and covariance of features in float64 (so any number of images can be
streamed batch by batch) and keeps a uniform sample of the feature vectors for KID. `dataset_statistics` computes
a dataset's statistics once and caches them in an `.npz` keyed by the dataset's identity; `generator_statistics`
draws images from a generator function.
"""

import hashlib
import json
import pathlib
import re

import keras
import numpy as np

from keras_gans.metrics.image_inputs import check_uint8_images
from keras_gans.metrics.image_inputs import images_to_uint8
from keras_gans.metrics.inception import FIDInceptionV3
from keras_gans.utils.preset_utils import cache_root

STATISTICS_VERSION = 1


class InceptionStatistics:
    """Streaming mean and covariance (float64) of Inception features, plus a uniform sample of them for KID.

    Args:
        max_features: how many feature vectors to keep (a uniform reservoir sample of the stream); KID uses them.
            0 keeps none (FID only).
        seed: seed of the reservoir sampling.
        metadata: a dict saved with the statistics (e.g. the resize mode and dataset).
        feature_dim: the feature size; `None` takes it from the first batch (2048 for Inception pool3).

    Examples:

    ```python
    stats = InceptionStatistics(max_features=1000)
    stats.update(features)  # (n, 2048), repeatedly
    stats.mean, stats.covariance, stats.features
    ```
    """

    def __init__(self, max_features=10000, seed=0, metadata=None, feature_dim=None):
        self.max_features = int(max_features)
        self.metadata = dict(metadata or {})
        self._rng = np.random.default_rng(seed)
        self.num_images = 0
        self._init_sums(feature_dim)

    def _init_sums(self, feature_dim):
        self.feature_dim = feature_dim
        size = feature_dim or 0
        self._sum = np.zeros(size)
        self._outer = np.zeros((size, size))
        self._sample = np.zeros((0, size), "float32")

    def update(self, features):
        """Adds a `(n, feature_dim)` batch of features."""
        features = np.asarray(features)
        if self.feature_dim is None and features.ndim == 2:
            self._init_sums(features.shape[1])
        if features.ndim != 2 or features.shape[1] != self.feature_dim:
            raise ValueError(
                f"InceptionStatistics: expected features of shape (n, {self.feature_dim}), got {features.shape}."
            )
        features64 = features.astype(np.float64)
        bad_rows = np.flatnonzero(~np.isfinite(features64).all(axis=1))
        if bad_rows.size:
            raise ValueError(
                f"InceptionStatistics: features must be finite; rows {bad_rows[:10].tolist()} of the batch hold NaN "
                "or Inf (of images that are not finite, or of a network that overflowed)."
            )
        self._sum += features64.sum(axis=0)
        self._outer += features64.T @ features64
        free = max(self.max_features - len(self._sample), 0)
        self._sample = np.concatenate([self._sample, features[:free].astype("float32")])
        # Reservoir sampling (Algorithm R): the n-th vector replaces a random kept one with probability k/n.
        for offset in range(min(free, len(features)), len(features)):
            slot = self._rng.integers(0, self.num_images + offset + 1)
            if slot < self.max_features:
                self._sample[slot] = features[offset]
        self.num_images += len(features)

    @property
    def mean(self):
        self._require(1)
        return self._sum / self.num_images

    @property
    def covariance(self):
        """Unbiased (`N - 1`) covariance."""
        self._require(2)
        mean = self._sum / self.num_images
        return (self._outer - self.num_images * np.outer(mean, mean)) / (self.num_images - 1)

    @property
    def features(self):
        """The kept `(min(N, max_features), feature_dim)` float32 feature sample."""
        return self._sample

    def _require(self, count):
        if self.num_images < count:
            raise ValueError(f"InceptionStatistics: needs at least {count} image(s), has {self.num_images}.")

    def save(self, path):
        """Writes the statistics to an `.npz` file."""
        path = pathlib.Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(
            tmp,
            num_images=self.num_images,
            sum=self._sum,
            outer=self._outer,
            features=self._sample,
            max_features=self.max_features,
            metadata=json.dumps(self.metadata, sort_keys=True),
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path):
        """Reads statistics written by `save`."""
        with np.load(path) as data:
            metadata = json.loads(str(data["metadata"]))
            stats = cls(int(data["max_features"]), metadata=metadata, feature_dim=data["sum"].shape[0])
            stats.num_images = int(data["num_images"])
            stats._sum, stats._outer, stats._sample = data["sum"], data["outer"], data["features"]
        return stats


def _batches(images):
    """Yields the batches of an array, a tensor, or an iterable of batches (`(images, labels)` pairs allowed)."""
    if hasattr(images, "shape") and len(images.shape) == 4:
        yield images
        return
    for batch in images:
        batch = batch[0] if isinstance(batch, (tuple, list)) else batch
        # NumPy, so that batches from another framework (a tf.data pipeline under JAX or torch) work too.
        yield keras.ops.convert_to_numpy(batch)


def inception_statistics(images, inception=None, batch_size=32, num_images=None, max_features=10000, metadata=None):
    """Statistics of uint8 images: an `(N, H, W, C)` array or tensor, or an iterable of such batches.

    Args:
        images: uint8 NHWC images (C = 1 or 3), or an iterable of batches (e.g. a `tf.data.Dataset`).
        inception: a `FIDInceptionV3`; a default one (official weights, legacy resize) when `None`.
        batch_size: images per network call.
        num_images: stop after this many images (all when `None`).
        max_features: feature vectors kept for KID.
        metadata: extra entries for `InceptionStatistics.metadata`.
    """
    inception = inception if inception is not None else FIDInceptionV3()
    stats = InceptionStatistics(max_features, metadata={"resize": inception.resize, **(metadata or {})})
    for batch in _batches(images):
        batch = check_uint8_images(batch, "inception_statistics")
        if num_images is not None:
            batch = batch[: num_images - stats.num_images]
        stats.update(inception.extract_features(batch, batch_size))
        if num_images is not None and stats.num_images >= num_images:
            break
    if num_images is not None and stats.num_images < num_images:
        raise ValueError(f"inception_statistics: asked for {num_images} images, the data had {stats.num_images}.")
    return stats


def dataset_statistics(
    images, dataset_id, inception=None, num_images=None, batch_size=32, max_features=10000, cache_dir=None
):
    """Reference statistics of a dataset, computed once and cached in an `.npz` keyed by the dataset's identity.

    Args:
        images: as for `inception_statistics` (only read on a cache miss).
        dataset_id: a string naming the data exactly (e.g. `"cifar10-train"`); with `num_images`,
            `max_features` and the Inception resize mode it forms the cache key.
        inception, num_images, batch_size, max_features: as for `inception_statistics`.
        cache_dir: where the `.npz` files go; `<keras_gans cache>/fid_statistics` by default.

    Returns:
        `InceptionStatistics`.
    """
    inception = inception if inception is not None else FIDInceptionV3()
    key = {
        "dataset": dataset_id,
        "num_images": num_images,
        "max_features": max_features,
        "resize": inception.resize,
        "version": STATISTICS_VERSION,
    }
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", dataset_id)[:64]
    path = pathlib.Path(cache_dir or cache_root() / "fid_statistics") / f"{slug}-{digest}.npz"
    if path.is_file():
        stats = InceptionStatistics.load(path)
        if all(stats.metadata.get(name) == value for name, value in key.items()):
            return stats
    stats = inception_statistics(images, inception, batch_size, num_images, max_features, metadata=key)
    stats.save(path)
    return stats


def generator_statistics(generator_fn, num_images, batch_size=32, inception=None, max_features=10000):
    """Statistics of `num_images` images from `generator_fn(batch_size) -> images in [-1, 1] (or uint8)`."""
    inception = inception if inception is not None else FIDInceptionV3()
    stats = InceptionStatistics(max_features, metadata={"resize": inception.resize})
    while stats.num_images < num_images:
        images = generator_fn(batch_size)
        if keras.backend.standardize_dtype(images.dtype) != "uint8":
            images = images_to_uint8(images)
        images = check_uint8_images(images, "generator_statistics")[: num_images - stats.num_images]
        stats.update(inception.extract_features(images, batch_size))
    return stats
