"""Keras serialization without importing TensorFlow on the other backends.

Keras' serializer asks whether TensorFlow is installed before it checks for TensorFlow objects
(`tf.TensorShape`, `tf.DType`), and the question imports TensorFlow: seconds, on JAX and PyTorch too, wherever
TensorFlow is installed beside them (Colab's images have it). While TensorFlow has not been imported no object
can be one of its types, so within `tensorflow_objects_impossible()` Keras is told it is unavailable.
"""

import contextlib
import sys

import keras

from keras_gans.native_logs import keras_lazy_tensorflow


def _lazy_tensorflow():
    lazy = keras_lazy_tensorflow()
    # None in `_available` means "not asked yet"; only then is the answer ours to give.
    return lazy if lazy is not None and vars(lazy).get("_available", False) is None else None


@contextlib.contextmanager
def tensorflow_objects_impossible():
    """Within this context Keras' serializer does not import TensorFlow to look for TensorFlow objects, where the
    backend is not TensorFlow and nothing has imported it yet. Elsewhere it does nothing.

    Examples:

    >>> import keras
    >>> with tensorflow_objects_impossible():
    ...     config = keras.layers.Dense(2).get_config()
    """
    lazy = None
    if keras.backend.backend() != "tensorflow" and "tensorflow" not in sys.modules:
        lazy = _lazy_tensorflow()
    if lazy is None:
        yield
        return
    lazy._available = False
    try:
        yield
    finally:
        lazy._available = None  # the next question is answered afresh
