"""A look at the first batch of a `fit()` input, whatever produced it, without disturbing the input.

Shape and dtype problems are caught when the training step is traced, but a value range (images in [0, 255]
stored as float, labels out of range) needs concrete numbers. `peek_first_batch` reads one batch from NumPy
arrays, `tf.data.Dataset`s, PyTorch `DataLoader`s, Keras `PyDataset`s and Python iterators, and returns an input
that still yields every batch (an iterator is re-chained with the batch it gave up). A shuffling `DataLoader` draws
its permutation from PyTorch's random state when iterated; that state is saved and restored around the peek so
that the data order of the real epoch does not change. PyTorch is never imported here: if a `DataLoader` exists,
PyTorch is already loaded.
"""

import sys

import numpy as np


def _rechain(first, iterator):
    """A generator (which Keras' data adapters recognise) yielding `first`, then the rest of `iterator`."""
    yield first
    yield from iterator


def _to_numpy(value):
    if value is None:
        return None
    if hasattr(value, "detach"):  # torch.Tensor
        value = value.detach().cpu()
    if hasattr(value, "numpy"):
        return np.asarray(value.numpy())
    return np.asarray(value)


def _split_element(element):
    """(images, labels) from one batch element: a tensor, or a tuple/list `(x, y[, sample_weight])`."""
    if isinstance(element, dict):
        raise ValueError(
            f"GAN.fit: batches must be `images` or `(images, labels)`; received a dict with keys {sorted(element)}."
        )
    if isinstance(element, (tuple, list)):
        if len(element) == 0:
            raise ValueError("GAN.fit: received an empty batch tuple.")
        labels = element[1] if len(element) > 1 else None
        return element[0], labels
    return element, None


def _is_torch_dataloader(x):
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.utils.data.DataLoader)


def _peek_torch_dataloader(x):
    torch = sys.modules["torch"]
    generators = [g for g in (getattr(x, "generator", None), getattr(x.sampler, "generator", None)) if g]
    global_state = torch.random.get_rng_state()
    states = [g.get_state() for g in generators]
    try:
        element = next(iter(x))
    finally:
        torch.random.set_rng_state(global_state)
        for g, s in zip(generators, states):
            g.set_state(s)
    return element


def _tensor_batches_as_tuples(loader):
    """A `DataLoader` yielding `(batch,)` for every batch `loader` yields, with the same length when it has one.

    Keras' `DataLoader` adapter turns each batch into a tuple with `tuple(batch)` on JAX and TensorFlow, which
    splits a plain tensor batch (a `DataLoader` over a tensor) into single images; a 1-tuple passes through whole.
    The new loader iterates `loader` (its sampler, workers and shuffling unchanged) without batching again.

    Args:
        loader: a `torch.utils.data.DataLoader` whose batches are tensors.
    """
    torch = sys.modules["torch"]

    class TupleBatches(torch.utils.data.IterableDataset):
        def __iter__(self):
            for batch in loader:
                yield (batch,)

    class SizedTupleBatches(TupleBatches):
        def __len__(self):
            return len(loader)

    # Keras counts the batches of an epoch only when the dataset has a length.
    sized = hasattr(loader.dataset, "__len__")
    batches = SizedTupleBatches() if sized else TupleBatches()
    return torch.utils.data.DataLoader(batches, batch_size=None)


def peek_first_batch(x, y=None, batch_size=None):
    """Returns `(images, labels, x)`: the first batch as NumPy arrays and an input equivalent to `x`.

    Args:
        x: what `fit()` received as `x`.
        y: what `fit()` received as `y` (labels, for array inputs).
        batch_size: `fit()`'s batch size, used to slice array inputs (default 32).

    Returns:
        `(images, labels, x)`. `images` is `None` when the input type is not recognised (the range check is then
        skipped; shapes are still checked when the step is traced). `labels` is `None` when the input has none.
        The returned `x` must be passed to `fit()` instead of the original (iterators change, and a `DataLoader`
        whose batches are plain tensors becomes one of 1-tuples, see `_tensor_batches_as_tuples`).

    Examples:

    >>> import numpy as np
    >>> from keras_gans.backend.data import peek_first_batch
    >>> images, labels, _ = peek_first_batch(np.zeros((10, 4, 4, 1), "uint8"), batch_size=4)
    >>> images.shape, labels
    ((4, 4, 4, 1), None)
    """
    n = batch_size or 32
    keras = sys.modules.get("keras")
    tf = sys.modules.get("tensorflow")
    if tf is not None and isinstance(x, tf.data.Dataset):
        element = next(iter(x.take(1)))
        images, labels = _split_element(element)
        return _to_numpy(images), _to_numpy(labels), x
    if _is_torch_dataloader(x):
        element = _peek_torch_dataloader(x)
        images, labels = _split_element(element)
        if not isinstance(element, (tuple, list)):
            x = _tensor_batches_as_tuples(x)
        return _to_numpy(images), _to_numpy(labels), x
    if keras is not None and isinstance(x, keras.utils.PyDataset):
        images, labels = _split_element(x[0])
        return _to_numpy(images), _to_numpy(labels), x
    if hasattr(x, "__next__"):
        element = next(x)
        images, labels = _split_element(element)
        return _to_numpy(images), _to_numpy(labels), _rechain(element, x)
    if hasattr(x, "shape") and hasattr(x, "dtype") and hasattr(x, "__getitem__"):  # NumPy, TF, JAX, torch arrays
        return _to_numpy(x[:n]), _to_numpy(y[:n]) if y is not None else None, x
    return None, None, x
