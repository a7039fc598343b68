"""`default_device_is_cpu` against each backend's own answer to "is there an accelerator"."""

import keras

from keras_gans.backend import default_device_is_cpu
from keras_gans.models.r3gan.r3gan_auto import default_device


def _backend_has_accelerator():
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return jax.default_backend() != "cpu"
    if backend == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("TPU"))
    import torch

    return torch.cuda.is_available()


def test_default_device_matches_the_backends_own_answer():
    has_accelerator = _backend_has_accelerator()
    assert default_device_is_cpu() is (not has_accelerator)
    assert default_device() == ("gpu" if has_accelerator else "cpu")


def test_device_name_says_cpu_exactly_when_tensors_live_on_the_cpu():
    from keras_gans.backend import default_device_is_cpu
    from keras_gans.backend import device_name

    name = device_name()
    assert isinstance(name, str) and name
    assert (name == "cpu") == default_device_is_cpu(), name
