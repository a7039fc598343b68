"""`weights/train_mnist_small.py`, the script that trains the shipped class-conditional `mnist_small` preset, in
its --smoke mode (tiny networks, a few steps; MNIST comes from the test fixtures): the preset it writes, the
quality figures in its metadata recomputed from that preset, resuming, and what packaging refuses."""

import json

import numpy as np
import pytest
from conftest import WEIGHTS_DIR
from PIL import Image
from script_loading import load_script

import keras_gans
from keras_gans.metrics import mnist_classifier
from keras_gans.utils import preset_utils


@pytest.fixture(scope="module")
def training_script():
    return load_script(WEIGHTS_DIR / "train_mnist_small.py", "train_mnist_small")


@pytest.fixture(scope="module")
def smoke_run(training_script, tmp_path_factory):
    output = tmp_path_factory.mktemp("mnist_small") / "run"
    metadata = training_script.main(["--smoke", "--output", str(output)])
    return metadata, output


def test_the_preset_it_writes_carries_figures_that_its_weights_reproduce(smoke_run, packaging_tool):
    metadata, output = smoke_run
    saved = preset_utils.load_preset_metadata(output / "preset")
    assert json.loads(json.dumps(metadata)) == {k: saved[k] for k in metadata}
    assert saved["smoke"] is True and saved["images_seen"] > 0
    assert saved["training_command"].startswith("KERAS_BACKEND=") and "--smoke" in saved["training_command"]
    packaging_tool.check_shipped_metadata(saved)  # every key a shipped preset needs, and no absolute path
    model = keras_gans.R3GAN.from_preset(str(output / "preset"))
    assert model.num_classes == 10 and model.image_shape == (32, 32, 1)
    # The figures again, from the saved weights: the same samples (seed, labels cycling 0-9) and classifier.
    metrics = saved["metrics"]
    labels = np.arange(metrics["num_samples"]) % 10
    images = model.generate(metrics["num_samples"], labels=labels, seed=metrics["sample_seed"], batch_size=500)
    again = mnist_classifier.digit_quality(images, labels=labels)
    for key, value in again.items():
        assert metrics[key] == pytest.approx(value, abs=1e-4), key
    assert metrics["real_test_digits"]["label_agreement"] >= 0.95  # the classifier reads real digits
    grid = np.asarray(Image.open(output / "samples.png"))
    assert grid.shape[:2] == (10 * 32, 10 * 32)


def test_resume_continues_from_the_checkpoint(smoke_run, training_script, tmp_path):
    metadata, output = smoke_run
    more = training_script.main(["--smoke", "--output", str(output), "--resume", "--steps", "16"])
    assert more["images_seen"] > metadata["images_seen"]


def test_packaging_refuses_a_smoke_run_and_another_architecture(smoke_run, packaging_tool, tmp_path):
    _, output = smoke_run
    with pytest.raises(ValueError, match="--smoke run"):
        packaging_tool.package_preset(output / "preset", "mnist_small", tmp_path / "weights")
    with pytest.raises(ValueError, match="differs from the preset 'mnist_small'"):
        packaging_tool.package_preset(output / "preset", "mnist_small", tmp_path / "weights", allow_smoke=True)
    assert not (tmp_path / "weights").exists()
