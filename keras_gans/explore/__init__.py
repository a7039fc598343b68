"""Exploring a trained generator: latent interpolation, truncation, projection of images, and a web demo."""

from keras_gans.explore.interpolation import interpolation_frames
from keras_gans.explore.interpolation import interpolation_inputs
from keras_gans.explore.interpolation import seed_latent
from keras_gans.explore.interpolation import write_animation
from keras_gans.explore.latents import interpolate_classes
from keras_gans.explore.latents import interpolate_latents
from keras_gans.explore.latents import lerp
from keras_gans.explore.latents import slerp
from keras_gans.explore.latents import truncate_latents
from keras_gans.explore.projection import Projection
from keras_gans.explore.projection import perceptual_distance
from keras_gans.explore.projection import project
