"""Backend-neutral batching for `fit()`: a `keras.utils.PyDataset` with seeded per-epoch shuffling and mirroring.

A `keras.utils.PyDataset` works with `fit()` on TensorFlow, JAX and PyTorch alike, and can load batches in
worker threads or processes (`workers`, `use_multiprocessing`). `ShuffledBatches` holds the logic shared by the
in-memory `ArrayBatches` and the file-backed `ImageFolderDataset`: item order, mirroring and batching.

Order: epoch `e` visits the items in the permutation drawn by `numpy.random.default_rng([seed, e])`, so a run is
reproducible, every epoch has a new order, and a resumed run can continue at any epoch (`set_epoch`). Keras calls
`on_epoch_end()` after each epoch, which moves to the next permutation. (`fit(shuffle=True)`, the default, also
shuffles the order of whole batches with Python's `random`, seeded by `keras.utils.set_random_seed`.)

Mirroring (`mirror=True`) doubles the dataset exactly as `keras_gans.utils.data.mirror_images` does: item `i + N`
is the x-flip of item `i` and keeps its label. It is applied per batch, so no mirrored copy is kept in memory.
"""

import math

import keras
import numpy as np


class ShuffledBatches(keras.utils.PyDataset):
    """Base class: batches of `N` (or `2N` when mirrored) items, reshuffled each epoch under a seed.

    Subclasses implement `load_images(indices)`, returning uint8 NHWC images for source indices in `[0, N)`.

    Args:
        num_source: number of source images `N`.
        labels: `None`, or an array with `N` rows (class ids or one-hot) returned beside the images.
        batch_size: images per batch.
        shuffle: draw a new permutation each epoch (else keep the source order, mirrored copies last).
        seed: seed of the permutations.
        mirror: add the x-flipped copy of every image (dataset-level, as StyleGAN/R3GAN `--mirror=1`).
        drop_remainder: drop the last incomplete batch (default), so every step has the same batch size and
            the training step is traced once.
        workers, use_multiprocessing, max_queue_size: passed to `keras.utils.PyDataset`.
        owner: name used in error messages.
    """

    def __init__(
        self,
        num_source,
        labels=None,
        batch_size=32,
        shuffle=True,
        seed=0,
        mirror=False,
        drop_remainder=True,
        workers=1,
        use_multiprocessing=False,
        max_queue_size=10,
        owner=None,
    ):
        super().__init__(workers=workers, use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size)
        owner = owner or type(self).__name__
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"{owner}: expected batch_size to be a positive int; got {batch_size!r}.")
        if num_source < 1:
            raise ValueError(f"{owner}: the dataset is empty.")
        if labels is not None:
            labels = np.asarray(labels)
            if labels.ndim == 0 or labels.shape[0] != num_source:
                raise ValueError(
                    f"{owner}: expected one label per image ({num_source}); got labels of shape {labels.shape}."
                )
        self.num_source = int(num_source)
        self.labels = labels
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.mirror = bool(mirror)
        self.drop_remainder = bool(drop_remainder)
        if self.drop_remainder and self.num_images < self.batch_size:
            raise ValueError(
                f"{owner}: batch_size {self.batch_size} is larger than the dataset ({self.num_images} images"
                f"{' with mirroring' if self.mirror else ''}); use a smaller batch_size or drop_remainder=False."
            )
        self.set_epoch(0)

    @property
    def num_images(self):
        """Images per epoch: `N`, or `2N` with mirroring."""
        return self.num_source * (2 if self.mirror else 1)

    def set_epoch(self, epoch):
        """Selects the item order of `epoch` (0-based); Keras advances it through `on_epoch_end()`."""
        self.epoch = int(epoch)
        if self.shuffle:
            self.order = np.random.default_rng([self.seed, self.epoch]).permutation(self.num_images)
        else:
            self.order = np.arange(self.num_images)

    def on_epoch_end(self):
        self.set_epoch(self.epoch + 1)

    def __len__(self):
        if self.drop_remainder:
            return self.num_images // self.batch_size
        return math.ceil(self.num_images / self.batch_size)

    def load_images(self, indices):
        raise NotImplementedError

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"{type(self).__name__}: batch index {index} out of range [0, {len(self)}).")
        items = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        source = items % self.num_source
        flip = items >= self.num_source
        images = np.array(self.load_images(source))
        if flip.any():
            images[flip] = images[flip][:, :, ::-1]
        if self.labels is None:
            return images
        return images, self.labels[source]


class ArrayBatches(ShuffledBatches):
    """In-memory images (and labels) as a `keras.utils.PyDataset` for `fit()` on any backend.

    Args:
        images: `(N, H, W, C)` uint8, or float in [-1, 1].
        labels: optional `(N,)` class ids or `(N, K)` one-hot rows.
        batch_size, shuffle, seed, mirror, drop_remainder, workers, use_multiprocessing, max_queue_size:
            see `ShuffledBatches`.

    Examples:

    ```python
    images, labels = keras_gans.datasets.load_embedded_digits()
    batches = ArrayBatches(images, labels, batch_size=64, seed=0)
    model.fit(batches, epochs=10)   # batches of (uint8 (64, 32, 32, 3), int32 (64,))
    ```
    """

    def __init__(
        self,
        images,
        labels=None,
        batch_size=32,
        shuffle=True,
        seed=0,
        mirror=False,
        drop_remainder=True,
        workers=1,
        use_multiprocessing=False,
        max_queue_size=10,
    ):
        images = np.asarray(images)
        if images.ndim != 4:
            raise ValueError(f"ArrayBatches: expected NHWC images of rank 4; got shape {images.shape}.")
        self.images = images
        super().__init__(
            len(images),
            labels,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            mirror=mirror,
            drop_remainder=drop_remainder,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size,
            owner="ArrayBatches",
        )

    def load_images(self, indices):
        return self.images[indices]
