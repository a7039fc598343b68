"""evaluate_generator / GeneratorEvaluator (keras_gans/metrics/evaluation.py): every value equals the metric
computed directly on the same 8-bit images (FID from its NumPy/SciPy formula; the other metric functions are
verified against official fixtures in their own tests), the EMA generator is the one sampled, the reals' statistics
are cached, and bad input is refused with a message.

FID/KID/precision-recall run on a stand-in feature extractor (a fixed random projection of the pixels), since the
FID Inception weights are not available offline; the Inception network itself is tested in test_inception.py.
"""

import numpy as np
import pytest
import scipy.linalg
from gan_testing import fixed_weights
from gan_testing import tiny_networks

import keras_gans
from keras_gans.metrics import GeneratorEvaluator
from keras_gans.metrics import evaluate_generator
from keras_gans.metrics import kernel_inception_distance
from keras_gans.metrics import ms_ssim_diversity
from keras_gans.metrics import precision_recall
from keras_gans.metrics import sliced_wasserstein_distance
from keras_gans.metrics import stacked_mnist_modes

SHAPE = (16, 16, 3)


class ProjectionFeatures:
    """Stand-in for FIDInceptionV3: features = a fixed random projection of the uint8 pixels (grey tiled to RGB)."""

    resize = "legacy_tf"

    def __init__(self, dim=6):  # fewer dimensions than images: full-rank covariances, where sqrtm is accurate
        self.projection = np.random.default_rng(5).normal(size=(int(np.prod(SHAPE)), dim)) / 30.0
        self.calls = 0

    def extract_features(self, images, batch_size=32):
        self.calls += 1
        images = np.asarray(images, np.float64)
        images = np.repeat(images, 3, -1) if images.shape[-1] == 1 else images
        return (images.reshape(len(images), -1) / 255.0 @ self.projection).astype("float32")


def _quantize(images):
    """ProGAN/StyleGAN 8-bit conversion, written out: round(x * 127.5 + 127.5) in float32, clipped to [0, 255]."""
    pixels = np.asarray(images, np.float32) * np.float32(127.5) + np.float32(127.5)
    return np.clip(np.round(pixels), 0, 255).astype(np.uint8)


def _fid_reference(real_features, fake_features):
    """FID from its definition with scipy's matrix square root (N - 1 covariances)."""
    r, f = np.asarray(real_features, np.float64), np.asarray(fake_features, np.float64)
    s1, s2 = np.cov(r, rowvar=False), np.cov(f, rowvar=False)
    root = scipy.linalg.sqrtm(s1 @ s2).real
    return float(np.sum((r.mean(0) - f.mean(0)) ** 2) + np.trace(s1 + s2 - 2 * root))


class PoolGenerator:
    """A generator function n -> float images that serves a fixed pool in order (records the batch sizes)."""

    def __init__(self, pool):
        self.pool, self.served = pool, []

    def __call__(self, n):
        start = sum(self.served)
        self.served.append(n)
        return self.pool[start : start + n]


def test_every_metric_equals_the_metric_functions_on_the_same_images():
    rng = np.random.default_rng(0)
    n = 12
    fakes = rng.uniform(-1.1, 1.1, (n,) + SHAPE).astype("float32")  # a little outside [-1, 1]: clipped
    reals = rng.integers(0, 256, (n,) + SHAPE, dtype=np.uint8)
    extractor = ProjectionFeatures()
    swd_options = {"num_patches": 8, "num_repeats": 2, "dirs_per_repeat": 16}
    generator = PoolGenerator(fakes)
    results = evaluate_generator(
        generator,
        ("fid", "kid", "swd", "ms_ssim", "precision_recall"),
        real=reals,
        num_images=n,
        batch_size=4,
        seed=3,
        inception=extractor,
        metric_options={"kid": {"num_subsets": 4, "subset_size": 7}, "swd": swd_options},
    )
    assert generator.served == [4, 4, 4]  # streamed in batches
    assert sorted(results) == sorted(["fid", "kid", "kid_std", "swd_16", "swd_avg", "ms_ssim", "precision", "recall"])
    assert all(type(value) is float for value in results.values())
    fake8 = _quantize(fakes)
    real_features, fake_features = extractor.extract_features(reals), extractor.extract_features(fake8)
    assert results["fid"] == pytest.approx(_fid_reference(real_features, fake_features), rel=1e-6)
    kid, kid_std = kernel_inception_distance(real_features, fake_features, num_subsets=4, subset_size=7, seed=3)
    assert (results["kid"], results["kid_std"]) == pytest.approx((kid, kid_std), rel=1e-6)
    swd = sliced_wasserstein_distance(reals, fake8, batch_size=4, seed=3, **swd_options)
    assert (results["swd_16"], results["swd_avg"]) == pytest.approx((swd["SWDx1e3_16"], swd["SWDx1e3_avg"]), rel=1e-6)
    # Same batches as the evaluation: JAX compiles MS-SSIM once per batch shape (seconds each on a CPU).
    assert results["ms_ssim"] == pytest.approx(ms_ssim_diversity(fake8, batch_size=4), rel=1e-6)
    pr = precision_recall(real_features, fake_features, k=3)
    assert (results["precision"], results["recall"]) == (pr["precision"], pr["recall"])


def test_gan_is_sampled_with_the_ema_generator_and_cycling_labels():
    generator, discriminator = tiny_networks(num_classes=3, image_shape=SHAPE)
    gan = keras_gans.GAN(generator, discriminator)
    fixed_weights(gan.generator, 1)
    fixed_weights(gan.ema_generator, 2)  # the two generators differ
    reals = np.random.default_rng(1).integers(0, 256, (8,) + SHAPE, dtype=np.uint8)
    extractor = ProjectionFeatures()
    evaluator = GeneratorEvaluator("fid", real=reals, num_images=8, batch_size=4, seed=7, inception=extractor)
    reference = ProjectionFeatures()  # same projection, separate call count
    real_features = reference.extract_features(reals)
    for use_ema in (True, False):
        expected_images = _quantize(
            gan.generate(8, seed=7, labels=np.arange(8) % 3, use_ema=use_ema, output="float", batch_size=4)
        )
        results = evaluator.evaluate(gan, use_ema=use_ema)
        fid = _fid_reference(real_features, reference.extract_features(expected_images))
        assert results["fid"] == pytest.approx(fid, rel=1e-5)
    assert extractor.calls == 2 + 2 * 2  # the reals once, the fakes twice (two batches of 4 each time)
    # One class for every image; and the bare EMA network (one-hot labels) gives the same images as the GAN.
    one_class = _quantize(gan.generate(8, seed=7, labels=2, output="float", batch_size=4))
    fid = _fid_reference(real_features, reference.extract_features(one_class))
    assert evaluator.evaluate(gan.ema_generator, labels=2)["fid"] == pytest.approx(fid, rel=1e-5)


def test_stacked_mnist_modes_of_real_stacked_digits():
    from keras_gans.datasets import load_stacked_mnist

    images, _ = load_stacked_mnist("test", num_samples=60, seed=0)
    results = evaluate_generator(PoolGenerator(images), "stacked_mnist", num_images=60, batch_size=25)
    expected = stacked_mnist_modes(images)
    assert results["stacked_mnist_modes"] == expected["modes"] and expected["modes"] > 50
    assert results["stacked_mnist_kl"] == pytest.approx(expected["kl"], rel=1e-9)


def test_mnist_digits_reads_generated_digits_with_the_shipped_classifier():
    from keras_gans.datasets import load_embedded_digits
    from keras_gans.metrics.mnist_classifier import digit_quality

    digits, _ = load_embedded_digits(16, as_rgb=False, pad_or_resize="resize")
    pool = digits[:96].astype("float32") / 127.5 - 1.0  # real digits as a generator's float output
    results = evaluate_generator(PoolGenerator(pool), "mnist_digits", num_images=96, batch_size=40)
    expected = digit_quality(_quantize(pool))  # all images in one classifier call
    assert results["digit_confident_fraction"] == expected["confident_fraction"] >= 0.8
    assert results["digit_classes"] == expected["classes_covered"] == 10
    assert results["digit_confidence"] == pytest.approx(expected["mean_confidence"], rel=1e-6)


def test_dataset_spec_reals_and_cached_statistics(tmp_path):
    rng = np.random.default_rng(2)
    reals = rng.integers(0, 256, (9,) + SHAPE, dtype=np.uint8)
    fakes = rng.uniform(-1, 1, (9,) + SHAPE).astype("float32")
    np.savez(tmp_path / "reals.npz", x=reals)
    extractor = ProjectionFeatures()
    kwargs = dict(num_images=9, batch_size=4, inception=extractor, cache_dir=tmp_path / "cache")
    from_spec = evaluate_generator(PoolGenerator(fakes), "fid", real=str(tmp_path / "reals.npz"), **kwargs)
    expected = _fid_reference(extractor.extract_features(reals), extractor.extract_features(_quantize(fakes)))
    assert from_spec["fid"] == pytest.approx(expected, rel=1e-6)
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 1
    calls = extractor.calls
    again = evaluate_generator(PoolGenerator(fakes), "fid", real=str(tmp_path / "reals.npz"), **kwargs)
    assert again == from_spec and extractor.calls == calls + 3  # reals from the cache; fakes in 3 batches
    # Float reals in [-1, 1] and (images, labels) batches are accepted.
    batches = [((reals[i : i + 4] / 127.5 - 1.0).astype("float32"), np.zeros(4)) for i in range(0, 9, 4)]
    from_batches = evaluate_generator(PoolGenerator(fakes), "fid", real=batches, num_images=9, inception=extractor)
    assert from_batches["fid"] == pytest.approx(expected, rel=1e-6)


def test_input_errors_explain_what_is_needed():
    reals = np.zeros((8,) + SHAPE, np.uint8)

    def fakes(n):
        return np.zeros((n,) + SHAPE, "float32")

    with pytest.raises(ValueError, match="unknown metric.*'is'.*known metrics: fid, kid, swd, ms_ssim"):
        GeneratorEvaluator(("fid", "is"), real=reals)
    with pytest.raises(ValueError, match="precision_recall needs at least 4 generated and real images"):
        GeneratorEvaluator("precision_recall", real=reals, num_images=3)
    with pytest.raises(ValueError, match="fid needs at least 2"):
        GeneratorEvaluator("fid", real=reals, num_images=1)
    with pytest.raises(ValueError, match="fid, swd compare with real images; pass `real=`"):
        GeneratorEvaluator(("fid", "swd", "ms_ssim"))
    with pytest.raises(ValueError, match="num_images must be even"):
        GeneratorEvaluator("ms_ssim", num_images=7)
    with pytest.raises(ValueError, match="swd compares equally many"):
        GeneratorEvaluator("swd", real=reals, num_images=8, num_real_images=6)
    with pytest.raises(ValueError, match=r"unknown kid options \['subsets'\]"):
        GeneratorEvaluator("kid", real=reals, metric_options={"kid": {"subsets": 3}})
    with pytest.raises(ValueError, match="fid needs 10 real images.*has only 8"):
        evaluate_generator(fakes, "fid", real=reals, num_images=8, num_real_images=10, inception=ProjectionFeatures())
    with pytest.raises(ValueError, match=r"real batches must be \(N, 16, 16, 1 or 3\)"):
        evaluate_generator(
            fakes, "fid", real=np.zeros((8, 8, 8, 3), np.uint8), num_images=8, inception=ProjectionFeatures()
        )
    with pytest.raises(ValueError, match=r"float real images must be in \[-1, 1\]"):
        evaluate_generator(
            fakes, "fid", real=np.full((8,) + SHAPE, 3.0, "float32"), num_images=8, inception=ProjectionFeatures()
        )
    with pytest.raises(ValueError, match="stacked_mnist needs 32x32x3"):
        evaluate_generator(fakes, "stacked_mnist", num_images=8)
    with pytest.raises(ValueError, match="swd needs square images of at least min_resolution=32"):
        evaluate_generator(fakes, "swd", real=reals, num_images=8, metric_options={"swd": {"min_resolution": 32}})
    with pytest.raises(ValueError, match="`labels` were given but the generator is unconditional"):
        evaluate_generator(fakes, "ms_ssim", num_images=8, labels=1)
