"""`load_weights_file`: every kind of bad weights file gives a `WeightsFileError` naming the file and the problem."""

import os

import keras
import numpy as np
import pytest

from keras_gans.utils import preset_utils
from keras_gans.utils.weights_io import WeightsFileError
from keras_gans.utils.weights_io import load_weights_file


def _net(units=4, extra=False):
    layers = [keras.Input((3,)), keras.layers.Dense(units, name="hidden"), keras.layers.Dense(2, name="out")]
    if extra:
        layers.append(keras.layers.Dense(2, name="extra"))
    return keras.Sequential(layers)


@pytest.fixture
def saved(tmp_path):
    net = _net()
    path = tmp_path / "net.weights.h5"
    net.save_weights(str(path))
    return net, path


def test_a_good_file_loads(saved):
    net, path = saved
    fresh = _net()
    load_weights_file(fresh, path)
    for a, b in zip(net.weights, fresh.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda data: data[: len(data) // 2] + bytes(len(data) - len(data) // 2), "is truncated or corrupt"),
        (lambda data: data[: len(data) // 2], "is truncated or corrupt"),
        (lambda data: b"", r"is empty \(0 bytes\)"),
        (lambda data: b'{"not": "hdf5"}', "is not an HDF5 file"),
    ],
    ids=["zeroed-tail", "truncated", "empty", "not-hdf5"],
)
def test_damaged_files_name_the_file_and_the_damage(saved, tmp_path, damage, message):
    _, path = saved
    bad = tmp_path / "bad.weights.h5"
    bad.write_bytes(damage(path.read_bytes()))
    with pytest.raises(WeightsFileError, match=message) as info:
        load_weights_file(_net(), bad)
    assert str(bad) in str(info.value)
    with pytest.raises(WeightsFileError, match="does not exist"):
        load_weights_file(_net(), tmp_path / "missing.weights.h5")


def test_an_architecture_mismatch_lists_the_variables_and_shapes(saved):
    _, path = saved
    with pytest.raises(WeightsFileError) as info:
        load_weights_file(_net(units=5), path)
    message = str(info.value)
    assert str(path) in message and "does not match" in message
    assert "layers/dense/vars/0: model (3, 5), file (3, 4)" in message
    with pytest.raises(WeightsFileError, match=r"missing from the file: layers/dense_2/vars/0, layers/dense_2/vars/1"):
        load_weights_file(_net(extra=True), path)
    assert issubclass(WeightsFileError, ValueError) and os.path.isfile(path)


def test_a_preset_with_damaged_weights_names_the_file(tmp_path):
    preset = preset_utils.save_to_preset(_net(), tmp_path / "preset")
    weights = preset / "model.weights.h5"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2] + bytes(len(data) - len(data) // 2))
    with pytest.raises(WeightsFileError, match=f"The preset weights {weights} .* is truncated or corrupt"):
        preset_utils.load_from_preset_dir(preset)
