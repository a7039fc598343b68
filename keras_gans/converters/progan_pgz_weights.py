"""Loading pytorch_GAN_zoo PGAN weights (facebookresearch/pytorch_GAN_zoo) into the Keras ProGAN networks.

Converter code: NumPy only. Input: a state dict `{name: np.ndarray}` of `GNet` or `DNet` (keys such as
`formatLayer.module.weight`, `scaleLayers.0.1.module.bias`, `toRGBLayers.3.module.weight`,
`groupScaleZero.1.module.weight`, `decisionLayer.module.bias`), e.g. the `netG` / `avgG` / `netD` entries of a
checkpoint read by a safe `.pth` reader.

pytorch_GAN_zoo differs from the official ProGAN in ways that change the function, so the networks must be built
with matching options (`pgz_network_arguments` returns them):

1. its runtime constant `c = sqrt(2 / fan_in)` multiplies the layer output *including* the bias, and
2. it uses gain sqrt(2) for every layer (official: sqrt(2)/4 for G's dense, 1 for ToRGB and D's last dense);
3. G's first dense layer has one bias per unit (`16 * C0`), not per channel: `dense_bias="per_unit"`;
4. minibatch stddev uses contiguous groups and unbiased variance: `mbstd_mode="pytorch_gan_zoo"`;
5. D pools after the activation: `downsample_order="conv_bias_act_pool"`;
6. D ignores its fade weight while it has exactly two scales (4x4, 8x8; `len(scaleLayers) > 1` guards the blend in
   `DNet.forward`) although G fades: `fade_in_8x8=False`;
7. tensors are NCHW / OIHW and the dense layers use a (c, h, w) flatten order; Keras uses HWIO and (h, w, c).

Items 1-2 are a re-parametrisation: with `official_parametrization=False` (default) the network uses
`wscale_convention="pytorch_gan_zoo"` and the stored weights are copied unchanged (so further training behaves as in
pytorch_GAN_zoo under Adam); with `True` the network uses the official gains and unscaled biases and the weights are
rescaled (`w * c_pgz / c_official`, `b * c_pgz`) so that the function is the same. Items 3-7 are always applied.
"""

import math
import re

import numpy as np

from keras_gans.models.progan.progan_discriminator import ProGANDiscriminator
from keras_gans.models.progan.progan_generator import ProGANGenerator

_SUFFIXES = (".module.weight", ".module.bias")


def _layer_names(state_dict, owner):
    names = set()
    for key in state_dict:
        if not key.endswith(_SUFFIXES):
            raise ValueError(f"{owner}: unexpected state-dict key {key!r} (expected '<layer>.module.weight|bias').")
        names.add(key.rsplit(".module.", 1)[0])
    return names


def _indexed(names, prefix):
    """Sorted indices `i` of layers called `prefix{i}` (e.g. 'toRGBLayers.' -> [0, 1, 2])."""
    pattern = re.compile(re.escape(prefix) + r"(\d+)$")
    return sorted(int(m.group(1)) for m in map(pattern.match, names) if m)


_PGZ_LAYERS = (
    "a pytorch_GAN_zoo generator has formatLayer, groupScale0.0, scaleLayers.<i>.<k> and toRGBLayers.<i>; a "
    "discriminator fromRGBLayers.<i>, scaleLayers.<i>.<k>, groupScaleZero.<k> and decisionLayer"
)


def _weight(state_dict, name, part="weight"):
    """The `weight` or `bias` tensor of pgz layer `name`; a missing one raises `ValueError` listing the keys."""
    key = f"{name}.module.{part}"
    if key not in state_dict:
        keys = sorted(state_dict)
        shown = ", ".join(keys[:12]) + (f", ... ({len(keys)} keys)" if len(keys) > 12 else "")
        raise ValueError(f"pgz weights: the state dict has no {key!r} ({_PGZ_LAYERS}); its keys are [{shown}].")
    return np.asarray(state_dict[key], np.float32)


def pgz_network_arguments(generator_state_dict=None, discriminator_state_dict=None, num_classes=None):
    """Architecture arguments `{"generator": {...}, "discriminator": {...}}` read from the tensor shapes.

    Args:
        generator_state_dict: pgz `GNet` state dict, or `None`.
        discriminator_state_dict: pgz `DNet` state dict, or `None`.
        num_classes: AC-GAN classes; read from D's decision layer when D is given, else 0 unless passed (G's input
            size is latent + classes and cannot be split from G alone).

    Returns:
        A dict with the keyword arguments of `ProGANGenerator` / `ProGANDiscriminator` for the present networks,
        including the pytorch_GAN_zoo compatibility options (`dense_bias`, `mbstd_mode`, `downsample_order`,
        `fade_in_8x8`, `wscale_convention`).
    """
    result = {}
    if discriminator_state_dict is not None:
        names = _layer_names(discriminator_state_dict, "pgz discriminator")
        from_rgb = _indexed(names, "fromRGBLayers.")
        channels = [int(_weight(discriminator_state_dict, f"fromRGBLayers.{j}").shape[0]) for j in from_rgb]
        decision = _weight(discriminator_state_dict, "decisionLayer")
        d_classes = int(decision.shape[0]) - 1
        if num_classes is not None and num_classes != d_classes:
            raise ValueError(f"pgz discriminator: decision layer has {d_classes} classes, num_classes={num_classes}.")
        num_classes = d_classes
        in_4x4 = int(_weight(discriminator_state_dict, "groupScaleZero.0").shape[1])
        result["discriminator"] = dict(
            resolution=4 * 2 ** (len(channels) - 1),
            num_channels=int(_weight(discriminator_state_dict, "fromRGBLayers.0").shape[1]),
            num_classes=num_classes,
            channels=channels,
            mbstd_group_size=4 if in_4x4 == channels[0] + 1 else 0,
            mbstd_mode="pytorch_gan_zoo",
            downsample_order="conv_bias_act_pool",
            wscale_convention="pytorch_gan_zoo",
            fade_in_8x8=False,
        )
    num_classes = num_classes or 0
    if generator_state_dict is not None:
        names = _layer_names(generator_state_dict, "pgz generator")
        to_rgb = _indexed(names, "toRGBLayers.")
        fmt = _weight(generator_state_dict, "formatLayer")
        channels = [int(fmt.shape[0]) // 16] + [
            int(_weight(generator_state_dict, f"scaleLayers.{i}.0").shape[0]) for i in range(len(to_rgb) - 1)
        ]
        result["generator"] = dict(
            resolution=4 * 2 ** (len(to_rgb) - 1),
            num_channels=int(_weight(generator_state_dict, "toRGBLayers.0").shape[0]),
            latent_dim=int(fmt.shape[1]) - num_classes,
            num_classes=num_classes,
            channels=channels,
            dense_bias="per_unit",
            wscale_convention="pytorch_gan_zoo",
        )
    return result


def _pgz_constant(weight):
    """pytorch_GAN_zoo's runtime constant sqrt(2 / fan_in), fan_in = all dims but the first (output) one."""
    return math.sqrt(2.0 / int(np.prod(weight.shape[1:])))


def _set_layer(layer, state_dict, name, kernel, bias):
    """Assigns kernel/bias given in pgz parametrisation, rescaled to `layer`'s runtime multipliers."""
    c = _pgz_constant(_weight(state_dict, name))
    if tuple(layer.kernel.shape) != kernel.shape or tuple(layer.bias.shape) != bias.shape:
        raise ValueError(
            f"pgz weights: {name} has kernel {kernel.shape} / bias {bias.shape} after conversion, but layer "
            f"'{layer.name}' expects {tuple(layer.kernel.shape)} / {tuple(layer.bias.shape)}."
        )
    layer.kernel.assign((kernel * (c / layer.weight_multiplier)).astype(np.float32))
    layer.bias.assign((bias * (c / layer.bias_multiplier)).astype(np.float32))


def _conv(layer, state_dict, name):
    kernel = _weight(state_dict, name).transpose(2, 3, 1, 0)  # OIHW -> HWIO
    _set_layer(layer, state_dict, name, kernel, _weight(state_dict, name, "bias"))


def _check_keys(state_dict, expected, owner):
    got = _layer_names(state_dict, owner)
    if got != expected:
        raise ValueError(
            f"{owner}: state dict does not match the network. Missing: {sorted(expected - got)}; "
            f"unexpected: {sorted(got - expected)}."
        )


def load_pgz_generator_weights(generator, state_dict):
    """Copies a pgz `GNet` state dict into `generator` (built with `dense_bias="per_unit"`, or
    `"per_channel"` if the pgz bias is constant over the 4x4 positions)."""
    levels = generator.resolution_log2 - 1
    expected = {"formatLayer", "groupScale0.0"} | {f"toRGBLayers.{j}" for j in range(levels)}
    expected |= {f"scaleLayers.{i}.{k}" for i in range(levels - 1) for k in (0, 1)}
    _check_keys(state_dict, expected, "load_pgz_generator_weights")
    fmt = _weight(state_dict, "formatLayer")  # (16 * C, L), unit index c * 16 + h * 4 + w
    units, latent = fmt.shape
    channels = units // 16
    kernel = fmt.T.reshape(latent, channels, 4, 4).transpose(0, 2, 3, 1).reshape(latent, units)
    bias = _weight(state_dict, "formatLayer", "bias").reshape(channels, 4, 4)
    bias = bias.transpose(1, 2, 0).reshape(units)
    if generator.dense_bias == "per_channel":
        per_position = bias.reshape(16, channels)
        if not np.allclose(per_position, per_position[:1], rtol=1e-6, atol=1e-7):
            raise ValueError(
                "load_pgz_generator_weights: the pgz format-layer bias differs between the 16 positions; build the "
                "generator with dense_bias='per_unit' to load it exactly."
            )
        bias = per_position[0]
    _set_layer(generator.dense, state_dict, "formatLayer", kernel, bias)
    _conv(generator.conv_4x4, state_dict, "groupScale0.0")
    for i, (up_conv, conv) in enumerate(zip(generator.up_convs, generator.convs)):
        _conv(up_conv, state_dict, f"scaleLayers.{i}.0")
        _conv(conv, state_dict, f"scaleLayers.{i}.1")
    for j, to_rgb in enumerate(generator.to_rgb):
        _conv(to_rgb, state_dict, f"toRGBLayers.{j}")


def load_pgz_discriminator_weights(discriminator, state_dict):
    """Copies a pgz `DNet` state dict into `discriminator` (built with `pgz_network_arguments`' options)."""
    levels = discriminator.resolution_log2 - 1
    expected = {"groupScaleZero.0", "groupScaleZero.1", "decisionLayer"} | {f"fromRGBLayers.{j}" for j in range(levels)}
    expected |= {f"scaleLayers.{i}.{k}" for i in range(levels - 1) for k in (0, 1)}
    _check_keys(state_dict, expected, "load_pgz_discriminator_weights")
    for j, from_rgb in enumerate(discriminator.from_rgb):
        _conv(from_rgb, state_dict, f"fromRGBLayers.{j}")
    # pgz scale i is the block at 2^(i+3); our lists are indexed the same way (8x8 block first).
    for i, (conv0, conv1) in enumerate(zip(discriminator.convs0, discriminator.convs1_down)):
        _conv(conv0, state_dict, f"scaleLayers.{i}.0")
        _conv(conv1, state_dict, f"scaleLayers.{i}.1")
    _conv(discriminator.conv_4x4, state_dict, "groupScaleZero.0")
    dense = _weight(state_dict, "groupScaleZero.1")  # (C_out, 16 * C), input index c * 16 + h * 4 + w
    out, inputs = dense.shape
    channels = inputs // 16
    kernel = dense.T.reshape(channels, 4, 4, out).transpose(1, 2, 0, 3).reshape(inputs, out)
    bias = _weight(state_dict, "groupScaleZero.1", "bias")
    _set_layer(discriminator.dense0, state_dict, "groupScaleZero.1", kernel, bias)
    decision = _weight(state_dict, "decisionLayer")
    bias = _weight(state_dict, "decisionLayer", "bias")
    _set_layer(discriminator.dense1, state_dict, "decisionLayer", decision.T, bias)


def progan_from_pgz(
    generator_state_dict=None,
    discriminator_state_dict=None,
    num_classes=None,
    official_parametrization=False,
    generator_kwargs=None,
    discriminator_kwargs=None,
):
    """Builds ProGAN networks from pytorch_GAN_zoo state dicts and loads the weights.

    Args:
        generator_state_dict: pgz `GNet` state dict (`netG` or the EMA `avgG`), or `None`.
        discriminator_state_dict: pgz `DNet` state dict, or `None`.
        num_classes: see `pgz_network_arguments`.
        official_parametrization: build with the official gains / unscaled biases and rescale the weights (same
            function); default keeps pytorch_GAN_zoo's parametrisation and the stored values.
        generator_kwargs, discriminator_kwargs: extra constructor arguments (e.g. `normalize_latents=False` for a
            pgz model trained without pixel norm, `mbstd_mode="official"`, `name`).

    Returns:
        `(generator, discriminator)`; an entry is `None` when its state dict is not given.

    Examples:

    ```python
    g_sd = dict(np.load("pgz_pgan_G_state_dict.npz"))
    generator, _ = progan_from_pgz(g_sd)
    ```
    """
    arguments = pgz_network_arguments(generator_state_dict, discriminator_state_dict, num_classes)
    override = {"wscale_convention": "official"} if official_parametrization else {}
    generator = discriminator = None
    if generator_state_dict is not None:
        generator = ProGANGenerator(**{**arguments["generator"], **override, **(generator_kwargs or {})})
        load_pgz_generator_weights(generator, generator_state_dict)
    if discriminator_state_dict is not None:
        discriminator = ProGANDiscriminator(
            **{**arguments["discriminator"], **override, **(discriminator_kwargs or {})}
        )
        load_pgz_discriminator_weights(discriminator, discriminator_state_dict)
    return generator, discriminator
