"""Whether a value is a concrete array, as opposed to a symbol of a function being traced (jit, tf.function,
torch.compile). Python side effects of a training step (a host-side counter) are valid only for concrete values:
a traced step runs its Python code once, at tracing."""

import keras

_BACKEND = keras.backend.backend()

if _BACKEND == "jax":
    import jax
elif _BACKEND == "tensorflow":
    import tensorflow as tf
elif _BACKEND == "torch":
    import torch


def is_concrete(value):
    """True when `value` (a backend tensor) holds numbers now, i.e. the code runs eagerly."""
    if _BACKEND == "jax":
        return not isinstance(value, jax.core.Tracer)
    if _BACKEND == "tensorflow":
        return tf.executing_eagerly()
    if _BACKEND == "torch":
        return not torch.compiler.is_compiling()
    return True
