"""Initializers that draw their values with NumPy on the host.

`keras.random` draws on the backend: on JAX each distinct weight shape compiles a random program of its own
(~0.1 s each on a CPU, a hundred shapes for a ProGAN), and each backend's generator gives other values for the
same seed. Drawing with NumPy compiles nothing and gives the same initial network on every backend for a seed
(`keras.utils.set_random_seed` seeds it through the initializer's default seed, as for Keras' own initializers).
"""

import concurrent.futures
import os

import keras
import numpy as np

from keras_gans.backend.variable_values import adopt_host_array
from keras_gans.utils.weight_loading import initial_values_unused

_NUMPY_FLOATS = ("float16", "float32", "float64")
# Values are drawn in chunks of this many, chunk i from `default_rng([seed, i])`, so that large weights fill on all
# cores (NumPy releases the GIL while it draws) and the values do not depend on the number of threads.
DRAW_CHUNK = 1 << 20


def _usable_cores():
    if hasattr(os, "sched_getaffinity"):  # the cores this process may run on (a container's share)
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def standard_normal(shape, seed, dtype="float32"):
    """Standard normals of `shape`: element `k` of the flattened array is element `k % DRAW_CHUNK` of
    `numpy.random.default_rng([seed mod 2**64, k // DRAW_CHUNK]).standard_normal(DRAW_CHUNK, dtype)`.

    Examples:

    >>> values = standard_normal((2, 3), seed=1)
    >>> bool((values.ravel() == np.random.default_rng([1, 0]).standard_normal(6, dtype="float32")).all())
    True
    """
    values = np.empty(shape, dtype)
    flat = values.reshape(-1)

    def fill(chunk):
        part = flat[chunk * DRAW_CHUNK : (chunk + 1) * DRAW_CHUNK]
        np.random.default_rng([seed % (1 << 64), chunk]).standard_normal(out=part, dtype=dtype)

    chunks = range(-(-flat.size // DRAW_CHUNK))
    if len(chunks) > 1:
        with concurrent.futures.ThreadPoolExecutor(min(len(chunks), _usable_cores())) as pool:
            list(pool.map(fill, chunks))
    elif chunks:
        fill(0)
    return values


def _as_dtype(values, dtype):
    if dtype in _NUMPY_FLOATS:
        return adopt_host_array(values.astype(dtype, copy=False))
    return keras.ops.cast(values, dtype)  # bfloat16 and other dtypes NumPy lacks


@keras.saving.register_keras_serializable(package="keras_gans")
class HostRandomNormal(keras.initializers.RandomNormal):
    """`keras.initializers.RandomNormal` drawn with NumPy (`standard_normal`), equal on every backend.

    An integer seed (the default draws one, as Keras does) gives the same values at every call; a
    `keras.random.SeedGenerator` seed falls back to `keras.random.normal`. Inside
    `keras_gans.utils.weight_loading.weights_loaded_next()` it returns zeros without drawing.

    Args:
        mean: mean of the normal distribution.
        stddev: its standard deviation.
        seed: optional int or `keras.random.SeedGenerator`.

    Examples:
    ```python
    init = keras_gans.layers.HostRandomNormal(stddev=0.02, seed=1)
    w = init((3, 3, 16, 32))  # default_rng([1, 0]).standard_normal(4608) * 0.02, on every backend
    ```
    """

    def _stddev_for(self, shape):
        """The standard deviation of a weight of `shape` (subclasses derive it from the shape)."""
        return self.stddev

    def __call__(self, shape, dtype=None):
        dtype = keras.backend.standardize_dtype(dtype)
        shape = tuple(int(d) for d in shape)
        if initial_values_unused():  # overwritten by loaded weights: skip drawing them
            return _as_dtype(np.zeros(shape, "float32"), dtype)
        stddev = self._stddev_for(shape)
        if not isinstance(self.seed, int):
            return keras.random.normal(shape, mean=self.mean, stddev=stddev, dtype=dtype, seed=self.seed)
        draw_dtype = "float64" if dtype == "float64" else "float32"
        values = standard_normal(shape, self.seed, draw_dtype)
        values *= stddev
        values += self.mean
        return _as_dtype(values, dtype)


@keras.saving.register_keras_serializable(package="keras_gans")
class HostZeros(keras.initializers.Initializer):
    """Zeros made with NumPy (Keras' `"zeros"` builds them on the backend, one small program per shape on JAX).

    Examples:
    ```python
    b = keras_gans.layers.HostZeros()((8,))  # np.zeros(8, "float32")
    ```
    """

    def __call__(self, shape, dtype=None):
        return _as_dtype(np.zeros(tuple(int(d) for d in shape), "float32"), keras.backend.standardize_dtype(dtype))
