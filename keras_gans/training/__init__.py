"""The GAN training engine: configuration, state, losses, EMA, loss scaling and the step that orchestrates them."""

from keras_gans.training.config import TrainConfig
from keras_gans.training.ema import ExponentialMovingAverage
from keras_gans.training.ema import beta_from_half_life
from keras_gans.training.loss_scaling import DynamicLossScale
from keras_gans.training.network_variables import NetworkVariables
from keras_gans.training.network_variables import StepNetworks
from keras_gans.training.state import ValueState
from keras_gans.training.state import VariableState
from keras_gans.training.step import TrainStep
