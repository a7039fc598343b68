"""Helpers for the ProGAN network tests: random weights and their export for the NumPy reference."""

import numpy as np
from keras import ops

from keras_gans.layers import EqualizedConv2D
from keras_gans.layers import EqualizedDense

# A small configuration: widths nf(1..3) = 16, 16, 8 for 4x4, 8x8, 16x16; nf(0) = 16.
SMALL = dict(resolution=16, fmap_base=64, fmap_max=16)


def equalized_layers(network):
    return [layer for layer in network.layers if isinstance(layer, (EqualizedConv2D, EqualizedDense))]


def randomize(network, seed=0, bias_std=0.3):
    """N(0, 1) kernels (the equalized init) and random biases; returns {layer name: (kernel, bias)} in float64."""
    rng = np.random.default_rng(seed)
    weights = {}
    for layer in equalized_layers(network):
        kernel = rng.standard_normal(tuple(layer.kernel.shape)).astype("float32")
        bias = (bias_std * rng.standard_normal(tuple(layer.bias.shape))).astype("float32")
        layer.kernel.assign(kernel)
        layer.bias.assign(bias)
        weights[layer.name] = (kernel.astype(np.float64), bias.astype(np.float64))
    return weights


def to_numpy(x):
    return np.asarray(ops.convert_to_numpy(x), np.float64)
