"""Seconds to build models with `from_preset`, one JSON line per model, in one process (imports excluded).

Each line says whether the build imported TensorFlow (`tensorflow_imported`: Keras' serializer imports it on any
backend where it is installed, seconds) and, on JAX, how many XLA programs it compiled (`xla_compilations`).
The first model of a process pays Keras' and the backend's one-time set-up; `--repeats` builds each again.

Usage:

    KERAS_BACKEND=jax python benchmarks/model_build_time.py [--models r3gan:bench32 r3gan:cifar10 \
        progan:celebahq_1024 r3gan:mnist_small+weights] [--repeats 1]

A model is `family:preset`, with `+weights` to load the preset's weights (`load_weights=True`); without it the
weights are fresh (`load_weights=False`), drawn by the initializers.
"""

import argparse
import json
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

DEFAULT_MODELS = ("r3gan:bench32", "r3gan:cifar10", "progan:celebahq_1024", "r3gan:mnist_small+weights")


def _compilation_counter():
    """A list whose length is the number of XLA compilations so far (JAX only; None elsewhere)."""
    import keras

    if keras.backend.backend() != "jax":
        return None
    import jax

    compiled = []
    jax.monitoring.register_event_duration_secs_listener(
        lambda event, duration, **kwargs: (
            compiled.append(event) if event == "/jax/core/compile/backend_compile_duration" else None
        )
    )
    return compiled


def build(model, compiled):
    """Builds `model` (`family:preset[+weights]`); returns its JSON record."""
    import keras_gans

    family, _, preset = model.partition(":")
    preset, _, weights = preset.partition("+")
    cls = {"r3gan": keras_gans.R3GAN, "progan": keras_gans.ProGAN}[family]
    before_compiled = None if compiled is None else len(compiled)
    before_tf = "tensorflow" in sys.modules
    start = time.perf_counter()
    gan = cls.from_preset(preset, load_weights=weights == "weights")
    seconds = time.perf_counter() - start
    return {
        "model": model,
        "seconds": round(seconds, 3),
        "parameters": int(gan.generator.count_params() + gan.discriminator.count_params()),
        "tensorflow_imported": "tensorflow" in sys.modules and not before_tf,
        "xla_compilations": None if compiled is None else len(compiled) - before_compiled,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=list(DEFAULT_MODELS))
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    import keras
    import r3gan_benchmark_presets

    r3gan_benchmark_presets.register()
    compiled = _compilation_counter()
    for repeat in range(args.repeats):
        for model in args.models:
            record = build(model, compiled)
            print(json.dumps({"backend": keras.backend.backend(), "repeat": repeat, **record}), flush=True)


if __name__ == "__main__":
    main()
