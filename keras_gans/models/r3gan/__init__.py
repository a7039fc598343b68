"""R3GAN (Huang et al., NeurIPS 2024)."""

from keras_gans.models.r3gan.r3gan_discriminator import R3GANDiscriminator
from keras_gans.models.r3gan.r3gan_generator import R3GANGenerator
from keras_gans.models.r3gan.r3gan_presets import R3GAN_PRESETS
from keras_gans.models.r3gan.r3gan_presets import SHIPPED_PRESETS
from keras_gans.models.r3gan.r3gan_presets import preset_arguments
from keras_gans.models.r3gan.r3gan_presets import preset_recipe
from keras_gans.models.r3gan.r3gan_weights import export_official_weights
from keras_gans.models.r3gan.r3gan_weights import infer_official_arguments
from keras_gans.models.r3gan.r3gan_weights import load_official_weights
from keras_gans.models.r3gan.r3gan_weights import r3gan_from_official
from keras_gans.models.r3gan.r3gan import R3GAN
from keras_gans.models.r3gan.r3gan_convert import OFFICIAL_CHECKPOINTS
from keras_gans.models.r3gan.r3gan_convert import convert_official_snapshot
