"""ProGAN's per-resolution minibatch inside one `fit()`: a stream that re-batches full-resolution images.

The official schedule changes the minibatch with the resolution (e.g. preset-v2: 128 images at 4x4 ... 4 at
512x512), but a Keras input pipeline has one batch size. `scheduled_batches` turns any image source into a Python
generator whose k-th batch has exactly the schedule's minibatch for the step that consumes it:

* it counts the images it has yielded, starting from the model's `images_seen` when `fit` starts. Every ProGAN step
  adds its batch size to `images_seen` (the WGAN/LSGAN step trains D on the whole batch), so the count of the
  generator equals `images_seen` of the step that receives each batch, however far a data adapter reads ahead;
* the source is read at whatever batch size it has and re-cut: NumPy arrays (and other arrays) are indexed in a
  seeded random order, one pass after another (batches may straddle passes, like the official repeating
  `tf.data` pipeline), from position `images_seen` of that sequence, so a resumed run continues it; iterables of
  batches (`tf.data.Dataset`, PyTorch `DataLoader`, `keras.utils.PyDataset`) are read batch by batch into a buffer
  and iterated again when exhausted (so a shuffling loader reshuffles every pass); a one-shot iterator ends the
  stream when it is exhausted (an incomplete last batch is dropped).

Every batch holds full-resolution images: the model box-downsamples and fades them to the current level of detail
inside its step (`fade_reals`). Keras' data adapters accept generators on every backend; the batch dimension is
left dynamic on TensorFlow, and JAX retraces once per batch size (the train function is rebuilt at every phase
boundary anyway).
"""

import numpy as np

from keras_gans.backend.data import _is_torch_dataloader
from keras_gans.backend.data import _split_element
from keras_gans.backend.data import _to_numpy


def _is_array(x):
    return hasattr(x, "shape") and hasattr(x, "dtype") and hasattr(x, "__getitem__")


class _ArrayStream:
    """Images (and labels) of arrays in passes of a seeded random (or the stored) order, from image `start` on.

    Pass `p` visits the images in the permutation of `numpy.random.default_rng([seed, p])` (as `ArrayBatches`), so
    a stream started at `start` (a resumed run's `images_seen`) continues the sequence of one started at 0.
    """

    def __init__(self, images, labels, shuffle, seed, start=0):
        self.images = images if isinstance(images, np.ndarray) else _to_numpy(images)
        self.labels = None if labels is None else np.asarray(_to_numpy(labels))
        if self.labels is not None and len(self.labels) != len(self.images):
            raise ValueError(f"scheduled_batches: {len(self.images)} images but {len(self.labels)} labels.")
        if len(self.images) == 0:
            raise ValueError("scheduled_batches: the image array is empty.")
        self.shuffle = shuffle
        self.seed = np.random.SeedSequence().entropy if seed is None else int(seed)
        self.next_pass, offset = divmod(int(start), len(self.images))
        self.order = self._pass_order()[offset:]

    def _pass_order(self):
        n = len(self.images)
        order = np.random.default_rng([self.seed, self.next_pass]).permutation(n) if self.shuffle else np.arange(n)
        self.next_pass += 1
        return order

    def take(self, count):
        while len(self.order) < count:
            self.order = np.concatenate([self.order, self._pass_order()])
        index, self.order = self.order[:count], self.order[count:]
        images = np.take(self.images, index, axis=0)
        return images, None if self.labels is None else np.take(self.labels, index, axis=0)


class _BatchStream:
    """Re-cuts the batches of an iterable source; re-iterates a re-iterable source when it is exhausted."""

    def __init__(self, source):
        self.source = source
        self.iterator = iter(source)
        self.one_shot = self.iterator is source
        self.buffer = []  # (images, labels) chunks
        self.buffered = 0

    def _pull(self):
        element = next(self.iterator, None)
        if element is None and not self.one_shot:
            if hasattr(self.source, "on_epoch_end"):  # a PyDataset's end-of-pass hook (e.g. reshuffling)
                self.source.on_epoch_end()
            self.iterator = iter(self.source)  # a new pass (a shuffling loader reshuffles)
            element = next(self.iterator, None)
        if element is None:
            return False
        images, labels = _split_element(element)
        images, labels = _to_numpy(images), _to_numpy(labels)
        self.buffer.append((images, labels))
        self.buffered += len(images)
        return True

    def take(self, count):
        while self.buffered < count:
            if not self._pull():
                return None
        images = np.concatenate([c[0] for c in self.buffer]) if len(self.buffer) > 1 else self.buffer[0][0]
        has_labels = self.buffer[0][1] is not None
        labels = None
        if has_labels:
            labels = np.concatenate([c[1] for c in self.buffer]) if len(self.buffer) > 1 else self.buffer[0][1]
        rest = len(images) - count
        self.buffer = [(images[count:], None if labels is None else labels[count:])] if rest else []
        self.buffered = rest
        return images[:count], None if labels is None else labels[:count]


def count_images(x):
    """Images in one pass of `x` (arrays, or a `DataLoader` over a sized dataset), else `None`."""
    if _is_array(x):
        return int(x.shape[0])
    if _is_torch_dataloader(x) and hasattr(x.dataset, "__len__"):
        return len(x.dataset)
    return None


def scheduled_batches(x, y=None, *, schedule, images_seen=0, shuffle=True, seed=None):
    """Yields batches of full-resolution images whose sizes follow `schedule`'s per-resolution minibatch.

    The batch for the step after `n` images holds `schedule.minibatch_at(n)` images; `n` starts at
    `images_seen` and grows by each batch's size (see the module docstring).

    Args:
        x: images `(N, H, W, C)` (NumPy or another array type) with labels in `y`, or an iterable of batches
            `images` / `(images, labels)` of any size: `tf.data.Dataset`, PyTorch `DataLoader`, `PyDataset`,
            or an iterator.
        y: labels for array images (class ids `(N,)` or one-hot `(N, K)`), else `None`.
        schedule: a `ProGANSchedule`.
        images_seen: the model's `images_seen` when the stream starts.
        shuffle: shuffle array inputs (a new permutation for every pass); iterables keep their own order.
        seed: seed of the array shuffling. Arrays are read from image `images_seen` of the seeded sequence of
            passes, so a resumed run sees the images the uninterrupted run would have seen; iterables start anew.

    Yields:
        `(images,)` or `(images, labels)` NumPy tuples (what Keras' generator adapter expects).

    Examples:

    ```python
    batches = scheduled_batches(images, schedule=gan.growth_schedule, images_seen=0)
    [len(next(batches)[0]) for _ in range(3)]  # the minibatch of the schedule's first steps
    ```
    """
    if _is_array(x):
        stream = _ArrayStream(x, y, shuffle, seed, start=images_seen)
    else:
        if y is not None:
            raise ValueError("scheduled_batches: give labels inside the batches of a dataset, not as `y`.")
        stream = _BatchStream(x)
    seen = int(images_seen)
    while True:
        count = schedule.minibatch_at(seen)
        batch = stream.take(count)
        if batch is None:
            return
        images, labels = batch
        yield (images,) if labels is None else (images, labels)
        seen += count
