import keras
import numpy as np
import pytest
from keras import ops
from progan_layer_checks import check_bfloat16_close
from progan_layer_checks import check_config_round_trip
from progan_layer_checks import check_derivatives
from progan_layer_checks import check_keras_file_round_trip

from keras_gans.layers import PixelNorm


def np_pixel_norm(x, eps):
    x = np.asarray(x, np.float64)
    return x / np.sqrt(np.mean(x**2, axis=-1, keepdims=True) + eps)


@pytest.mark.parametrize("shape", [(3, 7), (2, 4, 4, 5)])
@pytest.mark.parametrize("epsilon", [1e-8, 1e-4])
def test_matches_numpy(shape, epsilon):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32") * 3
    x[0] *= 1e-3  # small vectors make epsilon matter
    y = PixelNorm(epsilon=epsilon)(x)
    assert tuple(y.shape) == shape
    np.testing.assert_allclose(ops.convert_to_numpy(y), np_pixel_norm(x, epsilon), rtol=1e-5, atol=1e-6)


def test_unit_rms_over_channels_only():
    x = np.random.default_rng(1).standard_normal((2, 3, 3, 16)).astype("float32") * 5
    y = ops.convert_to_numpy(PixelNorm()(x))
    np.testing.assert_allclose(np.sqrt(np.mean(y.astype(np.float64) ** 2, axis=-1)), 1.0, rtol=1e-5)


@pytest.mark.parametrize("shape", [(3, 6), (2, 3, 3, 4)])
def test_derivatives_first_and_second_order(shape):
    x = np.random.default_rng(2).standard_normal(shape).astype("float32")
    check_derivatives(PixelNorm(), x)


def test_config_round_trip_and_keras_file(tmp_path):
    assert check_config_round_trip(PixelNorm(epsilon=1e-4)).epsilon == 1e-4
    inputs = keras.Input((4, 4, 3))
    model = keras.Model(inputs, PixelNorm(epsilon=1e-4)(keras.layers.Conv2D(5, 1)(inputs)))
    loaded = check_keras_file_round_trip(model, np.ones((2, 4, 4, 3), "float32"), str(tmp_path / "m.keras"))
    assert loaded.layers[-1].epsilon == 1e-4


def test_bfloat16():
    x = np.random.default_rng(3).standard_normal((2, 4, 4, 8)).astype("float32")
    check_bfloat16_close(lambda dtype: PixelNorm(dtype=dtype), (x,))


def test_bad_inputs_raise_value_errors():
    with pytest.raises(ValueError, match="PixelNorm.*rank >= 2"):
        PixelNorm()(np.ones((4,), "float32"))
    with pytest.raises(ValueError, match="PixelNorm.*epsilon"):
        PixelNorm(epsilon=-1.0)
