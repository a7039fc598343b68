"""A GAN's `.weights.h5` stores every variable once (optimizer state included), and files with the earlier
duplicated layouts still load."""

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


def _datasets(group):
    found = []
    group.visititems(lambda name, obj: found.append(obj) if isinstance(obj, h5py.Dataset) else None)
    return found


def _trained(tmp_path):
    gan = _gan(0)
    gan.fit(uint8_images(16), batch_size=8, epochs=1, verbose=0)  # EMA and images_seen move away from the init
    path = str(tmp_path / "gan.weights.h5")
    gan.save_weights(path)
    return gan, path


def test_weights_file_stores_each_variable_once(tmp_path):
    gan, path = _trained(tmp_path)
    with h5py.File(path, "r") as f:
        stored = [d.size for d in _datasets(f) if not d.name.startswith("/optimizer/")]  # all but optimizer state
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


def _optimizer_values(gan):
    return [keras.ops.convert_to_numpy(v) for v in gan.optimizer.variables]


def test_optimizer_state_is_stored_once(tmp_path):
    gan, path = _trained(tmp_path)
    values = _optimizer_values(gan)  # the GAN optimizer's own variables, then both inner optimizers'
    with h5py.File(path, "r") as f:
        assert len(f["optimizer/vars"].keys()) == len(gan.optimizer._variables)
        assert sorted(d.size for d in _datasets(f["optimizer"])) == sorted(v.size for v in values)


def test_optimizer_state_with_duplicated_inner_entries_loads(tmp_path):
    """The earlier layout held both inner optimizers' state a second time in the GAN optimizer's own `vars`."""
    gan, path = _trained(tmp_path)
    values = _optimizer_values(gan)
    assert int(values[0]) > 0  # iterations moved, so a load that skipped it would show
    with h5py.File(path, "r+") as f:
        del f["optimizer/vars"]
        group = f.create_group("optimizer/vars")
        for i, value in enumerate(values):
            group.create_dataset(str(i), data=value)
    fresh = _gan(7)
    fresh.optimizer.build(fresh.trainable_variables)
    fresh.load_weights(path)
    for expected, loaded in zip(values, _optimizer_values(fresh), strict=True):
        np.testing.assert_array_equal(loaded, expected)
