"""Two R3GAN training steps through the compiled path (`jit_compile=True`: XLA on TensorFlow, `jax.jit` on JAX)
against the uncompiled one (TensorFlow graph, JAX eager) from the same weights and seeds. On a GPU the TensorFlow
XLA path is the one taken; this exercises it on the CPU."""

import warnings

import keras
import numpy as np

from keras_gans.models.r3gan import R3GAN
from keras_gans.models.r3gan import R3GANDiscriminator
from keras_gans.models.r3gan import R3GANGenerator
from keras_gans.models.r3gan.r3gan_presets import architecture
from keras_gans.models.r3gan.r3gan_presets import preset_recipe

BACKEND = keras.backend.backend()
# Two Adam steps of lr ~2e-4 on float32 networks: XLA fuses and reorders reductions, so parameters may differ by
# float32 round-off of the gradients amplified through Adam's g / (|g| + eps) on near-zero gradients (at most
# ~2 lr per step; see test_r3gan_training_parity.py). The typical difference must stay at round-off level.
MAX_ABS = 4 * 2e-4 * 2
MEDIAN_ABS = 1e-6


class _FixedLatentsR3GAN(R3GAN):
    """The step's latents fixed (TensorFlow's stateless random ops may pick another algorithm under XLA)."""

    def sample_latents(self, batch_size, phase, seed):
        rng = np.random.default_rng(0 if phase == "discriminator" else 1)
        return keras.ops.convert_to_tensor(rng.standard_normal((batch_size, self.latent_dim)).astype("float32"))


def _model():
    """A two-stage 8x8 R3GAN (grouped convolutions, both penalties), small enough to compile fast."""
    networks = architecture([16, 8], [2, 2], latent_dim=8, blocks=1)
    return _FixedLatentsR3GAN(
        R3GANGenerator(**networks["generator"]),
        R3GANDiscriminator(**networks["discriminator"]),
        recipe=preset_recipe("ffhq64"),
        seed=7,
    )


def _trained(weights, compiled):
    model = _model()
    model.set_weights(weights)
    images = np.random.default_rng(0).integers(0, 256, (8,) + model.image_shape, dtype="uint8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if compiled:
            model.compile(jit_compile=True)
        elif BACKEND == "jax":
            model.compile(jit_compile=False, run_eagerly=True)
        else:
            model.compile(jit_compile=False)
        model.fit(images, batch_size=4, epochs=1, shuffle=False, verbose=0)
    return model, caught


def test_jit_compiled_steps_match_the_uncompiled_steps():
    weights = _model().get_weights()
    compiled, caught = _trained(weights, compiled=True)
    plain, _ = _trained(weights, compiled=False)
    if BACKEND == "torch":
        # PyTorch has no compiled path for this step: jit_compile=True is refused loudly and the step is eager.
        assert any("jit_compile=True is ignored" in str(w.message) for w in caught)
    # 8 images at fit batch size 4: two steps, each counting its half-batch of 2 real images per phase.
    assert int(keras.ops.convert_to_numpy(compiled.images_seen)) == 4
    moved = 0.0
    for a, b, start in zip(compiled.get_weights(), plain.get_weights(), weights):
        diff = np.abs(np.asarray(a, "float64") - np.asarray(b, "float64"))
        assert diff.max() <= MAX_ABS, diff.max()
        if diff.size > 1:
            assert np.median(diff) <= MEDIAN_ABS, np.median(diff)
        moved = max(moved, float(np.abs(np.asarray(a, "float64") - start).max()))
    assert moved > 1e-4, "the steps must have changed the weights"
