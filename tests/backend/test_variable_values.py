"""Initial values handed to variables without a copy or a compilation (`keras_gans.backend.variable_values`)."""

import keras
import numpy as np
import pytest

from keras_gans.backend.variable_values import adopt_host_array
from keras_gans.backend.variable_values import assign_copy
from keras_gans.models.r3gan import R3GAN
from keras_gans.models.r3gan import R3GANDiscriminator
from keras_gans.models.r3gan import R3GANGenerator

BACKEND = keras.backend.backend()


def test_adopted_array_initialises_a_variable_with_its_values():
    array = np.arange(12, dtype="float32").reshape(3, 4)
    expected = array.copy()
    value = adopt_host_array(array)
    if BACKEND == "torch":
        assert value.data_ptr() == array.ctypes.data  # PyTorch takes the array's memory, no copy
    variable = keras.Variable(value)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(variable.value), expected)


def test_assign_copy_leaves_each_variable_its_own_memory():
    source = keras.Variable(np.ones((2, 3), "float32"))
    copy = keras.Variable(np.zeros((2, 3), "float32"))
    assign_copy(copy, source.value)
    source.assign(np.zeros((2, 3), "float32"))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(copy.value), np.ones((2, 3)))
    if BACKEND == "jax":
        assert copy.value.unsafe_buffer_pointer() != source.value.unsafe_buffer_pointer()


@pytest.mark.skipif(BACKEND != "jax", reason="JAX alone compiles a program to create a value of a new shape")
def test_building_a_model_of_new_shapes_compiles_nothing_on_jax():
    import jax

    compilations = []
    jax.monitoring.register_event_duration_secs_listener(
        lambda event, duration, **kwargs: (
            compilations.append(event) if event == "/jax/core/compile/backend_compile_duration" else None
        )
    )
    R3GAN.from_preset("mnist_small", load_weights=False)  # scalars and dtype conversions compile once here
    before = len(compilations)
    arch = dict(widths=[24, 24, 24], cardinalities=3, blocks_per_stage=2)
    gan = R3GAN(R3GANGenerator(**arch, latent_dim=12), R3GANDiscriminator(**arch))  # shapes not seen before
    assert len(compilations) == before, f"{len(compilations) - before} XLA programs compiled"
    kernel = keras.ops.convert_to_numpy(gan.ema_generator.aggregation.kernel.value)
    np.testing.assert_array_equal(kernel, keras.ops.convert_to_numpy(gan.generator.aggregation.kernel.value))
    assert np.any(kernel)
