"""Dataset builders (numpy, deterministic, backend-independent)."""

from keras_gans.datasets.stacked_mnist import load_stacked_mnist
from keras_gans.datasets.stacked_mnist import stack_digits
