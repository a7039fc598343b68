"""Which device the Keras backend computes on."""

import keras
import numpy as np
from keras import ops


def default_device_is_cpu():
    """Whether the Keras backend puts new tensors on the CPU (rather than a GPU or TPU).

    Returns:
        `True` when a tensor made by `keras.ops.convert_to_tensor` lives on the host CPU.

    Examples:

    ```python
    compute = "numpy" if keras_gans.backend.default_device_is_cpu() else "keras"
    ```
    """
    # Backend tensors name their device ("cpu:0", "TFRT_CPU_0", ".../device:CPU:0", "cuda:0", ...).
    return "cpu" in str(getattr(ops.convert_to_tensor(np.zeros(1, "float32")), "device", "cpu")).lower()


def device_name():
    """The first device of the active backend, in words: the accelerator's model name (e.g. an NVIDIA GPU's
    marketing name) or `"cpu"`.

    Examples:

    ```python
    metadata["device"] = keras_gans.backend.device_name()
    ```
    """
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return str(jax.devices()[0].device_kind)
    if backend == "torch":
        import torch

        return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "cpu"
    # The physical device's own name is "/physical_device:GPU:0"; its details carry the model name.
    details = tf.config.experimental.get_device_details(gpus[0])
    return str(details.get("device_name") or gpus[0].name)


def enable_convolution_autotuning():
    """Lets cuDNN time its convolution algorithms for each new input shape and keep the fastest, on PyTorch
    (`torch.backends.cudnn.benchmark`, process-wide), as the official R3GAN training script does. A GAN
    trains on a few fixed shapes, so the timing is paid once per shape. JAX and TensorFlow autotune by default;
    there, and without cuDNN, this does nothing.

    Returns:
        `True` when it turned autotuning on, `False` when the backend needs nothing.

    Examples:

    ```python
    keras_gans.backend.enable_convolution_autotuning()  # before gan.fit(...) on a GPU with PyTorch
    ```
    """
    if keras.backend.backend() != "torch":
        return False
    import torch

    torch.backends.cudnn.benchmark = True
    return True
