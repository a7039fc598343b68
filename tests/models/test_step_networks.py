"""`keras_gans.training.network_variables`: the variable lists a training step reads, taken once per `compile()`,
and the `stateless_call` over them, against Keras' own `Layer.stateless_call`."""

import numpy as np
import pytest
from gan_testing import RandomFlip
from gan_testing import TinyDiscriminator
from gan_testing import TinyGenerator
from gan_testing import uint8_images
from keras import ops

import keras_gans
from keras_gans.training import NetworkVariables


def _gan():
    gan = keras_gans.GAN(
        TinyGenerator(with_buffer=True), TinyDiscriminator(), augment_pipeline=RandomFlip(seed=4), seed=1
    )
    gan.compile(loss="rpgan", r1_gamma=0.1, r2_gamma=0.1, augment_probability=0.5)
    return gan


def _values(variables, offset=0.0):
    return [ops.convert_to_tensor(ops.convert_to_numpy(v.value) + offset) for v in variables]


def _same(a, b):
    np.testing.assert_array_equal(ops.convert_to_numpy(a), ops.convert_to_numpy(b))


def test_stateless_call_over_the_stored_lists_is_keras_stateless_call():
    gan = _gan()
    z = ops.convert_to_tensor(np.random.default_rng(0).normal(size=(3, gan.latent_dim)).astype("float32"))
    generator = NetworkVariables(gan.generator)
    assert generator.non_trainable, "the generator needs a non-trainable variable for this test"
    # Values other than the variables' own, so that a call that read the variables instead would differ.
    trainable, non_trainable = _values(generator.trainable, 0.01), _values(generator.non_trainable, 0.5)
    ours, ours_nt = generator.stateless_call(trainable, non_trainable, z, training=True)
    keras_out, keras_nt = gan.generator.stateless_call(trainable, non_trainable, z, training=True)
    _same(ours, keras_out)
    for a, b in zip(ours_nt, keras_nt):
        _same(a, b)

    # A stateful network: the augmentation pipeline advances its seed, and both calls return the advanced seed.
    pipeline = NetworkVariables(gan.augment_pipeline)
    images = ops.convert_to_tensor(np.random.default_rng(1).normal(size=(4, 8, 8, 3)).astype("float32"))
    seed = _values(pipeline.non_trainable)
    ours, (ours_seed,) = pipeline.stateless_call([], seed, images, probability=0.5, training=True)
    keras_out, (keras_seed,) = gan.augment_pipeline.stateless_call([], seed, images, probability=0.5, training=True)
    _same(ours, keras_out)
    _same(ours_seed, keras_seed)
    assert not np.array_equal(ops.convert_to_numpy(ours_seed), ops.convert_to_numpy(seed[0]))


def test_values_that_do_not_match_the_lists_get_keras_error():
    gan = _gan()
    generator = NetworkVariables(gan.generator)
    z = ops.zeros((2, gan.latent_dim))
    with pytest.raises(ValueError, match="trainable_variables"):
        generator.stateless_call(_values(generator.trainable)[:-1], _values(generator.non_trainable), z)


def test_the_lists_are_taken_once_per_compile_and_follow_a_replaced_network():
    gan = _gan()
    data = uint8_images(8)
    gan.train_on_batch(data)
    networks = gan.step_networks
    assert networks.generator.trainable == tuple(gan.generator.trainable_variables)
    assert networks.generator.non_trainable == tuple(gan.generator.non_trainable_variables)
    assert networks.discriminator.trainable == tuple(gan.discriminator.trainable_variables)
    assert networks.augment_pipeline.non_trainable == tuple(gan.augment_pipeline.non_trainable_variables)
    gan.train_on_batch(data)
    assert gan.step_networks is networks  # not walked again per step

    gan.compile(loss="rpgan", r1_gamma=0.1, r2_gamma=0.1, augment_probability=0.5)
    assert gan.step_networks is not networks  # compile() takes them again

    networks = gan.step_networks
    gan.augment_pipeline = RandomFlip(seed=5)
    assert gan.step_networks.augment_pipeline.network is gan.augment_pipeline
    assert gan.step_networks is not networks
