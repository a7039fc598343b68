"""Projection (GAN inversion): the latents, and for conditional models the class, that reproduce given images.

The latents are optimised with Adam to minimise, per image, a pixel loss plus a perceptual distance:

    loss = pixel_weight * mean((G(z) - x)^2) + feature_weight * mean over layers of d_l(G(z), x)

(weights 1 and 0.1 by default), with `d_l` the LPIPS-style distance of one feature map (Zhang et al., 2018,
https://arxiv.org/abs/1801.03924) without LPIPS' learned channel weights: features are normalised to unit length
over channels at every position, and the squared differences are summed over channels and averaged over
positions. The default features are the
model's own discriminator's (`feature_maps()` of `R3GANDiscriminator` and `ProGANDiscriminator`), which exist for
every model the library ships; the FID Inception network's pool3 features can be used instead when its converted
weights are present (`feature_extractor="inception"`).

Every image is optimised independently (the loss is a sum of per-image terms, Adam is elementwise and the features
of one image do not depend on the others), so projecting a batch gives the same latents as projecting its images
one by one.

Classes. With `labels` given, the labels are fixed. Without them, a conditional model's labels are optimised too,
as soft labels `softmax(logits)` (logits start at 0, the uniform blend): both generators take float one-hot labels
that enter linearly, so a blend is a valid input and the optimisation stays a smooth problem. The result reports
the soft labels (which the reconstruction used) and their argmax. That class is the one whose label best
reproduces the image together with the optimised latent; it is not a classification of the image (the latent can
often make up for the label).
"""

import dataclasses

import keras
import numpy as np
from keras import ops

from keras_gans.backend.gradients import no_grad
from keras_gans.backend.gradients import value_and_grad
from keras_gans.training.inputs import generation_labels

FEATURE_EXTRACTORS = ("discriminator", "inception", "none")
_NORMALIZE_EPSILON = 1e-10


@dataclasses.dataclass
class Projection:
    """The result of `project`.

    Attributes:
        latents: float32 `(N, latent_dim)`, the optimised latents.
        labels: int64 class ids `(N,)` (the given ones, or the argmax of the optimised soft labels); None for
            unconditional models.
        class_probabilities: float32 `(N, K)` labels the reconstruction used (the given labels as one-hot, or the
            optimised soft labels); None for unconditional models.
        images: uint8 `(N, H, W, C)` reconstructions, `gan.generate(latents, labels=class_probabilities)`.
        pixel_mse: float64 `(N,)` mean squared pixel error of the reconstruction, in the [-1, 1] scale (for
            uint8 targets, of the generator output clipped to the range that uint8 images can hold).
        initial_pixel_mse: float64 `(N,)` the same for the starting latents.
        losses: float64 `(steps + 1,)` mean loss over the images before every step and after the last. The
            result holds, per image, the parameters of its lowest loss along the way.
    """

    latents: np.ndarray
    labels: np.ndarray
    class_probabilities: np.ndarray
    images: np.ndarray
    pixel_mse: np.ndarray
    initial_pixel_mse: np.ndarray
    losses: np.ndarray


def perceptual_distance(features_a, features_b):
    """Per-image LPIPS-style distance between two lists of feature maps `(N, H, W, C)` or `(N, C)`.

    Each map is normalised to unit length over channels at every position; the squared differences are summed over
    channels, averaged over positions, then averaged over the maps. Returns a float32 tensor `(N,)`.
    """
    if len(features_a) != len(features_b) or not features_a:
        raise ValueError(
            f"perceptual_distance: expected two equally long, non-empty lists of feature maps; got "
            f"{len(features_a)} and {len(features_b)}."
        )
    total = 0.0
    for a, b in zip(features_a, features_b):
        a, b = ops.cast(a, "float32"), ops.cast(b, "float32")
        a = a * ops.rsqrt(ops.sum(a * a, axis=-1, keepdims=True) + _NORMALIZE_EPSILON)
        b = b * ops.rsqrt(ops.sum(b * b, axis=-1, keepdims=True) + _NORMALIZE_EPSILON)
        squared = ops.sum(ops.square(a - b), axis=-1)
        total = total + (
            ops.mean(squared, axis=tuple(range(1, len(squared.shape)))) if len(squared.shape) > 1 else squared
        )
    return total / len(features_a)


def discriminator_feature_extractor(gan):
    """`images -> list of feature maps` from `gan.discriminator.feature_maps` (R3GAN and ProGAN discriminators)."""
    discriminator = gan.discriminator
    if not callable(getattr(discriminator, "feature_maps", None)):
        raise ValueError(
            f"project: the discriminator {type(discriminator).__name__} has no `feature_maps(images)` method; pass "
            "`feature_extractor=` a function from images to a list of feature maps, or `feature_extractor='none'` "
            "for a pixel loss only."
        )
    return discriminator.feature_maps


def inception_feature_extractor(weights="fid", resize="legacy_tf"):
    """`images in [-1, 1] -> [pool3 features (N, 2048)]` of the FID Inception network, whose converted weights
    must be present locally (`$KERAS_GANS_FID_WEIGHTS`, the cache file, or a path); nothing is downloaded."""
    from keras_gans.metrics.inception import FIDInceptionV3
    from keras_gans.metrics.inception import fid_inception_weights

    network = FIDInceptionV3(resize=resize, weights=fid_inception_weights(weights, download=False))

    def extract(images):
        # generate()'s uint8 mapping in float: x * 127.5 + 128 (clipping would stop the gradient at the bounds).
        return [network(ops.cast(images, "float32") * 127.5 + 128.0)]

    return extract


def _resolve_feature_extractor(gan, feature_extractor):
    if callable(feature_extractor):
        return feature_extractor
    if feature_extractor not in FEATURE_EXTRACTORS:
        raise ValueError(
            f"project: `feature_extractor` must be one of {FEATURE_EXTRACTORS} or a function; got "
            f"{feature_extractor!r}."
        )
    if feature_extractor == "discriminator":
        return discriminator_feature_extractor(gan)
    if feature_extractor == "inception":
        return inception_feature_extractor()
    return None


def target_images_to_float(gan, images):
    """Target images as float32 in the generator's [-1, 1] scale.

    uint8 images are mapped to the centre of the interval of generator outputs that `gan.generate` turns into that
    value (`(u + 0.5 - offset) / 127.5` for the floor rounding, `(u - offset) / 127.5` for rounding to nearest),
    so that a generated uint8 image projects back without bias. Float images must already be in [-1, 1].

    Returns:
        `(images, value_range)`: `value_range` is `(low, high)`, the targets of uint8 values 0 and 255, for uint8
        images (generator outputs beyond it give the same uint8 image, so the loss clips them to it), else None.
    """
    images = np.asarray(images)
    if images.ndim != 4 or tuple(images.shape[1:]) != tuple(gan.image_shape):
        raise ValueError(
            f"project: images must have shape (N, {', '.join(map(str, gan.image_shape))}) (NHWC); got {images.shape}."
        )
    if images.dtype == np.uint8:
        half = 0.5 if gan.uint8_rounding == "floor" else 0.0
        low, high = (half - gan.uint8_offset) / 127.5, (255.0 + half - gan.uint8_offset) / 127.5
        return ((images.astype("float64") + half - gan.uint8_offset) / 127.5).astype("float32"), (low, high)
    if images.dtype.kind != "f":
        raise ValueError(f"project: images must be uint8 in [0, 255] or float in [-1, 1]; got dtype {images.dtype}.")
    if not np.all(np.isfinite(images)):
        raise ValueError("project: the images contain NaN or Inf.")
    return images.astype("float32"), None


def _fixed_labels(gan, labels, n):
    if labels is None:
        return None
    if not gan.num_classes:
        raise ValueError("project: the model is unconditional; do not pass labels.")
    return generation_labels(labels, n, gan.num_classes)


def project(
    gan,
    images,
    steps=100,
    labels=None,
    learning_rate=0.1,
    pixel_weight=1.0,
    feature_weight=0.1,
    feature_extractor="discriminator",
    initial_latents=None,
    num_candidates=8,
    seed=0,
    use_ema=True,
):
    """Finds latents (and, for a conditional model without `labels`, soft class labels) that reproduce `images`.

    The starting latent of every image is the best, by the same loss, of `num_candidates` latents drawn from
    `np.random.default_rng(seed)` (or `initial_latents`). Then `steps` Adam steps (learning rate `learning_rate`
    with cosine decay to 0) minimise the loss described in the module docstring, through the project's backend
    gradient helper, on any backend. Each image keeps the parameters of its lowest loss along the way (Adam's
    loss is not monotone). For uint8 images, generator outputs beyond the values that 0 and 255 stand for are
    clipped to them in the loss, as `generate` clips them. There is no prior term on the latents.

    Args:
        gan: a `keras_gans.GAN` (R3GAN, ProGAN, ...).
        images: `(N, H, W, C)` uint8 in [0, 255] or float in [-1, 1].
        steps: optimisation steps.
        labels: for conditional models, the images' classes (ids `(N,)`, one id, or one-hot `(N, K)`), kept
            fixed; None optimises soft labels (see the module docstring).
        learning_rate: Adam's initial learning rate (latents and label logits).
        pixel_weight: weight of the mean squared pixel error.
        feature_weight: weight of the perceptual distance.
        feature_extractor: `"discriminator"` (default), `"inception"` (FID Inception pool3, weights must be
            present locally), `"none"` (pixel loss only) or a function `images -> list of feature maps`.
        initial_latents: optional starting latents `(N, latent_dim)` (then no candidates are drawn).
        num_candidates: random starting latents tried per image.
        seed: seed of the candidates.
        use_ema: invert the EMA generator (default) or the trained generator.

    Returns:
        A `Projection` (latents, labels, reconstructions, errors, loss history).

    Examples:

    ```python
    result = keras_gans.project(gan, images, steps=200)
    result.images                  # reconstructions, uint8
    gan.generate(result.latents, labels=result.class_probabilities)  # the same images
    ```
    """
    target, value_range = target_images_to_float(gan, images)
    n = target.shape[0]
    if int(steps) != steps or steps < 0:
        raise ValueError(f"project: `steps` must be an integer >= 0, got {steps!r}.")
    if int(num_candidates) != num_candidates or num_candidates < 1:
        raise ValueError(f"project: `num_candidates` must be an integer >= 1, got {num_candidates!r}.")
    for name, value, zero_allowed in (
        ("learning_rate", learning_rate, False),
        ("pixel_weight", pixel_weight, False),
        ("feature_weight", feature_weight, True),
    ):
        number = isinstance(value, (int, float, np.number)) and np.isfinite(value)
        if not (number and (value >= 0 if zero_allowed else value > 0)):
            raise ValueError(
                f"project: `{name}` must be a finite number {'>=' if zero_allowed else '>'} 0, got {value!r}."
            )
    generator = gan.ema_generator if use_ema else gan.generator
    fixed_labels = _fixed_labels(gan, labels, n)
    optimise_labels = bool(gan.num_classes) and fixed_labels is None
    extractor = _resolve_feature_extractor(gan, feature_extractor)
    target_tensor = ops.convert_to_tensor(target)
    target_features = None
    if extractor is not None and feature_weight:
        target_features = [ops.stop_gradient(f) for f in extractor(target_tensor)]

    def per_image_loss(z, label_logits, target_batch, features_batch):
        soft = None
        if optimise_labels:
            soft = ops.softmax(label_logits, axis=-1)
        elif fixed_labels is not None:
            soft = ops.convert_to_tensor(fixed_labels)
        produced = ops.cast(generator(z, labels=soft, training=False), "float32")
        if value_range is not None:
            produced = ops.clip(produced, *value_range)
        loss = pixel_weight * ops.mean(ops.square(produced - target_batch), axis=(1, 2, 3))
        if features_batch is not None:
            loss = loss + feature_weight * perceptual_distance(extractor(produced), features_batch)
        return loss

    latents = _starting_latents(
        gan, per_image_loss, target, target_features, initial_latents, num_candidates, seed, optimise_labels
    )
    variables = [keras.Variable(latents, dtype="float32", name="projection_latents")]
    if optimise_labels:
        variables.append(keras.Variable(np.zeros((n, gan.num_classes), "float32"), name="projection_label_logits"))

    def total_loss(params):
        logits = params[1] if optimise_labels else None
        per_image = per_image_loss(params[0], logits, target_tensor, target_features)
        return ops.sum(per_image), per_image

    gradient = value_and_grad(total_loss, has_aux=True)
    schedule = keras.optimizers.schedules.CosineDecay(float(learning_rate), max(int(steps), 1))
    optimizer = keras.optimizers.Adam(learning_rate=schedule)
    optimizer.build(variables)
    # The best parameters seen per image: Adam does not decrease the loss monotonically.
    best = [np.asarray(ops.convert_to_numpy(v.value)) for v in variables]
    best_loss = np.full((n,), np.inf)
    losses = []
    for step in range(int(steps) + 1):
        values = [v.value for v in variables]
        if step < steps:
            (loss, per_image), grads = gradient(values)
        else:
            with no_grad():
                loss, per_image = total_loss(values)
        per_image = np.asarray(ops.convert_to_numpy(per_image), "float64")
        losses.append(float(per_image.mean()))
        improved = per_image < best_loss
        best_loss = np.where(improved, per_image, best_loss)
        for kept, value in zip(best, values):
            kept[improved] = np.asarray(ops.convert_to_numpy(value))[improved]
        if step < steps:
            with no_grad():
                optimizer.apply(grads, variables)

    latents_out = best[0].astype("float32")
    probabilities = fixed_labels
    if optimise_labels:
        probabilities = np.asarray(ops.convert_to_numpy(ops.softmax(best[1], axis=-1)), "float32")
    reconstruction = gan.generate(latents_out, labels=probabilities, use_ema=use_ema, output="float")
    start = gan.generate(
        latents, labels=_initial_labels(gan, fixed_labels, n, optimise_labels), use_ema=use_ema, output="float"
    )
    if value_range is not None:
        reconstruction, start = np.clip(reconstruction, *value_range), np.clip(start, *value_range)
    return Projection(
        latents=latents_out,
        labels=None if probabilities is None else np.argmax(probabilities, axis=-1).astype("int64"),
        class_probabilities=probabilities,
        images=gan.generate(latents_out, labels=probabilities, use_ema=use_ema),
        pixel_mse=np.mean((reconstruction.astype("float64") - target) ** 2, axis=(1, 2, 3)),
        initial_pixel_mse=np.mean((start.astype("float64") - target) ** 2, axis=(1, 2, 3)),
        losses=np.asarray(losses, "float64"),
    )


def _initial_labels(gan, fixed_labels, n, optimise_labels):
    if optimise_labels:
        return np.full((n, gan.num_classes), 1.0 / gan.num_classes, "float32")
    return fixed_labels


def _starting_latents(
    gan, per_image_loss, target, target_features, initial_latents, num_candidates, seed, optimise_labels
):
    """The starting latent per image: `initial_latents`, or the lowest-loss of `num_candidates` random latents."""
    n = target.shape[0]
    if initial_latents is not None:
        latents = np.asarray(initial_latents, dtype="float32")
        if latents.shape != (n, gan.latent_dim):
            raise ValueError(
                f"project: `initial_latents` must have shape ({n}, {gan.latent_dim}); got {latents.shape}."
            )
        return latents
    candidates = np.random.default_rng(seed).standard_normal((num_candidates, n, gan.latent_dim)).astype("float32")
    if num_candidates == 1:
        return candidates[0]
    logits = ops.zeros((n, gan.num_classes), "float32") if optimise_labels else None
    with no_grad():
        losses = np.stack(
            [
                np.asarray(
                    ops.convert_to_numpy(per_image_loss(ops.convert_to_tensor(c), logits, target, target_features))
                )
                for c in candidates
            ]
        )
    return candidates[np.argmin(losses, axis=0), np.arange(n)]
