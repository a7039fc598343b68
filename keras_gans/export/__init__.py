"""Exporting generators for inference outside Keras (TF SavedModel, ONNX, LiteRT)."""

from keras_gans.export.generator_export import BACKENDS
from keras_gans.export.generator_export import FORMATS
from keras_gans.export.generator_export import GeneratorServing
from keras_gans.export.generator_export import check_export_format
from keras_gans.export.generator_export import export_generator
