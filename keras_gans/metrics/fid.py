"""Frechet Inception Distance (FID) and Kernel Inception Distance (KID) on the standard FID Inception network.

* FID (Heusel et al., 2017, https://arxiv.org/abs/1706.08500): `|mu_r - mu_g|^2 + tr(S_r + S_g - 2 (S_r S_g)^1/2)`
  between Gaussians fitted to the 2048-d pool3 features of real and generated images. Covariances use `N - 1`
  (`np.cov`, as the original TF code, pytorch-fid and clean-fid; StyleGAN divides by `N`, a relative difference of
  `1/N`). `tr((S_r S_g)^1/2)` is computed as the sum of square roots of the eigenvalues of the symmetric PSD
  matrix `F^T S_g F` with `S_r = F F^T` (same eigenvalues as `S_r S_g`), which needs no scipy and never goes
  complex; tests compare it with `scipy.linalg.sqrtm`.
* KID (Binkowski et al., 2018, https://arxiv.org/abs/1801.01401): the unbiased estimate of the squared MMD with
  the cubic polynomial kernel `k(x, y) = (x.y / d + 1)^3`, averaged over `num_subsets` random subsets of
  `subset_size` real and generated features (100 x 1000 by default, as in StyleGAN-ADA); mean and std reported.

Images: the metrics take uint8 NHWC batches (1 or 3 channels; grayscale is tiled to RGB), like the other image
metrics of this package; convert generator output in [-1, 1] with `images_to_uint8` (`compute_fid` and
`compute_kid` do it for you). Statistics are streamed and cached by `keras_gans.metrics.feature_statistics`
(`InceptionStatistics`, `dataset_statistics`).
"""

import numpy as np

from keras_gans.metrics.feature_statistics import InceptionStatistics
from keras_gans.metrics.feature_statistics import generator_statistics
from keras_gans.metrics.image_inputs import check_uint8_images
from keras_gans.metrics.inception import FIDInceptionV3


def _drop_round_off(eigenvalues):
    # Eigenvalues below the round-off level of a rank decision (as in np.linalg.matrix_rank) are zeros of a
    # singular matrix; their square roots (~1e-8 each) would otherwise add up.
    threshold = np.abs(eigenvalues).max(initial=0.0) * len(eigenvalues) * np.finfo(np.float64).eps
    return np.where(eigenvalues > threshold, eigenvalues, 0.0)


# Relative tolerance of the covariance checks: round-off of a covariance summed in float64 stays far below it.
COVARIANCE_TOLERANCE = 1e-6


def _check_covariance(covariance, name):
    """Raises `ValueError` unless `covariance` is finite, symmetric and positive semi-definite within
    `COVARIANCE_TOLERANCE` (relative to its largest entry)."""
    if not np.all(np.isfinite(covariance)):
        raise ValueError(f"frechet_distance: `{name}` holds NaN or Inf.")
    scale = np.abs(covariance).max(initial=0.0)
    if scale == 0.0:
        return
    if np.abs(covariance - covariance.T).max() > COVARIANCE_TOLERANCE * scale:
        raise ValueError(f"frechet_distance: `{name}` must be symmetric (a covariance matrix).")
    # A symmetric matrix is PSD within the tolerance when a Cholesky factor exists after a shift by tolerance * scale.
    shift = COVARIANCE_TOLERANCE * scale * np.eye(len(covariance))
    try:
        np.linalg.cholesky((covariance + covariance.T) / 2 + shift)
    except np.linalg.LinAlgError:
        raise ValueError(
            f"frechet_distance: `{name}` must be positive semi-definite (a covariance matrix); it has a negative "
            "eigenvalue beyond round-off."
        ) from None


def frechet_distance(mean1, covariance1, mean2, covariance2):
    """FID between `N(mean1, covariance1)` and `N(mean2, covariance2)` (float64 NumPy); returns a float.

    Args:
        mean1, mean2: the means `(D,)`, finite.
        covariance1, covariance2: the covariances `(D, D)`: finite, symmetric and positive semi-definite (up to
            a relative round-off of `COVARIANCE_TOLERANCE`).
    """
    mean1, mean2 = np.asarray(mean1, np.float64), np.asarray(mean2, np.float64)
    covariance1, covariance2 = np.asarray(covariance1, np.float64), np.asarray(covariance2, np.float64)
    if mean1.shape != mean2.shape or covariance1.shape != covariance2.shape or covariance1.shape != 2 * mean1.shape:
        raise ValueError(
            f"frechet_distance: shapes do not match: means {mean1.shape}, {mean2.shape}; covariances "
            f"{covariance1.shape}, {covariance2.shape}."
        )
    for mean, name in ((mean1, "mean1"), (mean2, "mean2")):
        if not np.all(np.isfinite(mean)):
            raise ValueError(f"frechet_distance: `{name}` holds NaN or Inf.")
    _check_covariance(covariance1, "covariance1")
    _check_covariance(covariance2, "covariance2")
    # tr((S1 S2)^1/2) = sum sqrt(eig(F^T S2 F)) for any factor S1 = F F^T: Cholesky when S1 is positive definite
    # (fast), else the symmetric square root from an eigendecomposition (rank-deficient S1, e.g. few images).
    symmetric1 = (covariance1 + covariance1.T) / 2
    try:
        factor = np.linalg.cholesky(symmetric1)
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(symmetric1)
        factor = vectors * np.sqrt(_drop_round_off(values))
    product = factor.T @ covariance2 @ factor
    trace_sqrt = np.sqrt(_drop_round_off(np.linalg.eigvalsh((product + product.T) / 2))).sum()
    diff = mean1 - mean2
    return float(diff @ diff + np.trace(covariance1) + np.trace(covariance2) - 2.0 * trace_sqrt)


def check_kid_options(num_subsets, subset_size, owner="kernel_inception_distance"):
    """Raises `ValueError` unless `num_subsets` is an integer >= 1 and `subset_size` an integer >= 2 (the unbiased
    estimate pairs distinct vectors).

    Args:
        num_subsets: random subsets averaged.
        subset_size: vectors per subset.
        owner: the caller named in the error.
    """
    for value, name, minimum in ((num_subsets, "num_subsets", 1), (subset_size, "subset_size", 2)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise ValueError(f"{owner}: `{name}` must be an integer >= {minimum}, got {value!r}.")


def kid_subset_values(real_features, fake_features, num_subsets=100, subset_size=1000, seed=0):
    """Unbiased MMD^2 (cubic polynomial kernel) of `num_subsets` random subsets; returns a float64 array."""
    check_kid_options(num_subsets, subset_size)
    real, fake = np.asarray(real_features, np.float64), np.asarray(fake_features, np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"kernel_inception_distance: expected (n, d) features, got {real.shape} and {fake.shape}.")
    size = min(subset_size, len(real), len(fake))
    if size < 2:
        raise ValueError(
            f"kernel_inception_distance: needs at least 2 real and 2 fake features, got {len(real)}, {len(fake)}."
        )
    dim = real.shape[1]
    rng = np.random.default_rng(seed)
    values = np.empty(num_subsets)
    for index in range(num_subsets):
        x = fake[rng.choice(len(fake), size, replace=False)]
        y = real[rng.choice(len(real), size, replace=False)]
        within = (x @ x.T / dim + 1) ** 3 + (y @ y.T / dim + 1) ** 3
        across = (x @ y.T / dim + 1) ** 3
        values[index] = (within.sum() - np.trace(within)) / (size * (size - 1)) - 2.0 * across.sum() / size**2
    return values


def kernel_inception_distance(real_features, fake_features, num_subsets=100, subset_size=1000, seed=0):
    """KID of two feature sets: `(mean, std)` over `num_subsets` subsets of `min(subset_size, n)` vectors each."""
    values = kid_subset_values(real_features, fake_features, num_subsets, subset_size, seed)
    return float(values.mean()), float(values.std())


def _check_compatible(real, fake, owner):
    if real.metadata.get("resize") != fake.metadata.get("resize"):
        raise ValueError(
            f"{owner}: the statistics use different resizes ({real.metadata.get('resize')!r} for the reals, "
            f"{fake.metadata.get('resize')!r} for the fakes)."
        )


def fid_from_statistics(real, fake):
    """FID between two `InceptionStatistics`."""
    _check_compatible(real, fake, "fid_from_statistics")
    return frechet_distance(real.mean, real.covariance, fake.mean, fake.covariance)


def kid_from_statistics(real, fake, num_subsets=100, subset_size=1000, seed=0):
    """KID `(mean, std)` between the feature samples of two `InceptionStatistics`."""
    _check_compatible(real, fake, "kid_from_statistics")
    return kernel_inception_distance(real.features, fake.features, num_subsets, subset_size, seed)


def compute_fid(generator_fn, real_statistics, num_images, batch_size=32, inception=None):
    """FID of `num_images` generated images against reference `InceptionStatistics` (e.g. `dataset_statistics`).

    Examples:

    ```python
    reals = dataset_statistics(train_images, "cifar10-train", num_images=50000)
    fid = compute_fid(lambda n: generator(keras.random.normal((n, 512))), reals, num_images=50000)
    ```
    """
    fake = generator_statistics(generator_fn, num_images, batch_size, inception, max_features=0)
    return fid_from_statistics(real_statistics, fake)


def compute_kid(
    generator_fn, real_statistics, num_images, batch_size=32, inception=None, num_subsets=100, subset_size=1000, seed=0
):
    """KID `(mean, std)` of `num_images` generated images against reference `InceptionStatistics`."""
    fake = generator_statistics(generator_fn, num_images, batch_size, inception, max_features=num_images)
    return kid_from_statistics(real_statistics, fake, num_subsets, subset_size, seed)


class _InceptionMetric:
    """Accumulates Inception statistics of real and generated uint8 batches (`update_state(images, real=...)`)."""

    def __init__(self, inception, real_statistics, batch_size, max_features):
        self.inception = inception if inception is not None else FIDInceptionV3()
        self.batch_size = batch_size
        self.max_features = max_features
        self._fixed_real = real_statistics
        if real_statistics is not None:
            _check_compatible(real_statistics, self._new_statistics(), type(self).__name__)
        self.reset_state()

    def _new_statistics(self):
        return InceptionStatistics(self.max_features, metadata={"resize": self.inception.resize})

    def reset_state(self):
        """Forgets the generated images, and the real ones unless `real_statistics` were given."""
        self.real_statistics = self._fixed_real or self._new_statistics()
        self.fake_statistics = self._new_statistics()

    def update_state(self, images, real=False):
        """Adds a uint8 `(N, H, W, C)` batch (C = 1 or 3) of real (`real=True`) or generated images."""
        images = check_uint8_images(images, type(self).__name__)
        if real and self._fixed_real is not None:
            raise ValueError(
                f"{type(self).__name__}: real statistics were given; update_state(real=True) is not allowed."
            )
        target = self.real_statistics if real else self.fake_statistics
        target.update(self.inception.extract_features(images, self.batch_size))


class FrechetInceptionDistance(_InceptionMetric):
    """Streaming FID between real and generated images on the standard FID Inception network.

    Paper: Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium",
    https://arxiv.org/abs/1706.08500.

    Args:
        inception: a `FIDInceptionV3` (its `resize` picks the convention); official weights, legacy resize when
            `None`.
        real_statistics: precomputed `InceptionStatistics` of the reals (e.g. from `dataset_statistics`); when
            `None`, reals are streamed with `update_state(images, real=True)`.
        batch_size: images per network call.

    Examples:

    ```python
    fid = FrechetInceptionDistance(real_statistics=dataset_statistics(train, "mnist-train"))
    for batch in generated_batches:
        fid.update_state(images_to_uint8(batch))
    fid.result()
    ```
    """

    def __init__(self, inception=None, real_statistics=None, batch_size=32):
        super().__init__(inception, real_statistics, batch_size, max_features=0)

    def result(self):
        """The FID as a float (needs at least 2 real and 2 generated images)."""
        return fid_from_statistics(self.real_statistics, self.fake_statistics)


class KernelInceptionDistance(_InceptionMetric):
    """Streaming KID (unbiased MMD^2, cubic polynomial kernel) on the standard FID Inception network.

    Paper: Binkowski et al., "Demystifying MMD GANs", https://arxiv.org/abs/1801.01401. Subsets as in
    StyleGAN-ADA's metric (100 subsets of 1000).

    Args:
        inception, real_statistics, batch_size: as for `FrechetInceptionDistance`.
        num_subsets: random subsets averaged.
        subset_size: vectors per subset (capped by the available features).
        max_features: feature vectors kept per side (a uniform sample of the stream).
        seed: seed of the subset sampling.

    Examples:

    ```python
    kid = KernelInceptionDistance()
    kid.update_state(real_uint8, real=True)
    kid.update_state(fake_uint8)
    kid.result()  # {"kid": mean, "kid_std": std}
    ```
    """

    def __init__(
        self,
        inception=None,
        real_statistics=None,
        batch_size=32,
        num_subsets=100,
        subset_size=1000,
        max_features=10000,
        seed=0,
    ):
        check_kid_options(num_subsets, subset_size, "KernelInceptionDistance")
        super().__init__(inception, real_statistics, batch_size, max_features)
        self.num_subsets, self.subset_size, self.seed = num_subsets, subset_size, seed

    def result(self):
        """`{"kid": mean, "kid_std": std}` over the subsets."""
        mean, std = kid_from_statistics(
            self.real_statistics, self.fake_statistics, self.num_subsets, self.subset_size, self.seed
        )
        return {"kid": mean, "kid_std": std}
