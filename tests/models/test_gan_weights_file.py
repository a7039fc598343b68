"""A GAN's `.weights.h5` stores every variable once, and files with the earlier duplicated layout still load."""

import h5py
import keras
import numpy as np
from gan_testing import fixed_weights
from gan_testing import tiny_networks
from gan_testing import uint8_images

import keras_gans


def _gan(seed):
    generator, discriminator = tiny_networks()
    gan = keras_gans.GAN(generator, discriminator, seed=seed)
    gan.compile(loss="rpgan", r1_gamma=0.1, r2_gamma=0.1)
    fixed_weights(gan.generator, seed)
    fixed_weights(gan.discriminator, seed + 1)
    return gan


def _values(model):
    # A GAN's `save_weights` leaves out the seed generator's state (GANCheckpoint saves the RNG state itself).
    return [keras.ops.convert_to_numpy(v) for v in model.variables if "seed_generator" not in v.path]


def _trained(tmp_path):
    gan = _gan(0)
    gan.fit(uint8_images(16), batch_size=8, epochs=1, verbose=0)  # EMA and images_seen move away from the init
    path = str(tmp_path / "gan.weights.h5")
    gan.save_weights(path)
    return gan, path


def test_weights_file_stores_each_variable_once(tmp_path):
    gan, path = _trained(tmp_path)
    with h5py.File(path, "r") as f:
        stored = []  # everything but the optimizer state
        f.visititems(lambda name, obj: stored.append(obj.size)
                     if isinstance(obj, h5py.Dataset) and not name.startswith("optimizer/") else None)
        own = len(f["vars"].keys())
    assert sum(stored) == sum(value.size for value in _values(gan))
    assert own == len(gan._non_trainable_variables) + len(gan._trainable_variables)


def test_weights_with_duplicated_generator_entries_load(tmp_path):
    """The earlier layout held the generator's and the EMA generator's variables again, first, in the GAN's `vars`."""
    gan, path = _trained(tmp_path)
    with h5py.File(path, "r+") as f:
        own = [f["vars"][str(i)][()] for i in range(len(f["vars"].keys()))]
        duplicates = _values(gan.generator) + _values(gan.ema_generator)
        del f["vars"]
        group = f.create_group("vars")
        for i, value in enumerate(duplicates + own):
            group.create_dataset(str(i), data=value)
    fresh = _gan(7)
    fresh.load_weights(path)
    for expected, loaded in zip(_values(gan), _values(fresh), strict=True):
        np.testing.assert_array_equal(loaded, expected)
    assert int(keras.ops.convert_to_numpy(fresh.images_seen)) == int(keras.ops.convert_to_numpy(gan.images_seen)) > 0
