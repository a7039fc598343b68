"""keras_gans.backend gradients against closed forms (each backend in its own test pass)."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_gans.backend import input_gradient
from keras_gans.backend import no_grad
from keras_gans.backend import value_and_grad
from keras_gans.backend import value_and_input_gradient


def _np(x):
    return np.asarray(ops.convert_to_numpy(x), dtype="float64")


def test_value_and_grad_matches_closed_form_and_zero_for_unused_params():
    a = np.array([0.5, -1.5, 2.0], "float32")
    b = np.array([[0.3, -0.2, 0.7]], "float32")
    unused = np.ones((2,), "float32")

    def f(params, scale):
        p, q, _ = params
        return ops.sum(p**2 * q) * scale

    loss, grads = value_and_grad(f)(
        [ops.convert_to_tensor(a), ops.convert_to_tensor(b), ops.convert_to_tensor(unused)], 3.0
    )
    np.testing.assert_allclose(float(_np(loss)), 3.0 * np.sum(a**2 * b), rtol=1e-6)
    np.testing.assert_allclose(_np(grads[0]), 3.0 * 2 * a * b[0], rtol=1e-6)
    np.testing.assert_allclose(_np(grads[1]), 3.0 * a[None] ** 2, rtol=1e-6)
    np.testing.assert_array_equal(_np(grads[2]), np.zeros(2))


def test_value_and_grad_has_aux_and_nothing_accumulates():
    w = ops.convert_to_tensor(np.array([1.0, 2.0], "float32"))

    def f(params):
        return ops.sum(ops.sin(params[0])), {"double": params[0] * 2.0}

    fn = value_and_grad(f, has_aux=True)
    (loss1, aux), g1 = fn([w])
    (loss2, _), g2 = fn([w])
    np.testing.assert_allclose(_np(g1[0]), np.cos([1.0, 2.0]), rtol=1e-6)
    np.testing.assert_array_equal(_np(g1[0]), _np(g2[0]))  # a second call does not accumulate
    np.testing.assert_allclose(_np(aux["double"]), [2.0, 4.0])
    np.testing.assert_allclose(float(_np(loss1)), float(_np(loss2)))


def test_value_and_grad_requires_a_pair_with_has_aux():
    with pytest.raises(ValueError, match="has_aux"):
        value_and_grad(lambda p: ops.sum(p[0]), has_aux=True)([ops.ones((2,))])


def test_input_gradient_is_gradient_of_the_sum():
    x = np.array([[0.1, -0.4], [0.7, 0.2]], "float32")
    out, grad = value_and_input_gradient(lambda t: ops.tanh(3.0 * t), ops.convert_to_tensor(x))
    np.testing.assert_allclose(_np(out), np.tanh(3 * x), rtol=1e-6)
    np.testing.assert_allclose(_np(grad), 3 * (1 - np.tanh(3 * x) ** 2), rtol=1e-5)
    np.testing.assert_allclose(_np(input_gradient(lambda t: t**3, ops.convert_to_tensor(x))), 3 * x**2, rtol=1e-6)


def test_input_gradient_with_aux_differentiates_only_the_first_output():
    x = ops.convert_to_tensor(np.array([1.0, -2.0], "float32"))
    (y, aux), grad = value_and_input_gradient(lambda t: (t**2, t * 100.0), x, has_aux=True)
    np.testing.assert_allclose(_np(grad), [2.0, -4.0])
    np.testing.assert_allclose(_np(aux), [100.0, -200.0])


def test_double_backprop_matches_closed_form():
    """R(w) = sum_i (d/dx_i sum_j tanh(w * x_j))^2 = sum_i w^2 (1 - tanh(w x_i)^2)^2; dR/dw in closed form."""
    x = np.array([0.3, -1.1, 0.8, 2.0], "float32")
    w0 = 0.7

    def penalty(params):
        w = params[0]
        grad = input_gradient(lambda t: ops.tanh(w * t), ops.convert_to_tensor(x))
        return ops.sum(ops.square(grad))

    value, (dw,) = value_and_grad(penalty)([ops.convert_to_tensor(np.float32(w0))])
    xd = x.astype("float64")
    t = np.tanh(w0 * xd)
    s = 1 - t**2
    np.testing.assert_allclose(float(_np(value)), np.sum(w0**2 * s**2), rtol=1e-5)
    expected = np.sum(2 * w0 * s**2 - 4 * w0**2 * s**2 * t * xd)
    np.testing.assert_allclose(float(_np(dw)), expected, rtol=1e-4)


def test_double_backprop_through_a_keras_layer_with_stateless_call():
    """Gradient of ||dD/dx||^2 w.r.t. a Dense kernel, with D(x) = sum(tanh(x W)): closed form via NumPy FD."""
    layer = keras.layers.Dense(3, use_bias=False)
    layer.build((None, 2))
    w0 = np.array([[0.5, -0.3, 0.8], [0.2, 0.9, -0.6]], "float32")
    x = np.array([[0.4, -0.7], [1.2, 0.1]], "float32")

    def penalty(params):
        def d(t):
            out, _ = layer.stateless_call(params, [], t)
            return ops.sum(ops.tanh(out), axis=-1)

        grad = input_gradient(d, ops.convert_to_tensor(x))
        return ops.sum(ops.square(grad))

    _, (dw,) = value_and_grad(penalty)([ops.convert_to_tensor(w0)])

    def penalty_np(w):
        s = 1 - np.tanh(x.astype("float64") @ w) ** 2  # (N, 3)
        g = s @ w.T  # dD/dx, (N, 2)
        return np.sum(g**2)

    fd = np.zeros_like(w0, dtype="float64")
    for idx in np.ndindex(*w0.shape):
        e = np.zeros_like(fd)
        e[idx] = 1e-6
        fd[idx] = (penalty_np(w0 + e) - penalty_np(w0 - e)) / 2e-6
    np.testing.assert_allclose(_np(dw), fd, rtol=1e-4, atol=1e-6)


def test_no_grad_is_a_context_manager():
    with no_grad():
        y = ops.convert_to_tensor(np.ones(2, "float32")) * 2
    np.testing.assert_array_equal(_np(y), [2.0, 2.0])
