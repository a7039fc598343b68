"""Converts pytorch-fid's FID Inception weights (`pt_inception-2015-12-05-6726825d.pth`) to the Keras backbone.

pytorch-fid (https://github.com/mseitzer/pytorch-fid) publishes the FID Inception-v3 (TensorFlow 2015-12-05
weights) as a `torch.save` state dict in torchvision's `Inception3` layout, as a GitHub release asset; torch-fidelity
uses the same network. Every convolution unit `<unit>` of that layout holds `<unit>.conv.weight` (OIHW, no bias) and
a batch norm `<unit>.bn.{weight, bias, running_mean, running_var}` (eps 1e-3; `num_batches_tracked` is ignored);
`fc.*` (the 1008-way classifier) is not part of the pool3 features and is skipped. The file is read as data with
`keras_gans.utils.read_torch_checkpoint` (no torch, nothing unpickled as code).

The Keras backbone (`keras_gans.metrics.inception.fid_inception_backbone`, passed in by the caller) names its units
after the TensorFlow graph (`mixed_4__tower
__conv_1`); `pytorch_fid_unit_names()` maps them to the torchvision names (`Mixed_6b.branch7x7_2`). Its batch norms
have no scale (the TF graph has none); a unit's scale `gamma` is folded exactly into the convolution instead
(`gamma * (conv(x, W) - mean) = conv(x, gamma * W) - gamma * mean`), which leaves unit scales (the published file's)
bit for bit unchanged.
"""

import os
import pathlib
import tempfile

import numpy as np

from keras_gans.utils.durable import fsync_file

# TF graph unit names (the Keras layer names) -> torchvision `Inception3` module names, per block type.
_STEM = {
    "conv": "Conv2d_1a_3x3",
    "conv_1": "Conv2d_2a_3x3",
    "conv_2": "Conv2d_2b_3x3",
    "conv_3": "Conv2d_3b_1x1",
    "conv_4": "Conv2d_4a_3x3",
}
_BLOCK_A = {
    "conv": "branch1x1",
    "tower__conv": "branch5x5_1",
    "tower__conv_1": "branch5x5_2",
    "tower_1__conv": "branch3x3dbl_1",
    "tower_1__conv_1": "branch3x3dbl_2",
    "tower_1__conv_2": "branch3x3dbl_3",
    "tower_2__conv": "branch_pool",
}
_BLOCK_B = {
    "conv": "branch3x3",
    "tower__conv": "branch3x3dbl_1",
    "tower__conv_1": "branch3x3dbl_2",
    "tower__conv_2": "branch3x3dbl_3",
}
_BLOCK_C = {
    "conv": "branch1x1",
    "tower__conv": "branch7x7_1",
    "tower__conv_1": "branch7x7_2",
    "tower__conv_2": "branch7x7_3",
    "tower_1__conv": "branch7x7dbl_1",
    "tower_1__conv_1": "branch7x7dbl_2",
    "tower_1__conv_2": "branch7x7dbl_3",
    "tower_1__conv_3": "branch7x7dbl_4",
    "tower_1__conv_4": "branch7x7dbl_5",
    "tower_2__conv": "branch_pool",
}
_BLOCK_D = {
    "tower__conv": "branch3x3_1",
    "tower__conv_1": "branch3x3_2",
    "tower_1__conv": "branch7x7x3_1",
    "tower_1__conv_1": "branch7x7x3_2",
    "tower_1__conv_2": "branch7x7x3_3",
    "tower_1__conv_3": "branch7x7x3_4",
}
_BLOCK_E = {
    "conv": "branch1x1",
    "tower_conv": "branch3x3_1",
    "tower_mixed_conv": "branch3x3_2a",
    "tower_mixed_conv_1": "branch3x3_2b",
    "tower_1_conv": "branch3x3dbl_1",
    "tower_1_conv_1": "branch3x3dbl_2",
    "tower_1_mixed_conv": "branch3x3dbl_3a",
    "tower_1_mixed_conv_1": "branch3x3dbl_3b",
    "tower_2_conv": "branch_pool",
}
_BLOCKS = (
    ("mixed", "Mixed_5b", _BLOCK_A),
    ("mixed_1", "Mixed_5c", _BLOCK_A),
    ("mixed_2", "Mixed_5d", _BLOCK_A),
    ("mixed_3", "Mixed_6a", _BLOCK_B),
    ("mixed_4", "Mixed_6b", _BLOCK_C),
    ("mixed_5", "Mixed_6c", _BLOCK_C),
    ("mixed_6", "Mixed_6d", _BLOCK_C),
    ("mixed_7", "Mixed_6e", _BLOCK_C),
    ("mixed_8", "Mixed_7a", _BLOCK_D),
    ("mixed_9", "Mixed_7b", _BLOCK_E),
    ("mixed_10", "Mixed_7c", _BLOCK_E),
)
UNIT_TENSORS = ("conv.weight", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var")
# Present in the layout but not part of the pool3 features (or not weights).
IGNORED_SUFFIXES = (".num_batches_tracked",)
IGNORED_PREFIXES = ("fc.", "AuxLogits.")


def pytorch_fid_unit_names():
    """`{keras unit name: pytorch-fid unit name}` for the 94 conv + batch-norm units, in network order."""
    names = dict(_STEM)
    for keras_block, torch_block, units in _BLOCKS:
        names.update({f"{keras_block}__{unit}": f"{torch_block}.{branch}" for unit, branch in units.items()})
    return names


def units_from_pytorch_fid(state_dict, what="pytorch-fid state dict"):
    """Keras-layout arrays of every unit: `{keras unit: (kernel HWIO, beta, moving_mean, moving_variance)}`.

    Args:
        state_dict: `{name: array}` in pytorch-fid's layout (OIHW kernels), e.g. from `read_torch_checkpoint`.
        what: how errors name the source.

    Raises:
        ValueError: a tensor is missing, unexpected, or of inconsistent shape (the message names it).
    """
    if not isinstance(state_dict, dict):
        raise ValueError(f"{what}: expected a state dict (name -> tensor), got {type(state_dict).__name__}.")
    names = pytorch_fid_unit_names()
    expected = {f"{unit}.{tensor}" for unit in names.values() for tensor in UNIT_TENSORS}
    present = {k for k in state_dict if not k.endswith(IGNORED_SUFFIXES) and not k.startswith(IGNORED_PREFIXES)}
    missing, unexpected = sorted(expected - present), sorted(present - expected)
    if missing or unexpected:
        raise ValueError(
            f"{what}: not pytorch-fid's FID Inception layout: missing {missing[:8]}{' ...' if len(missing) > 8 else ''}"
            f" ({len(missing)}), unexpected {unexpected[:8]}{' ...' if len(unexpected) > 8 else ''}"
            f" ({len(unexpected)})."
        )
    units = {}
    for keras_name, unit in names.items():
        weight = np.asarray(state_dict[f"{unit}.conv.weight"], dtype=np.float32)
        gamma, beta, mean, variance = (
            np.asarray(state_dict[f"{unit}.bn.{k}"], dtype=np.float32)
            for k in ("weight", "bias", "running_mean", "running_var")
        )
        if weight.ndim != 4 or any(v.shape != (weight.shape[0],) for v in (gamma, beta, mean, variance)):
            raise ValueError(
                f"{what}: {unit}: conv.weight {weight.shape} and batch norm {gamma.shape}/{beta.shape}/{mean.shape}/"
                f"{variance.shape} do not fit together (expected OIHW and (O,) vectors)."
            )
        # Fold the batch-norm scale into the convolution (exact for the published unit scales).
        kernel = (weight * gamma[:, None, None, None]).transpose(2, 3, 1, 0)  # OIHW -> HWIO
        units[keras_name] = (kernel, beta, mean * gamma, variance)
    return units


def assign_units(backbone, units, what="FID Inception weights"):
    """Assigns `units` (from `units_from_pytorch_fid`) to a `fid_inception_backbone()`; checks every shape."""
    convs = {layer.name for layer in backbone.layers if layer.__class__.__name__ == "Conv2D"}
    if convs != set(units):
        raise ValueError(
            f"{what}: the units differ from the Keras network's: only in the file {sorted(set(units) - convs)}, "
            f"only in Keras {sorted(convs - set(units))}."
        )
    for name, (kernel, beta, mean, variance) in units.items():
        conv, norm = backbone.get_layer(name), backbone.get_layer(f"{name}__bn")
        if tuple(conv.kernel.shape) != kernel.shape:
            raise ValueError(f"{what}: {name}: kernel {kernel.shape} does not fit {tuple(conv.kernel.shape)}.")
        conv.kernel.assign(kernel)
        norm.beta.assign(beta)
        norm.moving_mean.assign(mean)
        norm.moving_variance.assign(variance)


def save_weights_atomically(backbone, output_path):
    """Writes `backbone`'s weights to `output_path` through a temporary file in the same folder, then renames."""
    output_path = pathlib.Path(output_path)
    if not output_path.name.endswith(".weights.h5"):
        raise ValueError(f"convert_fid_inception: the output must end with '.weights.h5', got {output_path}.")
    output_path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=".partial-", suffix=".weights.h5", dir=output_path.parent)
    os.close(handle)
    try:
        backbone.save_weights(partial)
        fsync_file(partial)
        os.replace(partial, output_path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return output_path


def convert_pytorch_fid(pth_path, output_path, backbone):
    """Reads pytorch-fid's `.pth` file as data and writes the Keras backbone's `.weights.h5`; returns its path.

    Args:
        pth_path: `pt_inception-2015-12-05-6726825d.pth` (or any `torch.save` file of that layout).
        output_path: the `.weights.h5` file to write (atomically).
        backbone: the Keras backbone to fill (`keras_gans.metrics.inception.fid_inception_backbone()`).
    """
    from keras_gans.utils.checkpoints import read_torch_checkpoint

    state_dict = read_torch_checkpoint(pth_path, attribute_bag_classes=())
    assign_units(backbone, units_from_pytorch_fid(state_dict, what=str(pth_path)), what=str(pth_path))
    return save_weights_atomically(backbone, output_path)
