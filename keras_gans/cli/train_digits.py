"""The `digits` configuration of `keras-gans train`: a grayscale R3GAN for the MNIST digits, and how the run
reports the shipped MNIST classifier's reading of its samples.

It was chosen by measurement (README, "From a fresh clone"): each candidate trained at 16x16 and was scored by
the classifier every few hundred steps. At batch 8 a narrow network runs many more steps per second on a CPU than a
wider one at a larger batch, and reaches digits the classifier reads in fewer seconds. `examples/quickstart.py`
trains the same configuration.
"""

DIGITS_NAME = "digits"
DIGIT_DATASETS = ("embedded", "mnist")
DIGIT_QUALITY_IMAGES = 1000  # samples the classifier reads at the end of a run
DIGITS = {
    "resolution": 16,
    "width": 32,
    "group_width": 16,
    "blocks_per_stage": 1,
    "latent_dim": 64,
    "batch_size": 8,
    "steps": 6000,
    "gamma": 1.0,
    "learning_rate": 1e-3,
    "ema_half_life_images": 2000.0,
}


def digit_pad_or_resize(resolution):
    """How MNIST's 28x28 digits reach `resolution`: scaled down below 28 (they cannot be padded down), else padded."""
    return "resize" if resolution < 28 else "pad"


def digits_model(
    levels,
    num_classes=0,
    seed=0,
    width=DIGITS["width"],
    group_width=DIGITS["group_width"],
    blocks_per_stage=DIGITS["blocks_per_stage"],
    latent_dim=DIGITS["latent_dim"],
    name="r3gan_digits",
):
    """The `digits` R3GAN with `levels` stages (resolution `4 * 2 ** (levels - 1)`), uncompiled; the keyword
    arguments override its network sizes."""
    import keras_gans

    arch = {
        "widths": [width] * levels,
        "cardinalities": [max(1, width // group_width)] * levels,
        "blocks_per_stage": blocks_per_stage,
        "expansion_factor": 2,
        "image_channels": 1,
    }
    generator = keras_gans.R3GANGenerator(**arch, latent_dim=latent_dim, num_classes=num_classes)
    discriminator = keras_gans.R3GANDiscriminator(**arch, num_classes=num_classes)
    return keras_gans.R3GAN(generator, discriminator, seed=seed, name=name)


def digit_quality_report(model, seed, resolution):
    """`{"generated": ..., "real_digits": ...}`: `digit_quality` of `DIGIT_QUALITY_IMAGES` samples (latents of
    seed `seed + 1`) and, for scale, of as many real digits brought to the same resolution."""
    import keras_gans
    from keras_gans.metrics.mnist_classifier import digit_quality
    from keras_gans.metrics.mnist_classifier import load_mnist_classifier

    classifier = load_mnist_classifier()
    fit = digit_pad_or_resize(resolution)
    real, _ = keras_gans.datasets.load_embedded_digits(resolution, as_rgb=False, pad_or_resize=fit)
    return {
        "generated": digit_quality(model.generate(DIGIT_QUALITY_IMAGES, seed=seed + 1), classifier),
        "real_digits": digit_quality(real[:DIGIT_QUALITY_IMAGES], classifier),
    }
