"""Which device the Keras backend computes on."""

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
