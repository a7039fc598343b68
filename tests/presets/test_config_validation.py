"""Architecture arguments are validated before anything is built: types, ranges and a size estimate against a
limit that `allow_large=True` lifts (`keras_gans.models.config_validation`). The size estimates are checked
against the parameter counts of the built networks."""

import json
import shutil
import time

import numpy as np
import pytest

import keras_gans
from keras_gans.models import config_validation
from keras_gans.models.progan import ProGANDiscriminator
from keras_gans.models.progan import ProGANGenerator
from keras_gans.models.progan.progan_base import estimate_parameters as progan_estimate
from keras_gans.models.progan.progan_base import resolve_channels
from keras_gans.models.r3gan import R3GANDiscriminator
from keras_gans.models.r3gan import R3GANGenerator
from keras_gans.models.r3gan.r3gan_architecture import estimate_parameters as r3gan_estimate
from keras_gans.utils.weight_loading import weights_loaded_next

R3GAN_ARCHS = [
    {"widths": [8, 16, 16], "cardinalities": [2, 4, 4], "blocks_per_stage": [1, 2, 0], "expansion_factor": 2},
    {"widths": [6, 4], "cardinalities": [3, 2], "blocks_per_stage": [2, 2], "expansion_factor": 3, "kernel_size": 5},
]


def _trainable(network):
    # Only shapes matter here; the initializers that honour weights_loaded_next() skip drawing random values.
    return sum(int(np.prod(v.shape)) for v in network.trainable_weights)


@pytest.mark.parametrize(
    "arch, num_classes", [(R3GAN_ARCHS[0], 0), (R3GAN_ARCHS[1], 5)], ids=["three-stages", "two-stages-k5-conditional"]
)
def test_the_r3gan_estimate_is_the_built_networks_parameter_count(arch, num_classes):
    with weights_loaded_next():
        g = R3GANGenerator(**arch, latent_dim=7, num_classes=num_classes, image_channels=2)
        d = R3GANDiscriminator(**arch, num_classes=num_classes, image_channels=2)
        g.build(), d.build()
    stages = [arch[k] for k in ("widths", "cardinalities", "blocks_per_stage", "expansion_factor")]
    stages.append(arch.get("kernel_size", 3))
    g_embedding, d_embedding = (7, arch["widths"][0]) if num_classes else (0, 0)
    assert r3gan_estimate(*stages, 7 + g_embedding, 2, num_classes * g_embedding) == _trainable(g)
    assert r3gan_estimate(*stages, d_embedding or 1, 2, num_classes * d_embedding) == _trainable(d)


@pytest.mark.parametrize(
    "arch, num_classes",
    [({"resolution": 16, "channels": [8, 6, 4]}, 0), ({"resolution": 8, "fmap_base": 64, "fmap_max": 16}, 3)],
    ids=["channels", "formula-conditional"],
)
def test_the_progan_estimate_is_the_built_networks_parameter_count(arch, num_classes):
    with weights_loaded_next():
        g = ProGANGenerator(**arch, latent_dim=5, num_classes=num_classes)
        d = ProGANDiscriminator(**arch, num_classes=num_classes)
    nf = resolve_channels(
        "test", g.resolution_log2, arch.get("channels"), arch.get("fmap_base", 8192), 1.0, arch.get("fmap_max", 512)
    )
    assert progan_estimate("generator", nf, 3, 5, num_classes) == _trainable(g)
    assert progan_estimate("discriminator", nf, 3, 0, num_classes) == _trainable(d)


@pytest.mark.parametrize(
    "network, arguments, message",
    [
        (
            R3GANGenerator,
            {"widths": "abc", "cardinalities": 2},
            r"`widths` must be an integer or a list of integers, got 'abc' \(str\)",
        ),
        (R3GANDiscriminator, {"widths": "abc", "cardinalities": 2}, r"`widths` must be .* got 'abc' \(str\)"),
        (R3GANGenerator, {"widths": {"a": 1}, "cardinalities": 2}, r"`widths` must be .* \(dict\)"),
        (R3GANGenerator, {"widths": [8, 8.5], "cardinalities": 2}, r"every entry of `widths` must be an integer >= 1"),
        (R3GANGenerator, {"widths": [8, 8], "cardinalities": "22"}, r"`cardinalities` must be .* got '22' \(str\)"),
        (R3GANGenerator, {"widths": [8, 8], "cardinalities": 2, "blocks_per_stage": -1}, r"`blocks_per_stage`.*>= 0"),
        (
            R3GANGenerator,
            {"widths": [8, 8], "cardinalities": 2, "blocks_per_stage": [1]},
            r"must have one entry per stage \(2",
        ),
        (R3GANGenerator, {"widths": [8], "cardinalities": 2, "latent_dim": 0}, r"`latent_dim` must be an integer >= 1"),
        (R3GANGenerator, {"widths": [8], "cardinalities": 2, "kernel_size": "3"}, r"`kernel_size` must be an integer"),
        (R3GANGenerator, {"widths": [8], "cardinalities": 2, "allow_large": "yes"}, r"`allow_large` must be True or"),
        (ProGANGenerator, {"resolution": 12}, r"`resolution` must be a power of two >= 4, got 12"),
        (ProGANGenerator, {"resolution": 8, "channels": "ab"}, r"`channels \(one width .*\)` must be a list of int"),
        (ProGANDiscriminator, {"resolution": 8, "channels": [4, "a"]}, r"every entry of `channels.*` must be an int"),
        (ProGANGenerator, {"resolution": 8, "channels": [4, 4, 4]}, r"`channels.*` must have 2 entries"),
        (ProGANGenerator, {"resolution": 8, "latent_dim": -3}, r"`latent_dim` must be an integer >= 1"),
        (ProGANDiscriminator, {"resolution": 8, "fmap_decay": "1"}, r"`fmap_decay` must be a number"),
        (ProGANDiscriminator, {"resolution": 8, "fmap_base": 0}, r"`fmap_base` must be an integer >= 1"),
    ],
)
def test_mistyped_and_out_of_range_arguments_name_the_field(network, arguments, message):
    with pytest.raises(ValueError, match=message):
        network(**arguments)


@pytest.mark.parametrize(
    "network, arguments, message",
    [
        (R3GANGenerator, {"widths": [8, 8], "cardinalities": 2, "blocks_per_stage": 1_000_000}, r"1000000 residual"),
        (R3GANDiscriminator, {"widths": [8, 8], "cardinalities": 2, "blocks_per_stage": 1_000_000}, r"1000000 resi"),
        (R3GANGenerator, {"widths": [200_000] * 2, "cardinalities": 2, "blocks_per_stage": 1}, r"about 1\.76e\+12 par"),
        (R3GANGenerator, {"widths": [8], "cardinalities": 2, "latent_dim": 10**12}, r"about 8e\+12 parameters"),
        (R3GANGenerator, {"widths": [8] * 20, "cardinalities": 2, "blocks_per_stage": 1}, r"2097152x2097152 exceed"),
        (ProGANGenerator, {"resolution": 2**20}, r"1048576x1048576 exceed the limit of 8192"),
        (ProGANDiscriminator, {"resolution": 64, "fmap_base": 10**9, "fmap_max": 10**9}, r"about 1\.25e\+19 par"),
    ],
    ids=["blocks-g", "blocks-d", "widths", "latent", "stages", "progan-resolution", "progan-widths"],
)
def test_oversized_architectures_fail_at_once_with_the_estimate_and_the_way_to_lift_the_limit(
    network, arguments, message
):
    start = time.perf_counter()
    with pytest.raises(ValueError, match=message) as info:
        network(**arguments)
    assert time.perf_counter() - start < 1.0
    assert "allow_large=True" in str(info.value)


def test_allow_large_lifts_the_limit_and_is_kept_by_the_config(monkeypatch):
    assert "allow_large" not in ProGANGenerator(resolution=8, channels=[4, 4], latent_dim=4).get_config()
    monkeypatch.setattr(config_validation, "MAX_PARAMETERS", 100)
    arch = {"widths": [4], "cardinalities": 2, "blocks_per_stage": 1}
    with pytest.raises(ValueError, match=r"about 4\d\d parameters .* more than the limit of 100"):
        R3GANGenerator(**arch, latent_dim=4)
    g = R3GANGenerator(**arch, latent_dim=4, allow_large=True)
    assert g.get_config()["allow_large"] is True
    assert R3GANGenerator.from_config(g.get_config()).allow_large
    d = ProGANDiscriminator(resolution=8, channels=[4, 4], allow_large=True)
    assert ProGANDiscriminator.from_config(d.get_config()).allow_large


@pytest.fixture(scope="module")
def preset(tmp_path_factory):
    arch = {"widths": [4, 4], "cardinalities": [2, 2], "blocks_per_stage": 1}
    model = keras_gans.R3GAN(keras_gans.R3GANGenerator(**arch, latent_dim=4), keras_gans.R3GANDiscriminator(**arch))
    return model.save_to_preset(tmp_path_factory.mktemp("presets") / "tiny")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("blocks_per_stage", 1_000_000, r"1000000 residual blocks .* allow_large=True"),
        ("widths", "abc", r"`widths` must be an integer or a list of integers, got 'abc'"),
    ],
)
def test_a_preset_config_with_a_bad_architecture_names_the_file_and_field(preset, tmp_path, field, value, message):
    directory = shutil.copytree(preset, tmp_path / "copy")
    path = directory / "config.json"
    config = json.loads(path.read_text())
    config["config"]["generator"]["config"][field] = value
    path.write_text(json.dumps(config))
    start = time.perf_counter()
    with pytest.raises(ValueError, match=message) as info:
        keras_gans.R3GAN.from_preset(str(directory))
    assert time.perf_counter() - start < 1.0
    assert str(path) in str(info.value)
