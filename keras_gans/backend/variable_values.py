"""Initial values for Keras variables, made without compiling anything.

On JAX, Keras' conversion of a NumPy array (`jnp.asarray`) and `keras.ops.copy` compile a small program per
shape: ~0.02-0.1 s each on a CPU, paid once per weight shape when a model is built. On PyTorch, Keras' conversion
copies the array once more.
"""

import keras


def adopt_host_array(array):
    """`array` as an initial value for a Keras variable, on the device without a copy where the backend allows:
    a JAX array (`jax.device_put`), a PyTorch tensor sharing its memory (`torch.from_numpy`), else the array
    itself. The caller gives up the array.

    Examples:

    >>> import numpy as np
    >>> value = adopt_host_array(np.zeros((2, 3), "float32"))
    >>> tuple(value.shape)
    (2, 3)
    """
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return jax.device_put(array)
    if backend == "torch":
        import torch

        return torch.from_numpy(array)
    return array


def copied_value(value):
    """A copy of tensor `value` in memory of its own (`keras.ops.copy`; on JAX a device-to-device copy that
    compiles nothing).

    Examples:

    >>> import keras
    >>> source = keras.ops.ones((2,))
    >>> keras.ops.convert_to_numpy(copied_value(source)).tolist()
    [1.0, 1.0]
    """
    if keras.backend.backend() == "jax":
        import jax

        return jax.device_put(value, may_alias=False)
    return keras.ops.copy(value)
