"""Each model refuses the networks of the other model by name, before building anything."""

import pytest

from keras_gans.models.progan import ProGAN
from keras_gans.models.progan import ProGANDiscriminator
from keras_gans.models.progan import ProGANGenerator
from keras_gans.models.r3gan import R3GAN
from keras_gans.models.r3gan import R3GANDiscriminator
from keras_gans.models.r3gan import R3GANGenerator

TINY_PROGAN = {"resolution": 8, "fmap_base": 16, "fmap_max": 4}
TINY_R3GAN = {"widths": [8, 8], "cardinalities": [2, 2], "blocks_per_stage": 1}


def test_r3gan_refuses_progan_networks():
    progan_generator, progan_discriminator = ProGANGenerator(**TINY_PROGAN), ProGANDiscriminator(**TINY_PROGAN)
    r3gan_generator, r3gan_discriminator = R3GANGenerator(**TINY_R3GAN, latent_dim=4), R3GANDiscriminator(**TINY_R3GAN)
    with pytest.raises(
        ValueError, match=r"R3GAN: the generator must be a network of R3GAN or of your own, got a ProGANGen"
    ):
        R3GAN(progan_generator, progan_discriminator)
    with pytest.raises(ValueError, match=r"R3GAN: the discriminator must be .*got a ProGANDiscriminator"):
        R3GAN(r3gan_generator, progan_discriminator)
    assert R3GAN(r3gan_generator, r3gan_discriminator).generator is r3gan_generator


def test_progan_refuses_r3gan_networks():
    r3gan_generator, r3gan_discriminator = R3GANGenerator(**TINY_R3GAN, latent_dim=4), R3GANDiscriminator(**TINY_R3GAN)
    with pytest.raises(ValueError, match=r"ProGAN: the generator must be a network of ProGAN .*got a R3GANGenerator"):
        ProGAN(r3gan_generator, r3gan_discriminator)
