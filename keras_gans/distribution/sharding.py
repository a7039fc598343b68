"""Which samples of a global batch each process feeds to `fit()` (NumPy only, the same on every backend).

Convention: a batch size is always *global* (all replicas of all processes). With `loss="rpgan"` a global fit batch
of `2 * B` is `[D half (B) | G half (B)]`, exactly as on one device; replica `r` of `R` must train on the `r`-th
slice of *each* half, so that real `i` still meets fake `i` and every per-sample mean over replicas is the
single-device mean. Engines that run the step per replica (TensorFlow, PyTorch) receive each global batch
reordered by `batch_order`; JAX runs one global program that splits the halves itself, so its processes feed
contiguous shares in the original order.
"""

import warnings

import numpy as np


def batch_order(batch_size, num_replicas, halves=1):
    """Positions of a global batch reordered so that replica `r`'s contiguous share is `[half_0[r] | half_1[r] ...]`.

    Args:
        batch_size: global batch size, a multiple of `halves * num_replicas`.
        num_replicas: replicas that split the batch into contiguous shares.
        halves: parts the step splits its batch into (2 for `loss="rpgan"`: D half and G half; else 1).

    Returns:
        An int64 array of length `batch_size`.

    Examples:

    >>> from keras_gans.distribution import batch_order
    >>> batch_order(8, 2, halves=2).tolist()   # D = 0..3, G = 4..7; replica 0 gets D 0-1 and G 4-5
    [0, 1, 4, 5, 2, 3, 6, 7]
    """
    if batch_size % (halves * num_replicas):
        raise ValueError(
            f"keras_gans.distribution: the global batch size {batch_size} must be a multiple of "
            f"{halves} halves x {num_replicas} replicas = {halves * num_replicas}."
        )
    per = batch_size // (halves * num_replicas)
    return np.arange(batch_size).reshape(halves, num_replicas, per).transpose(1, 0, 2).reshape(-1)


def process_rows(batch_size, setup, halves=1):
    """Rows of one global batch that this process feeds to `fit()`, in feeding order, and its fit batch size."""
    if setup.feed == "process":
        if batch_size % setup.num_replicas:
            raise ValueError(
                f"keras_gans.distribution: the global batch size {batch_size} must be a multiple of the "
                f"{setup.num_replicas} devices of the batch axis."
            )
        share = batch_size // setup.num_processes
        return np.arange(setup.process_index * share, (setup.process_index + 1) * share), share
    order = batch_order(batch_size, setup.num_replicas, halves)
    if setup.feed == "global":
        return order, batch_size
    share = batch_size // setup.num_replicas
    return order[setup.process_index * share : (setup.process_index + 1) * share], share


def process_batch(batch, setup, halves=1):
    """This process's part of one global batch: an array, or a tuple/list of arrays (e.g. `(images, labels)`).

    For any pipeline that yields global batches (a generator, a PyTorch `DataLoader`): map each batch through this
    function and pass the result to `fit()`.
    """
    arrays = list(batch) if isinstance(batch, (tuple, list)) else [batch]
    rows, _ = process_rows(len(arrays[0]), setup, halves)
    out = [np.asarray(a)[rows] for a in arrays]
    return tuple(out) if isinstance(batch, (tuple, list)) else out[0]


def fit_inputs(images, labels=None, batch_size=32, setup=None, halves=1):
    """`fit()` arguments that make every process train on its part of each global batch, in order.

    Args:
        images: all images (NumPy), already in the order to train on (shuffle them with a seed shared by every
            process, epoch by epoch).
        labels: optional labels, aligned with `images`.
        batch_size: the global batch size.
        setup: the `data_parallel()` set-up.
        halves: 2 for `loss="rpgan"` (`gan.real_batches_per_step`), else 1.

    Returns:
        A dict with `x`, `y` (when labels are given), `batch_size` (this process's) and `shuffle=False`. A last
        partial global batch is dropped (with a warning).
    """
    images = np.asarray(images)
    n = (len(images) // batch_size) * batch_size
    if n < len(images):
        warnings.warn(
            f"keras_gans.distribution.fit_inputs: dropping the last {len(images) - n} samples, which do not fill "
            f"a global batch of {batch_size}.",
            stacklevel=2,
        )
    rows, local_batch = process_rows(batch_size, setup, halves)
    index = (np.arange(0, n, batch_size)[:, None] + rows[None, :]).reshape(-1)
    out = {"x": images[index], "batch_size": local_batch, "shuffle": False}
    if labels is not None:
        out["y"] = np.asarray(labels)[index]
    return out
