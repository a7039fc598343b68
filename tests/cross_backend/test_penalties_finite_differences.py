"""R1, R2 and WGAN-GP of a convolutional discriminator against float64 central finite differences.

Runs on TensorFlow and on JAX with `jax_enable_x64` (float64 is not available on every backend: Keras maps
float64 to float32 in some PyTorch ops, and JAX needs x64 switched on before use, hence a subprocess). Two checks:
the penalty values against finite differences of `D` with respect to the input, and the parameter gradients of the
penalties (double backprop) against finite differences of the penalties with respect to every parameter.
"""

import pytest
from backend_runner import REPO_ROOT
from backend_runner import run_on_backends

SNIPPET = """
import sys
sys.path.insert(0, TESTS_DIR)
import keras
if keras.backend.backend() == "jax":
    import jax
    jax.config.update("jax_enable_x64", True)
keras.config.set_floatx("float64")
import numpy as np
from keras import ops
from keras_gans import losses
from keras_gans.backend import value_and_grad
from gan_testing import TinyDiscriminator

rng = np.random.default_rng(0)
d = TinyDiscriminator(image_shape=(4, 4, 2), width=3, activation="tanh")
d(keras.KerasTensor((None, 4, 4, 2)))
for v in d.weights:
    v.assign(rng.normal(0.0, 0.5, size=tuple(v.shape)))
params = [ops.convert_to_tensor(v.value) for v in d.trainable_variables]
real = rng.uniform(-1, 1, (2, 4, 4, 2))
fake = rng.uniform(-1, 1, (2, 4, 4, 2))
alpha = rng.uniform(size=(2, 1, 1, 1))

def d_fn(values):
    return lambda x: d.stateless_call(values, [], x)[0]

def penalties(values):
    f = d_fn(values)
    r1 = losses.r1_penalty(f, ops.convert_to_tensor(real))
    r2 = losses.r2_penalty(f, ops.convert_to_tensor(fake))
    gp = losses.wgan_gp_penalty(f, ops.convert_to_tensor(real), ops.convert_to_tensor(fake),
                                alpha=ops.convert_to_tensor(alpha), target=0.8, weight=10.0)
    return r1, r2, gp

r1, r2, gp = [np.asarray(ops.convert_to_numpy(t)) for t in penalties(params)]
assert r1.dtype == np.float64, r1.dtype

# 1) Values: the input gradient by central differences of sum D.
def total_d(x):
    return float(np.sum(ops.convert_to_numpy(d_fn(params)(ops.convert_to_tensor(x)))))

def fd_input_grad(x, eps=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        e = np.zeros_like(x); e[idx] = eps
        g[idx] = (total_d(x + e) - total_d(x - e)) / (2 * eps)
    return g

g_real, g_fake = fd_input_grad(real), fd_input_grad(fake)
mixed = real + alpha * (fake - real)
g_mixed = fd_input_grad(mixed)
r1_fd = np.sum(g_real ** 2, axis=(1, 2, 3))
r2_fd = np.sum(g_fake ** 2, axis=(1, 2, 3))
gp_fd = 10.0 / 0.8 ** 2 * (np.sqrt(np.sum(g_mixed ** 2, axis=(1, 2, 3))) - 0.8) ** 2

# 2) Double backprop: d/dtheta of mean(R1 + R2 + GP) against central differences over every parameter.
def objective(values):
    r1, r2, gp = penalties(values)
    return ops.sum(r1 + r2 + gp) / 2.0  # not ops.mean: on JAX it accumulates float64 in float32

_, grads = value_and_grad(objective)(params)
grads = [np.asarray(ops.convert_to_numpy(g)) for g in grads]
numpy_params = [np.asarray(ops.convert_to_numpy(p)) for p in params]
fd = []
for i, p in enumerate(numpy_params):
    g = np.zeros_like(p)
    for idx in np.ndindex(*p.shape):
        plus = [q.copy() for q in numpy_params]; minus = [q.copy() for q in numpy_params]
        plus[i][idx] += 1e-6; minus[i][idx] -= 1e-6
        up = float(ops.convert_to_numpy(objective([ops.convert_to_tensor(q) for q in plus])))
        down = float(ops.convert_to_numpy(objective([ops.convert_to_tensor(q) for q in minus])))
        g[idx] = (up - down) / 2e-6
    fd.append(g)

def rel(a, b):
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))

np.savez(OUT, r1_rel=rel(r1, r1_fd), r2_rel=rel(r2, r2_fd), gp_rel=rel(gp, gp_fd),
         grad_rel=max(rel(a, b) for a, b in zip(grads, fd)), r1=r1, r2=r2, gp=gp,
         grad_norm=float(np.sqrt(sum(np.sum(b ** 2) for b in fd))))
"""


@pytest.mark.cross_backend
def test_penalties_and_their_parameter_gradients_match_float64_finite_differences():
    code = f"TESTS_DIR = {str(REPO_ROOT / 'tests')!r}\n" + SNIPPET
    results = run_on_backends(code, backends=("tensorflow", "jax"))
    for backend, out in results.items():
        print(backend, {k: float(out[k]) for k in ("r1_rel", "r2_rel", "gp_rel", "grad_rel")})
        assert float(out["grad_norm"]) > 1e-3, "degenerate test network"
        for key in ("r1_rel", "r2_rel", "gp_rel"):
            assert float(out[key]) < 1e-7, (backend, key, float(out[key]))
        assert float(out["grad_rel"]) < 1e-6, (backend, float(out["grad_rel"]))
    for key in ("r1", "r2", "gp"):
        a, b = results["tensorflow"][key], results["jax"][key]
        assert abs(a - b).max() < 1e-12 * max(1.0, abs(a).max()), key
