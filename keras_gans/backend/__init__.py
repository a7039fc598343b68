"""The only backend-specific code of the package: gradients of gradients, distribution, eager-or-traced."""

from keras_gans.backend.compilation_cache import enable_compilation_cache
from keras_gans.backend.device import default_device_is_cpu
from keras_gans.backend.device import device_name
from keras_gans.backend.device import enable_convolution_autotuning
from keras_gans.backend.execution import is_concrete
from keras_gans.backend.gradients import input_gradient
from keras_gans.backend.gradients import no_grad
from keras_gans.backend.gradients import value_and_grad
from keras_gans.backend.gradients import value_and_input_gradient
