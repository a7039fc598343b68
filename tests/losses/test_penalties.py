"""R1, R2, WGAN-GP and drift against closed forms and float64 central finite differences in NumPy.

The discriminator is a small smooth network written in `keras.ops`, `D(x) = sum_k w2_k tanh(x W1_k + b1_k)`
(x flattened), whose input gradient has a closed form; NumPy float64 central differences check that closed form and
the parameter gradients of the penalties (double backprop). Float64 finite differences of the real convolutional
networks run in tests/cross_backend/test_penalties_finite_differences.py.
"""

import numpy as np
import pytest
from keras import ops

from keras_gans import losses
from keras_gans.backend import value_and_grad

SHAPE = (3, 4, 4, 2)
HIDDEN = 5
rng = np.random.default_rng(0)
X = rng.uniform(-1, 1, SHAPE).astype("float32")
FAKE = rng.uniform(-1, 1, SHAPE).astype("float32")
P = {
    "W1": rng.normal(0, 0.4, (int(np.prod(SHAPE[1:])), HIDDEN)).astype("float32"),
    "b1": rng.normal(0, 0.1, (HIDDEN,)).astype("float32"),
    "w2": rng.normal(0, 1.0, (HIDDEN,)).astype("float32"),
}
NAMES = ("W1", "b1", "w2")


def _np(x):
    return np.asarray(ops.convert_to_numpy(x), dtype="float64")


def d_keras(params):
    W1, b1, w2 = params

    def d_fn(images):
        flat = ops.reshape(images, (ops.shape(images)[0], -1))
        return ops.sum(ops.tanh(flat @ W1 + b1) * w2, axis=-1)

    return d_fn


def d_numpy(p, x):
    return np.tanh(x.reshape(len(x), -1) @ p["W1"] + p["b1"]) @ p["w2"]


def input_grad_numpy(p, x):
    t = np.tanh(x.reshape(len(x), -1) @ p["W1"] + p["b1"])
    return (((1 - t**2) * p["w2"]) @ p["W1"].T).reshape(x.shape)


def p64():
    return {k: v.astype("float64") for k, v in P.items()}


def fd_params(fn, p, eps=1e-6):
    """Central differences of a scalar NumPy function over every parameter entry (float64)."""
    grads = {}
    for name in NAMES:
        g = np.zeros_like(p[name])
        for idx in np.ndindex(*p[name].shape):
            plus = {k: v.copy() for k, v in p.items()}
            minus = {k: v.copy() for k, v in p.items()}
            plus[name][idx] += eps
            minus[name][idx] -= eps
            g[idx] = (fn(plus) - fn(minus)) / (2 * eps)
        grads[name] = g
    return grads


def tensors():
    return [ops.convert_to_tensor(P[k]) for k in NAMES]


def test_closed_form_input_gradient_matches_finite_differences():
    p, x = p64(), X.astype("float64")
    fd = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        e = np.zeros_like(x)
        e[idx] = 1e-6
        fd[idx] = (d_numpy(p, x + e).sum() - d_numpy(p, x - e).sum()) / 2e-6
    np.testing.assert_allclose(input_grad_numpy(p, x), fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("which", ["r1", "r2"])
def test_r1_r2_values_and_double_backprop(which):
    images = X if which == "r1" else FAKE
    penalty = losses.r1_penalty if which == "r1" else losses.r2_penalty

    def mean_penalty(params):
        return ops.mean(penalty(d_keras(params), ops.convert_to_tensor(images)))

    per_sample = penalty(d_keras(tensors()), ops.convert_to_tensor(images))
    expected = np.sum(input_grad_numpy(p64(), images.astype("float64")) ** 2, axis=(1, 2, 3))
    assert tuple(per_sample.shape) == (SHAPE[0],)
    np.testing.assert_allclose(_np(per_sample), expected, rtol=2e-5)

    _, grads = value_and_grad(mean_penalty)(tensors())
    ref = fd_params(lambda p: np.mean(np.sum(input_grad_numpy(p, images.astype("float64")) ** 2, (1, 2, 3))), p64())
    for name, g in zip(NAMES, grads):
        np.testing.assert_allclose(_np(g), ref[name], rtol=2e-4, atol=1e-6, err_msg=name)


def test_r2_does_not_backpropagate_into_the_generator():
    base = ops.convert_to_tensor(FAKE)

    def r2_of_generator(params):
        fakes = params[0] * base
        return ops.mean(losses.r2_penalty(d_keras(tensors()), fakes))

    _, (g,) = value_and_grad(r2_of_generator)([ops.convert_to_tensor(np.float32(1.3))])
    assert float(_np(g)) == 0.0


def test_gradient_scale_gives_the_same_penalty():
    d_fn = d_keras(tensors())
    plain = losses.r1_penalty(d_fn, ops.convert_to_tensor(X))
    scaled = losses.r1_penalty(d_fn, ops.convert_to_tensor(X), gradient_scale=1024.0)
    np.testing.assert_allclose(_np(scaled), _np(plain), rtol=1e-6)


def test_wgan_gp_value_and_parameter_gradient():
    alpha = rng.uniform(size=(SHAPE[0], 1, 1, 1)).astype("float32")
    target, weight = 0.7, 10.0

    def gp_numpy(p):
        mixed = X.astype("float64") + alpha * (FAKE.astype("float64") - X)
        norm = np.sqrt(np.sum(input_grad_numpy(p, mixed) ** 2, axis=(1, 2, 3)))
        return weight / target**2 * (norm - target) ** 2

    def gp_keras(params):
        return losses.wgan_gp_penalty(
            d_keras(params),
            ops.convert_to_tensor(X),
            ops.convert_to_tensor(FAKE),
            alpha=ops.convert_to_tensor(alpha),
            target=target,
            weight=weight,
        )

    np.testing.assert_allclose(_np(gp_keras(tensors())), gp_numpy(p64()), rtol=2e-5)
    _, grads = value_and_grad(lambda params: ops.mean(gp_keras(params)))(tensors())
    ref = fd_params(lambda p: np.mean(gp_numpy(p)), p64())
    for name, g in zip(NAMES, grads):
        np.testing.assert_allclose(_np(g), ref[name], rtol=2e-4, atol=1e-6, err_msg=name)


def test_wgan_gp_with_random_interpolation_of_a_linear_critic():
    """For a linear critic the gradient is the same everywhere, so the penalty is known whatever alpha is drawn."""
    w = rng.normal(size=SHAPE[1:]).astype("float32")
    w_tensor = ops.convert_to_tensor(w)

    def d_fn(images):
        return ops.sum(images * w_tensor, axis=(1, 2, 3))

    gp = losses.wgan_gp_penalty(d_fn, ops.convert_to_tensor(X), ops.convert_to_tensor(FAKE), seed=3, target=750.0)
    expected = 10.0 / 750.0**2 * (np.linalg.norm(w.astype("float64")) - 750.0) ** 2
    np.testing.assert_allclose(_np(gp), np.full(SHAPE[0], expected), rtol=1e-5)


def test_interpolate_detaches_fakes_and_mixes_per_sample():
    alpha = np.array([0.0, 0.5, 1.0], "float32").reshape(3, 1, 1, 1)
    mixed = losses.interpolate(ops.convert_to_tensor(X), ops.convert_to_tensor(FAKE), ops.convert_to_tensor(alpha))
    np.testing.assert_allclose(_np(mixed), X + alpha * (FAKE - X), rtol=1e-6, atol=1e-7)


def test_drift_squared_norm_and_lazy_weights():
    logits = np.array([2.0, -3.0], "float32")
    np.testing.assert_allclose(_np(losses.drift_penalty(ops.convert_to_tensor(logits))), 0.001 * logits**2, rtol=1e-6)
    g = rng.normal(size=SHAPE).astype("float32")
    np.testing.assert_allclose(
        _np(losses.squared_gradient_norm(ops.convert_to_tensor(g))),
        np.sum(g.astype("float64") ** 2, axis=(1, 2, 3)),
        rtol=1e-5,
    )
    weights = [float(_np(losses.lazy_penalty_weight(0.25, 8, s))) for s in range(17)]
    assert weights == [2.0 if s % 8 == 0 else 0.0 for s in range(17)]
    assert float(_np(losses.lazy_penalty_weight(0.25, 1, 5))) == 0.25
    with pytest.raises(ValueError, match="interval"):
        losses.lazy_penalty_weight(1.0, 0, 0)


def test_penalties_accept_a_tuple_output_discriminator():
    d_fn = d_keras(tensors())

    def ac_d(images):
        return d_fn(images), ops.zeros((ops.shape(images)[0], 3))

    np.testing.assert_allclose(
        _np(losses.r1_penalty(ac_d, ops.convert_to_tensor(X))),
        _np(losses.r1_penalty(d_fn, ops.convert_to_tensor(X))),
        rtol=1e-6,
    )
