"""keras_gans Adam against a NumPy Adam written from PyTorch's formula and against torch.optim.Adam.

torch is imported here on every backend: it is the reference implementation being matched (and it is a
dependency of the test environment), not the backend under test.
"""

import keras
import numpy as np
import pytest
from keras import ops

from keras_gans.optimizers import Adam
from keras_gans.optimizers import GANOptimizer

# Gradients spanning tiny values (where the placement of epsilon matters) to large ones.
GRADS = [
    np.array([1e-9, -3e-8, 0.5, -2.0, 1e-6], "float32"),
    np.array([2e-9, 1e-8, -0.25, 1.5, -1e-6], "float32"),
    np.array([-5e-9, 4e-8, 0.125, 3.0, 2e-6], "float32"),
    np.array([0.0, -1e-7, 0.75, -0.5, 0.0], "float32"),
]
W0 = np.array([0.1, -0.2, 0.3, 0.4, -0.5], "float32")
# (lr, beta_2) per step: both change between steps, as under a schedule.
HYPER = [(2e-4, 0.9), (1.9e-4, 0.92), (1.5e-4, 0.95), (1e-4, 0.99)]


def numpy_adam(beta_1, eps=1e-8):
    """PyTorch's Adam (torch/optim/adam.py, single-tensor path) in float64."""
    p, m, v = W0.astype("float64"), np.zeros(5), np.zeros(5)
    history = []
    for t, (g, (lr, b2)) in enumerate(zip(GRADS, HYPER), start=1):
        g = g.astype("float64")
        m = m + (g - m) * (1 - beta_1)
        v = v * b2 + (1 - b2) * g * g
        bc1, bc2 = 1 - beta_1**t, 1 - b2**t
        p = p - (lr / bc1) * m / (np.sqrt(v) / np.sqrt(bc2) + eps)
        history.append(p.copy())
    return history


def keras_gans_adam(beta_1):
    w = keras.Variable(W0)
    opt = Adam(learning_rate=HYPER[0][0], beta_1=beta_1, beta_2=HYPER[0][1], epsilon=1e-8)
    history = []
    for g, (lr, b2) in zip(GRADS, HYPER):
        opt.learning_rate.assign(lr)
        opt.beta_2.assign(b2)
        opt.apply([ops.convert_to_tensor(g)], [w])
        history.append(np.asarray(ops.convert_to_numpy(w.value), "float64"))
    return history, opt, w


@pytest.mark.parametrize("beta_1", [0.0, 0.9])
def test_matches_numpy_pytorch_formula(beta_1):
    got, _, _ = keras_gans_adam(beta_1)
    for step, (a, b) in enumerate(zip(got, numpy_adam(beta_1))):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8, err_msg=f"step {step}")


@pytest.mark.parametrize("beta_1", [0.0, 0.9])
def test_matches_torch_optim_adam(beta_1):
    import torch

    p = torch.nn.Parameter(torch.tensor(W0))
    opt = torch.optim.Adam([p], lr=HYPER[0][0], betas=(beta_1, HYPER[0][1]), eps=1e-8)
    expected = []
    for g, (lr, b2) in zip(GRADS, HYPER):
        opt.param_groups[0]["lr"] = lr
        opt.param_groups[0]["betas"] = (beta_1, b2)
        p.grad = torch.tensor(g)
        opt.step()
        expected.append(p.detach().numpy().copy())
    got, _, _ = keras_gans_adam(beta_1)
    for step, (a, b) in enumerate(zip(got, expected)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8, err_msg=f"step {step}")


def test_first_step_with_beta_1_zero_is_about_lr_times_sign():
    got, _, _ = keras_gans_adam(0.0)
    g = GRADS[0].astype("float64")
    # float32 weights of magnitude 0.5 resolve steps to about 3e-8.
    np.testing.assert_allclose(got[0] - W0, -HYPER[0][0] * g / (np.abs(g) + 1e-8), atol=6e-8)


def test_keras_adam_differs_at_small_gradients():
    """Why this optimizer exists: Keras' Adam puts epsilon before the beta_2 bias correction."""
    w = keras.Variable(W0)
    keras.optimizers.Adam(2e-4, beta_1=0.0, beta_2=0.9, epsilon=1e-8).apply([ops.convert_to_tensor(GRADS[0])], [w])
    keras_step = np.asarray(ops.convert_to_numpy(w.value)) - W0
    torch_step = numpy_adam(0.0)[0] - W0
    assert abs(keras_step[0] - torch_step[0]) > 1e-5  # gradient 1e-9: very different steps
    np.testing.assert_allclose(keras_step[3], torch_step[3], atol=6e-8)  # gradient -2: the same


def test_reset_restarts_from_a_fresh_state():
    _, opt, w = keras_gans_adam(0.9)
    opt.reset()
    assert int(ops.convert_to_numpy(opt.iterations.value)) == 0
    for var in opt.variables[3:]:
        assert not np.any(ops.convert_to_numpy(var.value))
    before = np.asarray(ops.convert_to_numpy(w.value), "float64")
    opt.learning_rate.assign(1e-3)
    opt.beta_2.assign(0.99)
    opt.apply([ops.convert_to_tensor(GRADS[1])], [w])
    g = GRADS[1].astype("float64")
    # A fresh first step: m_hat = g, v_hat = g^2.
    expected = before - 1e-3 * g / (np.abs(g) + 1e-8)
    np.testing.assert_allclose(ops.convert_to_numpy(w.value), expected, rtol=1e-5, atol=1e-9)


def test_learning_rate_and_beta_2_are_optimizer_variables_and_serialize():
    opt = Adam(3e-4, beta_1=0.0, beta_2=0.95)
    paths = [v.path for v in opt.variables]
    assert any(p.endswith("learning_rate") for p in paths) and any(p.endswith("beta_2") for p in paths)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(opt))
    assert isinstance(restored, Adam)
    np.testing.assert_allclose(float(ops.convert_to_numpy(restored.beta_2.value)), 0.95, rtol=1e-6)
    np.testing.assert_allclose(float(ops.convert_to_numpy(restored.learning_rate)), 3e-4, rtol=1e-6)
    assert restored.beta_1 == 0.0 and restored.epsilon == 1e-8
    with pytest.raises(ValueError, match="beta_2"):
        Adam(beta_2=1.0)


def test_gan_optimizer_builds_each_optimizer_on_its_network():
    g_vars = [keras.Variable(np.ones(2, "float32")), keras.Variable(np.ones(3, "float32"))]
    d_vars = [keras.Variable(np.ones(4, "float32"))]
    container = GANOptimizer(Adam(1e-3), Adam(1e-3))
    container.assign_variables(g_vars, d_vars)
    container.build(d_vars + g_vars)
    assert [tuple(v.shape) for v in container.generator_optimizer._trainable_variables] == [(2,), (3,)]
    assert [tuple(v.shape) for v in container.discriminator_optimizer._trainable_variables] == [(4,)]
    assert len(container.variables) == 2 + (3 + 2 * 2) + (3 + 2 * 1)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(container))
    assert isinstance(restored.generator_optimizer, Adam)
    opt = Adam()
    with pytest.raises(ValueError, match="different optimizer instances"):
        GANOptimizer(opt, opt)
    with pytest.raises(ValueError, match="use_ema"):
        GANOptimizer(Adam(use_ema=True), Adam())
    stray = GANOptimizer(Adam(), Adam())
    stray.assign_variables(g_vars, d_vars)
    with pytest.raises(ValueError, match="neither"):
        stray.build(g_vars + d_vars + [keras.Variable(np.ones(1, "float32"))])
