"""FID/KID: closed forms, scipy's matrix square root, a direct NumPy MMD, streaming statistics and the metric API
(keras_gans/metrics/fid.py and feature_statistics.py).

The metric plumbing is tested with a stand-in feature extractor (a fixed random projection of the pixels), so
these tests do not run Inception; the Inception network itself is checked in test_inception.py.
"""

import numpy as np
import pytest
import scipy.linalg

from keras_gans.metrics import feature_statistics as statistics
from keras_gans.metrics.feature_statistics import InceptionStatistics
from keras_gans.metrics.fid import FrechetInceptionDistance
from keras_gans.metrics.fid import KernelInceptionDistance
from keras_gans.metrics.fid import compute_fid
from keras_gans.metrics.fid import compute_kid
from keras_gans.metrics.fid import frechet_distance
from keras_gans.metrics.fid import kernel_inception_distance
from keras_gans.metrics.fid import kid_subset_values

DIM = 16  # the stand-in extractor's feature size (Inception's 2048 would make each FID take seconds)


class ProjectionFeatures:
    """Stand-in for FIDInceptionV3: features = a fixed random projection of the (flattened) uint8 pixels."""

    def __init__(self, resize="legacy_tf", pixels=8 * 8 * 3):
        self.resize = resize
        self.projection = np.random.default_rng(5).normal(size=(pixels, DIM)) / np.sqrt(pixels)
        self.calls = 0

    def extract_features(self, images, batch_size=32):
        self.calls += 1
        images = np.asarray(images, np.float64).reshape(len(images), -1) / 255.0
        return (images @ self.projection).astype("float32")


def _random_covariance(rng, dim, rank=None):
    factor = rng.normal(size=(dim, rank or 2 * dim))
    return factor @ factor.T / factor.shape[1]


def test_frechet_distance_closed_form_commuting_gaussians():
    """Diagonal covariances: FID = |m1 - m2|^2 + sum (sqrt(a_i) - sqrt(b_i))^2, including singular ones."""
    rng = np.random.default_rng(0)
    m1, m2 = rng.normal(size=16), rng.normal(size=16)
    a, b = rng.uniform(0.1, 3.0, 16), rng.uniform(0.1, 3.0, 16)
    a[:3] = 0.0  # rank-deficient, as with fewer images than feature dimensions
    expected = np.sum((m1 - m2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(m1, np.diag(a), m2, np.diag(b)) == pytest.approx(expected, rel=1e-10, abs=1e-10)
    # A common rotation changes nothing.
    rotation, _ = np.linalg.qr(rng.normal(size=(16, 16)))
    rotated = frechet_distance(
        rotation @ m1, rotation @ np.diag(a) @ rotation.T, rotation @ m2, rotation @ np.diag(b) @ rotation.T
    )
    assert rotated == pytest.approx(expected, rel=1e-8, abs=1e-8)


@pytest.mark.parametrize("rank", [None, 5])  # full rank (Cholesky path), rank-deficient S1 (eigh path)
def test_frechet_distance_matches_scipy_sqrtm(rank):
    """General (non-commuting) covariances: the eigenvalue form equals tr(sqrtm(S1 S2)) from scipy and the
    nuclear norm of B^T A for S1 = A A^T, S2 = B B^T (exact also when S1 is singular, where sqrtm loses digits)."""
    rng = np.random.default_rng(1)
    for dim in (8, 64):
        factor1 = rng.normal(size=(dim, rank or 2 * dim)) / np.sqrt(rank or 2 * dim)
        s1, s2 = factor1 @ factor1.T, _random_covariance(rng, dim)
        m1, m2 = rng.normal(size=dim), rng.normal(size=dim)
        base = np.sum((m1 - m2) ** 2) + np.trace(s1) + np.trace(s2)
        nuclear = np.linalg.svd(np.linalg.cholesky(s2).T @ factor1, compute_uv=False).sum()
        scipy_value = base - 2 * np.trace(scipy.linalg.sqrtm(s1 @ s2)).real
        value = frechet_distance(m1, s1, m2, s2)
        assert value == pytest.approx(base - 2 * nuclear, rel=1e-10)
        assert value == pytest.approx(scipy_value, rel=1e-9 if rank is None else 1e-6)


def test_frechet_distance_of_identical_statistics_is_zero():
    rng = np.random.default_rng(2)
    features = rng.normal(size=(300, 40))
    mean, cov = features.mean(0), np.cov(features, rowvar=False)
    assert abs(frechet_distance(mean, cov, mean, cov)) < 1e-9 * np.trace(cov)
    with pytest.raises(ValueError, match="shapes"):
        frechet_distance(mean, cov, mean[:-1], cov)


def _mmd2_unbiased_direct(x, y):
    """Unbiased MMD^2 from its definition, with explicit sums over index pairs."""
    kernel = lambda u, v: (u @ v / x.shape[1] + 1.0) ** 3  # noqa: E731
    m, n = len(x), len(y)
    xx = sum(kernel(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(kernel(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(kernel(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2.0 * xy


def test_kid_subset_matches_direct_numpy():
    """One subset covering both sets (order does not matter) equals the direct double sum."""
    rng = np.random.default_rng(3)
    real, fake = rng.normal(size=(12, 5)), rng.normal(0.3, 1.2, size=(12, 5))
    values = kid_subset_values(real, fake, num_subsets=3, subset_size=12)
    np.testing.assert_allclose(values, _mmd2_unbiased_direct(fake, real), rtol=1e-10)


def test_kid_is_unbiased():
    """For P = Q the estimator averages to 0 over many small samples; the biased (V-statistic) one does not."""
    rng = np.random.default_rng(4)
    unbiased, biased = [], []
    for _ in range(2000):
        x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
        unbiased.append(kid_subset_values(x, y, num_subsets=1, subset_size=4)[0])
        k = lambda u, v: (u @ v.T / 3 + 1.0) ** 3  # noqa: E731
        biased.append(k(x, x).mean() + k(y, y).mean() - 2 * k(x, y).mean())
    standard_error = np.std(unbiased) / np.sqrt(len(unbiased))
    assert abs(np.mean(unbiased)) < 3 * standard_error
    assert np.mean(biased) > 10 * standard_error


def test_kid_identical_and_shifted_sets():
    """KID(x, x) over the full set is -2 (mean diagonal - mean kernel) / (n - 1): O(1/n), not exactly 0, since
    the cross term also pairs each vector with itself."""
    rng = np.random.default_rng(6)
    n = 400
    features = rng.normal(size=(n, 32))
    kernel = (features @ features.T / 32 + 1.0) ** 3
    expected = -2.0 * (np.trace(kernel) / n - kernel.sum() / n**2) / (n - 1)
    same_mean, same_std = kernel_inception_distance(features, features, num_subsets=2, subset_size=n)
    assert same_mean == pytest.approx(expected, rel=1e-9) and same_std < 1e-9 * abs(expected)
    shifted_mean, _ = kernel_inception_distance(features, features + 0.5, num_subsets=20, subset_size=100)
    assert abs(same_mean) < 0.05 * shifted_mean
    with pytest.raises(ValueError, match="at least 2"):
        kernel_inception_distance(features[:1], features)


def test_statistics_stream_and_round_trip(tmp_path):
    rng = np.random.default_rng(7)
    batches = [rng.normal(1.0, 2.0, size=(n, 2048)).astype("float32") for n in (5, 40, 19)]
    everything = np.concatenate(batches)
    stats = InceptionStatistics(max_features=30, metadata={"resize": "clean"}, feature_dim=2048)
    for batch in batches:
        stats.update(batch)
    np.testing.assert_allclose(stats.mean, everything.astype(np.float64).mean(0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(stats.covariance, np.cov(everything.astype(np.float64), rowvar=False), atol=1e-9)
    assert stats.num_images == 64 and stats.features.shape == (30, 2048)
    kept = {row.tobytes() for row in stats.features}
    assert len(kept) == 30 and kept <= {row.tobytes() for row in everything}
    assert any(row.tobytes() in kept for row in everything[45:])  # the reservoir also takes late vectors
    stats.save(tmp_path / "stats.npz")
    loaded = InceptionStatistics.load(tmp_path / "stats.npz")
    np.testing.assert_array_equal(loaded.features, stats.features)
    np.testing.assert_allclose(loaded.covariance, stats.covariance)
    assert loaded.metadata == {"resize": "clean"} and loaded.num_images == 64
    with pytest.raises(ValueError, match="2048"):
        stats.update(np.zeros((2, 10)))


def test_reservoir_sample_is_uniform():
    counts = np.zeros(20)
    for seed in range(400):
        stats = InceptionStatistics(max_features=5, seed=seed)
        for start in range(0, 20, 4):
            stats.update(np.arange(start, start + 4, dtype="float32")[:, None])
        counts[stats.features[:, 0].astype(int)] += 1
    # Each of the 20 vectors is kept with probability 5/20: 100 of 400 runs (binomial std ~8.7).
    assert np.all(np.abs(counts - 100) < 40), counts


def _uint8_images(seed, n=6):
    return np.random.default_rng(seed).integers(0, 256, (n, 8, 8, 3), dtype=np.uint8)


def test_fid_metric_streams_like_the_formula():
    extractor = ProjectionFeatures()
    real, fake = _uint8_images(0, 9), _uint8_images(1, 7)
    metric = FrechetInceptionDistance(inception=extractor, batch_size=4)
    metric.update_state(real[:5], real=True)
    metric.update_state(real[5:], real=True)
    metric.update_state(fake[:3])
    metric.update_state(fake[3:, :, :, :1])  # grayscale is tiled to RGB
    fake_rgb = np.concatenate([fake[:3], np.repeat(fake[3:, :, :, :1], 3, -1)])
    r, f = extractor.extract_features(real).astype(np.float64), extractor.extract_features(fake_rgb)
    f = f.astype(np.float64)
    expected = frechet_distance(r.mean(0), np.cov(r, rowvar=False), f.mean(0), np.cov(f, rowvar=False))
    assert metric.result() == pytest.approx(expected, rel=1e-6)
    metric.reset_state()
    assert metric.fake_statistics.num_images == 0 and metric.real_statistics.num_images == 0


def test_metric_input_errors():
    metric = FrechetInceptionDistance(inception=ProjectionFeatures())
    with pytest.raises(ValueError, match="uint8"):
        metric.update_state(np.zeros((2, 8, 8, 3), "float32"))
    with pytest.raises(ValueError, match="rank 4"):
        metric.update_state(np.zeros((8, 8, 3), "uint8"))
    with pytest.raises(ValueError, match="channels"):
        metric.update_state(np.zeros((2, 8, 8, 2), "uint8"))
    with pytest.raises(ValueError, match="needs at least"):
        metric.result()


def test_kid_metric_and_fixed_real_statistics(tmp_path):
    extractor = ProjectionFeatures()
    real, fake = _uint8_images(2, 12), _uint8_images(3, 10)
    reals = statistics.dataset_statistics(real, "toy-reals", inception=extractor, cache_dir=tmp_path)
    kid = KernelInceptionDistance(inception=extractor, real_statistics=reals, num_subsets=5, subset_size=8)
    kid.update_state(fake)
    result = kid.result()
    expected = kernel_inception_distance(
        extractor.extract_features(real), extractor.extract_features(fake), num_subsets=5, subset_size=8
    )
    assert result == pytest.approx({"kid": expected[0], "kid_std": expected[1]}, rel=1e-6)
    with pytest.raises(ValueError, match="real statistics were given"):
        kid.update_state(real, real=True)
    kid.reset_state()
    assert kid.real_statistics is reals and kid.fake_statistics.num_images == 0
    with pytest.raises(ValueError, match="different resizes"):
        KernelInceptionDistance(inception=ProjectionFeatures(resize="clean"), real_statistics=reals)


def test_dataset_statistics_cache(tmp_path):
    extractor = ProjectionFeatures()
    batches = [(_uint8_images(seed, 4), np.zeros(4)) for seed in range(3)]  # (images, labels) pairs
    first = statistics.dataset_statistics(batches, "toy/set", inception=extractor, num_images=10, cache_dir=tmp_path)
    assert first.num_images == 10 and len(list(tmp_path.glob("toy_set-*.npz"))) == 1
    calls = extractor.calls
    never_read = iter(())  # a cache hit must not touch the data
    again = statistics.dataset_statistics(never_read, "toy/set", inception=extractor, num_images=10, cache_dir=tmp_path)
    assert extractor.calls == calls
    np.testing.assert_allclose(again.covariance, first.covariance)
    with pytest.raises(ValueError, match="asked for 12 images"):
        statistics.dataset_statistics(batches[:2], "toy/other", inception=extractor, num_images=12, cache_dir=tmp_path)


def test_statistics_from_a_tf_data_pipeline():
    """A tf.data pipeline (the usual dataset source; TF tensors under any backend) streams like NumPy batches."""
    import tensorflow as tf

    extractor = ProjectionFeatures()
    images = np.concatenate([_uint8_images(seed, 4) for seed in range(3)])
    pipeline = tf.data.Dataset.from_tensor_slices((images[..., :1], np.zeros(12))).batch(5)
    from_pipeline = statistics.inception_statistics(pipeline, inception=extractor, num_images=11)
    from_array = statistics.inception_statistics(np.repeat(images[:11, ..., :1], 3, -1), inception=extractor)
    np.testing.assert_allclose(from_pipeline.covariance, from_array.covariance, rtol=1e-12)
    assert from_pipeline.num_images == 11


def test_compute_fid_and_kid_from_a_generator():
    """Generator output in [-1, 1] is quantized like ProGAN/StyleGAN evaluation (x * 127.5 + 127.5, rounded)."""
    extractor = ProjectionFeatures()
    rng = np.random.default_rng(9)
    pool = rng.uniform(-1, 1, (10, 8, 8, 3)).astype("float32")
    served = []

    def generator_fn(batch_size):
        batch = pool[len(served) : len(served) + batch_size]
        served.extend(batch)
        return batch

    reals = statistics.inception_statistics(_uint8_images(4, 10), inception=extractor, max_features=10)
    value = compute_fid(generator_fn, reals, num_images=9, batch_size=4, inception=extractor)
    quantized = np.clip(np.round(pool[:9] * 127.5 + 127.5), 0, 255).astype(np.uint8)
    fake = extractor.extract_features(quantized).astype(np.float64)
    expected = frechet_distance(reals.mean, reals.covariance, fake.mean(0), np.cov(fake, rowvar=False))
    assert value == pytest.approx(expected, rel=1e-6)
    served.clear()
    mean, std = compute_kid(
        generator_fn, reals, num_images=9, batch_size=4, inception=extractor, num_subsets=4, subset_size=5
    )
    assert (mean, std) == pytest.approx(kernel_inception_distance(reals.features, fake, 4, 5), rel=1e-6)
