"""A seed draws the same initial networks on TensorFlow, JAX and PyTorch (`keras_gans.layers.HostRandomNormal`).

Each backend builds an R3GAN and a ProGAN with fresh weights after seeding Python's `random` (which draws Keras'
default initializer seeds; `keras.utils.set_random_seed` seeds it too, but also imports TensorFlow to seed it);
every variable must be bit-identical across the backends, and on JAX and PyTorch the builds must not have imported
TensorFlow (Keras' serializer would import it to look for TensorFlow objects; `tensorflow_objects_impossible`).
"""

import numpy as np
from backend_runner import assert_backends_agree
from backend_runner import run_on_backends

SNIPPET = """
import random
import sys

import keras
import numpy as np

import keras_gans

random.seed(0)
r3gan = keras_gans.R3GAN.from_preset("mnist_small", load_weights=False)
progan = keras_gans.ProGAN.from_preset("cifar10_32", load_weights=False)
out = {}
for prefix, gan in (("r3gan", r3gan), ("progan", progan)):
    for role in ("generator", "discriminator", "ema_generator"):
        for index, variable in enumerate(getattr(gan, role).weights):
            out[f"{prefix}/{role}/{index}"] = keras.ops.convert_to_numpy(variable.value)
out["tensorflow_imported"] = np.array("tensorflow" in sys.modules)
np.savez(OUT, **out)
"""


def test_a_seed_draws_the_same_initial_networks_on_every_backend():
    results = run_on_backends(SNIPPET)
    tensorflow_imported = {backend: bool(arrays.pop("tensorflow_imported")) for backend, arrays in results.items()}
    assert_backends_agree(results, atol=0, rtol=0)
    arrays = results["jax"]
    for prefix in ("r3gan", "progan"):
        generator = [v for k, v in sorted(arrays.items()) if k.startswith(f"{prefix}/generator/")]
        ema = [v for k, v in sorted(arrays.items()) if k.startswith(f"{prefix}/ema_generator/")]
        assert len(generator) == len(ema) > 0
        assert all(np.array_equal(g, e) for g, e in zip(generator, ema))  # the EMA starts as the generator
        assert sum(int(np.count_nonzero(g)) for g in generator) > 0.5 * sum(g.size for g in generator)
    assert not tensorflow_imported["jax"] and not tensorflow_imported["torch"]
