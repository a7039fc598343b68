"""`GAN.evaluate` points at `keras_gans.metrics.evaluate_generator`, compiled or not, on every backend."""

import pytest
from gan_testing import tiny_networks
from gan_testing import uint8_images

import keras_gans


@pytest.mark.parametrize("compiled", [False, True])
def test_evaluate_names_evaluate_generator(compiled):
    gan = keras_gans.GAN(*tiny_networks())
    if compiled:
        gan.compile(r1_gamma=1.0)
    with pytest.raises(NotImplementedError, match=r"GAN: evaluate\(\) is not defined; use .*evaluate_generator"):
        gan.evaluate(uint8_images(4, (8, 8, 3)), batch_size=2, verbose=0)
