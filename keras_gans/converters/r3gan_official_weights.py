"""Conversion between official R3GAN state dicts (PyTorch layout) and the Keras networks. NumPy only.

An official state dict maps the names of the official training wrappers (`Model.MainLayers.0.Layers.1.`
`LinearLayer1.Layer.weight`, ...) to arrays in PyTorch layout: convs `[out, in/groups, kh, kw]`, Linear
`[out, in]`, generator basis `[C, 4, 4]`, depthwise head `[C, 1, 4, 4]`. Loading transposes them to Keras layout;
exporting does the reverse, and a round trip is exact. The `Resampler.Kernel` buffers are checked (they must be
the [1,3,3,1] filter) and re-created on export. Official discriminator stages run from high to low resolution,
while `R3GANDiscriminator` takes its lists in generator order: the conversion reverses them.
"""

import re

import numpy as np

from keras_gans.layers.resampling import fir_kernel_2d
from keras_gans.models.r3gan.r3gan_discriminator import R3GANDiscriminator
from keras_gans.models.r3gan.r3gan_generator import R3GANGenerator

# Official layout <-> Keras layout, per kind of tensor: (to_keras, to_official).
_LAYOUTS = {
    "conv1x1": (lambda w: w[:, :, 0, 0].T, lambda w: w.T[:, :, None, None]),  # [O, I, 1, 1] <-> (I, O)
    "conv": (lambda w: w.transpose(2, 3, 1, 0), lambda w: w.transpose(3, 2, 0, 1)),  # OIHW <-> HWIO
    "linear": (lambda w: w.T, lambda w: w.T),  # [out, in] <-> (in, out)
    "basis": (lambda w: w.transpose(1, 2, 0), lambda w: w.transpose(2, 0, 1)),  # [C, 4, 4] <-> (4, 4, C)
    "depthwise": (lambda w: w.transpose(2, 3, 0, 1), lambda w: w.transpose(2, 3, 0, 1)),  # [C,1,4,4] <-> (4,4,C,1)
    "bias": (lambda w: w, lambda w: w),
}
_RESAMPLING_KERNEL = np.asarray(fir_kernel_2d(), dtype=np.float32)
_BLOCK_TENSORS = (
    ("LinearLayer1.Layer.weight", "expand", "kernel", "conv1x1"),
    ("LinearLayer2.Layer.weight", "grouped_conv", "kernel", "conv"),
    ("LinearLayer3.Layer.weight", "project", "kernel", "conv1x1"),
    ("NonLinearity1.Bias", "expand_activation", "bias", "bias"),
    ("NonLinearity2.Bias", "conv_activation", "bias", "bias"),
)
_NAME = re.compile(r"^MainLayers\.(\d+)\.Layers\.(\d+)\.(.+)$")


def _block_entries(prefix, block):
    return [
        (prefix + suffix, getattr(getattr(block, layer), attr), kind) for suffix, layer, attr, kind in _BLOCK_TENSORS
    ]


def _official_entries(model):
    """`[(official name without the wrapper prefix, variable or None for a resampling kernel, kind)]`."""
    entries = []
    if isinstance(model, R3GANGenerator):
        for s, stage in enumerate(model.stages):
            first, blocks = stage[0], stage[1:]
            head = f"MainLayers.{s}.Layers.0."
            if s == 0:
                entries += [
                    (head + "Basis", first.basis, "basis"),
                    (head + "LinearLayer.weight", first.linear.kernel, "linear"),
                ]
            else:
                entries.append((head + "Resampler.Kernel", None, "buffer"))
                if first.linear is not None:
                    entries.append((head + "LinearLayer.Layer.weight", first.linear.kernel, "conv1x1"))
            for j, block in enumerate(blocks, start=1):
                entries += _block_entries(f"MainLayers.{s}.Layers.{j}.", block)
        entries.append(("AggregationLayer.Layer.weight", model.aggregation.kernel, "conv1x1"))
        if model.class_embedding is not None:
            entries.append(("EmbeddingLayer.weight", model.class_embedding.kernel, "linear"))
    elif isinstance(model, R3GANDiscriminator):
        entries.append(("ExtractionLayer.Layer.weight", model.extraction.kernel, "conv1x1"))
        for t, stage in enumerate(model.stages):
            blocks, last = stage[:-1], stage[-1]
            for j, block in enumerate(blocks):
                entries += _block_entries(f"MainLayers.{t}.Layers.{j}.", block)
            head = f"MainLayers.{t}.Layers.{len(blocks)}."
            if t < len(model.stages) - 1:
                entries.append((head + "Resampler.Kernel", None, "buffer"))
                if last.linear is not None:
                    entries.append((head + "LinearLayer.Layer.weight", last.linear.kernel, "conv1x1"))
            else:
                entries += [
                    (head + "Basis.weight", last.depthwise_kernel, "depthwise"),
                    (head + "LinearLayer.weight", last.linear.kernel, "linear"),
                ]
        if model.projection is not None:
            entries.append(("EmbeddingLayer.weight", model.projection.embedding.kernel, "linear"))
    else:
        raise ValueError(f"Expected an R3GANGenerator or R3GANDiscriminator, got {type(model).__name__}.")
    return entries


def _official_shape(variable, kind):
    if variable is None:
        return _RESAMPLING_KERNEL.shape
    return _LAYOUTS[kind][1](np.empty(tuple(variable.shape), dtype=np.uint8)).shape


def _list(names, limit=20):
    names = sorted(names)
    more = f" ... and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def load_official_weights(model, state_dict, prefix="Model."):
    """Loads an official state dict (`{name: array in PyTorch layout}`) into a built-or-not R3GAN network.

    Strict: missing, unexpected or mis-shaped tensors, and resampling kernels other than the [1,3,3,1] filter,
    raise a `ValueError` that lists them. Returns the model.
    """
    if not model.built:
        model.build()
    entries = _official_entries(model)
    given = {name: np.asarray(value) for name, value in state_dict.items()}
    expected = {prefix + name: (variable, kind) for name, variable, kind in entries}
    problems = []
    missing = set(expected) - set(given)
    unexpected = set(given) - set(expected)
    if missing:
        problems.append(f"missing {len(missing)}: {_list(missing)}")
    if unexpected:
        problems.append(f"unexpected {len(unexpected)}: {_list(unexpected)}")
    shapes = [
        f"{name} {tuple(given[name].shape)} (expected {_official_shape(*expected[name])})"
        for name in sorted(set(expected) & set(given))
        if tuple(given[name].shape) != tuple(_official_shape(*expected[name]))
    ]
    if shapes:
        problems.append(f"mis-shaped {len(shapes)}: " + "; ".join(shapes[:20]))
    kernels = [
        name
        for name, (variable, _) in expected.items()
        if variable is None
        and name in given
        and given[name].shape == _RESAMPLING_KERNEL.shape
        and not np.array_equal(given[name].astype(np.float32), _RESAMPLING_KERNEL)
    ]
    if kernels:
        problems.append(f"resampling kernels other than [1,3,3,1]^T[1,3,3,1]/64 (unsupported): {_list(kernels)}")
    if problems:
        raise ValueError(
            f"Cannot load the official state dict into {type(model).__name__} '{model.name}' "
            f"(widths {model.widths}, cardinalities {model.cardinalities}, blocks "
            f"{model.blocks_per_stage}, num_classes {model.num_classes}): " + " | ".join(problems)
        )
    for name, (variable, kind) in expected.items():
        if variable is not None:
            variable.assign(np.ascontiguousarray(_LAYOUTS[kind][0](given[name].astype(np.float32))))
    return model


def export_official_weights(model, prefix="Model."):
    """The official state dict of an R3GAN network: `{name: float32 array in PyTorch layout}`, kernels included,
    in the official order (generator: stages, aggregation, embedding; discriminator: extraction, stages,
    embedding)."""
    if not model.built:
        model.build()
    state = {}
    for name, variable, kind in _official_entries(model):
        value = _RESAMPLING_KERNEL if variable is None else _LAYOUTS[kind][1](np.asarray(variable.numpy()))
        state[prefix + name] = np.ascontiguousarray(value, dtype=np.float32)
    return state


def _stage_tensors(state_dict, prefix):
    """`{stage: {layer index: {suffix: shape}}}` from the `MainLayers` names."""
    stages = {}
    for name, value in state_dict.items():
        match = _NAME.match(name[len(prefix) :]) if name.startswith(prefix) else None
        if match:
            s, j, suffix = int(match.group(1)), int(match.group(2)), match.group(3)
            stages.setdefault(s, {}).setdefault(j, {})[suffix] = tuple(np.shape(value))
    if not stages or sorted(stages) != list(range(len(stages))):
        raise ValueError(
            f"Official state dict: expected `{prefix}MainLayers.<stage>.Layers.<i>...` names for "
            f"stages 0..S-1, found stages {sorted(stages)}."
        )
    return [stages[s] for s in range(len(stages))]


def _require(state_dict, name):
    if name not in state_dict:
        raise ValueError(f"Official state dict: cannot infer the architecture, `{name}` is missing.")
    return tuple(np.shape(state_dict[name]))


def _blocks_of(stage, first_index, s):
    """`(blocks, cardinality, expansion, kernel size)` of one stage; blocks are numbered from `first_index`."""
    indices = sorted(j for j, tensors in stage.items() if "LinearLayer1.Layer.weight" in tensors)
    if indices != list(range(first_index, first_index + len(indices))):
        raise ValueError(
            f"Official state dict: stage {s} has residual blocks at layer indices {indices}; expected "
            f"consecutive indices from {first_index}."
        )
    blocks = [stage[j] for j in indices]
    for block in blocks:
        if not {suffix for suffix, _, _, _ in _BLOCK_TENSORS} <= set(block):
            raise ValueError(f"Official state dict: stage {s} has an incomplete residual block: {sorted(block)}.")
    if not blocks:
        return 0, 1, None, None
    hidden, width = blocks[0]["LinearLayer1.Layer.weight"][:2]
    conv = blocks[0]["LinearLayer2.Layer.weight"]
    return len(blocks), hidden // conv[1], hidden // width, conv[2]


def _assemble(owner, stages_info):
    expansions = {e for _, _, e, _ in stages_info if e is not None}
    kernel_sizes = {k for _, _, _, k in stages_info if k is not None}
    if len(expansions) != 1 or len(kernel_sizes) != 1:
        raise ValueError(
            f"Official state dict ({owner}): expected one expansion factor and kernel size over all "
            f"blocks, found {sorted(expansions)} and {sorted(kernel_sizes)}."
        )
    return {
        "blocks_per_stage": [b for b, _, _, _ in stages_info],
        "cardinalities": [c for _, c, _, _ in stages_info],
        "expansion_factor": expansions.pop(),
        "kernel_size": kernel_sizes.pop(),
    }


def infer_official_arguments(state_dict, prefix="Model."):
    """Infers `(network, constructor kwargs)` from an official state dict's names and shapes.

    `network` is `"generator"` (the dict has `AggregationLayer`) or `"discriminator"` (`ExtractionLayer`); the
    kwargs are those of `R3GANGenerator` / `R3GANDiscriminator` (lists in generator order).
    """
    if prefix + "AggregationLayer.Layer.weight" in state_dict:
        stages = _stage_tensors(state_dict, prefix)
        basis = _require(state_dict, prefix + "MainLayers.0.Layers.0.Basis")
        linear = _require(state_dict, prefix + "MainLayers.0.Layers.0.LinearLayer.weight")
        widths = [basis[0]]
        for stage in stages[1:]:
            widths.append(stage.get(0, {}).get("LinearLayer.Layer.weight", (widths[-1],))[0])
        info = [_blocks_of(stage, 1, s) for s, stage in enumerate(stages)]
        args = {
            "widths": widths,
            **_assemble("generator", info),
            "image_channels": _require(state_dict, prefix + "AggregationLayer.Layer.weight")[0],
        }
        embedding = state_dict.get(prefix + "EmbeddingLayer.weight")
        embedding_dim, num_classes = np.shape(embedding) if embedding is not None else (0, 0)
        args.update(latent_dim=linear[1] - embedding_dim, num_classes=num_classes, embedding_dim=embedding_dim or None)
        return "generator", args
    if prefix + "ExtractionLayer.Layer.weight" in state_dict:
        stages = _stage_tensors(state_dict, prefix)
        extraction = _require(state_dict, prefix + "ExtractionLayer.Layer.weight")
        widths, info = [extraction[0]], []
        for s, stage in enumerate(stages):
            blocks = _blocks_of(stage, 0, s)
            info.append(blocks)
            if s < len(stages) - 1:
                widths.append(stage.get(blocks[0], {}).get("LinearLayer.Layer.weight", (widths[-1],))[0])
        head = prefix + f"MainLayers.{len(stages) - 1}.Layers.{info[-1][0]}.LinearLayer.weight"
        output_dim = _require(state_dict, head)[0]
        embedding = state_dict.get(prefix + "EmbeddingLayer.weight")
        embedding_dim, num_classes = np.shape(embedding) if embedding is not None else (0, 0)
        if embedding is not None and embedding_dim != output_dim:
            raise ValueError(
                f"Official state dict (discriminator): head size {output_dim} differs from the class "
                f"embedding size {embedding_dim}."
            )
        args = _assemble("discriminator", info)
        args = {
            "widths": widths[::-1],
            "cardinalities": args["cardinalities"][::-1],
            "blocks_per_stage": args["blocks_per_stage"][::-1],
            "expansion_factor": args["expansion_factor"],
            "kernel_size": args["kernel_size"],
            "image_channels": extraction[1],
            "num_classes": num_classes,
            "embedding_dim": embedding_dim or None,
        }
        return "discriminator", args
    raise ValueError(
        f"Official state dict: found neither `{prefix}AggregationLayer.Layer.weight` (generator) nor "
        f"`{prefix}ExtractionLayer.Layer.weight` (discriminator)."
    )


def r3gan_from_official(state_dict, prefix="Model.", **kwargs):
    """Builds the `R3GANGenerator` or `R3GANDiscriminator` an official state dict describes and loads it.

    `kwargs` override or add constructor arguments (e.g. `bfloat16_stages`, `conv_implementation`, `name`).
    """
    network, args = infer_official_arguments(state_dict, prefix)
    cls = R3GANGenerator if network == "generator" else R3GANDiscriminator
    return load_official_weights(cls(**{**args, **kwargs}), state_dict, prefix)
