"""Parity with the official R3GAN code: the fixture networks' outputs and gradients (computed by the official
PyTorch implementation) reproduced on the current backend."""

import json

import keras
import numpy as np
import pytest
from keras import ops

from keras_gans.backend import value_and_grad
from keras_gans.backend import value_and_input_gradient
from keras_gans.models.r3gan import export_official_weights
from keras_gans.models.r3gan import r3gan_from_official

CONFIGS = ("uncond", "cond")


def _fixture(fixtures_dir, config):
    folder = fixtures_dir / "r3gan_official"
    with np.load(folder / f"{config}_io.npz") as io:
        io = dict(io)
    states = [dict(np.load(folder / f"{config}_{net}_state.npz")) for net in ("G", "D")]
    grads = dict(np.load(folder / f"{config}_grads.npz"))
    meta = json.loads((folder / "config.json").read_text())["configs"][config]
    return io, states[0], states[1], grads, meta


def _nhwc(x):
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1))


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(ops.cast(x, "float32")), dtype=np.float64)


def _labels(io, generator):
    return io["c"] if generator.num_classes else None


@pytest.mark.parametrize("implementation", ["native", "split"])
@pytest.mark.parametrize("config", CONFIGS)
def test_forward_parity_with_the_official_outputs(fixtures_dir, config, implementation):
    io, g_state, d_state, _, _ = _fixture(fixtures_dir, config)
    generator = r3gan_from_official(g_state, conv_implementation=implementation)
    discriminator = r3gan_from_official(d_state, conv_implementation=implementation)
    labels = _labels(io, generator)
    images = _np(generator(io["z"], labels))
    for suffix in ("", "_f64"):
        np.testing.assert_allclose(images, _nhwc(io["G_out" + suffix]), atol=1e-5, rtol=0)
        np.testing.assert_allclose(
            _np(discriminator(_nhwc(io["x_real"]), labels)), io["D_real" + suffix], atol=1e-5, rtol=0
        )
        np.testing.assert_allclose(
            _np(discriminator(_nhwc(io["G_out"]), labels)), io["D_fake" + suffix], atol=1e-5, rtol=0
        )
    # D on our own generator output, as in D(G(z)).
    np.testing.assert_allclose(_np(discriminator(images.astype("float32"), labels)), io["D_fake"], atol=1e-5)


def _bfloat16_matmul_truncates():
    """Whether this backend's bfloat16 matmul truncates its float32 result instead of rounding it to nearest.

    Its mean error against the exact product of the bf16 inputs is compared with that of rounding the exact product
    once (`cast`): about 1x where the kernel rounds, 2x where it truncates (TensorFlow's CPU kernels did on an AMD
    EPYC with AVX2 and no AVX-512).
    """
    rng = np.random.default_rng(0)
    a, b = (ops.cast(rng.standard_normal(shape).astype("float32"), "bfloat16") for shape in ((64, 256), (256, 64)))
    exact = _np(a) @ _np(b)
    kernel_error = np.abs(_np(ops.matmul(a, b)) - exact).mean()
    rounding_error = np.abs(_np(ops.cast(ops.cast(exact.astype("float32"), "bfloat16"), "float32")) - exact).mean()
    return kernel_error > 1.5 * rounding_error


@pytest.mark.parametrize("config", CONFIGS)
def test_bfloat16_stage_layout_stays_close_to_the_official_mixed_outputs(fixtures_dir, config):
    """The official layout (FP16Stages, which is bfloat16) via per-stage `mixed_bfloat16` policies; bf16 noise
    allows only the fixture's sanity tolerance (atol 0.05), doubled where the backend's bf16 matmul truncates
    (twice the rounding error of every product; measured on such a CPU: max 0.078 against the official mixed
    outputs, where rounding kernels stay under 0.034)."""
    io, g_state, d_state, _, meta = _fixture(fixtures_dir, config)
    stages = meta["G_kwargs"]["FP16Stages"]  # generator-order indices, used by both networks
    generator = r3gan_from_official(g_state, bfloat16_stages=stages)
    discriminator = r3gan_from_official(d_state, bfloat16_stages=stages)
    labels = _labels(io, generator)
    images = generator(io["z"], labels)
    assert keras.backend.standardize_dtype(images.dtype) == "bfloat16"  # as the official bf16 last stage
    real = discriminator(_nhwc(io["x_real"]), labels)
    fake = discriminator(images, labels)
    assert keras.backend.standardize_dtype(real.dtype) == "float32"
    atol = 0.1 if _bfloat16_matmul_truncates() else 0.05
    np.testing.assert_allclose(_np(images), _nhwc(io["G_out_mixed"]), atol=atol)
    np.testing.assert_allclose(_np(real), io["D_real_mixed"], atol=atol)
    np.testing.assert_allclose(_np(fake), io["D_fake_mixed"], atol=atol)
    # The bf16 layout really differs from float32 (the policy is applied), by about the official amount.
    assert 1e-3 < np.abs(_np(images) - _nhwc(io["G_out"])).max() < atol


def _official_layout(model, grads):
    """Parameter gradients (Keras layout, in `model.trainable_variables` order) -> official names and layout."""
    clone = model.__class__.from_config(model.get_config())
    clone.build()
    for variable, grad in zip(clone.trainable_variables, grads):
        variable.assign(grad)
    return {k: v for k, v in export_official_weights(clone).items() if not k.endswith("Resampler.Kernel")}


def _compiled(fn):
    """`jax.jit` on JAX (one compilation instead of op-by-op dispatch: speed only); unchanged elsewhere."""
    if keras.backend.backend() == "jax":
        import jax

        return jax.jit(fn)
    return fn


def _rel_l2(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30)


@pytest.mark.parametrize("config", CONFIGS)
def test_gradients_parity_with_r1_r2_double_backprop(fixtures_dir, config):
    """D: d/dtheta of mean(softplus(D(fake) - D(real))) + gamma/2 * mean(R1 + R2) (double backprop through
    every layer, including the grouped convs and resamplers); G: d/dtheta of mean(softplus(D(real) - D(G(z)))).
    Compared with the official float32 gradients (relative L2 <= 1e-4) and R1/R2 values (rtol 1e-4)."""
    io, g_state, d_state, official, _ = _fixture(fixtures_dir, config)
    generator, discriminator = r3gan_from_official(g_state), r3gan_from_official(d_state)
    labels = _labels(io, generator)
    gamma = float(io["gamma"])
    d_fixed = [v.value for v in discriminator.non_trainable_variables]
    g_fixed = [v.value for v in generator.non_trainable_variables]

    def d_loss(params, real, fake):
        def logits(x):
            return discriminator.stateless_call(params, d_fixed, x, labels)[0]

        real_logits, real_grad = value_and_input_gradient(logits, real)
        fake_logits, fake_grad = value_and_input_gradient(logits, fake)
        r1 = ops.sum(real_grad**2, axis=(1, 2, 3))
        r2 = ops.sum(fake_grad**2, axis=(1, 2, 3))
        adversarial = ops.softplus(-(real_logits - fake_logits))
        return ops.mean(adversarial) + gamma / 2 * ops.mean(r1 + r2), (r1, r2)

    (loss, (r1, r2)), d_grads = _compiled(value_and_grad(d_loss, has_aux=True))(
        [v.value for v in discriminator.trainable_variables],
        ops.convert_to_tensor(_nhwc(io["x_real"])),
        ops.convert_to_tensor(_nhwc(io["G_out"])),
    )
    np.testing.assert_allclose(_np(r1), io["R1"], rtol=1e-4)
    np.testing.assert_allclose(_np(r2), io["R2"], rtol=1e-4)
    np.testing.assert_allclose(_np(loss), io["D_total_loss"], rtol=1e-5)

    def g_loss(params):
        fake = generator.stateless_call(params, g_fixed, ops.convert_to_tensor(io["z"]), labels)[0]
        relativistic = discriminator(fake, labels) - discriminator(_nhwc(io["x_real"]), labels)
        return ops.mean(ops.softplus(-relativistic))

    loss, g_grads = _compiled(value_and_grad(g_loss))([v.value for v in generator.trainable_variables])
    np.testing.assert_allclose(_np(loss), io["G_loss_mean"], rtol=1e-5)

    for prefix, model, grads in (("D.", discriminator, d_grads), ("G.", generator, g_grads)):
        ours = _official_layout(model, [_np(g) for g in grads])
        assert len(ours) == sum(k.startswith(prefix) for k in official)
        for name, value in ours.items():
            reference = official[prefix + name]
            assert _rel_l2(value, reference) <= 1e-4, (name, _rel_l2(value, reference))
