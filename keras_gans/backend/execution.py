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


def is_on_cpu(value):
    """True when the kernels on `value` (a backend tensor) run on the CPU: its device on PyTorch and TensorFlow,
    JAX's default backend on JAX (where `value` may be a tracer of a differentiated function)."""
    if _BACKEND == "torch":
        return value.device.type == "cpu"
    if _BACKEND == "jax":
        return jax.default_backend() == "cpu"
    if _BACKEND == "tensorflow":
        device = (getattr(value, "device", "") or "").upper()
        return "GPU" not in device and "TPU" not in device
    return True
