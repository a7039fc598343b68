"""R3GAN presets: the architecture and training recipe of every published configuration, as plain data.

Numbers follow the official `train.py` (brownvc/R3GAN) and the paper (https://arxiv.org/abs/2501.05441). Every
per-stage list is in generator order (4x4 stage first) and serves both networks; `bfloat16_stages` reproduces the
official mixed-precision layout ("FP16Stages", which is bfloat16). `official_parameters` are the parameter counts
of the official networks (buffers excluded); the Keras networks have exactly as many trainable parameters.

Recipe keys (schedules are half-cosines from `*_base` at 0 images to `*_final` at `decay_nimg`, then constant):
`gamma_base/final` (R1 + R2 weight, applied as gamma / 2), `aug_p_final` (augmentation probability, from 0),
`ema_half_life_nimg_final` (EMA half-life in images, from 0), `decay_nimg`, `lr_base/final`, `beta1`,
`beta2_base/final`, `adam_epsilon`, `batch_size` (global batch of the README commands), `mirror` (x-flip the
dataset), `augment`.

Architectures of other configurations (the test suite's fixtures, the benchmark's) are registered where they are
used, with `keras_gans.presets.register_presets(PRESET_FAMILY, {...})`.
"""

from keras_gans.presets import registry

PRESET_FAMILY = "r3gan"

_COMMON_RECIPE = {
    "lr_base": 2e-4,
    "lr_final": 5e-5,
    "beta1": 0.0,
    "beta2_base": 0.9,
    "beta2_final": 0.99,
    "adam_epsilon": 1e-8,
    "mirror": True,
    "augment": True,
}
_CIFAR10_RECIPE = {
    **_COMMON_RECIPE,
    "gamma_base": 0.05,
    "gamma_final": 0.005,
    "aug_p_final": 0.55,
    "ema_half_life_nimg_final": 5e6,
    "decay_nimg": 2e7,
    "batch_size": 512,
}
_FFHQ_RECIPE = {
    **_COMMON_RECIPE,
    "aug_p_final": 0.3,
    "ema_half_life_nimg_final": 5e5,
    "decay_nimg": 2e7,
    "batch_size": 256,
}
_IMAGENET_RECIPE = {**_COMMON_RECIPE, "ema_half_life_nimg_final": 5e7, "decay_nimg": 2e8, "batch_size": 4096}
# Short-run recipe of the small StackedMNIST model (not from the paper: the official code has no StackedMNIST
# settings). No mirroring or augmentation (a flipped digit is another digit). `benchmarks/stacked_mnist.py` sets
# `decay_nimg` to the run length and scales the EMA half-life with it.
_STACKED_MNIST_SMALL_RECIPE = {
    **_COMMON_RECIPE,
    "mirror": False,
    "augment": False,
    "gamma_base": 1.0,
    "gamma_final": 0.1,
    "aug_p_final": 0.0,
    "ema_half_life_nimg_final": 1e5,
    "decay_nimg": 1e6,
    "batch_size": 256,
}

# Recipe of the small class-conditional MNIST model, trained on a CPU by `weights/train_mnist_small.py` (not from
# the paper). The learning rate and beta_2 are those the main job's measurements favour for small networks at
# batch 8 (README, "main job"); gamma and the learning rate decay over the run as in the paper's schedules.
_MNIST_SMALL_RECIPE = {
    **_COMMON_RECIPE,
    "mirror": False,
    "augment": False,
    "lr_base": 1e-3,
    "lr_final": 2.5e-4,
    "beta2_base": 0.99,
    "gamma_base": 1.0,
    "gamma_final": 0.1,
    "aug_p_final": 0.0,
    "ema_half_life_nimg_final": 2e4,
    "decay_nimg": 3e5,
    "batch_size": 8,
}


def architecture(
    widths,
    cardinalities,
    num_classes=0,
    bfloat16_stages=(),
    latent_dim=64,
    blocks=2,
    embedding_dims=(None, None),
    image_channels=None,
):
    """The `generator` / `discriminator` entries of a preset: per-stage lists (generator order) shared by both
    networks, `blocks` per stage (an int or a list), the embedding sizes `(generator, discriminator)` and, when not
    RGB, the image channels."""
    blocks = list(blocks) if isinstance(blocks, (list, tuple)) else [blocks] * len(widths)
    shared = {
        "widths": list(widths),
        "cardinalities": list(cardinalities),
        "blocks_per_stage": blocks,
        "expansion_factor": 2,
        "num_classes": num_classes,
        "bfloat16_stages": list(bfloat16_stages),
        **({} if image_channels is None else {"image_channels": image_channels}),
    }
    generator = {**shared, "latent_dim": latent_dim, "embedding_dim": embedding_dims[0]}
    discriminator = {**shared, "embedding_dim": embedding_dims[1]}
    return {"generator": generator, "discriminator": discriminator}


_CIFAR10_STAGES = ([768] * 4, [96] * 4)
_FFHQ256_WIDTHS = [768, 768, 768, 768, 384, 192, 96]
_FFHQ256_CARDINALITIES = [96, 96, 96, 96, 48, 24, 12]

_PUBLISHED_PRESETS = {
    "cifar10": {
        "description": "CIFAR-10 32x32, class-conditional (10 classes; the README trains with --cond=1).",
        **architecture(*_CIFAR10_STAGES, num_classes=10, bfloat16_stages=(-1, -2, -3)),
        "recipe": _CIFAR10_RECIPE,
        "official_parameters": {"generator": 20_781_952, "discriminator": 21_280_512},
    },
    "cifar10_unconditional": {
        "description": "CIFAR-10 32x32, unconditional (the official preset with --cond=0).",
        **architecture(*_CIFAR10_STAGES, bfloat16_stages=(-1, -2, -3)),
        "recipe": _CIFAR10_RECIPE,
        "official_parameters": {"generator": 20_732_160, "discriminator": 20_683_776},
    },
    "ffhq64": {
        "description": "FFHQ 64x64, unconditional.",
        **architecture([768, 768, 768, 768, 384], [96, 96, 96, 96, 48], bfloat16_stages=(-1, -2, -3, -4)),
        "recipe": {**_FFHQ_RECIPE, "gamma_base": 2.0, "gamma_final": 0.2},
        "official_parameters": {"generator": 22_429_824, "discriminator": 22_381_440},
    },
    "ffhq256": {
        "description": "FFHQ 256x256, unconditional (paper Table 1: 23.06M / 23.01M parameters).",
        **architecture(_FFHQ256_WIDTHS, _FFHQ256_CARDINALITIES, bfloat16_stages=(-1, -2, -3, -4)),
        "recipe": {**_FFHQ_RECIPE, "gamma_base": 150.0, "gamma_final": 15.0},
        "official_parameters": {"generator": 23_057_952, "discriminator": 23_009_568},
    },
    "imagenet32": {
        "description": "ImageNet 32x32, class-conditional (1000 classes).",
        **architecture([1536] * 4, [96] * 4, num_classes=1000, bfloat16_stages=(-1, -2, -3)),
        "recipe": {**_IMAGENET_RECIPE, "gamma_base": 0.5, "gamma_final": 0.05, "aug_p_final": 0.5},
        "official_parameters": {"generator": 82_914_304, "discriminator": 86_548_992},
    },
    "imagenet64": {
        "description": "ImageNet 64x64, class-conditional (1000 classes).",
        **architecture([1536] * 5, [96] * 5, num_classes=1000, bfloat16_stages=(-1, -2, -3, -4)),
        "recipe": {**_IMAGENET_RECIPE, "gamma_base": 1.0, "gamma_final": 0.1, "aug_p_final": 0.4},
        "official_parameters": {"generator": 103_570_432, "discriminator": 107_205_120},
    },
    "stacked_mnist": {
        "description": "StackedMNIST 32x32 (three MNIST digits as RGB, 1000 modes), unconditional. The official "
        "code has no StackedMNIST preset: this is the CIFAR-10 unconditional architecture and "
        "recipe at 32x32.",
        **architecture(*_CIFAR10_STAGES, bfloat16_stages=(-1, -2, -3)),
        "recipe": _CIFAR10_RECIPE,
        "official_parameters": {"generator": 20_732_160, "discriminator": 20_683_776},
    },
    "stacked_mnist_small": {
        "description": "Small StackedMNIST 32x32 model (not an official preset): 4 stages of width 128, cardinality "
        "8, one block per stage, 64-d noise, unconditional, float32, no augmentation (~0.57M "
        "parameters per network, ~7 MB as a preset). Trained by benchmarks/stacked_mnist.py; its "
        "weights ship as package data (keras_gans/models/r3gan/weights/stacked_mnist_small/).",
        **architecture([128] * 4, [8] * 4, blocks=1),
        "recipe": _STACKED_MNIST_SMALL_RECIPE,
    },
    "mnist_small": {
        "description": "Small class-conditional MNIST model, 32x32 grey (digits padded 28 -> 32; not an official "
        "preset): 4 stages of width 32 in two groups of 16, one block per stage, 64-d noise, 10 classes, float32, "
        "no augmentation. Trained on a CPU by weights/train_mnist_small.py; its weights ship as package data "
        "(keras_gans/models/r3gan/weights/mnist_small/).",
        **architecture([32] * 4, [2] * 4, num_classes=10, blocks=1, image_channels=1),
        "recipe": _MNIST_SMALL_RECIPE,
    },
}

# Registered names of the published checkpoints -> their Hugging Face repositories (one .pkl each).
OFFICIAL_CHECKPOINTS = {
    "cifar10": "brownvc/R3GAN-CIFAR10",
    "ffhq64": "brownvc/R3GAN-FFHQ-64x64",
    "ffhq256": "brownvc/R3GAN-FFHQ-256x256",
    "imagenet32": "brownvc/R3GAN-ImgNet-32x32",
    "imagenet64": "brownvc/R3GAN-ImgNet-64x64",
}

# Presets whose trained weights ship with the library, as package data in `keras_gans/models/r3gan/weights/<name>/`
# (so in wheels too); `r3gan_shipped.shipped_preset_dir` finds them. Add a name only once its files exist
# (`python weights/package_shipped_preset.py` packages a trained run): the test suite loads every name listed here
# and fails when its files are missing.
SHIPPED_PRESETS = ("stacked_mnist_small", "mnist_small")

registry.register_presets(PRESET_FAMILY, _PUBLISHED_PRESETS)
# Every registered R3GAN architecture: the published ones above and any registered later (a live view).
R3GAN_PRESETS = registry.presets_table(PRESET_FAMILY)


def _entry(preset):
    entry = registry.preset_entry(PRESET_FAMILY, preset)
    if entry is None:
        raise ValueError(f"Unknown R3GAN preset {preset!r}; available: {registry.architecture_names(PRESET_FAMILY)}.")
    return entry


def preset_arguments(preset, network):
    """Constructor kwargs of `network` (`"generator"` or `"discriminator"`) for a preset name."""
    entry = _entry(preset)
    if network not in ("generator", "discriminator"):
        raise ValueError(f"`network` must be 'generator' or 'discriminator', got {network!r}.")
    return {k: (list(v) if isinstance(v, list) else v) for k, v in entry[network].items()}


def preset_recipe(preset):
    """The training recipe constants of a preset (a copy)."""
    return dict(_entry(preset)["recipe"])
