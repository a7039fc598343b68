"""Exports a GAN's generator for inference without keras-gans: TF SavedModel, ONNX and LiteRT (TFLite).

The exported function takes named inputs and returns named images:

| input / output | shape | dtype | meaning |
| --- | --- | --- | --- |
| `latents` | `(N, latent_dim)` | float32 | standard normal latents |
| `labels` (conditional models only) | `(N,)` | int32 | class ids in `[0, num_classes)` |
| `images` (output) | `(N, H, W, C)` | uint8 or float32 | NHWC pixels, as `GAN.generate(..., output=...)` |

With `output="uint8"` the pixels are `x * 127.5 + uint8_offset`, floored or rounded like the model's
`uint8_rounding`, clipped to [0, 255] (what `GAN.generate` returns); `output="float"` gives the raw generator
output in [-1, 1]. The EMA generator is exported unless `use_ema=False`.

The conversion is Keras' own (`keras.Model.export`); which backend writes which format, and how to run it:

* `"tf_saved_model"` (a directory): TensorFlow; JAX through jax2tf (TensorFlow installed); not PyTorch (Keras
  converts PyTorch models to SavedModel only through torch_xla). Run with `tf.saved_model.load`.
* `"onnx"` (a `.onnx` file): TensorFlow (tf2onnx), JAX (jax2onnx), PyTorch (`torch.onnx`). Run with
  `onnxruntime.InferenceSession`.
* `"litert"` (a `.tflite` file): TensorFlow (`tf.lite`); JAX with a fixed `batch_size` (jax2tf, then `tf.lite`:
  the TFLite converter rejects the dynamic-shape gathers of a batch-polymorphic jax2tf graph); not PyTorch (Keras
  needs litert-torch). Run with `tf.lite.Interpreter` or ai-edge-litert.

The batch size is dynamic unless `batch_size` fixes it. The weights do not depend on the backend, so a model
trained on any backend can be exported from another one: save it with `save_to_preset` and load the preset under
`KERAS_BACKEND=tensorflow`. Install the converters with `pip install "keras-gans[export]"`; SavedModel and LiteRT
also need TensorFlow (`"keras-gans[export,tensorflow]"`), also on JAX.
"""

import contextlib
import importlib.util
import logging
import os
import pathlib
import shutil
import warnings

import keras
from keras import ops

from keras_gans.utils import durable

FORMATS = ("tf_saved_model", "onnx", "litert")
_ALIASES = {"saved_model": "tf_saved_model", "savedmodel": "tf_saved_model", "tflite": "litert"}
# The backends whose Keras can write each format (see the module docstring for why the others cannot).
BACKENDS = {
    "tf_saved_model": ("tensorflow", "jax"),
    "onnx": ("tensorflow", "jax", "torch"),
    "litert": ("tensorflow", "jax"),
}
_WHY_NOT = {
    ("tf_saved_model", "torch"): "Keras converts PyTorch models to SavedModel only through torch_xla",
    ("litert", "torch"): "Keras converts PyTorch models to LiteRT only through litert-torch",
}
# Python modules each (format, backend) pair needs, with the pip package that provides them.
_REQUIRED = {
    ("tf_saved_model", "tensorflow"): (("tensorflow", "tensorflow-cpu"),),
    ("tf_saved_model", "jax"): (("tensorflow", "tensorflow-cpu"),),
    ("onnx", "tensorflow"): (("tf2onnx", "tf2onnx"), ("onnx", "onnx")),
    ("onnx", "jax"): (("jax2onnx", "jax2onnx"), ("onnx", "onnx")),
    ("onnx", "torch"): (("onnx", "onnx"),),
    ("litert", "tensorflow"): (("tensorflow", "tensorflow-cpu"),),
    ("litert", "jax"): (("tensorflow", "tensorflow-cpu"),),
}
SUFFIXES = {"onnx": ".onnx", "litert": ".tflite"}
_ONE_FILE_EXPORTS = {"onnx": "an ONNX", "litert": "a LiteRT"}  # as messages name them
# The file that marks a directory as a SavedModel, which an export may replace.
SAVED_MODEL_FILE = "saved_model.pb"
# Loggers of the converters, quiet below ERROR during a write: they log (e.g. jax2onnx's serializer for the
# symbolic batch size of a class-id input) what does not affect the artefact, which the exports' tests run.
CONVERTER_LOGGERS = ("onnx_ir", "onnxscript", "jax2onnx", "tf2onnx")
OUTPUTS = ("uint8", "float")
INPUT_NAMES = ("latents", "labels")
OUTPUT_NAME = "images"


class GeneratorServing(keras.Model):
    """The exported function: `latents` (and integer `labels`) -> `{"images": NHWC images}`.

    Args:
        network: the generator network (`latent_dim`, `num_classes`, `image_shape`, `call(z, labels=one_hot)`).
        output: `"uint8"` (pixels as `GAN.generate` makes them) or `"float"` (raw output in [-1, 1]).
        uint8_offset: added after scaling by 127.5 (128 for R3GAN, 127.5 for ProGAN).
        uint8_rounding: `"floor"` or `"round"` (half to even).
        batch_size: the batch size of the exported inputs; `None` for any.
        **kwargs: `keras.Model` arguments such as `name`.

    Examples:

    ```python
    serving = GeneratorServing(gan.ema_generator, output="uint8", uint8_offset=128.0, uint8_rounding="floor")
    images = serving(latents, labels)["images"]
    ```
    """

    def __init__(self, network, output="uint8", uint8_offset=128.0, uint8_rounding="floor", batch_size=None, **kwargs):
        kwargs.setdefault("name", "generator_serving")
        super().__init__(**kwargs)
        if output not in OUTPUTS:
            raise ValueError(f"GeneratorServing: `output` must be one of {OUTPUTS}, got {output!r}.")
        if uint8_rounding not in ("floor", "round"):
            raise ValueError(f"GeneratorServing: `uint8_rounding` must be 'floor' or 'round', got {uint8_rounding!r}.")
        self.network = network
        self.num_classes = int(getattr(network, "num_classes", 0) or 0)
        self.latent_dim = int(network.latent_dim)
        self.output_kind = output
        self.uint8_offset = float(uint8_offset)
        self.uint8_rounding = uint8_rounding
        self.batch_size = batch_size

    def input_signature(self):
        """Named `keras.InputSpec`s of the inputs."""
        n = self.batch_size
        specs = [keras.InputSpec(shape=(n, self.latent_dim), dtype="float32", name=INPUT_NAMES[0])]
        if self.num_classes:
            specs.append(keras.InputSpec(shape=(n,), dtype="int32", name=INPUT_NAMES[1]))
        return specs

    @property
    def _default_save_signature(self):
        # Keras' TensorFlow layers add a one-argument `serving_default` of the build shapes to every SavedModel,
        # which cannot call a two-input model; the export writes its own endpoint instead.
        return None

    def call(self, latents, labels=None):
        one_hot = None
        if self.num_classes:
            one_hot = ops.one_hot(ops.cast(labels, "int32"), self.num_classes, dtype="float32")
        images = ops.cast(self.network(latents, labels=one_hot, training=False), "float32")
        if self.output_kind == "float":
            return {OUTPUT_NAME: images}
        values = images * 127.5 + self.uint8_offset
        values = ops.floor(values) if self.uint8_rounding == "floor" else ops.round(values)
        return {OUTPUT_NAME: ops.cast(ops.clip(values, 0.0, 255.0), "uint8")}


def _canonical_format(format):
    name = _ALIASES.get(str(format).lower(), str(format).lower())
    if name not in FORMATS:
        raise ValueError(
            f"export_generator: unknown format {format!r}; choose from {', '.join(FORMATS)} "
            f"(aliases: {', '.join(_ALIASES)})."
        )
    return name


def check_export_format(format, backend=None, switch_advice=None):
    """Returns the canonical format name; raises a clear error if `backend` (default: Keras') cannot write it.

    Args:
        format: a name of `FORMATS` or an alias (e.g. "tflite").
        backend: the backend that would write it; default: Keras' backend.
        switch_advice: how to switch to a backend that can, e.g. "pass `--backend tensorflow`"; default: save a
            preset and export it under `KERAS_BACKEND`.
    """
    name = _canonical_format(format)
    backend = backend or keras.backend.backend()
    if backend not in BACKENDS[name]:
        reason = _WHY_NOT.get((name, backend), f"Keras cannot export to {name} on the {backend} backend")
        advice = switch_advice or (
            f"save the model with `save_to_preset` and export it under KERAS_BACKEND={BACKENDS[name][0]}"
        )
        raise ValueError(
            f"export_generator: format={name!r} is not available on the {backend} backend ({reason}). Backends "
            f"that can write it: {', '.join(BACKENDS[name])}. The weights are the same on every backend: {advice}."
        )
    missing = [package for module, package in _REQUIRED[(name, backend)] if importlib.util.find_spec(module) is None]
    if missing:
        # TensorFlow is its own extra (a platform's GPU build must not be replaced by tensorflow-cpu).
        extras = sorted({"tensorflow" if package == "tensorflow-cpu" else "export" for package in missing})
        raise ImportError(
            f"export_generator: format={name!r} on the {backend} backend needs "
            f'{", ".join(missing)}: pip install "keras-gans[{",".join(extras)}]".'
        )
    return name


def _check_path(path, name):
    path = pathlib.Path(path).expanduser()
    suffix = SUFFIXES.get(name)
    if suffix and path.suffix != suffix:
        raise ValueError(
            f"export_generator: {_ONE_FILE_EXPORTS[name]} export is one file whose name ends with {suffix!r}; got "
            f"{str(path)!r}."
        )
    if name == "tf_saved_model" and path.is_file():
        raise ValueError(f"export_generator: a SavedModel is a directory; {str(path)!r} is a file.")
    _check_replaceable(path, name)
    return path


def _check_replaceable(path, name):
    """Raises `ValueError` unless `path` is absent or an export of format `name` may replace it: an empty
    directory or an earlier SavedModel (with `saved_model.pb`) for a SavedModel, a file for ONNX and LiteRT."""
    durable.check_not_working_directory(path, "export_generator")
    if not os.path.lexists(path):
        return
    if name != "tf_saved_model":
        if path.is_dir():
            raise ValueError(
                f"export_generator: {_ONE_FILE_EXPORTS[name]} export is one file, but {str(path)!r} is a directory; "
                "it is not replaced."
            )
        return
    if path.is_symlink() or (any(path.iterdir()) and not (path / SAVED_MODEL_FILE).is_file()):
        raise ValueError(
            f"export_generator: {str(path)!r} exists and is not an earlier SavedModel (no {SAVED_MODEL_FILE}); only "
            "an empty directory or an earlier SavedModel export is replaced. Pass a new directory."
        )


def _rename_onnx_output(path):
    """Names the single ONNX graph output `images` (converters name it `output_0`, `convert_out_0`, a number...)."""
    import onnx

    model = onnx.load(str(path))
    old = model.graph.output[0].name
    if old != OUTPUT_NAME:
        for node in model.graph.node:
            node.output[:] = [OUTPUT_NAME if name == old else name for name in node.output]
            node.input[:] = [OUTPUT_NAME if name == old else name for name in node.input]
        model.graph.output[0].name = OUTPUT_NAME
        onnx.save(model, str(path))


@contextlib.contextmanager
def _quiet_converter_loggers():
    loggers = [logging.getLogger(name) for name in CONVERTER_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.ERROR))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _write(serving, name, target):
    signature = serving.input_signature()
    with warnings.catch_warnings(), _quiet_converter_loggers():
        warnings.simplefilter("ignore")  # converters warn about tracing internals that do not affect the result
        if name == "litert" and keras.backend.backend() == "jax":  # Keras converts JAX models to SavedModel only
            from keras_gans.backend.export import saved_model_to_litert

            saved_model = target.with_name(target.stem + "_saved_model")
            serving.export(str(saved_model), format="tf_saved_model", input_signature=signature, verbose=False)
            saved_model_to_litert(saved_model, target)
        else:
            serving.export(str(target), format=name, input_signature=signature, verbose=False)
    if name == "onnx":
        _rename_onnx_output(target)


def export_generator(gan, path, format="tf_saved_model", output="uint8", use_ema=True, batch_size=None):
    """Exports the generator of `gan` for inference outside Keras; returns the path written.

    Args:
        gan: a `keras_gans.GAN` (R3GAN, ProGAN...).
        path: a directory for `"tf_saved_model"`, a `.onnx` file for `"onnx"`, a `.tflite` file for `"litert"`.
            An earlier export at `path` (a SavedModel directory, or the file) or an empty directory is replaced
            (the new one is written next to it, then renamed); any other existing directory, and the current
            directory or its parents, are refused with a `ValueError`.
        format: `"tf_saved_model"`, `"onnx"` or `"litert"` (`"tflite"`); see the module docstring for which
            backend writes which format.
        output: `"uint8"` (pixels exactly as `gan.generate`) or `"float"` (the raw output in [-1, 1]).
        use_ema: export the EMA generator (default) or the trained one.
        batch_size: fix the batch size of the inputs; `None` (default) accepts any. LiteRT from JAX needs one.

    Returns:
        The `pathlib.Path` of the export.

    Examples:

    ```python
    gan.export_generator("generator.onnx", format="onnx")
    session = onnxruntime.InferenceSession("generator.onnx")
    images = session.run(["images"], {"latents": z, "labels": np.array([0, 1], "int32")})[0]
    ```
    """
    name = _canonical_format(format)
    if output not in OUTPUTS:
        raise ValueError(f"export_generator: `output` must be one of {OUTPUTS}, got {output!r}.")
    path = _check_path(path, name)
    check_export_format(name)
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"export_generator: `batch_size` must be a positive integer or None, got {batch_size!r}.")
    if name == "litert" and keras.backend.backend() == "jax" and batch_size is None:
        raise ValueError(
            "export_generator: format='litert' on the jax backend needs a fixed `batch_size` (the "
            "TFLite converter rejects the dynamic-shape gathers of a batch-polymorphic jax2tf graph); "
            "pass batch_size=N, or export under KERAS_BACKEND=tensorflow for any batch size."
        )
    network = gan.ema_generator if use_ema else gan.generator
    serving = GeneratorServing(
        network,
        output=output,
        uint8_offset=getattr(gan, "uint8_offset", 128.0),
        uint8_rounding=getattr(gan, "uint8_rounding", "floor"),
        batch_size=batch_size,
    )
    # One call builds the wrapper (Keras refuses to export a model that was never called).
    n = batch_size or 1
    serving(ops.zeros((n, serving.latent_dim), "float32"), ops.zeros((n,), "int32") if serving.num_classes else None)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = pathlib.Path(durable.make_staging_directory(path))
    try:
        target = staging / path.name
        _write(serving, name, target)
        if name == "tf_saved_model":
            durable.replace_directory(target, path)
        else:
            durable.fsync_file(target)
            os.replace(target, path)
            durable.fsync_directory(path.parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path
