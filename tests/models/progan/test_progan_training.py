"""`ProGAN`: recipe defaults, growth inside one `fit`, Adam reset at a phase boundary, resume mid-fade.

Tiny 8x8 networks (widths 4), a schedule of a few dozen images per phase, batch 8. The WGAN-GP penalty itself is
checked against finite differences in tests/cross_backend/test_penalties_finite_differences.py; the lod formula and
the reals' fade-in in test_progan_schedule.py.
"""

import keras
import numpy as np
import pytest
from keras import ops

import keras_gans
from keras_gans.callbacks import restore_checkpoint
from keras_gans.callbacks import save_checkpoint
from keras_gans.models.progan import ProGAN
from keras_gans.models.progan import ProGANLearningRate
from keras_gans.models.progan import ProGANSchedule
from keras_gans.models.progan import ProgressiveGrowing
from keras_gans.training.inputs import unpack_batch
from keras_gans.training.state import VariableState

BATCH = 8
# Stabilise 4x4 for 8 images (steps at 0 and 8 images: lod 1), then fade in 8x8 over 32 images (from step 2).
SCHEDULE = {"lod_training_kimg": 0.008, "lod_transition_kimg": 0.032}


def _np(x):
    return np.asarray(ops.convert_to_numpy(x)).astype("float64")


def _progan(seed=7):
    keras.utils.set_random_seed(seed)
    g = keras_gans.ProGANGenerator(resolution=8, channels=[4, 4])
    d = keras_gans.ProGANDiscriminator(resolution=8, channels=[4, 4])
    gan = ProGAN(g, d, schedule=ProGANSchedule(8, **SCHEDULE), seed=3)
    gan.compile()
    return gan


def _images(n):
    return np.random.default_rng(0).integers(0, 256, (n, 8, 8, 3)).astype("uint8")


def _named(network):
    return {v.path: _np(v.value) for v in network.weights}


def _adam_state(gan):
    out = []
    for opt in gan.optimizer.optimizers:
        out.append((int(_np(opt.iterations.value)), [_np(v.value) for v in opt._momentums + opt._velocities]))
    return out


def _state(gan):
    """Every weight and optimizer variable, keyed by role, position and the path below the network's own name."""
    out = {}
    for role, variables in (
        ("g", gan.generator.weights),
        ("d", gan.discriminator.weights),
        ("ema", gan.ema_generator.weights),
        ("opt", gan.optimizer.variables),
    ):
        for i, v in enumerate(variables):
            out[f"{role}/{i}/{v.path.split('/')[-1].rsplit('_', 1)[-1]}"] = _np(v.value)
    out["images_seen"] = _np(gan.images_seen.value)
    return out


class Snapshot(keras.callbacks.Callback):
    """Records weights and Adam state when every step begins and at the end of training (placed before or after
    `ProgressiveGrowing`, which applies a phase boundary when the step after the crossing begins)."""

    def __init__(self):
        super().__init__()
        self.records = []

    def on_train_batch_begin(self, batch, logs=None):
        self.on_train_end()

    def on_train_end(self, logs=None):
        model = self.model  # syncs the JAX state
        self.records.append(
            {
                "g": _named(model.generator),
                "d": _named(model.discriminator),
                "adam": _adam_state(model),
                "active": model.discriminator.active_resolution,
                "lod": float(_np(model.generator.lod.value)),
            }
        )


def test_recipe_defaults_and_presets():
    gan = _progan()
    cfg = gan.train_config
    assert (cfg.gp_weight, cfg.gp_target, cfg.drift_weight, cfg.ema_mode) == (10.0, 1.0, 0.001, "beta")
    assert isinstance(cfg.loss, keras_gans.losses.get("wgan").__class__)
    for opt in gan.optimizer.optimizers:
        assert (opt.beta_1, float(_np(opt.beta_2.value)), opt.epsilon) == (0.0, pytest.approx(0.99), 1e-8)
    assert isinstance(cfg.schedules["learning_rate"], ProGANLearningRate)
    assert float(_np(cfg.schedules["ema_beta"](0))) == pytest.approx(0.999)
    assert (gan.uint8_offset, gan.uint8_rounding) == (127.5, "round")
    # Built at the schedule's first phase: lod 1, only the 4x4 blocks active.
    assert gan.generator.active_resolution == gan.discriminator.active_resolution == 4
    assert float(_np(gan.generator.lod.value)) == 1.0

    tiny = {"fmap_base": 2048, "fmap_max": 4}
    cifar = ProGAN.from_preset("cifar10_32", **tiny)
    cifar.compile()
    assert cifar.train_config.gp_target == 750.0
    assert cifar.growth_schedule.lod_training_kimg == 400 and cifar.generator.resolution == 32
    hq = ProGAN.from_preset("celebahq_1024", **tiny)
    assert hq.growth_schedule.lr_dict == {1024: 0.0015} and hq.growth_schedule.lod_transition_kimg == 600
    assert ProGAN.from_preset("celebahq_1024_v1", **tiny).growth_schedule.minibatch_dict[1024] == 3
    assert ProGAN.from_preset("lsun_256", **tiny).generator.resolution == 256
    assert ProGAN.from_preset("celeba_128", **tiny).generator.resolution == 128
    with pytest.raises(ValueError, match="without published weights"):
        ProGAN.from_preset("celeba_128", load_weights=True)
    lsgan = ProGAN(cifar.generator, cifar.discriminator, schedule="cifar10_32", recipe={"loss": "lsgan"})
    assert (lsgan.recipe["gp_weight"], lsgan.recipe["drift_weight"]) == (0.0, 0.0)  # Theano LSGAN: no GP, no drift
    assert cifar.recipe["joint_step"] and not hq.recipe["joint_step"]
    config = cifar.get_config()
    clone = ProGAN.from_config(config)
    assert clone.growth_schedule.get_config() == cifar.growth_schedule.get_config()
    assert clone.recipe["gp_target"] == 750.0


def test_growth_inside_fit_keeps_weights_resets_adam_and_resumes_mid_fade(tmp_path):
    """One `fit` crosses the 4x4 -> fade-in-8x8 boundary; then a checkpoint taken mid-fade resumes exactly.

    The reference run continues the same model with a second `fit` call (same data order, no restore, its train
    function reused); the resumed run is a freshly built model that restores the checkpoint and runs the same
    batches.
    """
    gan = _progan()
    initial = {"g": _named(gan.generator), "d": _named(gan.discriminator)}
    before, growth, after = Snapshot(), ProgressiveGrowing(), Snapshot()
    images = _images(5 * BATCH)
    gan.fit(images[: 3 * BATCH], batch_size=BATCH, shuffle=False, verbose=0, callbacks=[before, growth, after])

    # The boundary is reached after step 1 (16 images: the next step has lod 0.75 < 1). Records: at the start of
    # steps 0, 1, 2 and at the end; `lod` is written inside each step, so a record shows the previous step's.
    assert growth.transitions == [(16, 0, 1, 8)]
    assert [r["active"] for r in after.records] == [4, 4, 8, 8]
    assert [r["lod"] for r in after.records] == [1.0, 1.0, 1.0, 0.75]
    b, a = before.records[2], after.records[2]
    for net in ("g", "d"):
        for path, value in a[net].items():
            np.testing.assert_array_equal(value, b[net][path], err_msg=path)  # growing changes no weight
            if "8x8" in path:
                np.testing.assert_array_equal(value, initial[net][path], err_msg=path)  # new blocks: their init
        changed = [
            p
            for p, v in a[net].items()
            if "4x4" in p and p.endswith("kernel") and not np.array_equal(v, initial[net][p])
        ]
        assert changed, f"{net}: the 4x4 blocks did not train"
    for (it_b, moments_b), (it_a, moments_a) in zip(b["adam"], a["adam"]):
        assert it_b == 2 and any(np.any(m != 0) for m in moments_b)
        assert it_a == 0 and all(np.all(m == 0) for m in moments_a)  # reset at the phase boundary
    # The blocks trained after the boundary move: the 8x8 weights leave their init in the fade-in step.
    assert any(not np.array_equal(v, initial["g"][p]) for p, v in after.records[3]["g"].items() if "8x8" in p)

    # ---- resume mid-fade (lod 0.5) == continuing
    path = save_checkpoint(gan, str(tmp_path / "ckpt"))
    gan.fit(images[3 * BATCH :], batch_size=BATCH, shuffle=False, verbose=0)
    resumed = _progan(seed=99)  # different init: everything must come from the checkpoint
    restore_checkpoint(resumed, path)
    resumed.fit(images[3 * BATCH :], batch_size=BATCH, shuffle=False, verbose=0)
    assert float(_np(resumed.generator.lod.value)) == float(_np(gan.generator.lod.value)) == 0.25
    assert resumed.discriminator.active_resolution == resumed.ema_generator.active_resolution == 8
    expected, got = _state(gan), _state(resumed)
    assert sorted(expected) == sorted(got)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], atol=1e-6, rtol=0, err_msg=key)


def test_reals_are_faded_inside_the_step_and_conditional_training_uses_the_acgan_loss():
    gan = _progan()
    images = _images(BATCH)
    gan.discriminator.active_resolution = 8
    gan.discriminator.lod.assign(0.25)  # what `before_step` writes from images_seen before the reals are faded
    reals, _ = unpack_batch(images, gan.discriminator.image_shape, gan.num_classes)
    prepared = gan.transform_reals(reals, VariableState())
    expected = keras_gans.models.progan.fade_reals(ops.convert_to_tensor(images / 127.5 - 1.0, "float32"), 0.25, 8)
    np.testing.assert_allclose(_np(prepared), _np(expected), atol=1e-6)

    keras.utils.set_random_seed(5)
    g = keras_gans.ProGANGenerator(resolution=4, channels=[4], num_classes=3)
    d = keras_gans.ProGANDiscriminator(resolution=4, channels=[4], num_classes=3)
    cond = ProGAN(g, d, schedule=ProGANSchedule(4, lod_training_kimg=0.008, lod_transition_kimg=0.008))
    cond.compile()
    labels = np.arange(BATCH) % 3
    history = cond.fit(_images(BATCH)[:, :4, :4], labels, batch_size=BATCH, verbose=0)
    for key in ("d_classification", "g_classification", "gp", "drift"):
        assert np.isfinite(history.history[key][-1]) and history.history[key][-1] > 0, key


def test_pytorch_gan_zoo_minibatch_stddev_trains_with_fit():
    """pytorch_GAN_zoo's minibatch stddev (converted `pgz_*` presets) inside `fit` with a partial last batch, for
    which TensorFlow traces the step with a `None` batch; the layer's values with a batch known only at run time are
    checked in tests/layers/test_minibatch_stddev.py."""
    keras.utils.set_random_seed(5)
    g = keras_gans.ProGANGenerator(resolution=4, channels=[4], wscale_convention="pytorch_gan_zoo")
    d = keras_gans.ProGANDiscriminator(
        resolution=4,
        channels=[4],
        mbstd_group_size=4,
        mbstd_mode="pytorch_gan_zoo",
        wscale_convention="pytorch_gan_zoo",
    )
    gan = ProGAN(g, d, schedule=ProGANSchedule(4, lod_training_kimg=0.008, lod_transition_kimg=0.008))
    gan.compile()
    history = gan.fit(_images(2 * BATCH + 4)[:, :4, :4], batch_size=BATCH, verbose=0)  # a last batch of 4
    assert int(_np(gan.images_seen.value)) == 2 * BATCH + 4
    for key in ("d_loss", "g_loss", "gp"):
        assert np.isfinite(history.history[key][-1]), key


def _one_step(joint, drift_weight):
    keras.utils.set_random_seed(11)
    g = keras_gans.ProGANGenerator(resolution=4, channels=[4])
    d = keras_gans.ProGANDiscriminator(resolution=4, channels=[4])
    gan = ProGAN(g, d, schedule=ProGANSchedule(4), recipe={"joint_step": joint}, seed=5)
    # SGD: the first Adam step (beta1 = 0) moves every weight by +-lr whatever the gradient's size.
    gan.compile(
        drift_weight=drift_weight,
        generator_optimizer=keras.optimizers.SGD(0.001),
        discriminator_optimizer=keras.optimizers.SGD(0.001),
    )
    gan.fit(_images(BATCH)[:, :4, :4], batch_size=BATCH, verbose=0)
    return [_np(v.value) for v in gan.generator.trainable_weights], [_np(v.value) for v in gan.discriminator.weights]


def test_joint_step_updates_the_generator_against_the_discriminator_before_its_update():
    """Theano CIFAR-10 (`joint_step`): G's update depends on D's weights before D's update only, so changing how D
    is updated (a much larger drift term) leaves G's update unchanged; in the sequential step it does not."""
    joint, joint_other_d = _one_step(True, 0.001), _one_step(True, 10.0)
    sequential, sequential_other_d = _one_step(False, 0.001), _one_step(False, 10.0)
    for (g_a, d_a), (g_b, d_b) in ((joint, joint_other_d), (sequential, sequential_other_d)):
        assert any(not np.allclose(a, b) for a, b in zip(d_a, d_b))  # D's updates differ
    for a, b in zip(joint[0], joint_other_d[0]):
        np.testing.assert_allclose(a, b, atol=1e-7)
    assert any(not np.allclose(a, b) for a, b in zip(sequential[0], sequential_other_d[0]))
