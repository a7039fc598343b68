"""`GAN.generate` refuses bad labels, seeds, roundings and counts with errors that name the argument."""

import numpy as np
import pytest
from gan_testing import tiny_networks

import keras_gans
from keras_gans.training.generate_arguments import check_generation_size


@pytest.fixture(scope="module")
def conditional_gan():
    return keras_gans.GAN(*tiny_networks(num_classes=3))


@pytest.mark.parametrize(
    "labels, error, message",
    [
        ([1.7, 2.9], ValueError, r"`labels` must be 2 integer class ids in \[0, 3\)"),
        (0.5, ValueError, "integer class ids"),
        ([np.nan, 1.0], ValueError, "integer class ids"),
        ("2", TypeError, "`labels` must be integer class ids or float one-hot rows, got dtype <U1"),
        (True, TypeError, "got dtype bool"),
        (np.full((2, 3), np.nan), ValueError, r"one-hot `labels` must be finite; rows \[0, 1\] are not"),
        ([[np.inf, 0.0, 0.0], [0.0, 1.0, 0.0]], ValueError, r"rows \[0\] are not"),
        ([[0.0, 1.0, 0.0], [0.0, -np.inf, 0.0]], ValueError, r"rows \[1\] are not"),
    ],
)
def test_generate_refuses_labels_that_are_not_classes(conditional_gan, labels, error, message):
    with pytest.raises(error, match=message):
        conditional_gan.generate(2, seed=0, labels=labels)


def test_generate_takes_integral_float_ids_and_soft_rows(conditional_gan):
    by_id = conditional_gan.generate(2, seed=0, labels=[2, 0], output="float")
    np.testing.assert_array_equal(conditional_gan.generate(2, seed=0, labels=[2.0, 0.0], output="float"), by_id)
    blend = conditional_gan.generate(2, seed=0, labels=[[0.5, 0.5, 0.0], [0.0, 0.25, 0.75]], output="float")
    assert blend.shape == (2, 8, 8, 3) and np.isfinite(blend).all()
    # Arbitrary real label vectors, as the official ProGAN code feeds its conditional generator.
    free = conditional_gan.generate(2, seed=0, labels=[[1.5, -0.5, 0.0], [50.0, 0.0, 0.0]], output="float")
    assert free.shape == (2, 8, 8, 3) and np.isfinite(free).all()


@pytest.mark.parametrize(
    "seed, error",
    [(-1, ValueError), (1.5, TypeError), ("a", TypeError), (True, TypeError)],
)
def test_generate_refuses_a_seed_that_is_not_a_non_negative_integer(conditional_gan, seed, error):
    with pytest.raises(error, match=r"GAN.generate: `seed` must be None or a non-negative integer, got"):
        conditional_gan.generate(2, seed=seed)


def test_generate_and_the_model_check_uint8_rounding_alike(conditional_gan):
    with pytest.raises(ValueError, match=r"GAN.generate: `uint8_rounding` must be 'floor' or 'round', got 'ceil'"):
        conditional_gan.generate(2, seed=0, uint8_rounding="ceil")
    with pytest.raises(ValueError, match=r"GAN: `uint8_rounding` must be 'floor' or 'round', got 'ceil'"):
        keras_gans.GAN(*tiny_networks(), uint8_rounding="ceil")


def test_generate_refuses_a_count_beyond_memory_before_allocating(conditional_gan):
    with pytest.raises(ValueError, match=r"GAN.generate: 1000000000000 images need at least .* GiB"):
        conditional_gan.generate(10**12, seed=0)
    # 10 uint8 images of 8x8x3 with 8 latents: 10 * (8 * 4 + 192) bytes.
    check_generation_size(10, 8, (8, 8, 3), "uint8", "GAN.generate", memory_bytes=2240)
    with pytest.raises(ValueError, match="smaller counts"):
        check_generation_size(10, 8, (8, 8, 3), "uint8", "GAN.generate", memory_bytes=2239)
