"""Initializers drawn with NumPy: the values are NumPy's `default_rng([seed, chunk])` normals, on every backend."""

import math

import keras
import numpy as np
import pytest

from keras_gans.layers import HostRandomNormal
from keras_gans.layers import HostZeros
from keras_gans.layers import MSRInitializer
from keras_gans.layers.initializers import DRAW_CHUNK
from keras_gans.layers.initializers import standard_normal
from keras_gans.models.r3gan import R3GANGenerator
from keras_gans.utils.weight_loading import weights_loaded_next


def to_numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def reference_normals(shape, seed, dtype="float32"):
    """NumPy's normals, chunk by chunk, drawn one chunk after the other (no threads)."""
    size = math.prod(shape)
    chunks = [
        np.random.default_rng([seed, i]).standard_normal(min(DRAW_CHUNK, size - start), dtype=dtype)
        for i, start in enumerate(range(0, size, DRAW_CHUNK))
    ]
    return np.concatenate(chunks).reshape(shape)


def test_large_arrays_are_drawn_chunk_by_chunk_whatever_the_threads():
    shape = (2, DRAW_CHUNK + 5)  # three chunks, the last of 10 values
    np.testing.assert_array_equal(standard_normal(shape, 11), reference_normals(shape, 11))
    assert standard_normal((0, 4), 11).shape == (0, 4)


def test_values_are_numpy_normals_of_the_seed():
    init = HostRandomNormal(mean=0.5, stddev=0.02, seed=7)
    expected = reference_normals((3, 4, 5), 7) * np.float32(0.02)
    expected += np.float32(0.5)
    values = to_numpy(init((3, 4, 5), dtype="float32"))
    assert values.dtype == np.float32
    np.testing.assert_array_equal(values, expected)
    np.testing.assert_array_equal(to_numpy(init((3, 4, 5), dtype="float32")), values)  # an int seed repeats
    doubles = to_numpy(init((6,), dtype="float64"))  # float64 draws (JAX keeps float32 unless x64 is enabled)
    np.testing.assert_allclose(doubles, reference_normals((6,), 7, "float64") * 0.02 + 0.5, rtol=1e-7)


def test_default_seed_follows_keras_set_random_seed():
    keras.utils.set_random_seed(3)
    first = to_numpy(HostRandomNormal()((4, 4)))
    keras.utils.set_random_seed(3)
    np.testing.assert_array_equal(to_numpy(HostRandomNormal()((4, 4))), first)
    assert not np.array_equal(to_numpy(HostRandomNormal()((4, 4))), first)  # the next initializer, another seed


def test_bfloat16_values_are_the_rounded_float32_draws():
    values = to_numpy(keras.ops.cast(HostRandomNormal(stddev=1.0, seed=2)((8,), dtype="bfloat16"), "float32"))
    reference = reference_normals((8,), 2)
    np.testing.assert_allclose(values, reference, rtol=2**-8)


def test_a_seed_generator_draws_with_keras_random():
    init = HostRandomNormal(stddev=2.0, seed=keras.random.SeedGenerator(1))
    first, second = to_numpy(init((2000,))), to_numpy(init((2000,)))
    assert not np.array_equal(first, second)  # the generator advances
    assert abs(float(np.std(first)) - 2.0) < 0.15


def test_zeros_inside_weights_loaded_next_and_host_zeros():
    with weights_loaded_next():
        assert not np.any(to_numpy(HostRandomNormal(seed=1)((3, 3))))
    zeros = to_numpy(HostZeros()((2, 5), dtype="float32"))
    assert zeros.shape == (2, 5) and zeros.dtype == np.float32 and not np.any(zeros)


def test_msr_initializer_scales_by_gain_over_sqrt_fan_in():
    values = to_numpy(MSRInitializer(gain=2.0, seed=4)((3, 3, 16, 32)))
    expected = reference_normals((3, 3, 16, 32), 4) * np.float32(2 / 12)
    np.testing.assert_allclose(values, expected, rtol=1e-6)
    depthwise = to_numpy(MSRInitializer(fan_in=16, seed=4)((4, 4, 8, 1)))
    np.testing.assert_allclose(np.std(depthwise), 0.25, rtol=0.1)


@pytest.mark.parametrize("init", [HostRandomNormal(0.1, 0.3, seed=5), HostZeros(), MSRInitializer(1.5, 9, seed=2)])
def test_config_round_trip(init):
    clone = keras.initializers.deserialize(keras.initializers.serialize(init))
    assert type(clone) is type(init)
    np.testing.assert_array_equal(to_numpy(clone((4, 3))), to_numpy(init((4, 3))))


def test_a_built_network_holds_the_numpy_draws_of_its_initializers():
    generator = R3GANGenerator(widths=[16, 16], cardinalities=2, blocks_per_stage=1, latent_dim=8)
    generator.build((None, 8))
    layer = generator.aggregation  # a 1x1 convolution (Dense) with an MSRInitializer
    init = layer.kernel_initializer
    fan_in = layer.kernel.shape[0]
    expected = reference_normals(tuple(layer.kernel.shape), init.seed)
    np.testing.assert_allclose(to_numpy(layer.kernel.value), expected * np.float32(init.gain / math.sqrt(fan_in)))
