"""The arguments of `from_preset`: overrides reach the networks that take them, flags are flags, and the preset
argument is a name or an existing path."""

import pytest

from keras_gans.models.progan import ProGAN
from keras_gans.models.r3gan import R3GAN
from keras_gans.models.r3gan import R3GANDiscriminator
from keras_gans.models.r3gan import R3GANGenerator
from keras_gans.utils.preset_utils import PresetNotFoundError

TINY_PROGAN = {"fmap_base": 64, "fmap_max": 4}


def test_a_generator_argument_reaches_only_the_generator_of_an_architecture():
    model = R3GAN.from_preset("fixture_unconditional", load_weights=False, latent_dim=8, bfloat16_stages=())
    assert model.generator.latent_dim == 8
    assert model.generator.bfloat16_stages == model.discriminator.bfloat16_stages == ()
    progan = ProGAN.from_preset("cifar10_32", load_weights=False, latent_dim=16, **TINY_PROGAN)
    assert progan.generator.latent_dim == 16


def test_a_generator_argument_reaches_only_the_generator_of_a_preset_directory():
    model = R3GAN.from_preset("mnist_small", load_weights=False, latent_dim=8)
    assert model.generator.latent_dim == 8
    assert model.discriminator.get_config().get("latent_dim") is None


@pytest.mark.parametrize("preset", ["mnist_small", "fixture_unconditional"])
def test_an_argument_nothing_takes_is_named_with_the_accepted_ones(preset):
    with pytest.raises(ValueError, match=r"R3GAN.from_preset: unexpected keyword argument `foo`.*latent_dim") as e:
        R3GAN.from_preset(preset, load_weights=False, foo=1)
    assert "config.json" not in str(e.value)
    with pytest.raises(ValueError, match=r"unexpected keyword argument `foo`.*fmap_base"):
        ProGAN.from_preset("cifar10_32", load_weights=False, foo=1)


def test_a_network_argument_its_network_does_not_take_is_named():
    with pytest.raises(ValueError, match=r"unexpected keyword argument `latent_dim`; the discriminator accepts"):
        R3GANDiscriminator.from_preset("mnist_small", latent_dim=8)


@pytest.mark.parametrize("value", ["no", 0, 1, "False"])
def test_load_weights_and_augment_must_be_flags(value):
    with pytest.raises(ValueError, match=r"R3GAN.from_preset: `load_weights` must be True, False or None"):
        R3GAN.from_preset("mnist_small", load_weights=value)
    with pytest.raises(ValueError, match=r"R3GANGenerator.from_preset: `load_weights` must be True, False or None"):
        R3GANGenerator.from_preset("mnist_small", load_weights=value)
    with pytest.raises(ValueError, match=r"ProGAN.from_preset: `load_weights` must be True, False or None"):
        ProGAN.from_preset("cifar10_32", load_weights=value)
    for preset in ("mnist_small", "fixture_unconditional"):
        with pytest.raises(ValueError, match=r"R3GAN.from_preset: `augment` must be True, False or None"):
            R3GAN.from_preset(preset, load_weights=False, augment=value)


def test_an_empty_preset_is_refused():
    with pytest.raises(ValueError, match=r"R3GAN.from_preset: `preset` must be a preset name or a directory, got ''"):
        R3GAN.from_preset("")
    with pytest.raises(ValueError, match=r"`preset` must be a preset name, a directory or a checkpoint file"):
        R3GAN.from_preset(None)


@pytest.mark.parametrize("relative", ["missing/", "./missing", "missing/sub"])
def test_a_missing_directory_is_named_as_such(tmp_path, monkeypatch, relative):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"R3GAN.from_preset: no such directory: .*missing"):
        R3GAN.from_preset(relative)
    with pytest.raises(FileNotFoundError, match=r"R3GANGenerator.from_preset: no such directory: .*missing"):
        R3GANGenerator.from_preset(relative)
    with pytest.raises(FileNotFoundError, match=r"no such directory"):
        R3GAN.from_preset(tmp_path / "missing")


def test_an_unknown_bare_name_lists_the_known_presets():
    with pytest.raises(PresetNotFoundError, match=r"unknown preset 'nope'. Known presets: .*mnist_small"):
        R3GAN.from_preset("nope")
