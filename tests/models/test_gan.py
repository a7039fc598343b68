"""keras_gans.GAN: EMA, schedules, the two real halves, data inputs, guards, divergence, resume, mixed precision.

Tiny networks from tests/gan_testing.py (plain Conv2D/Dense, no grouped convolution). Reference values are closed
forms written in NumPy here; the full step is checked against an independent PyTorch implementation in
tests/cross_backend/test_train_step_agreement.py.
"""

import json
import os
import warnings

import keras
import numpy as np
import pytest
from gan_testing import RandomFlip
from gan_testing import TinyDiscriminator
from gan_testing import TinyGenerator
from gan_testing import tiny_networks
from gan_testing import uint8_images
from keras import ops

import keras_gans
from keras_gans import schedules
from keras_gans.callbacks import GANCheckpoint
from keras_gans.callbacks import TerminateOnNonFinite
from keras_gans.callbacks import latest_checkpoint
from keras_gans.callbacks import list_checkpoints
from keras_gans.callbacks import restore_checkpoint
from keras_gans.training import inputs as gan_inputs
from keras_gans.training.discriminator_call import DiscriminatorCall

BACKEND = keras.backend.backend()


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def _weights(network):
    return [_np(v.value).astype("float64") for v in network.weights]


def _state(gan):
    """Every variable that training changes (networks, optimizers, counters, RNG states)."""
    out = {f"model/{i}": _np(v.value) for i, v in enumerate(gan.variables)}
    out.update({f"opt/{i}": _np(v.value) for i, v in enumerate(gan.optimizer.variables)})
    return out


# ---------------------------------------------------------------------------------------------------- EMA, schedules
def test_ema_schedules_and_counters_follow_their_closed_forms():
    """Four steps; after each, EMA == G + beta (EMA_prev - G) with beta = 0.5 ** (B / half-life(images seen))."""
    g = TinyGenerator(with_buffer=True)
    d = TinyDiscriminator()
    gan = keras_gans.GAN(g, d, augment_pipeline=RandomFlip(seed=4), seed=1)
    half_life = schedules.CosineDecay(0.0, 32.0, 64.0)
    lr = schedules.CosineDecay(1e-3, 1e-4, 64.0)
    beta_2 = schedules.CosineDecay(0.9, 0.99, 64.0)
    gamma = schedules.CosineDecay(1.0, 0.5, 64.0)
    aug_p = schedules.CosineDecay(0.0, 0.8, 64.0)
    gan.compile(
        loss="nonsaturating",
        r1_gamma=gamma,
        ema_half_life_images=half_life,
        learning_rate=lr,
        beta_2=beta_2,
        augment_probability=aug_p,
    )
    gan.generator.gain.assign(2.0)  # a buffer: copied into the EMA generator, never averaged
    batch = 4
    data = uint8_images(4 * batch, seed=3)
    ema = _weights(gan.ema_generator)
    for step in range(4):
        seen_before = step * batch
        logs = gan.train_on_batch(data[step * batch : (step + 1) * batch], return_dict=True)
        assert int(logs["images_seen"]) == seen_before + batch
        hl = float(_np(half_life(seen_before)))
        beta = 0.5 ** (batch / max(hl, 1e-8))
        for i, (gv, g_now) in enumerate(zip(gan.generator.weights, _weights(gan.generator))):
            ema[i] = g_now + beta * (ema[i] - g_now) if gv.trainable else g_now
        for i, e in enumerate(_weights(gan.ema_generator)):
            np.testing.assert_allclose(e, ema[i], rtol=1e-5, atol=1e-7, err_msg=f"step {step} weight {i}")
        hp = {k: float(_np(v.value)) for k, v in gan.hyperparameters.items()}
        np.testing.assert_allclose(hp["ema_beta"], beta, rtol=1e-5, atol=1e-30)
        np.testing.assert_allclose(hp["ema_half_life_images"], hl, rtol=1e-6)
        np.testing.assert_allclose(hp["r1_gamma"], float(_np(gamma(seen_before))), rtol=1e-6)
        np.testing.assert_allclose(hp["augment_probability"], float(_np(aug_p(seen_before))), rtol=1e-6, atol=1e-7)
        for opt in gan.optimizer.optimizers:
            np.testing.assert_allclose(float(_np(opt.learning_rate)), float(_np(lr(seen_before))), rtol=1e-6)
            np.testing.assert_allclose(float(_np(opt.beta_2.value)), float(_np(beta_2(seen_before))), rtol=1e-6)
    assert float(_np(gan.ema_generator.gain.value)) == 2.0
    assert int(_np(gan.images_seen.value)) == 16 and int(_np(gan.optimizer.iterations.value)) == 4
    for opt in gan.optimizer.optimizers:
        assert int(_np(opt.iterations.value)) == 4


def test_zero_half_life_makes_the_ema_equal_the_generator_and_optimizers_reset():
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d)
    gan.compile(loss="hinge", ema_half_life_images=0.0)
    gan.train_on_batch(uint8_images(4), return_dict=True)
    for e, gw in zip(_weights(gan.ema_generator), _weights(gan.generator)):
        np.testing.assert_array_equal(e, gw)
    # ProGAN resets Adam at every phase.
    gan.reset_optimizer_states()
    for opt in gan.optimizer.optimizers:
        assert int(_np(opt.iterations.value)) == 0
        assert not any(np.any(_np(v.value)) for v in opt._momentums + opt._velocities)
    gan.train_on_batch(uint8_images(4, seed=1))
    assert all(int(_np(opt.iterations.value)) == 1 for opt in gan.optimizer.optimizers)


# ---------------------------------------------------------------------------------------------------- data and halves
def test_fit_accepts_arrays_tf_data_torch_dataloader_generators_and_pydataset():
    """Conditional model with int labels, RpGAN + R1: each fit batch of 8 is split into two halves of 4."""
    import tensorflow as tf
    import torch

    g, d = tiny_networks(num_classes=3)
    gan = keras_gans.GAN(g, d, seed=0)
    gan.compile(loss="rpgan", r1_gamma=0.5, r2_gamma=0.5)
    x = uint8_images(16, seed=1)
    y = np.random.default_rng(2).integers(0, 3, size=16).astype("int64")

    def images_seen():
        return int(_np(gan.images_seen.value))

    history = gan.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    assert images_seen() == 8  # two steps, 4 D images each
    assert set(history.history) >= {"d_loss", "g_loss", "r1", "r2", "images_seen"}

    gan.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(8, drop_remainder=True), verbose=0, shuffle=False)
    assert images_seen() == 16

    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=8, shuffle=True
    )
    gan.fit(loader, verbose=0, shuffle=False)
    assert images_seen() == 24

    def generator():
        for i in range(0, 16, 8):
            yield x[i : i + 8], y[i : i + 8]

    gan.fit(generator(), steps_per_epoch=2, verbose=0, shuffle=False)
    assert images_seen() == 32

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return x[i * 8 : (i + 1) * 8], y[i * 8 : (i + 1) * 8]

    gan.fit(Batches(), verbose=0, shuffle=False)
    assert images_seen() == 40
    for v in gan.weights:
        assert np.all(np.isfinite(_np(v.value)))


def test_dataloader_peek_does_not_change_the_shuffled_order():
    import torch

    from keras_gans.backend.data import peek_first_batch

    data = torch.utils.data.TensorDataset(torch.arange(64))
    torch.manual_seed(5)
    reference = [b[0].tolist() for b in torch.utils.data.DataLoader(data, batch_size=8, shuffle=True)]
    torch.manual_seed(5)
    loader = torch.utils.data.DataLoader(data, batch_size=8, shuffle=True)
    images, _, same = peek_first_batch(loader)
    assert same is loader and images.shape == (8,)
    assert [b[0].tolist() for b in loader] == reference


def test_labels_are_converted_to_one_hot():
    ids = gan_inputs.labels_to_one_hot(ops.convert_to_tensor(np.array([2, 0], "int32")), 3)
    np.testing.assert_array_equal(_np(ids), [[0, 0, 1], [1, 0, 0]])
    col = gan_inputs.labels_to_one_hot(ops.convert_to_tensor(np.array([[1], [2]], "int64")), 3)
    np.testing.assert_array_equal(_np(col), [[0, 1, 0], [0, 0, 1]])
    onehot = np.eye(3, dtype="float32")[[1, 1]]
    np.testing.assert_array_equal(_np(gan_inputs.labels_to_one_hot(ops.convert_to_tensor(onehot), 3)), onehot)
    assert gan_inputs.labels_to_one_hot(None, 3) is None
    x = np.array([[[[0, 128, 255]]]], "uint8")
    np.testing.assert_allclose(_np(gan_inputs.images_to_float(ops.convert_to_tensor(x))), x / 127.5 - 1.0, atol=1e-7)


# ---------------------------------------------------------------------------------------------------- guards
@pytest.fixture(scope="module")
def guarded():
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d)
    gan.compile(loss="nonsaturating")
    gc, dc = tiny_networks(num_classes=3)
    conditional = keras_gans.GAN(gc, dc)
    conditional.compile(loss="nonsaturating")
    return gan, conditional


@pytest.mark.parametrize(
    "data, message",
    [
        (np.zeros((8, 8, 8, 1), "uint8"), r"shape \(N, 8, 8, 3\)"),
        (np.zeros((8, 3, 8, 8), "uint8"), "channels_first"),
        (np.zeros((8, 8, 8), "uint8"), "rank-4"),
        (np.zeros((8, 8, 8, 3), "int16"), "uint8 in"),
        (np.full((8, 8, 8, 3), 200.0, "float32"), r"must be in \[-1, 1\]"),
        (np.full((8, 8, 8, 3), np.nan, "float32"), "NaN"),
    ],
)
def test_bad_images_raise_before_training(guarded, data, message):
    gan, _ = guarded
    with pytest.raises(ValueError, match=message):
        gan.fit(data, batch_size=4, verbose=0)
    assert int(_np(gan.images_seen.value)) == 0


def test_images_in_zero_one_warn(guarded):
    gan, _ = guarded
    with pytest.warns(UserWarning, match=r"\[0, 1\]"):
        gan_inputs.check_batch_values(np.full((4, 8, 8, 3), 0.5, "float32"), None, gan.image_shape, 0)


def test_bad_labels_raise_before_training(guarded):
    gan, conditional = guarded
    x = uint8_images(8)
    with pytest.raises(ValueError, match="unconditional"):
        gan.fit(x, np.zeros(8, "int32"), batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="conditional with 3 classes"):
        conditional.fit(x, batch_size=4, verbose=0)
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        conditional.fit(x, np.zeros((8, 5), "float32"), batch_size=4, verbose=0)
    with pytest.raises(ValueError, match=r"in \[0, 3\)"):
        conditional.fit(x, np.full(8, 3, "int32"), batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="sum to 1"):
        conditional.fit(x, np.ones((8, 3), "float32"), batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="integers"):
        conditional.fit(x, np.zeros(8, "float32"), batch_size=4, verbose=0)


def test_bad_shapes_raise_when_the_step_is_traced(guarded):
    gan, _ = guarded
    with pytest.raises(ValueError, match=r"shape \(N, 8, 8, 3\)"):
        gan.train_on_batch(np.zeros((4, 16, 16, 3), "uint8"))


def test_network_contract_is_checked():
    g, d = tiny_networks()
    with pytest.raises(ValueError, match="image_shape"):
        keras_gans.GAN(g, TinyDiscriminator(image_shape=(16, 16, 3)))
    with pytest.raises(ValueError, match="num_classes"):
        keras_gans.GAN(g, TinyDiscriminator(num_classes=2))
    with pytest.raises(ValueError, match="latent_dim"):
        keras_gans.GAN(keras.layers.Dense(3), d)


# ---------------------------------------------------------------------------------------------------- divergence
def _checkpointed_gan_then_nan(directory, num_images):
    """A tiny GAN fit on `num_images` images with a checkpoint every 4 images, then its D kernel set to NaN."""
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d)
    gan.compile(loss="nonsaturating")
    checkpoint = GANCheckpoint(directory, every_n_images=4, keep=5)
    gan.fit(uint8_images(num_images), batch_size=4, verbose=0, callbacks=[checkpoint], shuffle=False)
    kernel = gan.discriminator.weights[0]
    kernel.assign(np.full(tuple(kernel.shape), np.nan, "float32"))
    return gan, checkpoint


def test_nonfinite_loss_stops_training_and_keeps_the_last_good_checkpoint(tmp_path, capsys):
    gan, checkpoint = _checkpointed_gan_then_nan(tmp_path, num_images=8)
    assert [os.path.basename(p) for p in list_checkpoints(tmp_path)] == ["ckpt-000000000004", "ckpt-000000000008"]
    good = latest_checkpoint(tmp_path)
    with open(os.path.join(good, "model.weights.h5"), "rb") as f:
        good_bytes = f.read()
    with pytest.warns(RuntimeWarning, match="images seen after the step: 12") as reports:
        history = gan.fit(uint8_images(16), batch_size=4, verbose=0, callbacks=[checkpoint], shuffle=False)
    # Reported once, as the warning.
    assert "Training stopped" not in capsys.readouterr().out
    assert len([r for r in reports if "Training stopped" in str(r.message)]) == 1
    assert len(history.history["d_loss"]) == 1 and not np.isfinite(history.history["d_loss"][0])
    assert gan.diverged["images_seen"] == 12 and "d_loss" in gan.diverged["keys"]
    # The guard reads the logs asynchronously (it may see step 1 after step 2 started); GANCheckpoint, due before
    # step 2, finds the NaN loss tracker itself, refuses to save and stops training after that step at the latest.
    assert gan.diverged["step"] == 1
    assert int(_np(gan.images_seen.value)) in (12, 16)
    assert latest_checkpoint(tmp_path) == good
    with open(os.path.join(good, "model.weights.h5"), "rb") as f:
        assert f.read() == good_bytes
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]


def test_the_checkpoint_callback_checks_the_losses_itself(tmp_path):
    """With a guard that watches nothing, GANCheckpoint alone refuses to save non-finite training and stops it."""
    gan, checkpoint = _checkpointed_gan_then_nan(tmp_path, num_images=4)
    blind = TerminateOnNonFinite(keys=["not_logged"])
    gan.fit(uint8_images(16), batch_size=4, verbose=0, callbacks=[blind, checkpoint], shuffle=False)
    # Step 1 (4 -> 8 images) gives NaN losses; the save due when step 2 begins is refused and training stops
    # after step 2 (Keras checks `stop_training` after a step); nothing is saved at the end either.
    assert [os.path.basename(p) for p in list_checkpoints(tmp_path)] == ["ckpt-000000000004"]
    assert int(_np(gan.images_seen.value)) == 12 and gan.diverged is None


# ---------------------------------------------------------------------------------------------------- resume
def _resume_model():
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d, augment_pipeline=RandomFlip(seed=9), seed=11)
    gan.compile(
        loss="rpgan",
        r1_gamma=1.0,
        r2_gamma=1.0,
        augment_probability=0.5,
        ema_half_life_images=schedules.CosineDecay(0.0, 100.0, 100.0),
        learning_rate=schedules.CosineDecay(1e-3, 1e-4, 100.0),
    )
    return gan


def test_resume_from_a_checkpoint_equals_an_uninterrupted_run(tmp_path):
    """k = 2 steps, checkpoint, a fresh model restores it and trains m = 2 steps == 4 steps straight."""
    keras.utils.set_random_seed(3)
    data = uint8_images(32, seed=8)  # 4 steps of 8 (two halves of 4)
    straight = _resume_model()
    weights_at_start = [_np(v.value) for v in straight.weights]
    straight.fit(data, batch_size=8, shuffle=False, verbose=0)

    first = _resume_model()
    for v, w in zip(first.weights, weights_at_start):
        v.assign(w)
    first.fit(data[:16], batch_size=8, shuffle=False, verbose=0, callbacks=[GANCheckpoint(tmp_path, 1000)])
    del first

    resumed = _resume_model()  # different initial weights and random states until restored
    metadata = restore_checkpoint(resumed, tmp_path)
    assert metadata["images_seen"] == 8 and metadata["step"] == 2
    resumed.fit(data[16:], batch_size=8, shuffle=False, verbose=0)
    want, got = _state(straight), _state(resumed)
    assert want.keys() == got.keys()
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-6, atol=1e-7, err_msg=key)


# ---------------------------------------------------------------------------------------------------- precision
def test_mixed_bfloat16_trains():
    keras.config.set_dtype_policy("mixed_bfloat16")
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d)
    gan.compile(loss="rpgan", r1_gamma=1.0, r2_gamma=1.0)
    assert not gan.train_config.dynamic_loss_scaling
    before = _weights(gan.discriminator)
    history = gan.fit(uint8_images(16), batch_size=8, verbose=0)
    for key in ("d_loss", "g_loss", "r1", "r2"):
        assert np.isfinite(history.history[key][-1]), key
    assert all(keras.backend.standardize_dtype(v.dtype) == "float32" for v in gan.trainable_variables)
    assert any(np.any(a != b) for a, b in zip(before, _weights(gan.discriminator)))


def test_float16_dynamic_loss_scaling_trains_and_skips_overflowing_steps():
    """An overflowing scale (1e30) gives non-finite float16 gradients: the D update is skipped (weights and Adam
    state unchanged) and the scale halves; the G update, at the default 2**15, goes through."""
    keras.config.set_dtype_policy("mixed_float16")
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d)
    gan.compile(loss="rpgan", r1_gamma=1.0, r2_gamma=1.0)
    assert gan.train_config.dynamic_loss_scaling
    history = gan.fit(uint8_images(16), batch_size=8, verbose=0)
    for key in ("d_loss", "g_loss", "r1", "r2"):
        assert np.isfinite(history.history[key][-1]), key
    d_scale = gan.loss_scales["d"].scale
    d_scale.assign(1e30)
    d_before, g_before = _weights(gan.discriminator), _weights(gan.generator)
    d_opt = gan.optimizer.discriminator_optimizer
    d_opt_before = [_np(v.value) for v in d_opt.variables]
    logs = gan.train_on_batch(uint8_images(8, seed=5), return_dict=True)
    np.testing.assert_allclose(float(logs["d_loss_scale"]), 5e29, rtol=1e-6)
    for a, b in zip(d_before, _weights(gan.discriminator)):
        np.testing.assert_array_equal(a, b)
    for a, v in zip(d_opt_before, d_opt.variables):
        np.testing.assert_array_equal(a, _np(v.value))
    assert any(np.any(a != b) for a, b in zip(g_before, _weights(gan.generator)))
    np.testing.assert_allclose(float(logs["g_loss_scale"]), 2.0**15)


# ---------------------------------------------------------------------------------------------------- lazy penalties
def test_lazy_regularization_evaluates_penalties_every_k_steps_with_weight_k():
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d)
    gamma = 0.8
    gan.compile(loss="rpgan", r1_gamma=gamma, r2_gamma=gamma, penalty_interval=2)
    for step in range(3):
        logs = gan.train_on_batch(uint8_images(8, seed=step), return_dict=True)
        r1, r2 = float(logs["r1"]), float(logs["r2"])
        if step % 2 == 0:
            assert r1 > 0 and r2 > 0
            expected = float(logs["d_adversarial"]) + 2 * gamma / 2 * (r1 + r2)
        else:
            assert r1 == 0 and r2 == 0
            expected = float(logs["d_adversarial"])
        np.testing.assert_allclose(float(logs["d_loss"]), expected, rtol=1e-5)


# ---------------------------------------------------------------------------------------------------- one D call
class _RecordingDiscriminator(TinyDiscriminator):
    """Records the batch size of every discriminator call (at tracing when the step is compiled)."""

    batch_sizes = None

    def call(self, images, labels=None, training=None):
        if self.batch_sizes is not None:
            self.batch_sizes.append(images.shape[0])
        return super().call(images, labels=labels, training=training)


def _two_steps(loss, penalties, batch_independent, run_eagerly=True, pair_on_cpu=True):
    """Two steps with a recording D; `pair_on_cpu` lets the eager step pair on the CPU (where the tests run)."""
    keras.utils.set_random_seed(4)
    g = TinyGenerator(num_classes=3)
    d = _RecordingDiscriminator(num_classes=3)
    d.batch_independent = batch_independent
    gan = keras_gans.GAN(g, d, augment_pipeline=RandomFlip(seed=9), seed=11)
    # SGD: Adam would turn the float32 round-off of RpGAN's zero gradient of D's head bias into +-lr steps.
    gan.compile(
        loss=loss,
        augment_probability=0.5,
        generator_optimizer=keras.optimizers.SGD(0.01),
        discriminator_optimizer=keras.optimizers.SGD(0.01),
        run_eagerly=run_eagerly,
        **penalties,
    )
    d.batch_sizes = []  # the calls of the training steps only
    labels = np.arange(16) % 3
    default = DiscriminatorCall.pair_on_cpu
    DiscriminatorCall.pair_on_cpu = pair_on_cpu
    try:
        history = gan.fit(uint8_images(16), labels, batch_size=8, shuffle=False, verbose=0)
    finally:
        DiscriminatorCall.pair_on_cpu = default
    return gan, history.history, set(d.batch_sizes)


@pytest.mark.parametrize("loss, penalties", [("rpgan", dict(r1_gamma=1.0, r2_gamma=2.0)), ("nonsaturating", {})])
def test_a_batch_independent_discriminator_scores_reals_and_fakes_in_one_call(loss, penalties):
    """In an eager step: same losses, penalties and updated weights as one call per batch (conditional, with
    augmentation)."""
    separate, separate_logs, separate_sizes = _two_steps(loss, penalties, batch_independent=False)
    paired, paired_logs, paired_sizes = _two_steps(loss, penalties, batch_independent=True)
    # rpgan splits each fit batch into a D half and a G half and pairs them in both phases; the non-saturating G
    # phase scores fakes only.
    half = 4 if loss == "rpgan" else 8
    assert separate_sizes == {half} and paired_sizes == ({2 * half} if loss == "rpgan" else {half, 2 * half})
    assert sorted(paired_logs) == sorted(separate_logs)
    for key, values in separate_logs.items():
        np.testing.assert_allclose(paired_logs[key], values, rtol=1e-5, atol=1e-6, err_msg=key)
    expected, got = _state(separate), _state(paired)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_an_eager_step_on_the_cpu_calls_the_discriminator_per_batch_by_default():
    """On the CPU pairing is off unless `DiscriminatorCall.pair_on_cpu` is set (the doubled batch is slower there)."""
    assert DiscriminatorCall.pair_on_cpu is False
    _, _, sizes = _two_steps("rpgan", dict(r1_gamma=1.0, r2_gamma=1.0), batch_independent=True, pair_on_cpu=False)
    assert sizes == {4}


def test_a_compiled_step_calls_the_discriminator_per_batch():
    """Pairing saves host work per call, which a compiled step does not pay (PyTorch steps always run eagerly)."""
    _, _, sizes = _two_steps("rpgan", dict(r1_gamma=1.0, r2_gamma=1.0), batch_independent=True, run_eagerly=False)
    assert sizes == ({8} if BACKEND == "torch" else {4})


# ---------------------------------------------------------------------------------------------------- compile modes
@pytest.mark.parametrize("jit_compile", [False, True])
def test_fit_with_and_without_jit_compile(jit_compile):
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gan.compile(loss="rpgan", r1_gamma=1.0, r2_gamma=1.0, jit_compile=jit_compile)
    if BACKEND == "torch":
        assert gan.jit_compile is False  # torch.compile cannot double-backward
        assert any("double backward" in str(w.message) for w in caught) == jit_compile
    else:
        assert gan.jit_compile is jit_compile
    history = gan.fit(uint8_images(8), batch_size=8, verbose=0)
    assert np.isfinite(history.history["d_loss"][0]) and np.isfinite(history.history["r1"][0])


def test_compile_errors():
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d)
    with pytest.raises(ValueError, match="not both"):
        gan.compile(ema_half_life_images=10.0, ema_beta=0.9)
    with pytest.raises(ValueError, match="penalty_interval"):
        gan.compile(penalty_interval=0)
    with pytest.raises(ValueError, match="beta_2 variable"):
        gan.compile(generator_optimizer=keras.optimizers.Adam(), beta_2=0.99, r1_gamma=1.0)
    with pytest.warns(UserWarning, match="unstable"):
        gan.compile(loss="rpgan")
    with pytest.raises(ValueError, match="compile"):
        keras_gans.GAN(*tiny_networks()).fit(uint8_images(4))


# ---------------------------------------------------------------------------------------------------- generate, config
def test_generate_conversions_labels_and_determinism():
    g, d = tiny_networks(num_classes=3)
    gan = keras_gans.GAN(g, d)
    raw = gan.generate(5, seed=4, output="float")
    assert raw.shape == (5, 8, 8, 3) and raw.dtype == np.float32
    z = np.random.default_rng(4).standard_normal((5, 8)).astype("float32")
    np.testing.assert_array_equal(raw, gan.generate(z, output="float"))
    # Smaller chunks may use other convolution kernels: equal up to float32 round-off.
    np.testing.assert_allclose(raw, gan.generate(z, labels=[0, 1, 2, 0, 1], output="float", batch_size=2), atol=1e-6)
    expected = _np(gan.ema_generator(z, labels=np.eye(3, dtype="float32")[[0, 1, 2, 0, 1]]))
    np.testing.assert_allclose(raw, expected, rtol=1e-6, atol=1e-6)  # generate pads 5 rows to 8: round-off
    uint8 = gan.generate(z)
    assert uint8.dtype == np.uint8
    np.testing.assert_array_equal(uint8, np.clip(np.floor(raw.astype("float64") * 127.5 + 128), 0, 255))
    progan = gan.generate(z, uint8_offset=127.5, uint8_rounding="round")
    np.testing.assert_array_equal(progan, np.clip(np.round(raw.astype("float64") * 127.5 + 127.5), 0, 255))
    one_class = gan.generate(z, labels=2, output="float")
    np.testing.assert_allclose(
        one_class, _np(gan.ema_generator(z, labels=np.eye(3, dtype="float32")[[2] * 5])), rtol=1e-6, atol=1e-6
    )  # compiled and padded against eager: float32 round-off, absolute near zero (seen: 1.5e-8 at -0.0065)
    gan.generator.weights[0].assign(np.zeros(tuple(gan.generator.weights[0].shape), "float32"))
    assert not np.array_equal(gan.generate(z, use_ema=False, output="float"), raw)
    np.testing.assert_allclose(_np(gan((z, np.array([0, 1, 2, 0, 1])))), raw, rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="class ids"):
        gan.generate(2, labels=[0, 5])


def test_generate_rejects_bad_counts_latents_and_batch_sizes_by_name():
    gan = keras_gans.GAN(*tiny_networks(num_classes=3))
    empty = gan.generate(0)  # nothing to draw: an empty batch of the model's images, like NumPy
    assert empty.shape == (0, 8, 8, 3) and empty.dtype == np.uint8
    assert gan.generate(np.zeros((0, 8), "float32"), output="float").dtype == np.float32
    cases = [
        (lambda: gan.generate(-1), "the number of images must be >= 0, got -1"),
        (lambda: gan.generate(2.5), r"a number of images \(an integer\) or latents of shape \(N, 8\); got a float"),
        (lambda: gan.generate(True), r"got a bool of shape \(\)"),
        (lambda: gan.generate(np.zeros((2, 3))), r"latents of shape \(N, 8\); got a ndarray of shape \(2, 3\)"),
        (lambda: gan.generate(np.array([[0.0] * 8, [np.nan] * 8])), r"latents must be finite; rows \[1\] hold NaN"),
        (lambda: gan.generate(2, batch_size=0), "`batch_size` must be an integer >= 1, got 0"),
        (lambda: gan.generate(2, batch_size=1.5), "`batch_size` must be an integer >= 1, got 1.5"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()


def test_a_compile_config_written_before_train_config_still_loads():
    """The compile config that saved models hold, as the earlier `GAN.compile` wrote it (see data/README.md)."""
    path = os.path.join(os.path.dirname(__file__), "data", "gan_compile_config_before_train_config.json")
    with open(path) as f:
        config = json.load(f)
    gan = keras_gans.GAN(*tiny_networks(num_classes=2))
    gan.compile_from_config(config)
    cfg = gan.train_config
    assert isinstance(cfg.loss, keras_gans.losses.LeastSquaresLoss)
    assert (cfg.gp_weight, cfg.gp_target, cfg.drift_weight, cfg.penalty_interval) == (10.0, 750.0, 0.001, 2)
    assert (cfg.classification_weight, cfg.ema_rampup, cfg.ema_mode, cfg.loss_scaling) == (0.5, 0.05, "beta", False)
    assert isinstance(cfg.learning_rate, schedules.CosineDecay) and isinstance(cfg.r1_gamma, schedules.CosineDecay)
    assert cfg.use_r1 and not cfg.use_r2 and cfg.use_gp and cfg.use_drift
    assert float(_np(cfg.ema_beta(0))) == pytest.approx(0.999)

    # Written back, it is the same dict (the optimizers' names aside: Keras numbers new instances).

    def unnamed(c):
        c = json.loads(json.dumps(c))
        for key in ("generator_optimizer", "discriminator_optimizer"):
            c[key]["config"].pop("name")
        return c

    expected = unnamed(config)
    if keras.backend.backend() == "torch":
        expected["jit_compile"] = False  # GAN.compile: PyTorch always runs eagerly
    assert unnamed(gan.get_compile_config()) == expected


def test_config_round_trip_and_keras_file(tmp_path):
    g, d = tiny_networks(num_classes=2)
    gan = keras_gans.GAN(g, d, augment_pipeline=RandomFlip(seed=2), seed=5, uint8_offset=127.5, uint8_rounding="round")
    gan.compile(
        loss="lsgan",
        ema_beta=0.999,
        gp_weight=10.0,
        drift_weight=0.001,
        learning_rate=schedules.CosineDecay(1e-3, 1e-4, 1000),
    )
    clone = keras_gans.GAN.from_config(gan.get_config())
    assert (clone.uint8_offset, clone.uint8_rounding, clone.num_classes) == (127.5, "round", 2)
    assert isinstance(clone.augment_pipeline, RandomFlip)
    gan.images_seen.assign(1234)
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert int(_np(loaded.images_seen.value)) == 1234
    for net in ("generator", "discriminator", "ema_generator"):
        for a, b in zip(_weights(getattr(gan, net)), _weights(getattr(loaded, net))):
            np.testing.assert_array_equal(a, b)
    assert isinstance(loaded.train_config.loss, keras_gans.losses.LeastSquaresLoss)
    assert loaded.train_config.use_gp and loaded.train_config.ema_mode == "beta"
    assert isinstance(loaded.train_config.learning_rate, schedules.CosineDecay)
