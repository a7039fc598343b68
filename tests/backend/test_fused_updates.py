"""Multi-tensor Adam and moving-average updates against a float64 NumPy re-implementation of their formulas.

On PyTorch the fused functions must do the update; on JAX and TensorFlow they must decline (return False and
leave the variables untouched), since the compiled per-variable `keras.ops` code is used there.
"""

import keras
import numpy as np
from keras import ops

from keras_gans.backend import fused_updates

RNG = np.random.default_rng(7)
SHAPES = [(3, 3, 4, 8), (8,), (5, 2)]


def _variables(arrays):
    return [keras.Variable(a) for a in arrays]


def _numpy(variables):
    return [np.asarray(ops.convert_to_numpy(v.value), "float64") for v in variables]


def test_adam_update_matches_formula_or_declines():
    params = [RNG.normal(size=s).astype("float32") for s in SHAPES]
    grads = [RNG.normal(scale=1e-3, size=s).astype("float32") for s in SHAPES]
    m0 = [RNG.normal(scale=1e-3, size=s).astype("float32") for s in SHAPES]
    v0 = [np.abs(RNG.normal(scale=1e-6, size=s)).astype("float32") for s in SHAPES]
    p_vars, m_vars, v_vars = _variables(params), _variables(m0), _variables(v0)
    lr, beta_1, beta_2, eps, step = 2e-4, 0.5, 0.99, 1e-8, 3
    done = fused_updates.adam_update(
        p_vars,
        [ops.convert_to_tensor(g) for g in grads],
        m_vars,
        v_vars,
        learning_rate=ops.convert_to_tensor(lr),
        beta_1=beta_1,
        beta_2=ops.convert_to_tensor(beta_2),
        epsilon=eps,
        step=ops.convert_to_tensor(step),
    )
    assert done == fused_updates.fused_updates_available() == (keras.backend.backend() == "torch")
    if not done:
        for got, want in zip(_numpy(p_vars) + _numpy(m_vars) + _numpy(v_vars), params + m0 + v0):
            np.testing.assert_array_equal(got, want)
        return
    for p, g, m, v, p_new, m_new, v_new in zip(params, grads, m0, v0, _numpy(p_vars), _numpy(m_vars), _numpy(v_vars)):
        p, g, m, v = (x.astype("float64") for x in (p, g, m, v))
        m = m + (g - m) * (1 - beta_1)
        v = v * beta_2 + (1 - beta_2) * g * g
        p = p - (lr / (1 - beta_1**step)) * m / (np.sqrt(v) / np.sqrt(1 - beta_2**step) + eps)
        np.testing.assert_allclose(m_new, m, rtol=1e-6, atol=1e-9)  # float32 ulp at |m| ~ 1e-3
        np.testing.assert_allclose(v_new, v, rtol=1e-6, atol=1e-15)
        np.testing.assert_allclose(p_new, p, rtol=1e-6, atol=1e-9)


def test_moving_average_update_matches_formula_or_declines():
    averages = [RNG.normal(size=s).astype("float32") for s in SHAPES]
    sources = [RNG.normal(size=s).astype("float32") for s in SHAPES]
    a_vars, s_vars = _variables(averages), _variables(sources)
    beta = 0.999
    done = fused_updates.moving_average_update(a_vars, s_vars, ops.convert_to_tensor(beta))
    assert done == (keras.backend.backend() == "torch")
    for got, a, s in zip(_numpy(a_vars), averages, sources):
        want = s.astype("float64") + beta * (a.astype("float64") - s) if done else a
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    for got, s in zip(_numpy(s_vars), sources):
        np.testing.assert_array_equal(got, s)
