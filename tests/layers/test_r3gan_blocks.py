import math

import keras
import numpy as np
import pytest
import r3gan_numpy_reference as ref
from r3gan_gradients import r1_penalty_gradients

from keras_gans.layers import BiasedLeakyReLU
from keras_gans.layers import DiscriminativeBasis
from keras_gans.layers import DownsampleTransition
from keras_gans.layers import GenerativeBasis
from keras_gans.layers import MSRInitializer
from keras_gans.layers import ResidualBlock
from keras_gans.layers import UpsampleTransition
from keras_gans.models.r3gan.r3gan_layers import ACTIVATION_GAIN
from keras_gans.models.r3gan.r3gan_layers import residual_init_gain


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(x, "float32")), dtype=np.float64)


def _f32(x):
    return np.asarray(x, dtype="float32")


def test_gain_constants_match_the_official_values():
    assert ACTIVATION_GAIN == pytest.approx(math.sqrt(2 / 1.04))
    assert ACTIVATION_GAIN == pytest.approx(1.3867505, abs=1e-7)
    # Spec: L = 8, 10, 14 give g_a = 0.82457, 0.77983, 0.71691.
    for blocks, gain in ((8, 0.82457), (10, 0.77983), (14, 0.71691)):
        assert residual_init_gain(blocks) == pytest.approx(gain, abs=1e-5)


@pytest.mark.parametrize(
    "shape,fan_in,kwargs",
    [((3, 3, 16, 256), 144, {"gain": 2.0}), ((96, 300), 96, {}), ((4, 4, 512, 1), 16, {"fan_in": 16})],
)
def test_msr_initializer_std(shape, fan_in, kwargs):
    values = _np(MSRInitializer(seed=1, **kwargs)(shape))
    expected = kwargs.get("gain", 1.0) / math.sqrt(fan_in)
    # Sample std of >= 8192 normals: relative error ~ 1/sqrt(2n) < 1%; 4 sigma margin.
    assert np.std(values) == pytest.approx(expected, rel=0.04)
    assert abs(np.mean(values)) < 4 * expected / math.sqrt(values.size)


def test_msr_initializer_config():
    init = MSRInitializer(gain=0.5, fan_in=16, seed=3)
    clone = MSRInitializer.from_config(init.get_config())
    assert (clone.gain, clone.fan_in) == (0.5, 16)
    np.testing.assert_array_equal(_np(clone((4, 4))), _np(MSRInitializer(gain=0.5, fan_in=16, seed=3)((4, 4))))


def test_biased_leaky_relu():
    rng = np.random.default_rng(0)
    x, bias = rng.normal(size=(2, 3, 3, 4)), rng.normal(size=4)
    layer = BiasedLeakyReLU()
    layer.build(x.shape)
    np.testing.assert_array_equal(_np(layer.bias), np.zeros(4))
    layer.bias.assign(_f32(bias))
    np.testing.assert_allclose(_np(layer(_f32(x))), ref.lrelu(x + bias), atol=1e-6)


def _residual_block(width=8, cardinality=2, total_blocks=3, seed=0, randomize=True, **kwargs):
    block = ResidualBlock(cardinality, total_blocks, **kwargs)
    block.build((None, 4, 4, width))
    rng = np.random.default_rng(seed)
    hidden = 2 * width
    weights = {
        "w1": rng.normal(size=(hidden, width, 1, 1)) * 0.3,
        "b1": rng.normal(size=hidden) * 0.1,
        "w2": rng.normal(size=(hidden, hidden // cardinality, 3, 3)) * 0.2,
        "b2": rng.normal(size=hidden) * 0.1,
        "w3": rng.normal(size=(width, hidden, 1, 1)) * 0.3,
    }
    if randomize:
        block.expand.kernel.assign(_f32(weights["w1"][:, :, 0, 0].T))
        block.expand_activation.bias.assign(_f32(weights["b1"]))
        block.grouped_conv.kernel.assign(_f32(weights["w2"].transpose(2, 3, 1, 0)))
        block.conv_activation.bias.assign(_f32(weights["b2"]))
        block.project.kernel.assign(_f32(weights["w3"][:, :, 0, 0].T))
    return block, weights


@pytest.mark.parametrize("implementation", ["native", "split"])
def test_residual_block_matches_numpy(implementation):
    block, w = _residual_block(conv_implementation=implementation)
    x = np.random.default_rng(1).normal(size=(2, 4, 4, 8))
    expected = ref.residual_block(x, w["w1"], w["b1"], w["w2"], w["b2"], w["w3"], groups=2)
    np.testing.assert_allclose(_np(block(_f32(x))), expected, atol=1e-5)


def test_residual_block_fixup_initialisation():
    width, cardinality, total_blocks = 48, 6, 10
    block, _ = _residual_block(width, cardinality, total_blocks, randomize=False)
    gain = residual_init_gain(total_blocks)
    hidden = 2 * width
    assert tuple(block.expand.kernel.shape) == (width, hidden)
    assert tuple(block.grouped_conv.kernel.shape) == (3, 3, hidden // cardinality, hidden)
    assert tuple(block.project.kernel.shape) == (hidden, width)
    assert np.std(_np(block.expand.kernel)) == pytest.approx(gain / math.sqrt(width), rel=0.05)
    assert np.std(_np(block.grouped_conv.kernel)) == pytest.approx(gain / math.sqrt(9 * hidden / cardinality), rel=0.05)
    np.testing.assert_array_equal(_np(block.project.kernel), 0.0)
    np.testing.assert_array_equal(_np(block.expand_activation.bias), 0.0)
    np.testing.assert_array_equal(_np(block.conv_activation.bias), 0.0)
    x = np.random.default_rng(2).normal(size=(1, 4, 4, width)).astype("float32")
    np.testing.assert_array_equal(_np(block(x)), x)  # the residual branch starts at exactly zero
    assert len(block.trainable_weights) == 5


def test_residual_block_second_order_gradients_agree_between_implementations():
    """R1-style double backprop through a whole block: the "split" path against the "native" one (on
    TensorFlow the native grouped conv only differentiates under XLA, so that reference runs XLA-compiled).

    The biases only move the piecewise-constant LeakyReLU masks, so the penalty's bias gradients are exactly 0."""
    x = np.random.default_rng(3).normal(size=(2, 4, 4, 8)).astype("float32")
    cot = np.random.default_rng(4).normal(size=(2, 4, 4, 8)).astype("float32")
    results = {}
    for implementation in ("native", "split"):
        block, _ = _residual_block(conv_implementation=implementation)
        xla = keras.backend.backend() == "tensorflow" and implementation == "native"
        results[implementation] = r1_penalty_gradients(block, x, cot, xla=xla)
    (p_a, g_a, grads_a), (p_b, g_b, grads_b) = results["native"], results["split"]
    np.testing.assert_allclose(p_a, p_b, rtol=1e-5)
    np.testing.assert_allclose(g_a, g_b, atol=1e-5)
    assert len(grads_a) == 5
    for a, b in zip(grads_a, grads_b):
        if a.ndim == 1:
            np.testing.assert_array_equal(a, 0.0)
            np.testing.assert_array_equal(b, 0.0)
        else:
            assert np.any(a != 0)
            np.testing.assert_allclose(a, b, atol=1e-4 * np.abs(a).max(), rtol=1e-4)


def test_generative_basis():
    rng = np.random.default_rng(5)
    z, basis, linear = rng.normal(size=(3, 6)), rng.normal(size=(5, 4, 4)), rng.normal(size=(5, 6))
    layer = GenerativeBasis(5)
    layer.build((None, 6))
    assert tuple(layer.basis.shape) == (4, 4, 5)
    layer.basis.assign(_f32(basis.transpose(1, 2, 0)))
    layer.linear.kernel.assign(_f32(linear.T))
    y = layer(_f32(z))
    assert y.shape == (3, 4, 4, 5)
    np.testing.assert_allclose(_np(y), ref.generative_basis(z, basis, linear), atol=1e-5)


def test_generative_basis_initialisation():
    layer = GenerativeBasis(512)
    layer.build((None, 64))
    assert np.std(_np(layer.basis)) == pytest.approx(1.0, rel=0.05)  # N(0, 1), 8192 samples
    assert np.std(_np(layer.linear.kernel)) == pytest.approx(1 / 8.0, rel=0.05)  # 1 / sqrt(64)


def test_discriminative_basis():
    rng = np.random.default_rng(6)
    x, depthwise, linear = rng.normal(size=(2, 4, 4, 5)), rng.normal(size=(5, 1, 4, 4)), rng.normal(size=(3, 5))
    layer = DiscriminativeBasis(3)
    layer.build(x.shape)
    assert tuple(layer.depthwise_kernel.shape) == (4, 4, 5, 1)
    layer.depthwise_kernel.assign(_f32(depthwise.transpose(2, 3, 0, 1)))
    layer.linear.kernel.assign(_f32(linear.T))
    np.testing.assert_allclose(_np(layer(_f32(x))), ref.discriminative_basis(x, depthwise, linear), atol=1e-5)
    big = DiscriminativeBasis(1)
    big.build((None, 4, 4, 1024))
    assert np.std(_np(big.depthwise_kernel)) == pytest.approx(0.25, rel=0.05)  # fan-in 16
    with pytest.raises(ValueError, match="DiscriminativeBasis 'head'.*spatial size of \\(4, 4\\)"):
        DiscriminativeBasis(1, name="head")(np.zeros((1, 8, 8, 5), "float32"))


@pytest.mark.parametrize("in_width,out_width", [(6, 4), (4, 4)])
def test_transitions(in_width, out_width):
    rng = np.random.default_rng(7)
    x, w = rng.normal(size=(2, 4, 4, in_width)), rng.normal(size=(out_width, in_width, 1, 1))
    up, down = UpsampleTransition(out_width), DownsampleTransition(out_width)
    up.build(x.shape)
    down.build(x.shape)
    if in_width == out_width:
        assert up.linear is None and down.linear is None
        assert not up.weights and not down.weights
        w = np.eye(in_width)[:, :, None, None]
    else:
        assert tuple(up.linear.kernel.shape) == (in_width, out_width)
        up.linear.kernel.assign(_f32(w[:, :, 0, 0].T))
        down.linear.kernel.assign(_f32(w[:, :, 0, 0].T))
    np.testing.assert_allclose(_np(up(_f32(x))), ref.fir_upsample(ref.pointwise(x, w)), atol=1e-5)
    np.testing.assert_allclose(_np(down(_f32(x))), ref.pointwise(ref.fir_downsample(x), w), atol=1e-5)


def test_transition_conv_initialisation():
    up = UpsampleTransition(256)
    up.build((None, 2, 2, 400))
    assert np.std(_np(up.linear.kernel)) == pytest.approx(1 / 20.0, rel=0.05)  # std 1 / sqrt(C_in)


def test_blocks_in_bfloat16():
    x = np.random.default_rng(8).normal(size=(2, 4, 4, 8)).astype("float32")
    block, w = _residual_block(dtype="mixed_bfloat16")
    y = block(x)
    assert keras.backend.standardize_dtype(y.dtype) == "bfloat16"
    assert all(keras.backend.standardize_dtype(v.dtype) == "float32" for v in block.weights)
    expected = ref.residual_block(x.astype("float64"), w["w1"], w["b1"], w["w2"], w["b2"], w["w3"], groups=2)
    np.testing.assert_allclose(_np(y), expected, atol=0.1)
    for layer in (
        UpsampleTransition(4, dtype="mixed_bfloat16"),
        DownsampleTransition(4, dtype="mixed_bfloat16"),
        DiscriminativeBasis(2, dtype="mixed_bfloat16"),
    ):
        assert keras.backend.standardize_dtype(layer(x).dtype) == "bfloat16"
    assert keras.backend.standardize_dtype(GenerativeBasis(3, dtype="mixed_bfloat16")(x[:, 0, 0]).dtype) == "bfloat16"


def test_config_round_trips():
    x = np.random.default_rng(9).normal(size=(2, 4, 4, 8)).astype("float32")
    cases = [
        (ResidualBlock(2, 5, expansion_factor=3, conv_implementation="split", name="blk"), x),
        (BiasedLeakyReLU(0.1, name="act"), x),
        (GenerativeBasis(6, name="gb"), x[:, 0, 0]),
        (DiscriminativeBasis(3, name="db"), x),
        (UpsampleTransition(5, name="ut"), x),
        (DownsampleTransition(5, name="dt"), x),
    ]
    for layer, inputs in cases:
        y = layer(inputs)
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()
        clone(inputs)
        clone.set_weights(layer.get_weights())
        np.testing.assert_array_equal(_np(clone(inputs)), _np(y))


def test_bad_inputs_raise_naming_the_layer():
    with pytest.raises(ValueError, match="ResidualBlock 'rb'.*not divisible by cardinality 3"):
        ResidualBlock(3, 4, name="rb")(np.zeros((1, 4, 4, 8), "float32"))
    with pytest.raises(ValueError, match="ResidualBlock 'rb'.*rank 4"):
        ResidualBlock(2, 4, name="rb")(np.zeros((4, 4, 8), "float32"))
    with pytest.raises(ValueError, match="GenerativeBasis 'gb'.*rank-2"):
        GenerativeBasis(4, name="gb")(np.zeros((2, 4, 4), "float32"))
    with pytest.raises(ValueError, match="DownsampleTransition 'dt'.*divisible by 2"):
        DownsampleTransition(4, name="dt")(np.zeros((1, 3, 4, 8), "float32"))
    with pytest.raises(ValueError, match="total_blocks"):
        ResidualBlock(2, 0)


def test_quantized_block_uses_the_quantized_sub_layers():
    """Blocks run their sub-layers' `call` directly, except quantized ones, which must reach their int8 kernels."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 8, 8, 16)).astype("float32")
    model = keras.Sequential([keras.Input((8, 8, 16)), ResidualBlock(cardinality=4, total_blocks=2)])
    block = model.layers[0]
    block.project.kernel.assign(0.1 * rng.normal(size=block.project.kernel.shape).astype("float32"))
    branch = keras.ops.convert_to_numpy(model(x)) - x
    model.quantize("int8")
    assert block.expand.quantization_mode == "int8"
    quantized_branch = keras.ops.convert_to_numpy(model(x)) - x
    error = np.abs(quantized_branch - branch).max()
    assert 0 < error < 0.05 * np.abs(branch).max()


class _CountingDense(keras.layers.Dense):
    calls = 0

    def __call__(self, *args, **kwargs):
        type(self).calls += 1
        return super().__call__(*args, **kwargs)


@pytest.mark.parametrize(
    "layer_policy,input_dtype,through_call,output_dtype",
    [
        ("float32", "float32", False, "float32"),  # the parent's policy and dtype: `call` directly
        ("float32", "bfloat16", True, "float32"),  # the first layer after a bfloat16 stage: its input is cast back
        ("mixed_bfloat16", "float32", True, "bfloat16"),  # a bfloat16 stage inside a float32 network
    ],
)
def test_run_sublayer_keeps_the_dtype_semantics_of_call(layer_policy, input_dtype, through_call, output_dtype):
    from keras_gans.models.r3gan.r3gan_layers import run_sublayer

    parent = keras.layers.Layer(dtype="float32")
    layer = _CountingDense(4, dtype=layer_policy)
    layer.build((None, 3))
    x = keras.ops.cast(np.arange(6, dtype="float32").reshape(2, 3) / 8, input_dtype)
    _CountingDense.calls = 0
    y = run_sublayer(layer, x, parent)
    assert _CountingDense.calls == int(through_call)
    assert keras.backend.standardize_dtype(y.dtype) == output_dtype
    expected = np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(x, "float32"))) @ _np(layer.kernel)
    np.testing.assert_allclose(
        _np(y), expected, rtol=1e-2 if "bfloat16" in (output_dtype, input_dtype) else 1e-6, atol=1e-2
    )
