"""Building-block layers shared by the models (backend-agnostic, `keras.ops` only)."""

from keras_gans.layers.augment import DifferentiableAugment
from keras_gans.layers.equalized import EqualizedConv2D
from keras_gans.layers.equalized import EqualizedDense
from keras_gans.layers.fade_in import FadeIn
from keras_gans.layers.grouped_conv import GroupedConv2D
from keras_gans.layers.initializers import HostRandomNormal
from keras_gans.layers.initializers import HostZeros
from keras_gans.layers.minibatch_stddev import MinibatchStdDev
from keras_gans.layers.pixel_norm import PixelNorm
from keras_gans.layers.resampling import AverageDownsample2D
from keras_gans.layers.resampling import InterpolativeDownsample2D
from keras_gans.layers.resampling import InterpolativeUpsample2D
from keras_gans.layers.resampling import NearestUpsample2D

# R3GAN's layers live with the model (`keras_gans.models.r3gan.r3gan_layers`, `r3gan_conditioning`); these names
# stay available here, imported on first use so that this package does not import the models.
_R3GAN_LAYERS = {
    "BiasedLeakyReLU": "r3gan_layers",
    "DiscriminativeBasis": "r3gan_layers",
    "DownsampleTransition": "r3gan_layers",
    "GenerativeBasis": "r3gan_layers",
    "MSRInitializer": "r3gan_layers",
    "ResidualBlock": "r3gan_layers",
    "UpsampleTransition": "r3gan_layers",
    "ClassEmbedding": "r3gan_conditioning",
    "ProjectionHead": "r3gan_conditioning",
}


def __getattr__(name):
    if name in _R3GAN_LAYERS:
        import importlib

        return getattr(importlib.import_module(f"keras_gans.models.r3gan.{_R3GAN_LAYERS[name]}"), name)
    raise AttributeError(f"module 'keras_gans.layers' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_R3GAN_LAYERS))
