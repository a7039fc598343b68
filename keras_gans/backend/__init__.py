"""The only backend-specific code of the package: gradients of gradients and distribution."""

from keras_gans.backend.gradients import input_gradient
from keras_gans.backend.gradients import no_grad
from keras_gans.backend.gradients import value_and_grad
from keras_gans.backend.gradients import value_and_input_gradient
