"""One full official R3GAN training iteration (D step, G step against the updated D, EMA) reproduced by
`R3GAN.fit` and compared with the parameters, EMA and Adam states the official PyTorch code produced
(`*_step.npz` of the official fixture)."""

import json

import keras
import numpy as np
import pytest

from keras_gans.models.r3gan import R3GAN
from keras_gans.models.r3gan import export_official_weights
from keras_gans.models.r3gan import load_official_weights

PRESETS = {"uncond": "fixture_unconditional", "cond": "fixture_conditional"}
ELEMENT_ATOL = 1e-6
# Adam's first step is lr * g / (|g| + eps): for gradients of order <= 1e-6 float32 round-off may flip its sign,
# so a few elements may move by up to 2 * lr (the fixture README measured 2 of 36,692 in `uncond` G).
MAX_FRACTION_AMPLIFIED = 2e-4


class _FixedLatentsR3GAN(R3GAN):
    """R3GAN whose step uses the fixture's latents instead of random ones (the `sample_latents` hook)."""

    def __init__(self, *args, fixed_latents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._fixed_latents = fixed_latents

    def sample_latents(self, batch_size, phase, seed):
        return keras.ops.convert_to_tensor(self._fixed_latents[phase])


def _nhwc(x):
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1))


def _load(fixtures_dir, config):
    folder = fixtures_dir / "r3gan_official"
    io = dict(np.load(folder / f"{config}_io.npz"))
    g_state = dict(np.load(folder / f"{config}_G_state.npz"))
    d_state = dict(np.load(folder / f"{config}_D_state.npz"))
    step = dict(np.load(folder / f"{config}_step.npz"))
    meta = json.loads((folder / "config.json").read_text())["configs"][config]
    return io, g_state, d_state, step, meta


def _moments_as_official(optimizer, network, which):
    """The Adam moment (`"momentum"` or `"velocity"`) of every weight of `network`, as an official state dict."""
    shadow = type(network).from_config(network.get_config())
    shadow.build()
    slots = optimizer._momentums if which == "momentum" else optimizer._velocities
    for target, variable in zip(shadow.trainable_variables, network.trainable_variables):
        target.assign(slots[optimizer._get_variable_index(variable)])
    return export_official_weights(shadow)


def _compare(actual, expected, prefix, lr, report):
    """Elementwise comparison; returns the number of elements beyond ELEMENT_ATOL (each must be <= 2 lr)."""
    total, amplified, worst, largest = 0, 0, 0.0, 0.0
    for name, value in actual.items():
        key = prefix + name
        if name.endswith("Resampler.Kernel"):
            continue
        ref = expected[key].astype(np.float64)
        diff = np.abs(value.astype(np.float64) - ref)
        total += diff.size
        over = diff > ELEMENT_ATOL
        amplified += int(over.sum())
        worst = max(worst, float(diff[~over].max()) if (~over).any() else 0.0)
        largest = max(largest, float(diff.max()))
        assert diff.max() <= 2 * lr * 1.001, f"{key}: max diff {diff.max():.3g} > 2 lr"
    report[prefix] = (total, amplified, worst, largest)
    assert amplified < MAX_FRACTION_AMPLIFIED * total, f"{prefix}: {amplified} of {total} elements beyond 1e-6"


@pytest.mark.parametrize("config", sorted(PRESETS))
def test_one_training_iteration_matches_the_official_step(fixtures_dir, config):
    io, g_state, d_state, step, meta = _load(fixtures_dir, config)
    settings = meta["step"]
    latents = {"discriminator": io["z"].astype("float32"), "generator": io["z_g"].astype("float32")}
    reference = R3GAN.from_preset(PRESETS[config], load_weights=False, augment=False, bfloat16_stages=())
    model = _FixedLatentsR3GAN.from_config({**reference.get_config(), "fixed_latents": latents})
    assert model.augment_pipeline is None
    for network, state in ((model.generator, g_state), (model.ema_generator, g_state), (model.discriminator, d_state)):
        load_official_weights(network, state)
    model.images_seen.assign(settings["cur_nimg_before"])
    model.compile()  # the preset's recipe: the schedules evaluated at cur_nimg give the fixture's lr, beta2, gamma

    images = np.concatenate([_nhwc(io["x_real"]), _nhwc(io["x_real_g"])]).astype("float32")
    labels = np.concatenate([io["c"], io["c"]]).astype("float32") if model.num_classes else None
    model.fit(images, labels, batch_size=len(images), epochs=1, shuffle=False, verbose=0)

    hp = {k: float(keras.ops.convert_to_numpy(v)) for k, v in model.hyperparameters.items()}
    np.testing.assert_allclose(hp["r1_gamma"], settings["gamma"], rtol=1e-6)
    np.testing.assert_allclose(hp["r2_gamma"], settings["gamma"], rtol=1e-6)
    np.testing.assert_allclose(hp["ema_half_life_images"], settings["ema_nimg"], rtol=1e-6)
    np.testing.assert_allclose(hp["ema_beta"], settings["ema_beta"], rtol=1e-7, atol=1e-7)
    assert int(keras.ops.convert_to_numpy(model.images_seen)) == settings["cur_nimg_before"] + 4
    for opt in model.optimizer.optimizers:
        np.testing.assert_allclose(float(keras.ops.convert_to_numpy(opt.learning_rate)), settings["lr"], rtol=1e-6)
        np.testing.assert_allclose(float(keras.ops.convert_to_numpy(opt.beta_2)), settings["beta2"], rtol=1e-6)

    lr, report = settings["lr"], {}
    _compare(export_official_weights(model.generator), step, "G.", lr, report)
    _compare(export_official_weights(model.discriminator), step, "D.", lr, report)
    ema = export_official_weights(model.ema_generator)
    if config == "cond":
        _compare(ema, step, "G_ema.", lr, report)
        optimizers = model.optimizer
        for prefix, opt, network in (
            ("G_opt.", optimizers.generator_optimizer, model.generator),
            ("D_opt.", optimizers.discriminator_optimizer, model.discriminator),
        ):
            for which, suffix in (("momentum", ".exp_avg"), ("velocity", ".exp_avg_sq")):
                moments = _moments_as_official(opt, network, which)
                for name, value in moments.items():
                    if name.endswith("Resampler.Kernel"):
                        continue
                    ref = step[prefix + name + suffix]
                    # Elementwise like the weights, and relative L2 (the moments are g and (1 - beta2) g^2).
                    np.testing.assert_allclose(value, ref, atol=ELEMENT_ATOL, rtol=0, err_msg=prefix + name + suffix)
                    error = np.linalg.norm(value - ref) / max(np.linalg.norm(ref), 1e-30)
                    assert error <= 1e-5, f"{prefix}{name}{suffix}: relative L2 error {error:.3g}"
    else:
        # EMA beta is 0 at cur_nimg 0: the EMA generator equals the trained generator.
        generator = export_official_weights(model.generator)
        for name, value in ema.items():
            np.testing.assert_array_equal(value, generator[name])
    print(f"{config} {keras.backend.backend()}: (elements, beyond 1e-6, max diff of the rest, max diff) {report}")
