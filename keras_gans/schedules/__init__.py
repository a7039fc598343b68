"""Hyperparameter schedules driven by the number of images seen."""

from keras_gans.schedules.schedules import Constant
from keras_gans.schedules.schedules import CosineDecay
from keras_gans.schedules.schedules import Schedule
from keras_gans.schedules.schedules import get
from keras_gans.schedules.schedules import serialize
