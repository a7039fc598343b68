"""`keras-gans export`: the ONNX file it writes reproduces `GAN.generate` of the saved preset in ONNX Runtime.

Reference: `model.generate(z, labels=ids, use_ema=False, output="float")` of the model that was saved; tolerance
1e-5 absolute, as tests/export/test_generator_export.py (which states the measured errors).
"""

import keras
import numpy as np
import pytest

import keras_gans
from keras_gans import cli
from keras_gans.export import BACKENDS


@pytest.fixture(scope="module")
def conditional_preset(tmp_path_factory):
    arch = {"widths": [8, 8], "cardinalities": [2, 2], "blocks_per_stage": 1, "expansion_factor": 2}
    model = keras_gans.R3GAN(
        keras_gans.R3GANGenerator(**arch, latent_dim=8, num_classes=3),
        keras_gans.R3GANDiscriminator(**arch, num_classes=3),
    )
    for variable in model.ema_generator.weights:
        variable.assign(keras.ops.convert_to_numpy(variable.value) * 0.5)
    return model, model.save_to_preset(tmp_path_factory.mktemp("presets") / "r3gan")


def test_export_onnx_float_trained_generator(conditional_preset, tmp_path, capsys):
    import onnxruntime

    model, preset = conditional_preset
    path = tmp_path / "g.onnx"
    assert (
        cli.main(
            [
                "export",
                "--preset",
                str(preset),
                "--format",
                "onnx",
                "--output",
                str(path),
                "--image-dtype",
                "float",
                "--no-ema",
            ]
        )
        == 0
    )
    assert "Exported the trained generator" in capsys.readouterr().out
    z = np.random.default_rng(0).standard_normal((4, 8)).astype("float32")
    ids = np.array([2, 0, 1, 2], "int32")
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    images = session.run(["images"], {"latents": z, "labels": ids})[0]
    np.testing.assert_allclose(images, model.generate(z, labels=ids, use_ema=False, output="float"), atol=1e-5)


def test_export_errors_name_the_problem(conditional_preset, tmp_path):
    _, preset = conditional_preset
    with pytest.raises(SystemExit, match=r"keras-gans export: .*an ONNX export is one file .*ends with '\.onnx'"):
        cli.main(["export", "--preset", str(preset), "--format", "onnx", "--output", str(tmp_path / "g.pb")])
    with pytest.raises(SystemExit, match="keras-gans export: --preset .*missing"):
        cli.main(
            ["export", "--preset", str(tmp_path / "missing"), "--format", "onnx", "--output", str(tmp_path / "g.onnx")]
        )
    backend = keras.backend.backend()
    unavailable = [fmt for fmt, backends in BACKENDS.items() if backend not in backends]
    for fmt in unavailable:  # e.g. litert on JAX and PyTorch: the message names the backends that can
        suffix = {"litert": ".tflite"}.get(fmt, "")
        with pytest.raises(SystemExit, match=rf"not available on the {backend} backend.*{BACKENDS[fmt][0]}"):
            cli.main(["export", "--preset", str(preset), "--format", fmt, "--output", str(tmp_path / f"g{suffix}")])
    if backend == "jax":
        with pytest.raises(SystemExit, match="needs a fixed `batch_size`"):
            cli.main(["export", "--preset", str(preset), "--format", "litert", "--output", str(tmp_path / "g.tflite")])
