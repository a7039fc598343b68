"""`auto_config`: the documented rules (resolution, channels, widths, gamma) applied to folder descriptions.

Expected values follow from the rules in `keras_gans.models.r3gan.r3gan_auto` by hand; the gamma rule is checked
against the official presets it is anchored on (ImageNet-32 0.5 and FFHQ-64 2.0, /reference R3GAN preset table,
mirrored in `R3GAN_PRESETS`).
"""

import keras
import pytest

import keras_gans
from keras_gans.datasets import ImageFolderInfo
from keras_gans.models.r3gan import R3GAN_PRESETS
from keras_gans.models.r3gan import auto_config


def _info(sizes, grayscale=False):
    return ImageFolderInfo("folder", sum(sizes.values()), sizes, grayscale, [])


def test_resolution_channels_network_and_gamma_follow_the_rules():
    grey = auto_config(_info({(640, 480): 3, (300, 200): 1}, grayscale=True), device="cpu")
    assert (grey["resolution"], grey["channels"]) == (64, 1)  # typical side 480, CPU cap 64
    assert grey["generator"]["widths"] == [64] * 4 + [32] and grey["generator"]["cardinalities"] == [4] * 4 + [2]
    assert grey["generator"]["image_channels"] == grey["discriminator"]["image_channels"] == 1
    assert grey["gamma"] == pytest.approx(0.5 * 4) and grey["batch_size"] == 32
    gpu = auto_config(_info({(640, 480): 3, (300, 200): 1}), device="gpu")
    assert (gpu["resolution"], gpu["channels"]) == (256, 3)  # GPU cap 256
    assert gpu["generator"]["widths"] == [512, 512, 512, 512, 256, 128, 64]
    assert gpu["generator"]["blocks_per_stage"] == 2 and gpu["gamma"] == pytest.approx(32.0)
    small = auto_config(_info({(50, 23): 1, (23, 40): 1, (30, 30): 1}), device="gpu")  # non-square, mixed sizes
    assert small["resolution"] == 16  # median shorter side 23 -> 16
    assert auto_config(_info({(50, 23): 1}), device="gpu", resolution=128)["resolution"] == 128
    with pytest.raises(ValueError, match="power of two"):
        auto_config(_info({(50, 23): 1}), device="cpu", resolution=48)
    with pytest.raises(ValueError, match="no usable images"):
        auto_config(_info({}), device="cpu")
    # The anchors of the gamma rule: the official ImageNet-32 and FFHQ-64 presets' base gamma.
    assert keras_gans.models.r3gan.r3gan_auto.auto_gamma(32) == R3GAN_PRESETS["imagenet32"]["recipe"]["gamma_base"]
    assert keras_gans.models.r3gan.r3gan_auto.auto_gamma(64) == R3GAN_PRESETS["ffhq64"]["recipe"]["gamma_base"]


def test_a_given_batch_size_or_gamma_wins_and_the_reasons_say_so():
    info = _info({(40, 40): 2})
    default = auto_config(info, device="cpu")
    assert "batch size 32 (cpu)" in default["reasons"] and "gamma 0.5: 0.5 * (resolution / 32)^2" in default["reasons"]
    given = auto_config(info, device="cpu", batch_size=5, gamma=0.25)
    assert (given["batch_size"], given["gamma"]) == (5, 0.25)
    assert "batch size 5: as asked" in given["reasons"] and "gamma 0.25: as asked" in given["reasons"]
    assert not any("batch size 32" in r or "(resolution / 32)" in r for r in given["reasons"])
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        auto_config(info, device="cpu", batch_size=0)
    with pytest.raises(ValueError, match="gamma must be >= 0"):
        auto_config(info, device="cpu", gamma=-1.0)


def test_the_chosen_networks_build_and_generate_the_chosen_shape():
    config = auto_config(_info({(10, 9): 2}, grayscale=True), device="cpu")
    generator = keras_gans.R3GANGenerator(**config["generator"])
    images = generator(keras.random.normal((2, 64)))
    assert tuple(images.shape) == (2, 8, 8, 1)
    scores = keras_gans.R3GANDiscriminator(**config["discriminator"])(images)
    assert tuple(scores.shape) in ((2,), (2, 1))
