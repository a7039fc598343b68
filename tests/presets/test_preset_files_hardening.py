"""Hostile preset files: a `config.json` that is not a serialized model and weights holding NaN or Inf give errors
naming the file and what is wrong, instead of an `AttributeError` or a model that generates black images."""

import json
import shutil

import h5py
import numpy as np
import pytest

import keras_gans
from keras_gans.callbacks.checkpoint import restore_checkpoint
from keras_gans.callbacks.checkpoint import save_checkpoint
from keras_gans.utils.weights_io import WeightsFileError

ARCH = {"widths": [4, 4], "cardinalities": [2, 2], "blocks_per_stage": 1, "expansion_factor": 2}


@pytest.fixture(scope="module")
def preset(tmp_path_factory):
    model = keras_gans.R3GAN(keras_gans.R3GANGenerator(**ARCH, latent_dim=4), keras_gans.R3GANDiscriminator(**ARCH))
    return model.save_to_preset(tmp_path_factory.mktemp("presets") / "tiny")


def _copy(preset, tmp_path):
    return shutil.copytree(preset, tmp_path / "copy")


def _edit_config(directory, edit):
    path = directory / "config.json"
    config = json.loads(path.read_text())
    path.write_text(json.dumps(edit(config)))
    return path


def _set(config, keys, value):
    target = config
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return config


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: [c], r"config\.json must be a JSON object .* got a list"),
        (lambda c: "R3GAN", r"config\.json must be a JSON object .* got a string"),
        (lambda c: _set(c, ["class_name"], 3), r"config\.json: 'class_name' must be a string .* got a int"),
        (lambda c: _set(c, ["config"], [1, 2]), r"config\.json: 'config' must be a JSON object .* got a list"),
        (lambda c: _set(c, ["config", "generator"], [1]), r"config\.json: config\.generator must be a JSON object"),
        (
            lambda c: _set(c, ["config", "discriminator", "config"], "x"),
            r"config\.json: config\.discriminator: 'config' must be a JSON object .* got a string",
        ),
    ],
    ids=["list", "string", "class-name-int", "config-list", "generator-list", "discriminator-config-string"],
)
def test_a_config_that_is_not_a_serialized_model_names_the_file_and_the_field(preset, tmp_path, edit, message):
    directory = _copy(preset, tmp_path)
    path = _edit_config(directory, edit)
    with pytest.raises(ValueError, match=message) as info:
        keras_gans.R3GAN.from_preset(str(directory))
    assert str(path) in str(info.value)


def test_metadata_that_is_not_an_object_names_the_file(preset, tmp_path):
    from keras_gans.utils.preset_utils import load_preset_metadata

    directory = _copy(preset, tmp_path)
    (directory / "metadata.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match=r"metadata\.json must be a JSON object .* got a list"):
        load_preset_metadata(directory)


@pytest.mark.parametrize(
    "text, message",
    [("nope", r"metadata\.json: not readable JSON"), ("[1, 2]", r"metadata\.json must be a JSON object .* got a list")],
    ids=["not-json", "list"],
)
def test_from_preset_refuses_metadata_that_is_not_an_object(preset, tmp_path, text, message):
    directory = _copy(preset, tmp_path)
    (directory / "metadata.json").write_text(text)
    with pytest.raises(ValueError, match=message) as info:
        keras_gans.R3GAN.from_preset(str(directory))
    assert str(directory / "metadata.json") in str(info.value)
    with pytest.raises(ValueError, match=message):
        keras_gans.R3GANGenerator.from_preset(str(directory))


def _poison(weights_file, value):
    """Writes `value` into the first element of the first generator kernel of a `.weights.h5` file."""
    names = []
    with h5py.File(weights_file, "r") as f:
        f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
    target = next(n for n in names if "ema_generator" in n and f"{n}".endswith("vars/0"))
    with h5py.File(weights_file, "r+") as f:
        data = f[target][...]
        data.reshape(-1)[0] = value
        f[target][...] = data
    return target


@pytest.mark.parametrize("value", [np.nan, np.inf], ids=["nan", "inf"])
def test_a_preset_with_nonfinite_generator_weights_does_not_load(preset, tmp_path, value):
    directory = _copy(preset, tmp_path)
    _poison(directory / "model.weights.h5", value)
    with pytest.raises(WeightsFileError, match=r"holds non-finite values.*ema_generator.* has 1 of \d+ values") as info:
        keras_gans.R3GAN.from_preset(str(directory))
    assert str(directory / "model.weights.h5") in str(info.value)
    with pytest.raises(WeightsFileError, match="holds non-finite values"):
        keras_gans.R3GANGenerator.from_preset(str(directory))


def test_a_checkpoint_with_nonfinite_weights_falls_back_to_the_previous_one(preset, tmp_path):
    model = keras_gans.R3GAN.from_preset(str(preset))
    model.compile(gamma=0.05)
    root = tmp_path / "checkpoints"
    model.images_seen.assign(1)
    good = save_checkpoint(model, root)
    kernel = model.ema_generator.weights[0]
    kernel.assign(np.full(kernel.shape, np.nan, "float32"))  # saved by hand after a divergence
    model.images_seen.assign(2)
    save_checkpoint(model, root)
    fresh = keras_gans.R3GAN.from_preset(str(preset))
    fresh.compile(gamma=0.05)
    with pytest.warns(RuntimeWarning, match=f"skipped newer .*non-finite values.*{kernel.path}"):
        metadata = restore_checkpoint(fresh, root)
    assert metadata["path"] == str(good)
