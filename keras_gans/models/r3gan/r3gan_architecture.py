"""Validation of R3GAN's per-stage architecture arguments, shared by the generator and the discriminator.

Both networks take their per-stage lists in the same order: from the 4x4 stage up to the image resolution (the
official generator's order; the official discriminator receives these lists reversed, as `train.py` does).
"""

import keras

from keras_gans.layers.shape_validation import check_positive_int
from keras_gans.models import config_validation

BFLOAT16_POLICY = "mixed_bfloat16"


def normalize_stages(owner, widths, cardinalities, blocks_per_stage, expansion_factor):
    """Validates the per-stage lists; returns `(widths, cardinalities, blocks_per_stage)` as lists of ints.

    `widths` is a list of positive ints (one int is one stage); `cardinalities` and `blocks_per_stage` may be a
    single int used for every stage.
    """
    widths = config_validation.check_int_list(owner, "widths", widths, minimum=1, scalar_ok=True)
    num_stages = len(widths)
    per_stage = {
        "length": num_stages,
        "scalar_ok": True,
        "length_hint": f"one entry per stage ({num_stages}, like `widths`)",
    }
    cardinalities = config_validation.check_int_list(owner, "cardinalities", cardinalities, minimum=1, **per_stage)
    blocks = config_validation.check_int_list(owner, "blocks_per_stage", blocks_per_stage, minimum=0, **per_stage)
    if isinstance(expansion_factor, bool) or not isinstance(expansion_factor, int) or expansion_factor < 1:
        raise ValueError(f"{owner}: `expansion_factor` must be an integer >= 1, got {expansion_factor!r}.")
    if sum(blocks) < 1:
        raise ValueError(f"{owner}: the network needs at least one residual block, got blocks {blocks}.")
    for s, (w, c, b) in enumerate(zip(widths, cardinalities, blocks)):
        if b and (w * expansion_factor) % c:
            raise ValueError(
                f"{owner}: stage {s} has expanded width {w * expansion_factor} (width {w} x "
                f"expansion {expansion_factor}), not divisible by its cardinality {c}."
            )
    return widths, cardinalities, blocks


def estimate_parameters(
    widths, cardinalities, blocks_per_stage, expansion_factor, kernel_size, basis_features, image_channels, embedding
):
    """The parameter count of an R3GAN network, from its arguments alone (nothing is built).

    The generator and the discriminator have the same stages (residual blocks, 1x1 transitions between stages of
    different widths), a 4x4 basis of `16 * widths[0]` values with a linear map between `basis_features` (the
    generator's latent plus class-embedding size, the discriminator's output size) and `widths[0]`, a 1x1
    convolution between the top stage and the image channels, and a class embedding (`num_classes *
    embedding_dim`, 0 when unconditional).
    """
    total = 16 * widths[0] + basis_features * widths[0] + widths[-1] * image_channels + embedding
    total += sum(a * b for a, b in zip(widths, widths[1:]) if a != b)
    for width, cardinality, blocks in zip(widths, cardinalities, blocks_per_stage):
        hidden = width * expansion_factor
        # expand 1x1, grouped kxk, project 1x1 and the two activations' biases
        total += blocks * (2 * width * hidden + kernel_size**2 * (hidden // cardinality) * hidden + 2 * hidden)
    return total


def check_network_size(
    owner,
    widths,
    cardinalities,
    blocks,
    expansion_factor,
    kernel_size,
    basis_features,
    image_channels,
    embedding,
    allow_large,
):
    """Raises `ValueError` when the network exceeds `keras_gans.models.config_validation`'s size limits."""
    kernel_size = config_validation.check_int(owner, "kernel_size", kernel_size)
    parameters = estimate_parameters(
        widths, cardinalities, blocks, expansion_factor, kernel_size, basis_features, image_channels, embedding
    )
    config_validation.check_size(
        owner, parameters, allow_large, resolution=4 * 2 ** (len(widths) - 1), blocks_per_stage=blocks
    )


def class_embedding_size(owner, num_classes, embedding_dim, default):
    """Validates the conditioning arguments; returns `(num_classes, embedding_dim)` (0 and 0 if unconditional).

    `embedding_dim=None` takes `default` for a conditional network; an unconditional one must not set it.
    """
    num_classes = check_positive_int(owner, "num_classes", num_classes, minimum=0)
    if num_classes:
        return num_classes, check_positive_int(
            owner, "embedding_dim", default if embedding_dim is None else embedding_dim
        )
    if embedding_dim:
        raise ValueError(f"{owner}: `embedding_dim` needs num_classes > 0, got embedding_dim={embedding_dim}.")
    return 0, 0


def stage_dtype_policies(owner, num_stages, bfloat16_stages, base_policy):
    """One dtype policy per stage (generator order): `"mixed_bfloat16"` for the listed stages, else `base_policy`.

    `bfloat16_stages` holds stage indices in the generator order (4x4 stage = 0); negative indices count from the
    highest resolution, e.g. `(-1, -2, -3)` for the official CIFAR-10 layout.
    """
    resolved = set()
    for index in bfloat16_stages:
        if isinstance(index, bool) or not isinstance(index, int) or not -num_stages <= index < num_stages:
            raise ValueError(
                f"{owner}: `bfloat16_stages` entries must be stage indices in [-{num_stages}, "
                f"{num_stages}), got {list(bfloat16_stages)}."
            )
        resolved.add(index % num_stages)
    bf16 = keras.dtype_policies.get(BFLOAT16_POLICY)
    return [bf16 if s in resolved else base_policy for s in range(num_stages)]


class StageArguments:
    """The arguments both R3GAN networks take, checked and stored once (`set_stage_arguments`) and written back
    by `stage_config()` into their `get_config()`."""

    def set_stage_arguments(
        self,
        owner,
        widths,
        cardinalities,
        blocks_per_stage,
        expansion_factor,
        num_classes,
        embedding_dim,
        image_channels,
        kernel_size,
        bfloat16_stages,
        conv_implementation,
        allow_large,
        latent_dim=None,
    ):
        """Validates and sets the attributes named like the arguments, plus `image_shape`; returns the dtype policy
        of each stage (generator order).

        `latent_dim` is the generator's latent size: the default class-embedding size and, with the embedding,
        the input of its basis. The discriminator passes None; its embedding defaults to `widths[0]` and its basis
        outputs `embedding_dim` values (one when unconditional).
        """
        self.allow_large = config_validation.check_allow_large(owner, allow_large)
        self.widths, self.cardinalities, self.blocks_per_stage = normalize_stages(
            owner, widths, cardinalities, blocks_per_stage, expansion_factor
        )
        self.expansion_factor = expansion_factor
        default_embedding_dim = self.widths[0] if latent_dim is None else latent_dim
        self.num_classes, self.embedding_dim = class_embedding_size(
            owner, num_classes, embedding_dim, default_embedding_dim
        )
        self.image_channels = check_positive_int(owner, "image_channels", image_channels)
        check_network_size(
            owner,
            self.widths,
            self.cardinalities,
            self.blocks_per_stage,
            expansion_factor,
            kernel_size,
            max((latent_dim or 0) + self.embedding_dim, 1),
            self.image_channels,
            self.num_classes * self.embedding_dim,
            self.allow_large,
        )
        self.kernel_size = kernel_size
        self.bfloat16_stages = tuple(bfloat16_stages)
        self.conv_implementation = conv_implementation
        resolution = 4 * 2 ** (len(self.widths) - 1)
        self.image_shape = (resolution, resolution, self.image_channels)
        return stage_dtype_policies(owner, len(self.widths), self.bfloat16_stages, self.dtype_policy)

    def stage_config(self):
        """The arguments `set_stage_arguments` stored, as `get_config()` entries."""
        return {
            "widths": list(self.widths),
            "cardinalities": list(self.cardinalities),
            "blocks_per_stage": list(self.blocks_per_stage),
            "expansion_factor": self.expansion_factor,
            "num_classes": self.num_classes,
            "embedding_dim": self.embedding_dim or None,
            "image_channels": self.image_channels,
            "kernel_size": self.kernel_size,
            "bfloat16_stages": list(self.bfloat16_stages),
            "conv_implementation": self.conv_implementation,
            **({"allow_large": True} if self.allow_large else {}),
        }
