"""GAN models."""

from keras_gans.models.gan import GAN
