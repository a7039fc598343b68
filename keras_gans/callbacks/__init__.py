"""Training callbacks: sample grids, checkpoints, evaluation."""

from keras_gans.callbacks.batch_checks import StopOnInvalidBatch
from keras_gans.callbacks.checkpoint import GANCheckpoint
from keras_gans.callbacks.checkpoint import latest_checkpoint
from keras_gans.callbacks.checkpoint import list_checkpoints
from keras_gans.callbacks.checkpoint import restore_checkpoint
from keras_gans.callbacks.checkpoint import save_checkpoint
from keras_gans.callbacks.evaluation import GANEvaluation
from keras_gans.callbacks.every_n_images import EveryNImages
from keras_gans.callbacks.nonfinite import TerminateOnNonFinite
from keras_gans.callbacks.nonfinite import nonfinite_metrics
from keras_gans.callbacks.sample_grid import SampleGrid
from keras_gans.callbacks.sample_grid import image_grid
from keras_gans.callbacks.sample_grid import save_png
from keras_gans.callbacks.tensorboard_images import TensorBoardImageWriter
from keras_gans.callbacks.time_limit import TimeLimit
