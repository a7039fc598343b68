"""Scoring a generator with several metrics at once: `evaluate_generator` and the reusable `GeneratorEvaluator`.

One pass over the real images and one pass over the generated images feed every chosen metric batch by batch
(nothing holds all images in memory). Generated images are drawn in float (`GAN.generate(..., output="float")`,
a bare generator network, or a function `n -> images`) and quantized to 8-bit pixels the way ProGAN and
StyleGAN evaluate (`images_to_uint8`: `round(x * 127.5 + 127.5)`), so every metric sees the same images. The
metrics themselves are the functions and classes of this package:

| name | needs reals | logged values |
| --- | --- | --- |
| `"fid"` | yes | `fid` (`fid_from_statistics`, FID Inception pool3 features) |
| `"kid"` | yes | `kid`, `kid_std` (`kid_from_statistics`) |
| `"swd"` | yes, as many | `swd_<res>` per pyramid level, `swd_avg` (`SlicedWassersteinDistance`, x1e3 as ProGAN) |
| `"ms_ssim"` | no | `ms_ssim` (`MultiScaleSSIMDiversity`, consecutive pairs; lower is more diverse) |
| `"precision_recall"` | yes | `precision`, `recall` (`precision_recall`, k = 3, on Inception features by default) |
| `"stacked_mnist"` | no | `stacked_mnist_modes`, `stacked_mnist_kl` (`StackedMNISTModeCoverage`) |
| `"mnist_digits"` | no | `digit_confidence`, `digit_confident_fraction`, `digit_classes` (`DigitQuality`) |

`"mnist_digits"` reads generated digits (grey or RGB, any size) with the shipped MNIST classifier: its mean top
probability, the fraction it reads with confidence >= 0.9 and how many of the 10 digits those cover.

FID, KID and precision/recall share one Inception pass. The reals' Inception statistics are cached on disk
(`dataset_statistics`) when the reals have an identity: a dataset spec, or `real_id` for arrays and iterables.
Precision/recall uses the FID Inception features unless `metric_options={"precision_recall": {"feature_extractor":
f}}` gives another extractor (StyleGAN-ADA's `pr50k3` uses VGG-16 features, so numbers differ from those).
"""

import json
import os

import keras
import numpy as np

from keras_gans.metrics.feature_statistics import dataset_statistics
from keras_gans.metrics.feature_statistics import generator_statistics
from keras_gans.metrics.feature_statistics import inception_statistics
from keras_gans.metrics.fid import fid_from_statistics
from keras_gans.metrics.fid import kid_from_statistics
from keras_gans.metrics.image_inputs import images_to_uint8
from keras_gans.metrics.mnist_classifier import DigitQuality
from keras_gans.metrics.ms_ssim import MS_SSIM_WEIGHTS
from keras_gans.metrics.ms_ssim import MultiScaleSSIMDiversity
from keras_gans.metrics.precision_recall import precision_recall
from keras_gans.metrics.stacked_mnist import StackedMNISTModeCoverage
from keras_gans.metrics.swd import SlicedWassersteinDistance

METRICS = ("fid", "kid", "swd", "ms_ssim", "precision_recall", "stacked_mnist", "mnist_digits")
_NEEDS_REALS = ("fid", "kid", "swd", "precision_recall")
# Options each metric accepts in `metric_options` (the evaluation's `seed` seeds KID subsets and SWD).
_OPTIONS = {
    "fid": (),
    "kid": ("num_subsets", "subset_size"),
    "swd": ("num_patches", "patch_size", "num_repeats", "dirs_per_repeat", "min_resolution", "compute"),
    "ms_ssim": ("max_val", "filter_size", "filter_sigma", "k1", "k2", "weights"),
    "precision_recall": ("k", "feature_extractor", "row_batch_size", "col_batch_size"),
    "stacked_mnist": ("classifier", "size_mode"),
    "mnist_digits": ("classifier",),
}
_OWNER = "evaluate_generator"


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{_OWNER}: `{name}` must be a positive integer, got {value!r}.")
    return int(value)


def _check_metrics(metrics, metric_options):
    if isinstance(metrics, str):
        metrics = (metrics,)
    metrics = tuple(dict.fromkeys(metrics))
    unknown = [m for m in metrics if m not in METRICS]
    if unknown or not metrics:
        raise ValueError(f"{_OWNER}: unknown metric(s) {unknown or metrics}; known metrics: {', '.join(METRICS)}.")
    options = {m: dict((metric_options or {}).get(m) or {}) for m in METRICS}
    for name in metric_options or {}:
        if name not in METRICS:
            raise ValueError(f"{_OWNER}: metric_options for unknown metric {name!r}; known: {', '.join(METRICS)}.")
        extra = sorted(set(options[name]) - set(_OPTIONS[name]))
        if extra:
            raise ValueError(f"{_OWNER}: unknown {name} options {extra}; it accepts {list(_OPTIONS[name])}.")
    return metrics, options


def _minimum_images(metric, options):
    return {"fid": 2, "kid": 2, "ms_ssim": 2, "precision_recall": options.get("k", 3) + 1}.get(metric, 1)


# ------------------------------------------------------------------------------------------- generated images


class _Sampler:
    """Draws float NHWC batches from a GAN, a generator network or a function, with fixed latents and labels."""

    def __init__(self, source, num_images, seed, use_ema, labels):
        self.source, self.use_ema = source, use_ema
        self.rng = np.random.default_rng(seed)
        self.produced, self.pending = 0, None
        self.kind = (
            "gan"
            if hasattr(source, "generate") and hasattr(source, "ema_generator")
            else ("network" if hasattr(source, "latent_dim") else "function")
        )
        if self.kind == "function" and not callable(source):
            raise ValueError(
                f"{_OWNER}: expected a GAN, a generator network (with `latent_dim`) or a function n -> images; got "
                f"{type(source).__name__}."
            )
        num_classes = int(getattr(source, "num_classes", 0) or 0)
        self.num_classes = num_classes
        if labels is not None and not num_classes:
            raise ValueError(f"{_OWNER}: `labels` were given but the generator is unconditional.")
        if labels is None or np.ndim(labels) == 0:
            self.labels = None if labels is None else int(labels)
        else:
            self.labels = np.asarray(labels).astype("int64")
            if self.labels.shape != (num_images,):
                raise ValueError(
                    f"{_OWNER}: `labels` must be one class id or {num_images} class ids; got shape {self.labels.shape}."
                )
        self.image_shape = tuple(getattr(source, "image_shape", ())) or None

    def _class_ids(self, n):
        index = np.arange(self.produced, self.produced + n)
        if self.labels is None:
            return index % self.num_classes  # cycle through the classes, like GAN.generate
        return np.full((n,), self.labels) if np.ndim(self.labels) == 0 else self.labels[index]

    def _draw(self, n):
        if self.kind == "function":
            return np.asarray(keras.ops.convert_to_numpy(self.source(n)))
        z = self.rng.standard_normal((n, int(self.source.latent_dim))).astype("float32")
        ids = self._class_ids(n) if self.num_classes else None
        if self.kind == "gan":
            return self.source.generate(z, labels=ids, use_ema=self.use_ema, output="float", batch_size=n)
        if ids is None:
            images = self.source(z, training=False)
        else:
            images = self.source(z, labels=np.eye(self.num_classes, dtype="float32")[ids], training=False)
        return np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(images, "float32")))

    def first_shape(self, batch_size):
        """The image shape (draws the first batch of a function generator to learn it)."""
        if self.image_shape is None:
            self.pending = self.next(batch_size)
            self.image_shape = tuple(self.pending.shape[1:])
        return self.image_shape

    def next(self, n):
        """The next `n` generated images as uint8 NumPy pixels."""
        if self.pending is not None:
            images, self.pending = self.pending[:n], (self.pending[n:] if len(self.pending) > n else None)
            return images
        images = self._draw(n)
        if images.ndim != 4 or images.shape[0] != n or images.shape[-1] not in (1, 3):
            raise ValueError(
                f"{_OWNER}: the generator returned shape {images.shape} for {n} images; expected ({n}, H, W, 1 or 3)."
            )
        self.produced += n
        if keras.backend.standardize_dtype(images.dtype) == "uint8":
            return images
        return np.asarray(keras.ops.convert_to_numpy(images_to_uint8(images)))


# ------------------------------------------------------------------------------------------------- real images


def _real_source(real, resolution, batch_size, seed, dataset_options):
    """`(iterable of batches, dataset id or None)` for a dataset spec, an array or an iterable of batches."""
    if isinstance(real, (str, os.PathLike)):
        from keras_gans.datasets import load_dataset

        spec = os.fspath(real)
        options = dict(dataset_options or {})
        if spec in ("embedded", "mnist") and resolution < 28:
            options.setdefault("pad_or_resize", "resize")  # as `keras-gans train`: 28x28 digits cannot be padded down
        data, _ = load_dataset(
            spec,
            resolution=resolution,
            batch_size=batch_size,
            labels=False,
            shuffle=True,
            seed=seed,
            drop_remainder=False,
            **options,
        )
        identity = f"{os.path.abspath(spec) if os.path.exists(spec) else spec}-{resolution}px-seed{seed}"
        if options:
            identity += "-" + json.dumps({k: str(v) for k, v in options.items()}, sort_keys=True)
        return data, identity
    if dataset_options:
        raise ValueError(f"{_OWNER}: `dataset_options` only apply when `real` is a dataset spec.")
    if hasattr(real, "shape") and len(real.shape) == 4:
        return (real[start : start + batch_size] for start in range(0, int(real.shape[0]), batch_size)), None
    if hasattr(real, "__iter__"):
        return real, None
    raise ValueError(
        f"{_OWNER}: `real` must be a dataset spec (see keras_gans.datasets.load_dataset), an (N, H, W, C) array or "
        f"an iterable of image batches; got {type(real).__name__}."
    )


def _uint8_batches(batches, count, image_shape, users):
    """Exactly `count` real images as uint8 NumPy batches, checked against the generator's image size."""
    seen = 0
    for batch in batches:
        batch = batch[0] if isinstance(batch, (tuple, list)) else batch
        batch = np.asarray(keras.ops.convert_to_numpy(batch))
        if batch.ndim != 4 or tuple(batch.shape[1:3]) != tuple(image_shape[:2]) or batch.shape[-1] not in (1, 3):
            raise ValueError(
                f"{_OWNER}: real batches must be (N, {image_shape[0]}, {image_shape[1]}, 1 or 3) to "
                f"match the generator; got {batch.shape}."
            )
        dtype = keras.backend.standardize_dtype(batch.dtype)
        if dtype.startswith("float"):
            if batch.size and (batch.min() < -1.01 or batch.max() > 1.01):
                raise ValueError(
                    f"{_OWNER}: float real images must be in [-1, 1]; got [{batch.min()}, "
                    f"{batch.max()}]. Pass uint8 pixels or rescale."
                )
            batch = np.asarray(keras.ops.convert_to_numpy(images_to_uint8(batch)))
        elif dtype != "uint8":
            raise ValueError(f"{_OWNER}: real images must be uint8 or float in [-1, 1]; got dtype {dtype}.")
        batch = batch[: count - seen]
        seen += len(batch)
        yield batch
        if seen >= count:
            return
    raise ValueError(
        f"{_OWNER}: {', '.join(users)} {'needs' if len(users) == 1 else 'need'} {count} real images "
        f"(num_real_images); the real data has only {seen}."
    )


# ------------------------------------------------------------------------------------------------- evaluator


class GeneratorEvaluator:
    """Scores generators with a fixed set of metrics against fixed real data, computing the real side once.

    Use it to evaluate several generators (or one generator during training, see
    `keras_gans.callbacks.GANEvaluation`) against the same reals: the real Inception statistics and SWD
    descriptors are computed on the first `evaluate()` and reused. `evaluate_generator` is the one-shot form.

    Args:
        metrics: names from `METRICS` (`"fid"`, `"kid"`, `"swd"`, `"ms_ssim"`, `"precision_recall"`,
            `"stacked_mnist"`, `"mnist_digits"`).
        real: the real images for FID, KID, SWD and precision/recall: a dataset spec for
            `keras_gans.datasets.load_dataset` (loaded at the generator's resolution, shuffled with `seed`), an
            `(N, H, W, C)` array or tensor, or an iterable of batches (`images` or `(images, labels)`); uint8
            pixels or float in [-1, 1].
        num_images: generated images per evaluation.
        num_real_images: real images used (default `num_images`; SWD needs them equal).
        batch_size: images per generator and feature-extractor call.
        seed: seed of the latents (`np.random.default_rng(seed)`, identical on every backend), of the real
            data's shuffling, of the KID subsets and of the SWD patches and directions.
        inception: the feature extractor of FID/KID/precision-recall (`FIDInceptionV3` or an object with
            `resize` and `extract_features(uint8_images, batch_size)`); a default `FIDInceptionV3()` when needed.
        real_id: a string naming array/iterable reals exactly, to cache their Inception statistics.
        cache_dir: where real statistics are cached (default: `<keras_gans cache>/fid_statistics`).
        dataset_options: extra `load_dataset` options for a dataset spec (`split`, `pad_or_resize`, ...).
        metric_options: per-metric options, e.g. `{"kid": {"num_subsets": 100, "subset_size": 1000}, "swd":
            {"num_patches": 128, "min_resolution": 16}, "precision_recall": {"k": 3}, "stacked_mnist":
            {"size_mode": "pad"}}`.
        progress: show tqdm progress bars (on stderr) for the real and the generated images.

    Examples:

    ```python
    evaluator = GeneratorEvaluator(("fid", "kid"), real="tfds:cifar10", num_images=10_000)
    evaluator.evaluate(gan)                 # {"fid": ..., "kid": ..., "kid_std": ...}
    evaluator.evaluate(gan, use_ema=False)  # the same reals, not recomputed
    ```
    """

    def __init__(
        self,
        metrics=("fid",),
        real=None,
        num_images=10_000,
        num_real_images=None,
        batch_size=64,
        seed=0,
        inception=None,
        real_id=None,
        cache_dir=None,
        dataset_options=None,
        metric_options=None,
        progress=False,
    ):
        self.progress = bool(progress)
        self.metrics, self.options = _check_metrics(metrics, metric_options)
        self.num_images = _positive_int(num_images, "num_images")
        self.num_real_images = _positive_int(num_real_images or num_images, "num_real_images")
        self.batch_size = _positive_int(batch_size, "batch_size")
        self.seed = int(seed)
        self.real, self.real_id, self.cache_dir = real, real_id, cache_dir
        self.dataset_options = dataset_options
        self._inception = inception
        real_users = [m for m in self.metrics if m in _NEEDS_REALS]
        if real_users and real is None:
            raise ValueError(
                f"{_OWNER}: {', '.join(real_users)} compare with real images; pass `real=` (a "
                "dataset spec, an array or an iterable of batches)."
            )
        for metric in self.metrics:
            needed = _minimum_images(metric, self.options[metric])
            if self.num_images < needed or (metric in real_users and self.num_real_images < needed):
                raise ValueError(
                    f"{_OWNER}: {metric} needs at least {needed} generated"
                    f"{' and real' if metric in real_users else ''} images; got num_images="
                    f"{self.num_images}, num_real_images={self.num_real_images}."
                )
        if "ms_ssim" in self.metrics and self.num_images % 2:
            raise ValueError(
                f"{_OWNER}: ms_ssim scores pairs of images; num_images must be even, got {self.num_images}."
            )
        if "swd" in self.metrics and self.num_real_images != self.num_images:
            raise ValueError(
                f"{_OWNER}: swd compares equally many real and generated images; got num_images="
                f"{self.num_images}, num_real_images={self.num_real_images}."
            )
        pr = self.options["precision_recall"]
        self._inception_pr = "precision_recall" in self.metrics and pr.get("feature_extractor") is None
        self._use_inception = bool({"fid", "kid"} & set(self.metrics)) or self._inception_pr
        self._keep_features = "kid" in self.metrics or self._inception_pr
        self._image_shape = None
        self._stacked = None
        self._digits = None

    @property
    def inception(self):
        if self._inception is None:
            from keras_gans.metrics.inception import FIDInceptionV3

            self._inception = FIDInceptionV3()
        return self._inception

    # -------------------------------------------------------------- real side (once)
    def _check_image_shape(self, shape):
        height, width, channels = shape
        if "ms_ssim" in self.metrics:
            factor = 2 ** (len(self.options["ms_ssim"].get("weights", MS_SSIM_WEIGHTS)) - 1)
            if height % factor or width % factor:
                raise ValueError(
                    f"{_OWNER}: ms_ssim needs images whose sides are multiples of {factor}; the "
                    f"generator makes {height}x{width}."
                )
        if "stacked_mnist" in self.metrics and (channels != 3 or (height, width) not in ((32, 32), (28, 28))):
            raise ValueError(
                f"{_OWNER}: stacked_mnist needs 32x32x3 (or 28x28x3) images; the generator makes "
                f"{height}x{width}x{channels}."
            )
        if "swd" in self.metrics:
            smallest = self.options["swd"].get("min_resolution", 16)
            if height != width or height < smallest:
                raise ValueError(
                    f"{_OWNER}: swd needs square images of at least min_resolution={smallest} pixels "
                    f"(metric_options={{'swd': {{'min_resolution': ...}}}}); the generator makes "
                    f"{height}x{width}."
                )

    def _prepare_reals(self, image_shape):
        self._check_image_shape(image_shape)
        self._image_shape = image_shape
        self._real_stats, self._real_features, self._swd = None, None, None
        users = [m for m in self.metrics if m in _NEEDS_REALS]
        if not users:
            return
        consumers = []
        if "swd" in self.metrics:
            self._swd = SlicedWassersteinDistance(image_shape[0], seed=self.seed, **self.options["swd"])
            consumers.append(self._swd.update_reals)
        extractor = self.options["precision_recall"].get("feature_extractor")
        if extractor is not None:
            self._real_features = []
            consumers.append(lambda batch: self._real_features.append(_features(extractor, batch)))
        batches, dataset_id = _real_source(self.real, image_shape[0], self.batch_size, self.seed, self.dataset_options)
        real_images = _uint8_batches(batches, self.num_real_images, image_shape, users)
        fed = []
        bar = _progress_bar(self.progress, self.num_real_images, "real images")

        def feed_consumers():
            for batch in real_images:
                fed.append(len(batch))
                bar.update(len(batch))
                for consume in consumers:
                    consume(batch)
                yield batch

        if self._use_inception:
            max_features = self.num_real_images if self._keep_features else 0
            dataset_id = self.real_id or dataset_id
            if dataset_id is None:
                self._real_stats = inception_statistics(
                    feed_consumers(), self.inception, self.batch_size, self.num_real_images, max_features
                )
            else:  # a cache hit leaves the reals unread: the other consumers read them below
                self._real_stats = dataset_statistics(
                    feed_consumers(),
                    dataset_id,
                    self.inception,
                    self.num_real_images,
                    self.batch_size,
                    max_features,
                    self.cache_dir,
                )
        if consumers and not fed:
            for _ in feed_consumers():
                pass
        bar.close()
        if self._real_features is not None:
            self._real_features = np.concatenate(self._real_features)

    # -------------------------------------------------------------- one evaluation
    def evaluate(self, model_or_generator, use_ema=True, labels=None):
        """Scores one generator; returns a dict of Python floats (see the module docstring for the names).

        Args:
            model_or_generator: a `GAN` (its `generate(..., output="float")`), a generator network (attributes
                `latent_dim` and `num_classes`, called as `network(z, labels=one_hot, training=False)`), or a
                function `n -> (n, H, W, C)` float images in [-1, 1] (or uint8 pixels).
            use_ema: with a `GAN`, sample the EMA generator (default) or the trained one.
            labels: for conditional generators: one class id, `num_images` class ids, or `None` to cycle
                through the classes.
        """
        sampler = _Sampler(model_or_generator, self.num_images, self.seed, use_ema, labels)
        shape = tuple(int(d) for d in sampler.first_shape(min(self.batch_size, self.num_images)))
        if self._image_shape is None:
            self._prepare_reals(shape)
        elif shape != self._image_shape:
            raise ValueError(
                f"{_OWNER}: this evaluator was set up for {self._image_shape} images; the generator makes {shape}."
            )
        consumers, fake_features, diversity = [], [], None
        if self._swd is not None:
            self._swd.reset_fakes()
            consumers.append(self._swd.update_fakes)
        if "ms_ssim" in self.metrics:
            diversity = MultiScaleSSIMDiversity(self.num_images, **self.options["ms_ssim"])
            consumers.append(diversity.update_state)
        if "stacked_mnist" in self.metrics:
            if self._stacked is None:
                self._stacked = StackedMNISTModeCoverage(**self.options["stacked_mnist"])
            self._stacked.reset_state()
            consumers.append(self._stacked.update_state)
        if "mnist_digits" in self.metrics:
            if self._digits is None:
                self._digits = DigitQuality(**self.options["mnist_digits"])
            self._digits.reset_state()
            consumers.append(self._digits.update_state)
        extractor = self.options["precision_recall"].get("feature_extractor")
        if extractor is not None:
            consumers.append(lambda batch: fake_features.append(_features(extractor, batch)))
        remaining = [self.num_images]
        bar = _progress_bar(self.progress, self.num_images, "generated images")

        def next_batch(n):
            images = sampler.next(min(n, remaining[0]))
            remaining[0] -= len(images)
            bar.update(len(images))
            for consume in consumers:
                consume(images)
            return images

        fake_stats = None
        if self._use_inception:
            max_features = self.num_images if self._keep_features else 0
            fake_stats = generator_statistics(
                next_batch, self.num_images, self.batch_size, self.inception, max_features
            )
        else:
            while remaining[0] > 0:
                next_batch(self.batch_size)
        bar.close()
        return self._results(fake_stats, fake_features, diversity)

    def _results(self, fake_stats, fake_features, diversity):
        results = {}
        if "fid" in self.metrics:
            results["fid"] = fid_from_statistics(self._real_stats, fake_stats)
        if "kid" in self.metrics:
            kid = self.options["kid"]
            mean, std = kid_from_statistics(
                self._real_stats, fake_stats, kid.get("num_subsets", 100), kid.get("subset_size", 1000), self.seed
            )
            results.update(kid=mean, kid_std=std)
        if "swd" in self.metrics:
            for name, value in self._swd.result().items():
                results["swd_" + name[len("SWDx1e3_") :]] = float(value)
        if "ms_ssim" in self.metrics:
            results["ms_ssim"] = float(diversity.result())
        if "precision_recall" in self.metrics:
            pr = {k: v for k, v in self.options["precision_recall"].items() if k != "feature_extractor"}
            if self._inception_pr:
                real, fake = self._real_stats.features, fake_stats.features
            else:
                real, fake = self._real_features, np.concatenate(fake_features)
            scores = precision_recall(real, fake, **pr)
            results.update(precision=scores["precision"], recall=scores["recall"])
        if "stacked_mnist" in self.metrics:
            coverage = self._stacked.result()
            results.update(stacked_mnist_modes=float(coverage["modes"]), stacked_mnist_kl=float(coverage["kl"]))
        if "mnist_digits" in self.metrics:
            quality = self._digits.result()
            results.update(
                digit_confidence=quality["mean_confidence"],
                digit_confident_fraction=quality["confident_fraction"],
                digit_classes=quality["classes_covered"],
            )
        return {name: float(value) for name, value in results.items()}


def _progress_bar(enabled, total, what):
    """A tqdm bar on stderr counting `what`; disabled (no output) unless `enabled`."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=what, unit="img", disable=not enabled, leave=False, dynamic_ncols=True)


def _features(extractor, images):
    features = np.asarray(keras.ops.convert_to_numpy(extractor(images)), "float32")
    if features.ndim != 2 or len(features) != len(images):
        raise ValueError(
            f"{_OWNER}: the precision_recall feature_extractor must return ({len(images)}, D) "
            f"features; got {features.shape}."
        )
    return features


def evaluate_generator(
    model_or_generator,
    metrics=("fid",),
    real=None,
    num_images=10_000,
    batch_size=64,
    use_ema=True,
    labels=None,
    seed=0,
    **kwargs,
):
    """Computes the chosen metrics of a GAN or generator in one call; returns a dict of Python floats.

    Args:
        model_or_generator: a `GAN`, a generator network or a function `n -> images` (see
            `GeneratorEvaluator.evaluate`).
        metrics: names from `METRICS`; e.g. `("fid", "kid", "swd", "ms_ssim", "precision_recall")`.
        real: the real images (a dataset spec, an array or an iterable of batches); needed by FID, KID, SWD and
            precision/recall.
        num_images: generated images (50,000 for FID50k, 16,384 for ProGAN's SWD, 20,000 for its MS-SSIM,
            26,000 for StackedMNIST); the default 10,000 is a quicker estimate, not comparable with papers.
        batch_size: images per generator and feature-extractor call.
        use_ema: with a `GAN`, sample the EMA generator (default).
        labels: class ids for a conditional generator (default: cycle through the classes).
        seed: seed of the latents, the real data's shuffling and the metrics' random draws.
        **kwargs: the other `GeneratorEvaluator` arguments (`num_real_images`, `inception`, `real_id`,
            `cache_dir`, `dataset_options`, `metric_options`, `progress`).

    Returns:
        e.g. `{"fid": ..., "kid": ..., "kid_std": ..., "swd_32": ..., "swd_16": ..., "swd_avg": ...,
        "ms_ssim": ..., "precision": ..., "recall": ..., "stacked_mnist_modes": ..., "stacked_mnist_kl": ...,
        "digit_confidence": ..., "digit_confident_fraction": ..., "digit_classes": ...}`.

    Examples:

    ```python
    model = keras_gans.R3GAN.from_preset("cifar10")
    keras_gans.metrics.evaluate_generator(model, ("fid", "kid"), real="tfds:cifar10", num_images=50_000)
    ```
    """
    evaluator = GeneratorEvaluator(metrics, real, num_images=num_images, batch_size=batch_size, seed=seed, **kwargs)
    return evaluator.evaluate(model_or_generator, use_ema=use_ema, labels=labels)
