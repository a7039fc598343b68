"""SWD against the official ProGAN fixture (numbers produced by its `metrics/sliced_wasserstein.py`) and against a
NumPy/SciPy re-implementation of the procedure in PROGAN.md section 6, written here from the spec."""

import functools

import keras
import numpy as np
import pytest
import scipy.ndimage
from swd_official_fixture import load_swd_fixture
from swd_official_fixture import to_nhwc

from keras_gans.metrics import SlicedWassersteinDistance
from keras_gans.metrics import laplacian_pyramid
from keras_gans.metrics import normalize_descriptors
from keras_gans.metrics import sliced_wasserstein
from keras_gans.metrics import sliced_wasserstein_distance
from keras_gans.metrics.laplacian_pyramid import pyr_up

# ------------------------------------------------------------------------------------ NumPy reference (NCHW)

_KERNEL = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]).astype(np.float32) / 256.0


def reference_pyramid(images_nchw, num_levels):
    """Laplacian pyramid with scipy's reflect-101 ('mirror') 2-D convolution; the last level is low-pass."""
    kernel = _KERNEL[None, None]
    gaussians = [images_nchw.astype(np.float32)]
    for _ in range(num_levels - 1):
        gaussians.append(scipy.ndimage.convolve(gaussians[-1], kernel, mode="mirror")[:, :, ::2, ::2])
    levels = []
    for fine, coarse in zip(gaussians[:-1], gaussians[1:]):
        stuffed = np.zeros_like(fine)
        stuffed[:, :, ::2, ::2] = coarse
        levels.append(fine - scipy.ndimage.convolve(stuffed, 4.0 * kernel, mode="mirror"))
    return levels + [gaussians[-1]]


def reference_swd_passes(reals, fake_passes, batch, num_levels, patches, patch, repeats, dirs, seed):
    """Official flow with one RandomState: reals pass, then each fake pass; returns SWD x1e3 per level per pass."""
    rng = np.random.RandomState(seed)
    half = patch // 2

    def describe(images):
        per_level = [[] for _ in range(num_levels)]
        for start in range(0, len(images), batch):
            for index, level in enumerate(reference_pyramid(images[start : start + batch], num_levels)):
                n, _, height, width = level.shape
                cols = rng.randint(half, width - half, size=n * patches)
                rows = rng.randint(half, height - half, size=n * patches)
                owner = np.arange(n * patches) // patches
                out = np.empty((n * patches, 3, patch, patch), np.float32)
                for i in range(n * patches):  # the official layout: axis 2 walks columns, axis 3 rows
                    top, left = rows[i] - half, cols[i] - half
                    window = level[owner[i], :, top : top + patch, left : left + patch]
                    out[i] = np.transpose(window, (0, 2, 1))
                per_level[index].append(out)
        finished = []
        for chunks in per_level:
            values = np.concatenate(chunks).astype(np.float64)
            mean, std = values.mean(axis=(0, 2, 3), keepdims=True), values.std(axis=(0, 2, 3), keepdims=True)
            values = (values - mean) / std
            finished.append(values.reshape(len(values), -1))
        return finished

    def swd(a, b):
        values = []
        for _ in range(repeats):
            unit = rng.standard_normal((a.shape[1], dirs))
            unit = unit / np.linalg.norm(unit, axis=0, keepdims=True)
            values.append(np.mean(np.abs(np.sort(a @ unit, axis=0) - np.sort(b @ unit, axis=0))))
        return np.mean(values)

    real_desc = describe(reals)
    [swd(a, a) for a in real_desc]  # the reals pass's own (zero) value consumes directions
    results = []
    for fakes in fake_passes:
        fake_desc = describe(fakes)
        results.append([1e3 * swd(a, b) for a, b in zip(real_desc, fake_desc)])
    return real_desc, results


@functools.lru_cache(maxsize=None)
def official_run(fixtures_dir):
    """The fixture's official configuration fed through the streaming API (shared by several tests)."""
    arrays, _ = load_swd_fixture(fixtures_dir)
    metric = SlicedWassersteinDistance(64, seed=1000, rng="numpy_legacy")
    for start in range(0, 128, 32):
        metric.update_reals(to_nhwc(arrays["reals"][start : start + 32]))
    for start in range(0, 128, 32):
        metric.update_fakes(to_nhwc(arrays["fakes"][start : start + 32]))
    return metric, metric.result()


# -------------------------------------------------------------------------------------------------- official


def test_core_swd_matches_official_for_both_compute_paths(fixtures_dir):
    arrays, expected = load_swd_fixture(fixtures_dir)
    a = normalize_descriptors(arrays["core_descA_raw"].reshape(-1, 3, 7, 7))
    b = normalize_descriptors(arrays["core_descB_raw"].reshape(-1, 3, 7, 7))
    for compute in ("numpy", "keras", "auto"):
        value = sliced_wasserstein(a, b, arrays["core_dirs_unnormalized"], compute=compute)
        np.testing.assert_allclose(value, expected["core_swd_official_raw"], rtol=1e-5, err_msg=compute)
    assert sliced_wasserstein(a, a, arrays["core_dirs_unnormalized"], compute="keras") == 0.0


def test_normalize_descriptors_is_per_channel_population_standardisation(fixtures_dir):
    arrays, _ = load_swd_fixture(fixtures_dir)
    raw = arrays["core_descA_raw"].reshape(-1, 3, 7, 7).astype(np.float64)
    mean = raw.mean(axis=(0, 2, 3), keepdims=True)
    std = np.sqrt(((raw - mean) ** 2).mean(axis=(0, 2, 3), keepdims=True))
    expected = ((raw - mean) / std).reshape(len(raw), -1)
    np.testing.assert_allclose(normalize_descriptors(raw.astype(np.float32)), expected, atol=2e-6)


def test_full_pipeline_reproduces_official_numbers(fixtures_dir):
    _, expected = load_swd_fixture(fixtures_dir)
    metric, result = official_run(fixtures_dir)
    assert list(result) == expected["metric_names"]
    np.testing.assert_allclose(list(result.values()), expected["official_swd_x1e3_fakes"], rtol=2e-5)
    assert metric.num_reals == metric.num_fakes == 128
    assert metric.result() == result  # the drawn directions are kept: result() is repeatable


def test_identical_descriptor_sets_give_zero_like_the_official_reals_pass(fixtures_dir):
    arrays, expected = load_swd_fixture(fixtures_dir)
    metric, _ = official_run(fixtures_dir)
    directions = np.random.RandomState(0).standard_normal((2, 147, 16))
    values = [1e3 * sliced_wasserstein(d, d, directions) for d in metric.descriptors("reals")]
    assert values + [np.mean(values)] == expected["official_swd_x1e3_reals_vs_reals_same_pass"]


def test_functional_api_matches_streaming_api(fixtures_dir):
    arrays, _ = load_swd_fixture(fixtures_dir)
    reals, fakes = to_nhwc(arrays["reals"][:64, :, :32, :32]), to_nhwc(arrays["fakes"][:64, :, :32, :32])
    kwargs = dict(num_patches=16, num_repeats=2, dirs_per_repeat=32, seed=5)
    metric = SlicedWassersteinDistance(32, **kwargs)
    for start in range(0, 64, 32):
        metric.update_reals(reals[start : start + 32])
    for start in range(0, 64, 32):
        metric.update_fakes(fakes[start : start + 32])
    assert sliced_wasserstein_distance(reals, fakes, batch_size=32, **kwargs) == metric.result()


# ------------------------------------------------------------------------------------------ NumPy reference


def test_pyramid_levels_match_official_and_reference(fixtures_dir):
    arrays, expected = load_swd_fixture(fixtures_dir)
    # 32 images, the batch shape of the official run (fewer shapes to compile); the fixture holds the first 4.
    pyramid = laplacian_pyramid(to_nhwc(arrays["reals"][:32]), 3)
    levels = [keras.ops.convert_to_numpy(level)[:4] for level in pyramid]
    for index, level in enumerate(levels):
        official = to_nhwc(arrays[f"pyr_level{index}"])
        assert level.shape == official.shape
        np.testing.assert_allclose(level, official, atol=1e-4, rtol=0, err_msg=f"level {index}")
    np.testing.assert_array_equal(levels[0], to_nhwc(arrays["pyr_level0"]))  # exact for integer images
    assert expected["pyramid_max_abs_err_own_vs_official"] == 0.0
    # A non-square batch against the SciPy reference.
    images = np.random.default_rng(1).integers(0, 256, (2, 24, 40, 3), dtype=np.uint8)
    ours = [keras.ops.convert_to_numpy(level) for level in laplacian_pyramid(images, 3)]
    for level, reference in zip(ours, reference_pyramid(images.transpose(0, 3, 1, 2), 3)):
        np.testing.assert_allclose(level, to_nhwc(reference), atol=1e-4, rtol=0)


def test_pyramid_reconstructs_the_image():
    images = np.random.default_rng(2).integers(0, 256, (32, 64, 64, 3), dtype=np.uint8)
    levels = laplacian_pyramid(images, 3)
    image = levels[-1]
    for band in reversed(levels[:-1]):
        image = band + pyr_up(image)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(image), images.astype(np.float32), atol=1e-4, rtol=0)


def test_streaming_legacy_mode_matches_reference_over_two_fake_passes(fixtures_dir):
    arrays, _ = load_swd_fixture(fixtures_dir)
    reals, fakes = arrays["reals"][:8, :, :32, :32], arrays["fakes"][:8, :, :32, :32]
    config = dict(num_patches=16, patch_size=5, num_repeats=2, dirs_per_repeat=16)
    metric = SlicedWassersteinDistance(32, min_resolution=16, seed=3, rng="numpy_legacy", **config)
    for start in (0, 5):  # uneven batches: 5 then 3
        metric.update_reals(to_nhwc(reals[start : start + 5]))
    passes = []
    for fake_set in (fakes, reals[::-1]):
        for start in (0, 5):
            metric.update_fakes(to_nhwc(fake_set[start : start + 5]))
        passes.append(list(metric.result().values())[:-1])
        metric.reset_fakes()
    real_desc, expected = reference_swd_passes(reals, (fakes, reals[::-1]), 5, 2, 16, 5, 2, 16, seed=3)
    for ours, reference in zip(metric.descriptors("reals"), real_desc):  # includes the transposed-patch layout
        np.testing.assert_allclose(ours, reference, atol=1e-5)
    np.testing.assert_allclose(passes, expected, rtol=1e-5)


# --------------------------------------------------------------------------------------------- behaviour


def test_default_rng_is_deterministic_and_two_passes_of_reals_give_a_small_noise_floor(fixtures_dir):
    arrays, _ = load_swd_fixture(fixtures_dir)
    reals, fakes = to_nhwc(arrays["reals"][:64, :, :32, :32]), to_nhwc(arrays["fakes"][:64, :, :32, :32])
    kwargs = dict(num_patches=128, num_repeats=2, seed=11)
    against_fakes = sliced_wasserstein_distance(reals, fakes, **kwargs)
    assert sliced_wasserstein_distance(reals, fakes, **kwargs) == against_fakes
    assert sliced_wasserstein_distance(reals, fakes, **dict(kwargs, seed=12)) != against_fakes
    # Two independent passes over the same images (the official "Reals2" noise floor) are not 0, but are well
    # below the distance to a different distribution (about 19 vs 80 here).
    floor = sliced_wasserstein_distance(reals, reals, **kwargs)
    assert 0.0 < floor["SWDx1e3_avg"] < 0.4 * against_fakes["SWDx1e3_avg"]


def test_grayscale_is_tiled_to_rgb():
    gray = np.random.default_rng(3).integers(0, 256, (4, 16, 16, 1), dtype=np.uint8)
    other = np.random.default_rng(4).integers(0, 256, (4, 16, 16, 1), dtype=np.uint8)
    kwargs = dict(num_patches=8, num_repeats=1, dirs_per_repeat=8, seed=0)
    tiled = sliced_wasserstein_distance(np.tile(gray, (1, 1, 1, 3)), np.tile(other, (1, 1, 1, 3)), **kwargs)
    assert sliced_wasserstein_distance(gray, other, **kwargs) == tiled


def test_metric_names_and_levels():
    assert SlicedWassersteinDistance(256).metric_names == [
        "SWDx1e3_256",
        "SWDx1e3_128",
        "SWDx1e3_64",
        "SWDx1e3_32",
        "SWDx1e3_16",
        "SWDx1e3_avg",
    ]
    assert SlicedWassersteinDistance(32).resolutions == [32, 16]


def test_input_validation():
    metric = SlicedWassersteinDistance(16, num_patches=4, seed=0)
    good = np.zeros((2, 16, 16, 3), np.uint8)
    with pytest.raises(ValueError, match="update_reals.*uint8.*float32"):
        metric.update_reals(good.astype(np.float32))
    with pytest.raises(ValueError, match="rank 4"):
        metric.update_reals(good[0])
    with pytest.raises(ValueError, match="1 .grayscale. or 3 .RGB. channels.*got 4"):
        metric.update_fakes(np.zeros((2, 16, 16, 4), np.uint8))
    with pytest.raises(ValueError, match="must be 16x16 images, got 32x32"):
        metric.update_reals(np.zeros((2, 32, 32, 3), np.uint8))
    metric.update_reals(good)
    with pytest.raises(ValueError, match="same non-zero number of real and fake images, got 2 reals and 0"):
        metric.result()
    legacy = SlicedWassersteinDistance(16, num_patches=4, seed=0, rng="numpy_legacy")
    legacy.update_reals(good)
    legacy.update_fakes(good)
    with pytest.raises(ValueError, match="all reals must be fed before the first fakes"):
        legacy.update_reals(good)
    for kwargs, message in [
        (dict(rng="torch"), "`rng` must be one of"),
        (dict(compute="gpu"), "`compute` must be"),
        (dict(patch_size=4), "`patch_size` must be odd"),
        (dict(num_patches=0), "`num_patches` must be a positive integer"),
    ]:
        with pytest.raises(ValueError, match=message):
            SlicedWassersteinDistance(16, **kwargs)
    with pytest.raises(ValueError, match="`resolution` must be >= min_resolution=16, got 8"):
        SlicedWassersteinDistance(8)
    with pytest.raises(ValueError, match="sliced_wasserstein_distance: `fakes` must be 16x16"):
        sliced_wasserstein_distance(good, np.zeros((2, 8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="same shape"):
        sliced_wasserstein(np.zeros((4, 3)), np.zeros((5, 3)), np.ones((1, 3, 2)))
