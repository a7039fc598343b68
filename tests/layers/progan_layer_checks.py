"""Checks shared by the ProGAN layer tests: derivatives to second order, serialisation, mixed precision.

Derivatives are checked against central finite differences along one random direction: for the scalar
`L(x) = sum(r * tanh(f(x)))` (tanh makes the second derivative of a linear layer non-trivial), the gradient
`g = dL/dx` must satisfy `<g, v> ~ (L(x + e v) - L(x - e v)) / 2e`, and for the WGAN-GP-style penalty
`P = sum(g**2)` the gradients with respect to the input and to the layer's weights must satisfy the same relation
with `P`. Everything runs in float32 on the active backend through `keras_gans.backend.gradients`.
"""

import keras
import numpy as np
from keras import ops

from keras_gans.backend.gradients import input_gradient
from keras_gans.backend.gradients import value_and_grad


def _to_np(x):
    return np.asarray(ops.convert_to_numpy(x), dtype=np.float64)


def _central_difference(f, epsilon):
    """Richardson-extrapolated central difference of a scalar function `f(step)` at 0 (error O(epsilon**4))."""

    def central(e):
        return (float(_to_np(f(e))) - float(_to_np(f(-e)))) / (2 * e)

    return (4 * central(epsilon / 2) - central(epsilon)) / 3


def _scalar(layer, trainable, non_trainable, weights_r, x, call_kwargs):
    out = layer.stateless_call(trainable, non_trainable, x, **call_kwargs)[0]
    return ops.sum(weights_r * ops.tanh(out))


def check_derivatives(layer, x, *, call_kwargs=None, seed=0, epsilon=1e-2, rtol=1e-3, check_weights=True):
    """Checks first and second derivatives of `layer` at `x` against finite differences (see module doc)."""
    call_kwargs = call_kwargs or {}
    rng = np.random.default_rng(seed)
    x = np.asarray(x, "float32")
    out_shape = tuple(ops.shape(layer(x, **call_kwargs)))
    r = ops.convert_to_tensor(rng.standard_normal(out_shape).astype("float32"))
    trainable = [ops.convert_to_tensor(v.value) for v in layer.trainable_variables]
    non_trainable = [ops.convert_to_tensor(v.value) for v in layer.non_trainable_variables]

    def loss_x(t, params=trainable):
        return _scalar(layer, params, non_trainable, r, t, call_kwargs)

    def grad_x(t, params=trainable):
        return input_gradient(lambda u: loss_x(u, params), t)

    def penalty(t, params=trainable):
        return ops.sum(ops.square(grad_x(t, params)))

    v = rng.standard_normal(x.shape).astype("float32")
    xt = ops.convert_to_tensor(x)
    g = _to_np(grad_x(xt))
    assert np.isfinite(g).all() and np.abs(g).max() > 0, "input gradient is zero or not finite"
    fd = _central_difference(lambda e: loss_x(ops.convert_to_tensor(x + e * v)), epsilon)
    np.testing.assert_allclose(np.sum(g * v), fd, rtol=rtol, atol=1e-4, err_msg="first-order input gradient")

    _, (h,) = value_and_grad(lambda p: penalty(p[0]))([xt])
    h = _to_np(h)
    assert np.isfinite(h).all()
    fd = _central_difference(lambda e: penalty(ops.convert_to_tensor(x + e * v)), epsilon)
    np.testing.assert_allclose(np.sum(h * v), fd, rtol=rtol, atol=1e-4, err_msg="gradient of the gradient norm")

    if check_weights and trainable:
        _, grads = value_and_grad(lambda p: penalty(xt, p))(trainable)
        # Each weight moves in proportion to its own scale (RMS), so that a weight stored large (equalized
        # learning rate with lr_multiplier < 1 stores w / lr_multiplier) is not probed by steps lost in its
        # float32 rounding.
        directions = [
            (rng.standard_normal(tuple(w.shape)) * (np.sqrt(np.mean(_to_np(w) ** 2)) or 1.0)).astype("float32")
            for w in trainable
        ]
        analytic = sum(float(np.sum(_to_np(gw) * d)) for gw, d in zip(grads, directions))

        def shifted(e):
            return [ops.convert_to_tensor((_to_np(w) + e * d).astype("float32")) for w, d in zip(trainable, directions)]

        fd = _central_difference(lambda e: penalty(xt, shifted(e)), epsilon)
        np.testing.assert_allclose(analytic, fd, rtol=rtol, atol=1e-4, err_msg="penalty gradient w.r.t. weights")


def check_config_round_trip(layer):
    """`from_config(get_config())` reproduces the config."""
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    return clone


def check_keras_file_round_trip(model, inputs, path):
    """Saving `model` to a .keras file and loading it gives identical outputs."""
    expected = model(inputs)
    model.save(path)
    loaded = keras.saving.load_model(path)
    got = loaded(inputs)
    for a, b in zip(keras.tree.flatten(expected), keras.tree.flatten(got)):
        np.testing.assert_array_equal(ops.convert_to_numpy(a), ops.convert_to_numpy(b))
    return loaded


def check_bfloat16_close(make_layer, inputs, rtol=3e-2, call_kwargs=None):
    """A layer under the `mixed_bfloat16` policy runs, outputs bfloat16 and stays close to float32 with the same
    weights (tolerance relative to the output's RMS)."""
    call_kwargs = call_kwargs or {}
    reference = make_layer(dtype="float32")
    expected = _to_np(reference(*inputs, **call_kwargs))
    mixed = make_layer(dtype="mixed_bfloat16")
    mixed(*inputs, **call_kwargs)
    for src, dst in zip(reference.weights, mixed.weights):
        dst.assign(src.value)
    got = mixed(*inputs, **call_kwargs)
    assert "bfloat16" in str(got.dtype), got.dtype
    got = _to_np(ops.cast(got, "float32"))
    scale = np.sqrt(np.mean(expected**2)) + 1e-12
    assert np.abs(got - expected).max() <= rtol * scale * 4, (np.abs(got - expected).max(), scale)
    assert np.sqrt(np.mean((got - expected) ** 2)) <= rtol * scale
