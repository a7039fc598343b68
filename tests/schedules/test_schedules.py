"""Schedules against R3GAN's cosine_decay_with_warmup (NumPy, from the spec) and the official fixture's values."""

import json

import keras
import numpy as np
import pytest
from keras import ops

from keras_gans import schedules


def cosine_decay_numpy(cur_nimg, base, total, final):
    """R3GAN section 4.2 (warm-up and hold are 0 in every preset), in float64."""
    decay = 0.5 * (1 + np.cos(np.pi * cur_nimg / total))
    value = base + (1 - decay) * (final - base)
    return np.where(cur_nimg > total, final, value)


def _f(x):
    return float(ops.convert_to_numpy(x))


def test_cosine_decay_matches_the_formula_everywhere():
    schedule = schedules.CosineDecay(2e-4, 5e-5, 2e7)
    for n in [0, 1, 12345, 5_000_000, 10_000_000, 19_999_999, 20_000_000, 20_000_001, 10**9]:
        np.testing.assert_allclose(_f(schedule(n)), cosine_decay_numpy(n, 2e-4, 2e7, 5e-5), rtol=1e-6, atol=1e-12)
    increasing = schedules.CosineDecay(0.0, 500_000.0, 2e7)
    np.testing.assert_allclose(_f(increasing(15_000_000)), cosine_decay_numpy(1.5e7, 0.0, 2e7, 5e5), rtol=1e-6)


def test_schedules_reproduce_the_official_fixture_step_values(fixtures_dir):
    config = json.loads((fixtures_dir / "r3gan_official" / "config.json").read_text())
    scheds = config["step_schedules"]
    built = {
        name: schedules.CosineDecay(s["base_value"], s["final_value"], s["total_nimg"]) for name, s in scheds.items()
    }
    batch = config["batch_size"]
    for which in ("uncond", "cond"):
        step = config["configs"][which]["step"]
        n = ops.convert_to_tensor(np.int32(step["cur_nimg_before"]))  # the engine's int32 counter
        np.testing.assert_allclose(_f(built["lr_scheduler"](n)), step["lr"], rtol=1e-6)
        np.testing.assert_allclose(_f(built["beta2_scheduler"](n)), step["beta2"], rtol=1e-6)
        np.testing.assert_allclose(_f(built["gamma_scheduler"](n)), step["gamma"], rtol=1e-6)
        ema_nimg = _f(built["ema_scheduler"](n))
        np.testing.assert_allclose(ema_nimg, step["ema_nimg"], rtol=1e-6, atol=1e-6)
        # EMA beta as the training step computes it: 0.5 ** (batch / max(ema_nimg, 1e-8)).
        beta = _f(ops.power(0.5, batch / ops.maximum(built["ema_scheduler"](n), 1e-8)))
        np.testing.assert_allclose(beta, step["ema_beta"], rtol=1e-6, atol=1e-12)


def test_constant_get_and_serialization():
    assert _f(schedules.Constant(0.25)(10**6)) == 0.25
    assert schedules.get(None) is None
    assert isinstance(schedules.get(3), schedules.Constant)
    cosine = schedules.CosineDecay(0.9, 0.99, 1000)
    assert schedules.get(cosine) is cosine
    restored = schedules.get(schedules.serialize(cosine))
    assert isinstance(restored, schedules.CosineDecay)
    assert (restored.base, restored.final, restored.decay_images) == (0.9, 0.99, 1000.0)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(schedules.Constant(2.0)))
    assert restored.value == 2.0
    with pytest.raises(ValueError, match="decay_images"):
        schedules.CosineDecay(1.0, 0.0, 0)
    with pytest.raises(ValueError, match="Schedule"):
        schedules.get("cosine")
    with pytest.raises(ValueError, match="Schedule"):
        schedules.get(True)


def test_schedules_run_inside_compiled_functions():
    schedule = schedules.CosineDecay(1.0, 0.0, 100)
    if keras.backend.backend() == "jax":
        import jax

        value = jax.jit(schedule)(np.int32(50))
    elif keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        value = tf.function(schedule, jit_compile=True)(tf.constant(50, tf.int32))
    else:
        value = schedule(ops.convert_to_tensor(np.int32(50)))
    np.testing.assert_allclose(_f(value), 0.5, rtol=1e-6)
