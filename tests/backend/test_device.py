"""`default_device_is_cpu`, `device_name` and `enable_convolution_autotuning` against each backend's own answers."""

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


def test_convolution_autotuning_turns_on_cudnn_benchmark_on_pytorch_only(monkeypatch):
    from keras_gans.backend import enable_convolution_autotuning

    if keras.backend.backend() != "torch":
        assert enable_convolution_autotuning() is False  # XLA and TensorFlow autotune by default
        return
    import torch

    monkeypatch.setattr(torch.backends.cudnn, "benchmark", False)  # restored after the test
    assert enable_convolution_autotuning() is True
    assert torch.backends.cudnn.benchmark is True
