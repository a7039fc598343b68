"""ProGAN (Karras et al., ICLR 2018).

The presets are registered here: the architectures of `progan_presets` and the pretrained pytorch_GAN_zoo
checkpoints, with the conversion of a `.pth` file (`keras_gans.converters.progan_pgz`). `ProGAN.presets` lists them.
"""

from keras_gans.converters import progan_official
from keras_gans.converters import progan_official_releases
from keras_gans.converters import progan_pgz
from keras_gans.converters.progan_official_releases import PROGAN_TF_CHECKPOINTS
from keras_gans.converters.progan_pgz_weights import load_pgz_discriminator_weights
from keras_gans.converters.progan_pgz_weights import load_pgz_generator_weights
from keras_gans.converters.progan_pgz_weights import pgz_network_arguments
from keras_gans.converters.progan_pgz_weights import progan_from_pgz
from keras_gans.models.progan import progan_presets
from keras_gans.models.progan.progan import ProGAN
from keras_gans.models.progan.progan_base import progan_feature_maps
from keras_gans.models.progan.progan_data import scheduled_batches
from keras_gans.models.progan.progan_discriminator import ProGANDiscriminator
from keras_gans.models.progan.progan_generator import ProGANGenerator
from keras_gans.models.progan.progan_presets import PGZ_CHECKPOINTS
from keras_gans.models.progan.progan_presets import PROGAN_PRESETS
from keras_gans.models.progan.progan_presets import PROGAN_SCHEDULES
from keras_gans.models.progan.progan_presets import preset_arguments
from keras_gans.models.progan.progan_presets import preset_recipe
from keras_gans.models.progan.progan_presets import preset_schedule
from keras_gans.models.progan.progan_schedule import ProGANLearningRate
from keras_gans.models.progan.progan_schedule import ProGANSchedule
from keras_gans.models.progan.progan_schedule import ProgressiveGrowing
from keras_gans.models.progan.progan_schedule import fade_reals
from keras_gans.presets import registry

registry.register_model(progan_presets.PRESET_FAMILY, ProGAN, preset_arguments)
registry.register_weight_source(
    progan_presets.PRESET_FAMILY,
    "pgz",
    lambda: progan_presets.PGZ_CHECKPOINTS,
    progan_pgz.pgz_preset_dir,
    describe=lambda name: progan_presets.PGZ_CHECKPOINTS[name]["description"],
)
registry.register_checkpoint_converter(progan_presets.PRESET_FAMILY, (".pth", ".pt"), progan_pgz.convert_pgz_checkpoint)


def convert_pgz_checkpoint(path, output_dir, preset=None, metadata=None):
    """Converts a pytorch_GAN_zoo PGAN checkpoint into a `ProGAN` preset directory (see
    `keras_gans.converters.progan_pgz.convert_pgz_checkpoint`)."""
    return progan_pgz.convert_pgz_checkpoint(ProGAN, path, output_dir, preset=preset, metadata=metadata)


registry.register_weight_source(
    progan_presets.PRESET_FAMILY,
    "official",
    lambda: PROGAN_TF_CHECKPOINTS,
    progan_official_releases.progan_tf_preset_dir,
    describe=lambda name: PROGAN_TF_CHECKPOINTS[name]["description"],
    architecture=lambda name: (
        PROGAN_TF_CHECKPOINTS[name]["architecture"],
        {"schedule": PROGAN_TF_CHECKPOINTS[name]["schedule"]},
    ),
)
registry.register_checkpoint_converter(
    progan_presets.PRESET_FAMILY, (".pkl",), progan_official.convert_progan_tf_pickle_to_preset
)


def convert_progan_tf_pickle(path, schedule="tf_default", recipe=None, **model_kwargs):
    """Builds a `ProGAN` from an official ProGAN TensorFlow pickle (see
    `keras_gans.converters.progan_official.convert_progan_tf_pickle`)."""
    return progan_official.convert_progan_tf_pickle(ProGAN, path, schedule=schedule, recipe=recipe, **model_kwargs)


def convert_progan_tf_pickle_to_preset(
    path, output_dir, preset=None, schedule="tf_default", recipe=None, metadata=None
):
    """Converts an official ProGAN TensorFlow pickle into a `ProGAN` preset directory (see
    `keras_gans.converters.progan_official.convert_progan_tf_pickle_to_preset`)."""
    return progan_official.convert_progan_tf_pickle_to_preset(
        ProGAN, path, output_dir, preset=preset, schedule=schedule, recipe=recipe, metadata=metadata
    )
