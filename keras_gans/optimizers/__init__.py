"""Optimizers whose hyperparameters can follow schedules inside compiled steps."""

from keras_gans.optimizers.adam import Adam
from keras_gans.optimizers.gan_optimizer import GANOptimizer
