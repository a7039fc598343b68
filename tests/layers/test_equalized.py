import math

import keras
import numpy as np
import pytest
from keras import ops
from progan_layer_checks import check_bfloat16_close
from progan_layer_checks import check_config_round_trip
from progan_layer_checks import check_derivatives
from progan_layer_checks import check_keras_file_round_trip
from progan_numpy_reference import conv_same as np_conv_same
from progan_numpy_reference import downsample as np_down
from progan_numpy_reference import upsample as np_up

from keras_gans.layers import EqualizedConv2D
from keras_gans.layers import EqualizedDense


def _randomize_bias(layer, seed=3):
    rng = np.random.default_rng(seed)
    layer.bias.assign(rng.standard_normal(tuple(layer.bias.shape)).astype("float32"))


def _np(v):
    return np.asarray(ops.convert_to_numpy(v), np.float64)


@pytest.mark.parametrize(
    "gain, lr_multiplier, use_wscale, scale_bias",
    [
        (math.sqrt(2), 1.0, True, False),
        (1.0, 0.01, True, False),
        (math.sqrt(2) / 4, 1.0, False, False),
        (math.sqrt(2), 1.0, True, True),
        (0.7, 0.1, False, True),
    ],
)
def test_dense_matches_numpy(gain, lr_multiplier, use_wscale, scale_bias):
    x = np.random.default_rng(0).standard_normal((3, 5, 6)).astype("float32")  # rank 3: dense on the last axis
    layer = EqualizedDense(4, gain=gain, lr_multiplier=lr_multiplier, use_wscale=use_wscale, scale_bias=scale_bias)
    y = layer(x)
    assert tuple(y.shape) == (3, 5, 4)
    _randomize_bias(layer)
    he = gain / math.sqrt(6)
    w_mul = he * lr_multiplier if use_wscale else lr_multiplier
    b_mul = w_mul if scale_bias else lr_multiplier
    expected = x @ (_np(layer.kernel) * w_mul) + _np(layer.bias) * b_mul
    np.testing.assert_allclose(_np(layer(x)), expected, rtol=1e-5, atol=1e-5)


def test_dense_per_channel_bias_and_init_statistics():
    layer = EqualizedDense(4 * 4 * 8, gain=math.sqrt(2) / 4, bias_units=8, lr_multiplier=0.5)
    x = np.random.default_rng(1).standard_normal((2, 300)).astype("float32")
    layer(x)
    kernel = _np(layer.kernel)
    # Stored weight ~ N(0, 1/lr_multiplier^2): 38400 samples, std within 2%.
    assert abs(kernel.std() - 2.0) < 0.04 and abs(kernel.mean()) < 0.03
    np.testing.assert_array_equal(_np(layer.bias), 0.0)
    assert tuple(layer.bias.shape) == (8,)
    _randomize_bias(layer)
    c = math.sqrt(2) / 4 / math.sqrt(300) * 0.5
    out = _np(layer(x)).reshape(2, 4, 4, 8)  # unit index h*32 + w*8 + ch: per-channel bias after the reshape
    expected = (x @ (kernel * c)).reshape(2, 4, 4, 8) + _np(layer.bias) * 0.5
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_conv_init_statistics_without_wscale():
    layer = EqualizedConv2D(64, 3, gain=math.sqrt(2), use_wscale=False)
    layer.build((None, 8, 8, 32))
    expected_std = math.sqrt(2) / math.sqrt(9 * 32)
    assert abs(_np(layer.kernel).std() / expected_std - 1) < 0.03


@pytest.mark.parametrize(
    "resample, fused, kernel_size",
    [
        (None, False, 3),
        (None, False, 1),
        ("up", False, 3),
        ("up", True, 3),
        ("up", True, 1),
        ("down", False, 3),
        ("down", True, 3),
        ("down", True, 1),
    ],
)
def test_conv_matches_numpy(resample, fused, kernel_size):
    x = np.random.default_rng(0).standard_normal((2, 6, 6, 3)).astype("float32")
    layer = EqualizedConv2D(5, kernel_size, gain=1.3, lr_multiplier=0.5, resample=resample, fused_resample=fused)
    y = layer(x)
    factor = {"up": 2, "down": 0.5}.get(resample, 1)
    assert tuple(y.shape) == (2, int(6 * factor), int(6 * factor), 5)
    _randomize_bias(layer)
    kernel = _np(layer.kernel) * 1.3 / math.sqrt(kernel_size**2 * 3) * 0.5
    xin = np_up(x) if resample == "up" else x
    expected = np_conv_same(xin, kernel)
    if resample == "down":
        expected = np_down(expected)  # official order: conv -> pool -> bias
    expected = expected + _np(layer.bias) * 0.5
    np.testing.assert_allclose(_np(layer(x)), expected, rtol=1e-5, atol=2e-5)


def test_conv_scale_bias_multiplies_bias_by_runtime_constant():
    x = np.random.default_rng(0).standard_normal((2, 4, 4, 3)).astype("float32")
    layer = EqualizedConv2D(4, 3, scale_bias=True)
    layer(x)
    _randomize_bias(layer)
    c = math.sqrt(2.0 / 27)
    expected = c * (np_conv_same(x, _np(layer.kernel)) + _np(layer.bias))  # pytorch_GAN_zoo: c * (Wx + b)
    np.testing.assert_allclose(_np(layer(x)), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("resample", ["up", "down"])
def test_fused_equals_unfused_including_second_order(resample):
    x = np.random.default_rng(2).standard_normal((2, 4, 4, 3)).astype("float32")
    unfused = EqualizedConv2D(4, 3, resample=resample)
    fused = EqualizedConv2D(4, 3, resample=resample, fused_resample=True)
    unfused(x), fused(x)
    _randomize_bias(unfused)
    for src, dst in zip(unfused.weights, fused.weights):
        dst.assign(src.value)
    np.testing.assert_allclose(_np(fused(x)), _np(unfused(x)), rtol=1e-5, atol=1e-5)
    from keras_gans.backend.gradients import input_gradient
    from keras_gans.backend.gradients import value_and_grad

    def penalty_grads(layer):
        values = [v.value for v in layer.trainable_variables]

        def penalty(params):
            g = input_gradient(lambda t: ops.tanh(layer.stateless_call(params, [], t)[0]), ops.convert_to_tensor(x))
            return ops.sum(ops.square(g))

        return value_and_grad(penalty)(values)

    (p_u, g_u), (p_f, g_f) = penalty_grads(unfused), penalty_grads(fused)
    np.testing.assert_allclose(float(p_f), float(p_u), rtol=1e-5)
    for a, b in zip(g_f, g_u):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-4, atol=1e-5)


def test_official_fused_upsample_layout_maps_by_transpose_and_flip():
    """Spec §3.3: the official TF `Conv0_up` weight w [3, 3, Cout, Cin] is used as a stride-2 transposed conv with
    the 4x4 shift-sum kernel; it equals nearest-up + 'same' conv with w transposed to [3, 3, Cin, Cout] and flipped
    in both spatial axes."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 3, 2))
    w_official = rng.standard_normal((3, 3, 4, 2))  # [kh, kw, Cout, Cin]
    padded = np.pad(w_official, [(1, 1), (1, 1), (0, 0), (0, 0)])
    fused = padded[1:, 1:] + padded[:-1, 1:] + padded[1:, :-1] + padded[:-1, :-1]  # [4, 4, Cout, Cin]
    # conv2d_transpose from its definition (stride 2, 'SAME' output 2H: crop 1 pixel on each side).
    full = np.zeros((2, 2 * 3 + 2, 2 * 3 + 2, 4))
    for i in range(3):
        for j in range(3):
            full[:, 2 * i : 2 * i + 4, 2 * j : 2 * j + 4] += np.einsum("nc,hwoc->nhwo", x[:, i, j], fused)
    expected = full[:, 1:-1, 1:-1]
    layer = EqualizedConv2D(4, 3, resample="up", use_bias=False, use_wscale=False)
    layer.build((None, 3, 3, 2))
    layer.kernel.assign(w_official.transpose(0, 1, 3, 2)[::-1, ::-1].astype("float32"))
    np.testing.assert_allclose(_np(layer(x.astype("float32"))), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "make_layer, shape",
    [
        (lambda: EqualizedDense(5, gain=1.0), (3, 4)),
        (lambda: EqualizedDense(8, bias_units=2, lr_multiplier=0.1), (3, 4)),
        (lambda: EqualizedConv2D(3, 3), (2, 4, 4, 2)),
        (lambda: EqualizedConv2D(3, 3, resample="up", fused_resample=True, scale_bias=True), (2, 4, 4, 2)),
        (lambda: EqualizedConv2D(3, 3, resample="down"), (2, 4, 4, 2)),
        (lambda: EqualizedConv2D(3, 3, resample="down", fused_resample=True), (2, 4, 4, 2)),
    ],
)
def test_derivatives_first_and_second_order(make_layer, shape):
    layer = make_layer()
    x = np.random.default_rng(5).standard_normal(shape).astype("float32")
    layer(x)
    _randomize_bias(layer)
    check_derivatives(layer, x)


def test_config_round_trip_and_keras_file(tmp_path):
    conv = EqualizedConv2D(4, 3, gain=1.0, lr_multiplier=0.5, resample="down", fused_resample=True, scale_bias=True)
    dense = EqualizedDense(6, gain=0.5, bias_units=3, use_wscale=False)
    for layer in (conv, dense):
        config = check_config_round_trip(layer).get_config()
    assert config["bias_units"] == 3 and config["use_wscale"] is False
    inputs = keras.Input((4, 4, 2))
    x = EqualizedConv2D(4, 3, resample="down", fused_resample=True, lr_multiplier=0.5)(inputs)
    x = keras.layers.Flatten()(x)
    outputs = EqualizedDense(6, bias_units=3)(x)
    model = keras.Model(inputs, outputs)
    for v in model.trainable_variables:
        v.assign(np.random.default_rng(0).standard_normal(tuple(v.shape)).astype("float32"))
    check_keras_file_round_trip(model, np.ones((2, 4, 4, 2), "float32"), str(tmp_path / "m.keras"))


@pytest.mark.parametrize("resample", [None, "down"])
def test_bfloat16(resample):
    x = np.random.default_rng(0).standard_normal((2, 4, 4, 8)).astype("float32")

    def make(dtype):
        return EqualizedConv2D(8, 3, resample=resample, fused_resample=resample == "down", dtype=dtype)

    check_bfloat16_close(make, (x,))
    check_bfloat16_close(lambda dtype: EqualizedDense(16, dtype=dtype), (x[:, 0, 0],))


def test_bad_inputs_raise_value_errors():
    with pytest.raises(ValueError, match="EqualizedConv2D.*rank 4"):
        EqualizedConv2D(3)(np.ones((2, 4, 4), "float32"))
    conv = EqualizedConv2D(3)
    conv(np.ones((1, 4, 4, 2), "float32"))
    with pytest.raises(ValueError, match="EqualizedConv2D.*expects 2 input channels, got 5"):
        conv(np.ones((1, 4, 4, 5), "float32"))
    with pytest.raises(ValueError, match="EqualizedConv2D.*divisible by 2"):
        EqualizedConv2D(3, resample="down")(np.ones((1, 5, 5, 2), "float32"))
    with pytest.raises(ValueError, match="EqualizedConv2D.*kernel_size"):
        EqualizedConv2D(3, kernel_size=4)
    with pytest.raises(ValueError, match="EqualizedConv2D.*resample"):
        EqualizedConv2D(3, resample="sideways")
    with pytest.raises(ValueError, match="EqualizedDense.*rank >= 2"):
        EqualizedDense(3)(np.ones((4,), "float32"))
    dense = EqualizedDense(3)
    dense(np.ones((2, 4), "float32"))
    with pytest.raises(ValueError, match="equalized_dense"):
        dense(np.ones((2, 5), "float32"))
    with pytest.raises(ValueError, match="EqualizedDense.*bias_units"):
        EqualizedDense(10, bias_units=3)
    with pytest.raises(ValueError, match="EqualizedDense.*lr_multiplier"):
        EqualizedDense(10, lr_multiplier=0.0)
