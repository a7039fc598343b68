import keras
import numpy as np
import pytest
from keras import ops
from progan_layer_checks import check_bfloat16_close
from progan_layer_checks import check_config_round_trip
from progan_layer_checks import check_derivatives
from progan_layer_checks import check_keras_file_round_trip

from keras_gans.layers import FadeIn

RNG = np.random.default_rng(0)
NEW = RNG.standard_normal((2, 4, 4, 3)).astype("float32")
OLD = RNG.standard_normal((2, 4, 4, 3)).astype("float32")


@pytest.mark.parametrize("alpha", [0.0, 0.3, 1.0, -0.5, 1.7])
def test_matches_formula_with_clipping(alpha):
    expected = (1 - np.clip(alpha, 0, 1)) * NEW.astype(np.float64) + np.clip(alpha, 0, 1) * OLD
    y = FadeIn(alpha=alpha)(NEW, OLD)
    assert tuple(y.shape) == NEW.shape
    np.testing.assert_allclose(ops.convert_to_numpy(y), expected, rtol=1e-6, atol=1e-6)
    if alpha in (0.0, 1.0):  # the ends are exact
        np.testing.assert_array_equal(ops.convert_to_numpy(y), NEW if alpha == 0 else OLD)


def test_variable_is_non_trainable_and_read_at_call_time_under_jit():
    """A compiled predict function sees a new alpha without being rebuilt (no retracing)."""
    new_in, old_in = keras.Input((4, 4, 3)), keras.Input((4, 4, 3))
    fade = FadeIn(alpha=1.0)
    model = keras.Model([new_in, old_in], fade(new_in, old_in))
    assert fade.trainable_weights == [] and len(fade.non_trainable_weights) == 1
    model.compile(jit_compile=keras.backend.backend() != "torch")
    np.testing.assert_allclose(model.predict_on_batch([NEW, OLD]), OLD, atol=1e-6)
    function = model.predict_function
    fade.alpha.assign(0.25)
    np.testing.assert_allclose(model.predict_on_batch([NEW, OLD]), 0.75 * NEW + 0.25 * OLD, atol=1e-6)
    assert model.predict_function is function


def test_shared_variable_and_call_override():
    shared = keras.Variable(0.5, trainable=False, dtype="float32")
    a, b = FadeIn(alpha=shared), FadeIn(alpha=shared)
    shared.assign(0.2)
    for layer in (a, b):
        np.testing.assert_allclose(ops.convert_to_numpy(layer(NEW, OLD)), 0.8 * NEW + 0.2 * OLD, atol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(a(NEW, OLD, alpha=0.9)), 0.1 * NEW + 0.9 * OLD, atol=1e-6)
    no_variable = FadeIn(alpha=None)
    assert no_variable.weights == []
    np.testing.assert_allclose(ops.convert_to_numpy(no_variable(NEW, OLD, alpha=2.0)), OLD, atol=1e-6)
    with pytest.raises(ValueError, match="FadeIn.*pass `alpha`"):
        no_variable(NEW, OLD)


def test_derivatives_first_and_second_order():
    fade = FadeIn(alpha=0.3)
    # d/d(new) and its second order through the tanh in the check; `old` is a fixed input here.
    check_derivatives(fade, NEW, call_kwargs={"old": ops.convert_to_tensor(OLD)}, check_weights=False)


def test_config_round_trip_and_keras_file(tmp_path):
    assert check_config_round_trip(FadeIn(alpha=0.4)).get_config()["alpha"] == pytest.approx(0.4)
    new_in, old_in = keras.Input((4, 4, 3)), keras.Input((4, 4, 3))
    fade = FadeIn(alpha=0.0)
    model = keras.Model([new_in, old_in], fade(new_in, old_in))
    fade.alpha.assign(0.7)  # the variable's value is saved with the weights
    loaded = check_keras_file_round_trip(model, [NEW, OLD], str(tmp_path / "m.keras"))
    assert float(ops.convert_to_numpy(loaded.layers[-1].alpha)) == pytest.approx(0.7)


def test_bfloat16():
    check_bfloat16_close(lambda dtype: FadeIn(alpha=0.3, dtype=dtype), (NEW, OLD))


def test_bad_inputs_raise_value_errors():
    with pytest.raises(ValueError, match="FadeIn.*same shape"):
        FadeIn()(NEW, OLD[:, :2])
    with pytest.raises(ValueError, match="FadeIn.*same shape"):
        FadeIn()(NEW, OLD[..., 0])
    with pytest.raises(ValueError, match="FadeIn.*scalar"):
        FadeIn(alpha=keras.Variable(np.zeros(2, "float32"), trainable=False))
