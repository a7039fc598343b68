"""Initial values for Keras variables, made without compiling anything.

On JAX, Keras' conversion of a NumPy array (`jnp.asarray`) and `keras.ops.copy` compile a small program per
shape: ~0.02-0.1 s each on a CPU, paid once per weight shape when a model is built. On PyTorch, Keras' conversion
copies the array once more, and `keras.ops.copy` before an `assign` (which copies) would too.
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


def assign_copy(variable, value):
    """`variable.assign(value)`, after which the two hold memory of their own. PyTorch's and TensorFlow's
    `assign` copy into the variable; JAX's keeps the array itself, and JAX must never see one buffer in two
    variables (a donated buffer would be deleted under the other), so it gets a device copy that compiles nothing.

    Examples:

    >>> import keras
    >>> source, target = keras.Variable([1.0, 2.0]), keras.Variable([0.0, 0.0])
    >>> assign_copy(target, source.value)
    >>> keras.ops.convert_to_numpy(target.value).tolist()
    [1.0, 2.0]
    """
    if keras.backend.backend() == "jax":
        import jax

        value = jax.device_put(value, may_alias=False)
    variable.assign(value)
