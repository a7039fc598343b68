"""keras-gans: R3GAN and ProGAN for Keras 3, on TensorFlow, JAX and PyTorch."""

from keras_gans import backend
from keras_gans import layers
from keras_gans import callbacks, losses, optimizers, schedules
from keras_gans import datasets
from keras_gans import distribution
from keras_gans import explore
from keras_gans.explore import project
from keras_gans.models.gan import GAN
from keras_gans.models.progan import ProGAN
from keras_gans.models.progan import ProGANDiscriminator
from keras_gans.models.progan import ProGANGenerator
from keras_gans.models.r3gan import R3GAN
from keras_gans.models.r3gan import R3GANDiscriminator
from keras_gans.models.r3gan import R3GANGenerator
from keras_gans.version import __version__
