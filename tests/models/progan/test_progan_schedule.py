"""ProGAN's growing schedule and the reals' fade-in, against references written here from the formulas (PROGAN.md §5).

The lod reference uses exact rational arithmetic on kimg (`fractions.Fraction`), independent of the library's
integer-image implementation.
"""

import math
from fractions import Fraction

import numpy as np
import pytest
from keras import ops

from keras_gans.models.progan import ProGAN
from keras_gans.models.progan import ProGANDiscriminator
from keras_gans.models.progan import ProGANGenerator
from keras_gans.models.progan import ProGANLearningRate
from keras_gans.models.progan import ProGANSchedule
from keras_gans.models.progan import fade_reals


def reference_lod(nimg, resolution, initial_resolution, training_kimg, transition_kimg):
    """The official TrainingSchedule: phase = floor(kimg / P), t = kimg - phase P, lod clamped at 0."""
    kimg = Fraction(nimg, 1000)
    training, transition = Fraction(training_kimg), Fraction(transition_kimg)
    period = training + transition
    phase = math.floor(kimg / period) if period > 0 else 0
    t = kimg - phase * period
    lod = Fraction(int(math.log2(resolution)) - int(math.log2(initial_resolution)) - phase)
    if transition > 0:
        lod -= max(t - training, 0) / transition
    return max(lod, Fraction(0))


CONFIGS = [
    # resolution, initial resolution, training kimg, transition kimg
    (32, 4, "0.016", "0.032"),
    (16, 8, "0.024", "0.008"),
    (16, 4, "0", "0.020"),
    (8, 4, "0.010", "0"),
    (1024, 4, "600", "600"),
]


@pytest.mark.parametrize("config", CONFIGS)
def test_lod_follows_the_official_formula(config):
    resolution, initial, training, transition = config
    s = ProGANSchedule(
        resolution,
        lod_initial_resolution=initial,
        lod_training_kimg=float(training),
        lod_transition_kimg=float(transition),
    )
    period_images = int(Fraction(training) * 1000 + Fraction(transition) * 1000)
    images = sorted(set(range(0, 8 * period_images + 40, max(period_images // 16, 1))) | {0, 1, period_images})
    expected = [reference_lod(n, resolution, initial, training, transition) for n in images]
    got_ops = np.asarray(ops.convert_to_numpy(ops.stack([s.lod(np.int32(n)) for n in images])))
    got_floor = np.asarray(ops.convert_to_numpy(ops.stack([s.lod_floor(np.int32(n)) for n in images])))
    for n, ref, python, in_step, floor_in_step in zip(images, expected, map(s.lod_at, images), got_ops, got_floor):
        assert python == pytest.approx(float(ref), abs=1e-12), n
        assert float(in_step) == pytest.approx(float(ref), abs=1e-6), n
        assert s.lod_bounds_at(n) == (math.floor(ref), math.ceil(ref)), n
        assert int(floor_in_step) == math.floor(ref), n
        assert s.resolution_at(n) == resolution // 2 ** math.floor(ref), n


def test_paper_schedule_reaches_full_resolution_after_the_documented_kimg():
    s = ProGANSchedule.from_preset("celebahq_1024_v1")  # 800/800 kimg: 1024 reached after 8 * 1600 = 12800 kimg
    assert s.lod_at(12_800_000 - 1000) > 0.0
    assert s.lod_at(12_800_000) == 0.0
    assert s.resolution_at(12_000_000) == 512  # lod still exactly 1 at the start of the last fade-in
    assert s.resolution_at(12_400_000) == 1024  # fading in: the new resolution picks lr / minibatch
    assert s.minibatch_for(1024) == 3 and s.minibatch_for(256) == 14 and s.minibatch_for(64) == 16


def test_learning_rate_per_resolution_and_rampup():
    s = ProGANSchedule(
        64,
        lod_training_kimg=0.01,
        lod_transition_kimg=0.01,
        lr_base=0.001,
        lr_dict={32: 0.002, 64: 0.003},
        lr_rampup_kimg=0.05,
    )
    lr = ProGANLearningRate(s)
    for n in [0, 5, 10, 11, 25, 31, 45, 60, 80]:
        base = {4: 0.001, 8: 0.001, 16: 0.001, 32: 0.002, 64: 0.003}[s.resolution_at(n)]
        t = min(n / 50.0, 1.0)
        assert float(lr(np.int32(n))) == pytest.approx(base * math.exp(-5 * (1 - t) ** 2), rel=1e-5), n
    restored = ProGANLearningRate.from_config(lr.get_config())
    assert float(restored(np.int32(45))) == pytest.approx(float(lr(np.int32(45))))


def numpy_fade(images, lod, active):
    """process_reals, NumPy: box-down to `active`, lerp with up2(box_down2), nearest-up back to R."""
    n, r, _, c = images.shape
    f = r // active
    x = images.reshape(n, active, f, active, f, c).mean(axis=(2, 4))
    if active > 4:
        low = x.reshape(n, active // 2, 2, active // 2, 2, c).mean(axis=(2, 4))
        low = low.repeat(2, axis=1).repeat(2, axis=2)
        alpha = np.clip(lod - (math.log2(r) - math.log2(active)), 0.0, 1.0)
        x = x + (low - x) * alpha
    return x.repeat(f, axis=1).repeat(f, axis=2)


@pytest.mark.parametrize(
    "lod,active", [(0.0, 16), (0.3, 16), (0.99, 16), (1.0, 8), (1.25, 8), (1.7, 8), (2.0, 4), (2.0, 8), (1.5, 16)]
)
def test_fade_reals_matches_numpy(lod, active):
    images = np.random.default_rng(3).uniform(-1, 1, (3, 16, 16, 2)).astype("float32")
    got = np.asarray(ops.convert_to_numpy(fade_reals(ops.convert_to_tensor(images), lod, active)))
    np.testing.assert_allclose(got, numpy_fade(images.astype("float64"), lod, active), atol=1e-6)


def test_schedule_errors():
    with pytest.raises(ValueError, match="power of two"):
        ProGANSchedule(24)
    with pytest.raises(ValueError, match="lod_initial_resolution"):
        ProGANSchedule(16, lod_initial_resolution=32)
    with pytest.raises(ValueError, match="whole number of images"):
        ProGANSchedule(16, lod_training_kimg=0.0105)
    with pytest.raises(ValueError, match="fade_reals"):
        fade_reals(ops.zeros((1, 8, 4, 3)), 0.0, 8)


def test_an_unknown_schedule_name_lists_the_schedules_and_presets_only():
    tiny = {"resolution": 8, "fmap_base": 16, "fmap_max": 4}
    generator, discriminator = ProGANGenerator(**tiny), ProGANDiscriminator(**tiny)
    for build in (
        lambda: ProGAN(generator, discriminator, schedule="nope"),
        lambda: ProGANSchedule.from_preset("nope"),
        lambda: ProGANSchedule.from_preset("nope", resolution=8),
    ):
        with pytest.raises(ValueError, match=r"unknown schedule 'nope'.*tf_default.*cifar10_32") as error:
            build()
        assert "hf://" not in str(error.value) and "kaggle://" not in str(error.value)
