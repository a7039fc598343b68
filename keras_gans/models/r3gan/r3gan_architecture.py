"""Validation of R3GAN's per-stage architecture arguments, shared by the generator and the discriminator.

Both networks take their per-stage lists in the same order: from the 4x4 stage up to the image resolution (the
official generator's order; the official discriminator receives these lists reversed, as `train.py` does).
"""

import keras

from keras_gans.layers.shape_validation import check_positive_int

BFLOAT16_POLICY = "mixed_bfloat16"


def _as_stage_list(owner, name, value, num_stages):
    values = [value] * num_stages if isinstance(value, int) and not isinstance(value, bool) else list(value)
    if len(values) != num_stages:
        raise ValueError(
            f"{owner}: `{name}` must have one entry per stage ({num_stages}, like `widths`), got "
            f"{len(values)}: {value!r}."
        )
    return values


def normalize_stages(owner, widths, cardinalities, blocks_per_stage, expansion_factor):
    """Validates the per-stage lists; returns `(widths, cardinalities, blocks_per_stage)` as lists of ints.

    `cardinalities` and `blocks_per_stage` may be a single int used for every stage.
    """
    widths = list(widths) if not isinstance(widths, int) else [widths]
    if not widths:
        raise ValueError(f"{owner}: `widths` must list at least one stage.")
    num_stages = len(widths)
    cardinalities = _as_stage_list(owner, "cardinalities", cardinalities, num_stages)
    blocks = _as_stage_list(owner, "blocks_per_stage", blocks_per_stage, num_stages)
    for name, values, minimum in (
        ("widths", widths, 1),
        ("cardinalities", cardinalities, 1),
        ("blocks_per_stage", blocks, 0),
    ):
        for v in values:
            if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
                raise ValueError(f"{owner}: every entry of `{name}` must be an integer >= {minimum}, got {values}.")
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
