"""Evaluation metrics: FID, KID, SWD, MS-SSIM, precision/recall, mode coverage."""

from keras_gans.metrics.mnist_classifier import build_mnist_classifier
from keras_gans.metrics.mnist_classifier import load_mnist_classifier
from keras_gans.metrics.precision_recall import knn_radii
from keras_gans.metrics.precision_recall import precision_recall
from keras_gans.metrics.precision_recall import precision_recall_from_images
from keras_gans.metrics.stacked_mnist import StackedMNISTModeCoverage
from keras_gans.metrics.stacked_mnist import kl_to_uniform
from keras_gans.metrics.stacked_mnist import stacked_mnist_modes
