"""MS-SSIM against the official ProGAN fixture (its `metrics/ms_ssim.py` on fixture images) and against a float64
SciPy re-implementation of PROGAN.md section 7 that filters with an FFT convolution, like the official code."""

import numpy as np
import pytest
import scipy.signal
from swd_official_fixture import load_swd_fixture
from swd_official_fixture import to_nhwc

from keras_gans.metrics import MS_SSIM_WEIGHTS
from keras_gans.metrics import MultiScaleSSIMDiversity
from keras_gans.metrics import ms_ssim
from keras_gans.metrics import ms_ssim_diversity


def reference_ms_ssim(a, b, weights=MS_SSIM_WEIGHTS, max_val=255.0, size=11, sigma=1.5, k1=0.01, k2=0.03):
    """Per-pair MS-SSIM in float64 from the written procedure (2-D window, FFT 'valid' convolution)."""
    x, y = a.astype(np.float64), b.astype(np.float64)
    per_scale = []
    for scale in range(len(weights)):
        window_size = min(size, x.shape[1], x.shape[2])
        window_sigma = window_size * sigma / size
        grid = np.arange(window_size) - (window_size - 1) / 2.0  # half-integers when the size is even
        window = np.exp(-(grid[:, None] ** 2 + grid[None, :] ** 2) / (2 * window_sigma**2))
        window = (window / window.sum())[None, :, :, None]

        def blur(v):
            return scipy.signal.fftconvolve(v, window, mode="valid")

        mu_x, mu_y = blur(x), blur(y)
        var_x, var_y, cov = blur(x * x) - mu_x**2, blur(y * y) - mu_y**2, blur(x * y) - mu_x * mu_y
        c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
        cs = (2 * cov + c2) / (var_x + var_y + c2)
        ssim = (2 * mu_x * mu_y + c1) / (mu_x**2 + mu_y**2 + c1) * cs
        per_scale.append((np.maximum(ssim.mean(axis=(1, 2, 3)), 0), np.maximum(cs.mean(axis=(1, 2, 3)), 0)))
        x = (x[:, 0::2, 0::2] + x[:, 1::2, 0::2] + x[:, 0::2, 1::2] + x[:, 1::2, 1::2]) / 4
        y = (y[:, 0::2, 0::2] + y[:, 1::2, 0::2] + y[:, 0::2, 1::2] + y[:, 1::2, 1::2]) / 4
    value = per_scale[-1][0] ** weights[-1]
    for (_, cs), weight in zip(per_scale[:-1], weights[:-1]):
        value = value * cs**weight
    return value


def fixture_images(fixtures_dir):
    arrays, expected = load_swd_fixture(fixtures_dir)
    return to_nhwc(arrays["reals"][:64]), to_nhwc(arrays["fakes"][:64]), expected


def test_matches_official_value(fixtures_dir):
    reals, _, expected = fixture_images(fixtures_dir)
    official = expected["msssim_official_reals_pairs_0_63"]
    assert abs(ms_ssim_diversity(reals) - official) < 1e-6
    assert abs(float(np.mean(ms_ssim(reals[0::2], reals[1::2]))) - official) < 1e-6


def test_per_pair_values_match_float64_reference(fixtures_dir):
    reals, fakes, _ = fixture_images(fixtures_dir)
    noisy = np.clip(reals.astype(int) + np.random.default_rng(0).integers(-20, 21, reals.shape), 0, 255)
    cases = {
        "reals": (reals[0::2], reals[1::2], MS_SSIM_WEIGHTS),
        "fakes": (fakes[0::2], fakes[1::2], MS_SSIM_WEIGHTS),
        "similar": (reals[0::2], noisy.astype(np.uint8)[0::2], MS_SSIM_WEIGHTS),  # values near 1
        "three_scales": (reals[0::2], fakes[1::2], (0.2, 0.3, 0.5)),
    }
    for name, (a, b, weights) in cases.items():
        ours = ms_ssim(a, b, weights=weights)
        np.testing.assert_allclose(ours, reference_ms_ssim(a, b, weights), atol=2e-6, rtol=0, err_msg=name)
    # Grayscale: tiled to RGB, which the channel mean makes equal to the single channel's value.
    gray_a, gray_b = reals[0::2, :, :, :1], reals[1::2, :, :, :1]
    np.testing.assert_allclose(ms_ssim(gray_a, gray_b), reference_ms_ssim(gray_a, gray_b), atol=2e-6, rtol=0)


def test_identical_images_give_one(fixtures_dir):
    reals, _, _ = fixture_images(fixtures_dir)
    np.testing.assert_allclose(ms_ssim(reals[0::2], reals[0::2]), 1.0, atol=1e-6)
    assert abs(ms_ssim_diversity(np.repeat(reals[:32], 2, axis=0)) - 1.0) < 1e-6


def test_streaming_pairs_straddle_batches(fixtures_dir):
    arrays, _ = load_swd_fixture(fixtures_dir)
    reals = to_nhwc(arrays["reals"])  # 128 images
    metric = MultiScaleSSIMDiversity(num_images=128)
    metric.update_state(reals[:65])  # pairs (0, 1) ... (62, 63); image 64 waits for its partner
    assert metric.num_pairs == 32 and metric.remaining == 63
    metric.update_state(reals[65:])  # (64, 65) straddles the batches
    assert metric.num_pairs == 64 and metric.remaining == 0
    expected = np.concatenate([ms_ssim(reals[0:64:2], reals[1:64:2]), ms_ssim(reals[64::2], reals[65::2])])
    assert abs(metric.result() - expected.mean()) < 1e-12
    with pytest.raises(ValueError, match="got 2 images but only 0 of num_images=128 remain"):
        metric.update_state(reals[:2])
    metric.reset_state()
    assert metric.remaining == 128 and metric.num_pairs == 0
    assert MultiScaleSSIMDiversity().remaining == 20000  # ProGAN: 20,000 images, 10,000 pairs


def test_input_validation(fixtures_dir):
    reals, _, _ = fixture_images(fixtures_dir)
    with pytest.raises(ValueError, match="ms_ssim: `images_a` must be uint8.*got dtype float32"):
        ms_ssim(reals[:2].astype(np.float32), reals[:2])
    with pytest.raises(ValueError, match="same shape"):
        ms_ssim(reals[:2], reals[:4])
    with pytest.raises(ValueError, match="height and width >= 1 and divisible by 16, got 56x64"):
        ms_ssim(reals[:2, :56], reals[:2, :56])
    with pytest.raises(ValueError, match="1 .grayscale. or 3 .RGB. channels.*got 2"):
        ms_ssim(reals[:2, :, :, :2], reals[:2, :, :, :2])
    with pytest.raises(ValueError, match="rank 4"):
        ms_ssim(reals[0], reals[1])
    with pytest.raises(ValueError, match="`num_images` must be even"):
        MultiScaleSSIMDiversity(num_images=5)
    with pytest.raises(ValueError, match="no complete pair"):
        MultiScaleSSIMDiversity(num_images=4).result()
    with pytest.raises(ValueError, match="`batch_size` must be an even integer"):
        ms_ssim_diversity(reals[:4], batch_size=3)
    with pytest.raises(ValueError, match="ms_ssim_diversity: needs an even number of images .pairs., got 3"):
        ms_ssim_diversity(reals[:3])
