import keras
import numpy as np
import pytest
import r3gan_numpy_reference as ref
from r3gan_gradients import r1_penalty_gradients

from keras_gans.layers import GroupedConv2D
from keras_gans.layers.grouped_conv import resolve_implementation

BACKEND = keras.backend.backend()
IMPLEMENTATIONS = ["native", "split", "matmul", "auto"]


def _layer_with_weight(weight, groups, implementation, bias=None):
    """A GroupedConv2D holding an official-layout weight `[out, in/groups, kh, kw]` (and optional bias)."""
    out_channels, group_in, kh, _ = weight.shape
    layer = GroupedConv2D(out_channels, kh, groups=groups, use_bias=bias is not None, implementation=implementation)
    layer.build((None, 5, 6, group_in * groups))
    layer.kernel.assign(weight.transpose(2, 3, 1, 0).astype("float32"))
    if bias is not None:
        layer.bias.assign(bias.astype("float32"))
    return layer


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
@pytest.mark.parametrize(
    "groups,kernel_size,in_channels,out_channels",
    [(1, 3, 4, 6), (2, 3, 4, 6), (4, 3, 8, 4), (3, 1, 6, 9), (2, 5, 4, 4)],
)
def test_forward_matches_numpy_loops(implementation, groups, kernel_size, in_channels, out_channels):
    rng = np.random.default_rng(groups * 10 + kernel_size)
    x = rng.normal(size=(2, 5, 6, in_channels))
    weight = rng.normal(size=(out_channels, in_channels // groups, kernel_size, kernel_size))
    bias = rng.normal(size=(out_channels,))
    layer = _layer_with_weight(weight, groups, implementation, bias)
    y = keras.ops.convert_to_numpy(layer(x.astype("float32")))
    assert y.shape == (2, 5, 6, out_channels)
    np.testing.assert_allclose(y, ref.grouped_conv(x, weight, groups, bias), atol=2e-5, rtol=1e-5)


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_kernel_layout_and_symbolic_shape(implementation):
    layer = GroupedConv2D(32, 3, groups=4, implementation=implementation)
    y = layer(keras.Input((8, 8, 16)))
    assert y.shape == (None, 8, 8, 32)
    assert tuple(layer.kernel.shape) == (3, 3, 4, 32)
    assert layer.bias is None


def test_auto_implementation_per_backend():
    """The choice documented in `resolve_implementation` (tests run on CPU)."""
    expected = {"tensorflow": "split", "jax": "split", "torch": "native"}[BACKEND]
    assert resolve_implementation("auto", groups=4) == expected
    assert resolve_implementation("auto", groups=1) == "native"
    assert resolve_implementation("split", groups=4) == "split"


@pytest.mark.parametrize("implementation", ["native", "split", "matmul"])
def test_first_and_second_order_gradients_match_closed_form(implementation):
    """R1-style double backprop: penalty = ||d sum(c * lrelu(conv(x))) / dx||^2, gradient w.r.t. the kernel.

    With m = c * lrelu'(conv(x)) (piecewise constant), d f/dx = conv^T m and d penalty/dW = 2 <conv(u), m>'_W with
    u = conv^T m; both are computed with NumPy loops. TensorFlow's native grouped conv has no CPU gradient outside
    XLA, so on TensorFlow the native path runs XLA-compiled (as it would inside a `jit_compile=True` step).
    """
    groups = 2
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 4, 5, 4))
    weight = rng.normal(size=(6, 2, 3, 3)) * 0.3
    cotangent = rng.normal(size=(2, 4, 5, 6))
    layer = _layer_with_weight(weight, groups, implementation)
    xla = BACKEND == "tensorflow" and implementation == "native"
    penalty, input_grad, (kernel_grad,) = r1_penalty_gradients(
        layer, x.astype("float32"), cotangent.astype("float32"), xla=xla
    )

    x32, w32 = x.astype("float32").astype("float64"), weight.astype("float32").astype("float64")
    y = ref.grouped_conv(x32, w32, groups)
    m = cotangent.astype("float32") * np.where(y >= 0, 1.0, 0.2)
    u = ref.grouped_conv_input_adjoint(m, w32, groups)
    np.testing.assert_allclose(input_grad, u, atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(penalty, np.sum(u**2), rtol=1e-5)
    expected = 2.0 * ref.grouped_conv_weight_gradient(u, m, weight.shape, groups)
    np.testing.assert_allclose(kernel_grad.transpose(3, 2, 0, 1), expected, atol=1e-4, rtol=1e-5)


@pytest.mark.parametrize("implementation", ["split", "matmul"])
def test_second_order_gradients_match_finite_differences(implementation):
    """Directional central differences of the R1-style penalty in float64, kernel and bias.

    JAX computes float64 only with x64 enabled for the whole process, so on JAX the reference is the native
    grouped conv instead (its gradients are checked against the closed form above, and the cross-backend test
    compares JAX with TensorFlow)."""
    rng = np.random.default_rng(1)
    x, cot = rng.normal(size=(2, 4, 4, 4)), rng.normal(size=(2, 4, 4, 4))
    kernel, bias = rng.normal(size=(3, 3, 2, 4)) * 0.3, rng.normal(size=(4,)) * 0.1
    dtype = "float32" if BACKEND == "jax" else "float64"

    def make(implementation):
        layer = GroupedConv2D(4, 3, groups=2, use_bias=True, dtype=dtype, implementation=implementation)
        layer.build(x.shape)
        layer.kernel.assign(kernel.astype(dtype))
        layer.bias.assign(bias.astype(dtype))
        return layer

    layer = make(implementation)
    inputs, cotangent = x.astype(dtype), cot.astype(dtype)
    _, _, grads = r1_penalty_gradients(layer, inputs, cotangent)
    if BACKEND == "jax":
        _, _, reference = r1_penalty_gradients(make("native"), inputs, cotangent)
        for grad, ref_grad in zip(grads, reference):
            np.testing.assert_allclose(grad, ref_grad, atol=1e-4, rtol=1e-5)
        return
    for variable, grad in zip(layer.trainable_variables, grads):
        base = keras.ops.convert_to_numpy(variable).copy()
        direction = rng.normal(size=base.shape)
        values = []
        for sign in (1.0, -1.0):
            variable.assign(base + sign * 1e-6 * direction)
            values.append(r1_penalty_gradients(layer, inputs, cotangent)[0])
        variable.assign(base)
        np.testing.assert_allclose((values[0] - values[1]) / 2e-6, np.sum(grad * direction), rtol=1e-6, atol=1e-8)


def test_mixed_bfloat16_policy():
    rng = np.random.default_rng(2)
    x, weight = rng.normal(size=(1, 4, 4, 4)), rng.normal(size=(4, 2, 3, 3)) * 0.3
    layer = GroupedConv2D(4, 3, groups=2, dtype="mixed_bfloat16")
    layer.build(x.shape)
    layer.kernel.assign(weight.transpose(2, 3, 1, 0))
    y = layer(x.astype("float32"))
    assert keras.backend.standardize_dtype(y.dtype) == "bfloat16"
    assert keras.backend.standardize_dtype(layer.kernel.dtype) == "float32"
    expected = ref.grouped_conv(x, weight, 2)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(keras.ops.cast(y, "float32")), expected, atol=0.1)


def test_config_round_trip():
    layer = GroupedConv2D(8, 3, groups=4, use_bias=True, implementation="split", name="gconv")
    x = np.random.default_rng(3).normal(size=(1, 4, 4, 8)).astype("float32")
    y = layer(x)
    clone = GroupedConv2D.from_config(layer.get_config())
    clone.build(x.shape)
    clone.set_weights(layer.get_weights())
    assert clone.get_config() == layer.get_config()
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(clone(x)), keras.ops.convert_to_numpy(y))


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"filters": 6, "kernel_size": 3, "groups": 4}, "multiple of `groups`"),
        ({"filters": 4, "kernel_size": 2, "groups": 2}, "odd"),
        ({"filters": 4, "kernel_size": 3, "groups": 0}, "groups"),
        ({"filters": 4, "kernel_size": 3, "groups": 2, "implementation": "fast"}, "implementation"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GroupedConv2D(**kwargs)


def test_bad_inputs_raise_naming_the_layer():
    layer = GroupedConv2D(4, 3, groups=2, name="my_gconv")
    with pytest.raises(ValueError, match="GroupedConv2D 'my_gconv'.*rank 4"):
        layer(np.zeros((4, 4, 4), "float32"))
    with pytest.raises(ValueError, match="my_gconv.*divisible by groups=2"):
        GroupedConv2D(4, 3, groups=2, name="my_gconv")(np.zeros((1, 4, 4, 3), "float32"))
    layer(np.zeros((1, 4, 4, 4), "float32"))
    with pytest.raises(ValueError, match="my_gconv"):
        layer(np.zeros((1, 4, 4, 6), "float32"))
