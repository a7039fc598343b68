"""R3GAN (Huang et al., NeurIPS 2024).

The presets are registered here (as KerasHub does in a model's `__init__.py`): the architectures of
`r3gan_presets`, the weights that ship with the library, the published official checkpoints and the conversion of
an official `network-snapshot-*.pkl` (`keras_gans.converters.r3gan_official`). `R3GAN.presets` lists them.
"""

from keras_gans.converters import r3gan_official
from keras_gans.converters.r3gan_official_weights import export_official_weights
from keras_gans.converters.r3gan_official_weights import infer_official_arguments
from keras_gans.converters.r3gan_official_weights import load_official_weights
from keras_gans.converters.r3gan_official_weights import r3gan_from_official
from keras_gans.models.r3gan import r3gan_presets
from keras_gans.models.r3gan import r3gan_shipped
from keras_gans.models.r3gan.r3gan import R3GAN
from keras_gans.models.r3gan.r3gan_auto import auto_config
from keras_gans.models.r3gan.r3gan_discriminator import R3GANDiscriminator
from keras_gans.models.r3gan.r3gan_generator import R3GANGenerator
from keras_gans.models.r3gan.r3gan_presets import OFFICIAL_CHECKPOINTS
from keras_gans.models.r3gan.r3gan_presets import R3GAN_PRESETS
from keras_gans.models.r3gan.r3gan_presets import SHIPPED_PRESETS
from keras_gans.models.r3gan.r3gan_presets import preset_arguments
from keras_gans.models.r3gan.r3gan_presets import preset_recipe
from keras_gans.presets import registry

registry.register_model(r3gan_presets.PRESET_FAMILY, R3GAN, preset_arguments)
# Read at every lookup, so that a name added to SHIPPED_PRESETS / OFFICIAL_CHECKPOINTS is served at once.
registry.register_weight_source(
    r3gan_presets.PRESET_FAMILY,
    "shipped",
    lambda: r3gan_presets.SHIPPED_PRESETS,
    lambda model_cls, name: r3gan_shipped.shipped_preset_dir(name),
)
registry.register_weight_source(
    r3gan_presets.PRESET_FAMILY,
    "official",
    lambda: r3gan_presets.OFFICIAL_CHECKPOINTS,
    r3gan_official.official_preset_dir,
)
registry.register_checkpoint_converter(r3gan_presets.PRESET_FAMILY, (".pkl",), r3gan_official.convert_official_snapshot)


def convert_official_snapshot(pkl_path, output_dir, preset=None, metadata=None):
    """Converts an official R3GAN snapshot into an `R3GAN` preset directory (see
    `keras_gans.converters.r3gan_official.convert_official_snapshot`)."""
    return r3gan_official.convert_official_snapshot(R3GAN, pkl_path, output_dir, preset=preset, metadata=metadata)
