"""Utilities: presets, safe checkpoint reading, images."""

from keras_gans.utils.checkpoints import AdamState
from keras_gans.utils.checkpoints import CheckpointFormatError
from keras_gans.utils.checkpoints import R3GANSnapshot
from keras_gans.utils.checkpoints import UnsafeCheckpointError
from keras_gans.utils.checkpoints import read_progan_tf_pickle
from keras_gans.utils.checkpoints import read_pytorch_gan_zoo_checkpoint
from keras_gans.utils.checkpoints import read_r3gan_snapshot
from keras_gans.utils.checkpoints import read_torch_checkpoint
from keras_gans.utils.checkpoints import read_torch_zip_checkpoint
