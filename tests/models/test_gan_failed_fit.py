"""An exception escaping `fit`, `evaluate` or `predict` leaves the model as it was: its variables hold their values
from before the failed step and `generate`, `images_seen` and `save` work. On JAX, Keras' trainer holds the values
outside the variables while a loop runs; the contract is the same on every backend."""

import os

import keras
import numpy as np
import pytest
from gan_testing import tiny_networks
from gan_testing import uint8_images
from keras import ops

import keras_gans
from keras_gans.training.step import TrainStep


def _trained_gan():
    generator, discriminator = tiny_networks(width=4, latent_dim=4)
    gan = keras_gans.GAN(generator, discriminator, seed=0)
    gan.compile(loss="rpgan", r1_gamma=0.1, r2_gamma=0.1)
    gan.fit(uint8_images(8), batch_size=4, epochs=1, verbose=0)
    return gan


def _values(gan):
    return [np.array(ops.convert_to_numpy(v.value)) for v in gan.variables + gan.optimizer.variables]


def _assert_model_kept(gan, before, tmp_path):
    after = _values(gan)
    assert len(after) == len(before)
    for old, new in zip(before, after):
        np.testing.assert_array_equal(new, old)
    assert gan.generate(2, seed=0).shape == (2, 8, 8, 3)
    assert int(ops.convert_to_numpy(gan.images_seen)) == 4
    path = os.path.join(tmp_path, "gan.keras")
    gan.save(path)
    assert os.path.getsize(path) > 0


class _FailingStep(TrainStep):
    def __call__(self, state, data):
        raise RuntimeError("step failed")


def test_a_fit_that_raises_in_its_first_step_keeps_the_weights(tmp_path):
    gan = _trained_gan()
    before = _values(gan)
    gan.train_step_class = _FailingStep
    gan.make_train_function(force=True)  # the step traced by the first fit is cached
    with pytest.raises(RuntimeError, match="step failed"):
        gan.fit(uint8_images(8), batch_size=4, epochs=1, verbose=0)
    gan.train_step_class = TrainStep
    gan.make_train_function(force=True)
    _assert_model_kept(gan, before, tmp_path)
    gan.fit(uint8_images(8), batch_size=4, epochs=1, verbose=0)  # trains again
    assert int(ops.convert_to_numpy(gan.images_seen)) == 8


def test_a_fit_on_a_list_of_arrays_raises_and_keeps_the_weights(tmp_path):
    gan = _trained_gan()
    before = _values(gan)
    with pytest.raises(ValueError, match="must be a batch of images"):
        gan.fit(list(uint8_images(8)), batch_size=4, epochs=1, verbose=0)
    _assert_model_kept(gan, before, tmp_path)


def test_evaluate_and_a_failed_predict_keep_the_weights(tmp_path):
    gan = _trained_gan()
    before = _values(gan)
    with pytest.raises(NotImplementedError, match="evaluate"):
        gan.evaluate(uint8_images(4), verbose=0)
    with pytest.raises(Exception):  # latents of the wrong width: the backend's shape error
        gan.predict(np.zeros((2, 3), "float32"), verbose=0)
    _assert_model_kept(gan, before, tmp_path)
    latents = keras.random.normal((2, 4), seed=0)
    assert gan.predict(latents, verbose=0).shape == (2, 8, 8, 3)


def test_fit_from_initial_epoch_reads_that_epochs_order():
    class LoggedBatches(keras_gans.datasets.ArrayBatches):
        def __getitem__(self, index):
            read.append(self.epoch)
            return super().__getitem__(index)

    read = []
    generator, discriminator = tiny_networks(width=4, latent_dim=4)
    gan = keras_gans.GAN(generator, discriminator, seed=0)
    gan.compile(loss="rpgan", r1_gamma=0.1, r2_gamma=0.1)
    data = LoggedBatches(uint8_images(8), batch_size=8, seed=0)  # one step of two halves of 4 per epoch
    gan.fit(data, epochs=4, initial_epoch=2, verbose=0)
    # Epochs 2 and 3 (a resumed run's) in their own orders, never epoch 0's or 1's; Keras moves to the next after
    # each (and may read ahead into it).
    assert read[0] == 2 and 3 in read and not {0, 1} & set(read)
