"""Evaluation metrics: FID, KID, SWD, MS-SSIM, precision/recall, mode coverage."""

from keras_gans.metrics.mnist_classifier import build_mnist_classifier
from keras_gans.metrics.mnist_classifier import load_mnist_classifier
from keras_gans.metrics.precision_recall import knn_radii
from keras_gans.metrics.precision_recall import precision_recall
from keras_gans.metrics.precision_recall import precision_recall_from_images
from keras_gans.metrics.stacked_mnist import StackedMNISTModeCoverage
from keras_gans.metrics.stacked_mnist import kl_to_uniform
from keras_gans.metrics.stacked_mnist import stacked_mnist_modes

from keras_gans.metrics.image_inputs import images_to_uint8
from keras_gans.metrics.laplacian_pyramid import laplacian_pyramid
from keras_gans.metrics.ms_ssim import MS_SSIM_WEIGHTS
from keras_gans.metrics.ms_ssim import MultiScaleSSIMDiversity
from keras_gans.metrics.ms_ssim import ms_ssim
from keras_gans.metrics.ms_ssim import ms_ssim_diversity
from keras_gans.metrics.swd import SlicedWassersteinDistance
from keras_gans.metrics.swd import normalize_descriptors
from keras_gans.metrics.swd import sliced_wasserstein
from keras_gans.metrics.swd import sliced_wasserstein_distance

from keras_gans.metrics.fid import FrechetInceptionDistance
from keras_gans.metrics.fid import KernelInceptionDistance
from keras_gans.metrics.fid import compute_fid
from keras_gans.metrics.fid import compute_kid
from keras_gans.metrics.fid import fid_from_statistics
from keras_gans.metrics.fid import frechet_distance
from keras_gans.metrics.fid import kernel_inception_distance
from keras_gans.metrics.fid import kid_from_statistics
from keras_gans.metrics.inception import FIDInceptionV3
from keras_gans.metrics.inception import fid_inception_weights
from keras_gans.metrics.feature_statistics import InceptionStatistics
from keras_gans.metrics.feature_statistics import dataset_statistics
from keras_gans.metrics.feature_statistics import generator_statistics
from keras_gans.metrics.feature_statistics import inception_statistics
from keras_gans.metrics.evaluation import GeneratorEvaluator
from keras_gans.metrics.evaluation import evaluate_generator
from keras_gans.metrics.image_sets import fid
from keras_gans.metrics.image_sets import image_set_statistics
from keras_gans.metrics.image_sets import kid
