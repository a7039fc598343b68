"""Shipped R3GAN presets: packaging a trained run into the package data, and loading it offline by name.

The packaging tests use the benchmark's --smoke run (a tiny architecture registered for the test only). The last
test checks the real shipped presets: every name in `SHIPPED_PRESETS` must load offline with its metrics in the
metadata, and every preset directory in weights/ must be registered.
"""

import copy
import hashlib
import math
import socket

import h5py
import keras
import numpy as np
import pytest

import keras_gans
from keras_gans.metrics import mnist_classifier
from keras_gans.models.r3gan import R3GAN_PRESETS
from keras_gans.models.r3gan import R3GANGenerator
from keras_gans.models.r3gan import r3gan_presets
from keras_gans.models.r3gan import r3gan_shipped
from keras_gans.utils import preset_utils

SMOKE_NAME = "stacked_mnist_smoke_test"


def _block_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access is disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _use_weights_dirs(monkeypatch, root):
    for which in ("package", "repo", "cache"):
        monkeypatch.setattr(r3gan_shipped, f"{which}_weights_dir", lambda which=which: root / which)


def _register_smoke_architecture(monkeypatch, benchmark):
    entry = copy.deepcopy(R3GAN_PRESETS["stacked_mnist_small"])
    for network in ("generator", "discriminator"):
        entry[network].update(copy.deepcopy(benchmark.SMOKE_NETWORKS))
    monkeypatch.setitem(R3GAN_PRESETS, SMOKE_NAME, entry)


def _weights_equal(a, b):
    assert len(a.weights) == len(b.weights)
    for x, y in zip(a.weights, b.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(x), keras.ops.convert_to_numpy(y))


def _interrupted_packaging_keeps_the_preset(packaging_tool, run_preset, target, monkeypatch):
    files = {path.name: path.read_bytes() for path in target.iterdir()}

    def interrupted(source, destination):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(packaging_tool, "copy_weights_without_optimizer", interrupted)
        with pytest.raises(KeyboardInterrupt):
            packaging_tool.package_preset(run_preset, SMOKE_NAME, target.parent, allow_smoke=True)
    assert {path.name: path.read_bytes() for path in target.iterdir()} == files
    assert sorted(path.name for path in target.parent.iterdir()) == [SMOKE_NAME]  # no staging folder left


def test_packaged_smoke_run_loads_offline_by_name(
    stacked_mnist_smoke_run, stacked_mnist_benchmark, packaging_tool, tmp_path, monkeypatch
):
    _, output = stacked_mnist_smoke_run
    run_preset = output / "rpgan_r1_r2" / "preset"
    _register_smoke_architecture(monkeypatch, stacked_mnist_benchmark)
    _use_weights_dirs(monkeypatch, tmp_path)
    written = packaging_tool.package_preset(run_preset, SMOKE_NAME, allow_smoke=True)
    assert written == [tmp_path / "package" / SMOKE_NAME]  # by default, one copy: the package data
    elsewhere = packaging_tool.package_preset(
        run_preset, SMOKE_NAME, tmp_path / "repo", allow_smoke=True, package_copy=True
    )
    assert elsewhere == [tmp_path / "repo" / SMOKE_NAME, tmp_path / "package" / SMOKE_NAME]
    target = written[0]
    _interrupted_packaging_keeps_the_preset(packaging_tool, run_preset, target, monkeypatch)
    with (
        h5py.File(target / preset_utils.WEIGHTS_FILE, "r") as packaged,
        h5py.File(run_preset / preset_utils.WEIGHTS_FILE, "r") as source,
    ):
        assert "optimizer" in source and "optimizer" not in packaged
        assert sorted(packaged) == sorted(k for k in source if k != "optimizer")
    metadata = preset_utils.load_preset_metadata(target)
    digest = hashlib.sha256((target / preset_utils.WEIGHTS_FILE).read_bytes()).hexdigest()
    assert metadata["weights_sha256"] == digest and metadata["preset_name"] == SMOKE_NAME
    assert metadata["training_command"] == preset_utils.load_preset_metadata(run_preset)["training_command"]

    monkeypatch.setattr(r3gan_presets, "SHIPPED_PRESETS", (SMOKE_NAME,))
    _block_network(monkeypatch)
    assert r3gan_shipped.shipped_preset_dir(SMOKE_NAME) == tmp_path / "package" / SMOKE_NAME  # package data first
    model = keras_gans.R3GAN.from_preset(SMOKE_NAME)
    _weights_equal(model, keras_gans.R3GAN.from_preset(str(run_preset)))
    generator = R3GANGenerator.from_preset(SMOKE_NAME)
    assert generator.trainable
    z = np.random.default_rng(0).standard_normal((3, generator.latent_dim)).astype("float32")
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(generator(z)), keras.ops.convert_to_numpy(model.ema_generator(z))
    )
    images = model.generate(4, seed=0)
    assert images.shape == (4, 32, 32, 3) and images.dtype == np.uint8
    fresh = keras_gans.R3GAN.from_preset(SMOKE_NAME, load_weights=False)
    assert fresh.generator.widths == model.generator.widths


def test_a_registered_preset_without_files_fails(tmp_path, monkeypatch):
    _use_weights_dirs(monkeypatch, tmp_path)
    monkeypatch.setattr(r3gan_presets, "SHIPPED_PRESETS", ("stacked_mnist_small",))
    with pytest.raises(FileNotFoundError, match="shipped preset 'stacked_mnist_small' was not found"):
        keras_gans.R3GAN.from_preset("stacked_mnist_small")
    with pytest.raises(FileNotFoundError, match="stacked_mnist_small"):
        R3GANGenerator.from_preset("stacked_mnist_small")
    # Without weights the name still builds its architecture.
    assert R3GANGenerator.from_preset("stacked_mnist_small", load_weights=False).widths == [128] * 4


def test_packaging_refuses_what_should_not_ship(
    stacked_mnist_smoke_run, stacked_mnist_benchmark, packaging_tool, tmp_path, monkeypatch
):
    _, output = stacked_mnist_smoke_run
    run_preset = output / "rpgan_r1_r2" / "preset"
    _register_smoke_architecture(monkeypatch, stacked_mnist_benchmark)
    root = tmp_path / "weights"
    with pytest.raises(ValueError, match="--smoke run"):
        packaging_tool.package_preset(run_preset, SMOKE_NAME, root)
    with pytest.raises(ValueError, match="absolute paths"):
        packaging_tool.package_preset(
            run_preset, SMOKE_NAME, root, allow_smoke=True, extra_metadata={"note": "trained in /home/someone/runs"}
        )
    with pytest.raises(ValueError, match=r"lacks \['metrics.num_samples'"):
        packaging_tool.package_preset(
            run_preset, SMOKE_NAME, root, allow_smoke=True, extra_metadata={"metrics": {"kl": 0.1}}
        )
    with pytest.raises(ValueError, match=r"lacks its quality figures: \['metrics.modes', 'metrics.kl'\] or"):
        packaging_tool.package_preset(
            run_preset,
            SMOKE_NAME,
            root,
            allow_smoke=True,
            extra_metadata={"metrics": {"kl": 0.1, "num_samples": 64, "classifier_test_accuracy": 0.98}},
        )
    with pytest.raises(ValueError, match="differs from the preset 'stacked_mnist_small'"):
        packaging_tool.package_preset(run_preset, "stacked_mnist_small", root, allow_smoke=True)
    with pytest.raises(ValueError, match="no entry in R3GAN_PRESETS"):
        packaging_tool.package_preset(run_preset, "not_a_preset", root, allow_smoke=True)
    with pytest.raises(ValueError, match="not a complete preset directory"):
        packaging_tool.package_preset(tmp_path, SMOKE_NAME, root, allow_smoke=True)
    assert not root.exists()


def test_shipped_presets_are_registered_and_load_offline(packaging_tool, monkeypatch):
    """Every preset directory in weights/ (or the package data) is registered, and every registered name loads
    offline with its training command and metrics. A registered name whose files are missing fails here."""
    on_disk = {
        d.name
        for root in (r3gan_shipped.repo_weights_dir(), r3gan_shipped.package_weights_dir())
        if root.is_dir()
        for d in root.iterdir()
        if (d / preset_utils.CONFIG_FILE).is_file()
    }
    assert on_disk <= set(r3gan_presets.SHIPPED_PRESETS), (
        f"unregistered presets in weights/: {sorted(on_disk - set(r3gan_presets.SHIPPED_PRESETS))}"
    )
    _block_network(monkeypatch)
    for name in r3gan_presets.SHIPPED_PRESETS:
        assert name in R3GAN_PRESETS
        directory = r3gan_shipped.shipped_preset_dir(name)  # FileNotFoundError (a failure) when missing
        # One copy, in the package data (so wheels carry it), none at the top level of the repository.
        assert directory == r3gan_shipped.package_weights_dir() / name
        assert not (r3gan_shipped.repo_weights_dir() / name).exists()
        metadata = preset_utils.load_preset_metadata(directory)
        packaging_tool.check_shipped_metadata(metadata, name)
        metrics = metadata["metrics"]
        assert not metadata.get("smoke") and metrics["classifier_test_accuracy"] >= 0.95
        model = keras_gans.R3GAN.from_preset(name)
        if "modes" in metrics:  # StackedMNIST: mode coverage of 26,000 samples
            assert metrics["num_samples"] == 26_000 and 1 <= metrics["modes"] <= 1000
            assert math.log(1000 / metrics["modes"]) - 1e-3 <= metrics["kl"] <= math.log(1000) + 1e-3
            assert model.image_shape == (32, 32, 3)
        else:  # class-conditional MNIST: the classifier's reading of the requested digits
            assert metrics["num_samples"] == 10_000 and model.num_classes == 10
            assert model.image_shape == (32, 32, 1)
            # The figures again from the shipped weights: the same samples and classifier, on this backend.
            labels = np.arange(metrics["num_samples"]) % 10
            images = model.generate(len(labels), labels=labels, seed=metrics["sample_seed"], batch_size=500)
            again = mnist_classifier.digit_quality(images, labels=labels)
            for key in ("label_agreement", "confident_fraction", "mean_confidence"):
                assert again[key] == pytest.approx(metrics[key], abs=2e-3), key
        images = model.generate(8, seed=0)
        assert images.shape == (8, *model.image_shape) and images.dtype == np.uint8 and images.std() > 0
        generator = R3GANGenerator.from_preset(name)
        z = np.random.default_rng(0).standard_normal((2, generator.latent_dim)).astype("float32")
        labels = np.eye(model.num_classes, dtype="float32")[[3, 7]] if model.num_classes else None
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(generator(z, labels=labels)),
            keras.ops.convert_to_numpy(model.ema_generator(z, labels=labels)),
            atol=1e-6,
        )
