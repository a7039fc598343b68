"""ProGAN (Karras et al., ICLR 2018)."""

from keras_gans.models.progan.progan import ProGAN
from keras_gans.models.progan.progan_base import progan_feature_maps
from keras_gans.models.progan.progan_data import scheduled_batches
from keras_gans.models.progan.progan_discriminator import ProGANDiscriminator
from keras_gans.models.progan.progan_generator import ProGANGenerator
from keras_gans.models.progan.progan_pgz_presets import PGZ_CHECKPOINTS
from keras_gans.models.progan.progan_pgz_presets import convert_pgz_checkpoint
from keras_gans.models.progan.progan_pgz_weights import load_pgz_discriminator_weights
from keras_gans.models.progan.progan_pgz_weights import load_pgz_generator_weights
from keras_gans.models.progan.progan_pgz_weights import pgz_network_arguments
from keras_gans.models.progan.progan_pgz_weights import progan_from_pgz
from keras_gans.models.progan.progan_presets import PROGAN_PRESETS
from keras_gans.models.progan.progan_presets import PROGAN_SCHEDULES
from keras_gans.models.progan.progan_presets import preset_arguments
from keras_gans.models.progan.progan_presets import preset_recipe
from keras_gans.models.progan.progan_presets import preset_schedule
from keras_gans.models.progan.progan_schedule import ProGANLearningRate
from keras_gans.models.progan.progan_schedule import ProGANSchedule
from keras_gans.models.progan.progan_schedule import ProgressiveGrowing
from keras_gans.models.progan.progan_schedule import fade_reals
from keras_gans.models.progan.progan_tf_convert import convert_progan_tf_pickle
from keras_gans.models.progan.progan_tf_convert import convert_progan_tf_pickle_to_preset
from keras_gans.models.progan.progan_tf_presets import PROGAN_TF_CHECKPOINTS
