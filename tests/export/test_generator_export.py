"""`GAN.export_generator`: each artefact runs in its own runtime and reproduces `GAN.generate`.

Reference: `gan.generate(z, labels=ids, use_ema=..., output=...)` of the exported model on the same latents and
class ids. Runtimes: `tf.saved_model.load` (the `serving_default` signature), `onnxruntime.InferenceSession` and
`tf.lite.Interpreter` (its signature runner). Tolerances: float images (checked through ONNX) within 1e-5
absolute (measured: 0 from TensorFlow, 1.8e-7 from JAX, 3.0e-7 from PyTorch: float32 reordering by each runtime);
uint8 pixels equal up to 1 level on at most 1% of the pixels (the exported
graph scales in float32 where `generate` scales in float64, so a value within float32 round-off of an integer may
floor the other way; measured: identical). Formats that the running backend cannot write raise an error naming
the backends that can, which the tests check on the other backends.
"""

import logging

import keras
import numpy as np
import pytest

import keras_gans
from keras_gans.export import BACKENDS
from keras_gans.export.generator_export import CONVERTER_LOGGERS

BACKEND = keras.backend.backend()
Z = np.random.default_rng(3).standard_normal((5, 8)).astype("float32")
IDS = np.array([0, 1, 2, 0, 2], "int32")


@pytest.fixture(scope="module")
def r3gan():
    """A tiny class-conditional R3GAN (8x8, 3 classes) whose EMA generator differs from its generator."""
    arch = {"widths": [8, 8], "cardinalities": [2, 2], "blocks_per_stage": 1, "expansion_factor": 2}
    model = keras_gans.R3GAN(
        keras_gans.R3GANGenerator(**arch, latent_dim=8, num_classes=3),
        keras_gans.R3GANDiscriminator(**arch, num_classes=3),
    )
    for variable in model.ema_generator.weights:
        variable.assign(keras.ops.convert_to_numpy(variable.value) * 0.5)
    return model


@pytest.fixture(scope="module")
def progan():
    """A tiny unconditional ProGAN (8x8; its uint8 conversion rounds with offset 127.5)."""
    return keras_gans.ProGAN(
        keras_gans.ProGANGenerator(resolution=8, channels=[4, 4], latent_dim=8),
        keras_gans.ProGANDiscriminator(resolution=8, channels=[4, 4]),
    )


def _run(path, fmt, inputs):
    """Runs an exported artefact in its own runtime; returns the `images` output."""
    if fmt == "tf_saved_model":
        import tensorflow as tf

        signature = tf.saved_model.load(str(path)).signatures["serving_default"]
        assert set(signature.structured_input_signature[1]) == set(inputs)
        return signature(**{k: tf.constant(v) for k, v in inputs.items()})["images"].numpy()
    if fmt == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        assert sorted(i.name for i in session.get_inputs()) == sorted(inputs)
        assert [o.name for o in session.get_outputs()] == ["images"]
        return session.run(["images"], inputs)[0]
    import tensorflow as tf

    interpreter = tf.lite.Interpreter(model_path=str(path))
    runner = interpreter.get_signature_runner()
    assert sorted(interpreter.get_signature_list()["serving_default"]["inputs"]) == sorted(inputs)
    return runner(**inputs)["images"]


def _compare(actual, expected):
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    if expected.dtype == np.uint8:
        difference = np.abs(actual.astype(int) - expected.astype(int))
        assert difference.max() <= 1 and (difference > 0).mean() <= 0.01
    else:
        np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-5)


def _path(tmp_path, fmt):
    return tmp_path / {"tf_saved_model": "saved_model", "onnx": "g.onnx", "litert": "g.tflite"}[fmt]


@pytest.mark.parametrize("fmt", ["tf_saved_model", "onnx", "litert"])
def test_conditional_export_matches_generate(r3gan, tmp_path, fmt, caplog):
    path = _path(tmp_path, fmt)
    if BACKEND not in BACKENDS[fmt]:
        with pytest.raises(
            ValueError,
            match=rf"not available on the {BACKEND} backend.*Backends that can write it: "
            rf"{', '.join(BACKENDS[fmt])}",
        ):
            r3gan.export_generator(path, format=fmt)
        assert not path.exists()
        return
    options = {}
    if fmt == "litert" and BACKEND == "jax":  # LiteRT from JAX needs a fixed batch size
        with pytest.raises(ValueError, match="needs a fixed `batch_size`"):
            r3gan.export_generator(path, format=fmt)
        options = {"batch_size": len(Z)}
    # EMA generator and uint8 pixels by default; the converters log nothing at WARNING or above meanwhile (jax2onnx's
    # serializer logged a warning about the class-id input's symbolic batch size).
    with caplog.at_level(logging.WARNING):
        assert r3gan.export_generator(path, format=fmt, **options) == path
    converter_records = [r for r in caplog.records if r.name.split(".")[0] in CONVERTER_LOGGERS]
    assert not converter_records, [r.getMessage() for r in converter_records]
    _compare(_run(path, fmt, {"latents": Z, "labels": IDS}), r3gan.generate(Z, labels=IDS))
    if fmt != "onnx":
        return  # the options below are the exported wrapper's, the same for every format: checked once, with ONNX
    # The trained generator, float output; the export replaces the previous one at the same path.
    r3gan.export_generator(path, format=fmt, output="float", use_ema=False, **options)
    float_images = _run(path, fmt, {"latents": Z, "labels": IDS})
    _compare(float_images, r3gan.generate(Z, labels=IDS, use_ema=False, output="float"))
    assert np.abs(float_images - r3gan.generate(Z, labels=IDS, output="float")).max() > 1e-2  # not the EMA one


def test_unconditional_export_rounds_like_generate(progan, tmp_path):
    """ProGAN: no `labels` input, and pixels rounded with offset 127.5 like `generate`; batch sizes vary, or are
    fixed by `batch_size`. At every level of detail: from lod 1 (4x4 blocks only) to lod 0 (the 8x8 block's
    upsampling transposed convolution) through a fade."""
    fmt = "onnx"
    for lod in (1.0, 0.5, 0.0):
        progan.ema_generator.set_lod(lod)
        path = progan.export_generator(tmp_path / f"progan-{lod}.onnx", format=fmt)
        for n in (1, 5):
            _compare(_run(path, fmt, {"latents": Z[:n]}), progan.generate(Z[:n]))
    progan.ema_generator.set_lod(1.0)
    import onnxruntime

    fixed = progan.export_generator(tmp_path / "fixed.onnx", format=fmt, batch_size=2)
    session = onnxruntime.InferenceSession(str(fixed), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape == [2, 8]
    _compare(session.run(["images"], {"latents": Z[:2]})[0], progan.generate(Z[:2]))


def test_export_errors(r3gan, tmp_path):
    with pytest.raises(ValueError, match="unknown format 'keras'"):
        r3gan.export_generator(tmp_path / "g", format="keras")
    with pytest.raises(ValueError, match=r"ends with '\.onnx'"):
        r3gan.export_generator(tmp_path / "g.bin", format="onnx")
    with pytest.raises(ValueError, match=r"ends with '\.tflite'"):
        r3gan.export_generator(tmp_path / "g.onnx", format="tflite")
    with pytest.raises(ValueError, match="`output` must be one of"):
        r3gan.export_generator(tmp_path / "g.onnx", format="onnx", output="uint16")
    with pytest.raises(ValueError, match="`batch_size` must be a positive integer"):
        r3gan.export_generator(tmp_path / "g.onnx", format="onnx", batch_size=0)
    (tmp_path / "file").write_text("x")
    if BACKEND in BACKENDS["tf_saved_model"]:
        with pytest.raises(ValueError, match="is a file"):
            r3gan.export_generator(tmp_path / "file", format="tf_saved_model")


@pytest.mark.parametrize("fmt, name", [("tf_saved_model", "run"), ("onnx", "g.onnx"), ("litert", "g.tflite")])
def test_export_refuses_a_directory_that_is_not_an_earlier_export(r3gan, tmp_path, fmt, name):
    """Checked before the backend's support for the format, so every backend raises the same error."""
    directory = tmp_path / name
    directory.mkdir()
    (directory / "important.txt").write_text("keep")
    message = "is not an earlier SavedModel" if fmt == "tf_saved_model" else "is a directory; it is not replaced"
    with pytest.raises(ValueError, match=message) as info:
        r3gan.export_generator(directory, format=fmt)
    assert str(directory) in str(info.value)
    assert [p.name for p in directory.iterdir()] == ["important.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_export_refuses_the_working_directory_and_its_parents(r3gan, tmp_path, monkeypatch):
    working = tmp_path / "parent" / "run"
    working.mkdir(parents=True)
    (working / "important.txt").write_text("keep")
    monkeypatch.chdir(working)
    for path in (".", working, tmp_path / "parent"):
        with pytest.raises(ValueError, match="current directory or one of its parents"):
            r3gan.export_generator(path, format="tf_saved_model")
    assert [p.name for p in working.iterdir()] == ["important.txt"]
    assert [p.name for p in (tmp_path / "parent").iterdir()] == ["run"]


@pytest.mark.skipif(BACKEND not in BACKENDS["tf_saved_model"], reason="Keras writes a SavedModel on TF and JAX only")
def test_saved_model_export_replaces_an_empty_directory_and_an_earlier_export(progan, tmp_path):
    path = tmp_path / "saved_model"
    path.mkdir()
    progan.export_generator(path, format="tf_saved_model", output="float")
    (path / "variables" / "stale.txt").write_text("from the earlier export")
    progan.export_generator(path, format="tf_saved_model")
    assert not (path / "variables" / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["saved_model"]
    _compare(_run(path, "tf_saved_model", {"latents": Z}), progan.generate(Z))


@pytest.mark.parametrize(
    "fmt, backend, missing, extras",
    [
        ("tf_saved_model", "jax", {"tensorflow"}, "tensorflow"),
        ("litert", "tensorflow", {"tensorflow"}, "tensorflow"),
        ("onnx", "jax", {"jax2onnx", "onnx"}, "export"),
        ("onnx", "torch", {"onnx"}, "export"),
    ],
)
def test_a_missing_converter_names_the_extra_that_installs_it(monkeypatch, fmt, backend, missing, extras):
    """TensorFlow comes from the `tensorflow` extra, the converters from `export`. (Module lookups are faked, so
    every backend's requirements are checked in every pass.)"""
    import importlib.util

    from keras_gans.export.generator_export import check_export_format

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in missing else find_spec(name, *a))
    with pytest.raises(ImportError, match=rf'on the {backend} backend needs .*pip install "keras-gans\[{extras}\]"'):
        check_export_format(fmt, backend)
