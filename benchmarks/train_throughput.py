"""Throughput of one full GAN training step (D with R1 + R2, G step, EMA) on the active Keras backend, as JSON.

Two timings after warm-up steps (compilation is excluded and reported separately as `first_step_s`): `step_ms` (and
`images_per_sec`) runs the steps through `GAN.fit`, whose callbacks leave Keras' asynchronous log dispatch on (the
non-finite guard reads the logs on a worker thread), so on JAX and PyTorch the host queues step after step and
waits once at the end, as the official benchmark synchronises once at the end of its timed steps (`fit`'s per-call
set-up, a few ms, is spread over `--steps`); `synced_step_ms` uses `train_on_batch`, which reads the logs back after
every step. On a CPU the two agree; on a GPU the difference is the time the device waits for the host at the start
of each step. The breakdown compiles two more variants of the step,
"D only" and "D + G", and reports the (synced) differences: `d_step_ms`, `g_step_ms` and `ema_ms`. `images_per_sec`
counts the images the discriminator trains on (`batch`); with a relativistic loss each step also consumes a second
real batch of the same size for the G phase.

Configurations come from a registry of names -> builders. `tiny` (local conv nets) always exists; an R3GAN preset
name (e.g. `bench32`: 32x32, 4 stages of width 128, cardinality 8, 2 blocks per stage, 64-d noise, unconditional)
is built with `keras_gans.models.r3gan` when that preset exists, with the preset's recipe at 0 images.
`--builder module:function` takes any callable `f(config_name) -> (generator, discriminator)`.

Usage:

    KERAS_BACKEND=jax python benchmarks/train_throughput.py --config bench32 --batch 8 [--steps 5] [--warmup 2]
        [--builder my_module:build] [--jit auto|true|false] [--dtype-policy mixed_bfloat16] [--no-breakdown]
        [--float32-stages] [--conv-implementation auto|native|split|matmul] [--tf32 default|on|off]
        [--cudnn-benchmark] [--threads N] [--peak-tflops T]

The output also has the step's FLOPs and model-FLOP utilisation (`flops`: analytic, and on JAX XLA's count of the
compiled step; see `step_flops.py` for the counting rules and the table of device peaks).

Compare float32 runs with the same `--tf32` setting on both sides: the backends' defaults differ (PyTorch uses TF32
for convolutions but not matmuls, JAX for both on GPUs), and the official `train.py` turns TF32 off.
"""

import argparse
import importlib
import json
import time

import keras
import numpy as np
import step_flops
from keras import layers
from keras import ops

import keras_gans
from keras_gans.backend import device_name
from keras_gans.layers.grouped_conv import IMPLEMENTATIONS
from keras_gans.training import TrainStep


class _TinyGenerator(keras.Model):
    def __init__(self, latent_dim=64, image_shape=(32, 32, 3), width=64, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim, self.num_classes, self.image_shape, self.width = latent_dim, 0, tuple(image_shape), width
        self.dense = layers.Dense(4 * 4 * width)
        self.convs = [layers.Conv2D(width, 3, padding="same") for _ in range(3)]
        self.to_rgb = layers.Conv2D(image_shape[-1], 3, padding="same")

    def call(self, z, labels=None, training=None):
        x = ops.reshape(self.dense(z), (-1, 4, 4, self.width))
        for conv in self.convs:
            x = ops.leaky_relu(conv(ops.repeat(ops.repeat(x, 2, axis=1), 2, axis=2)), 0.2)
        return self.to_rgb(x)

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "image_shape": self.image_shape,
            "width": self.width,
        }


class _TinyDiscriminator(keras.Model):
    def __init__(self, image_shape=(32, 32, 3), width=64, **kwargs):
        super().__init__(**kwargs)
        self.num_classes, self.image_shape, self.width = 0, tuple(image_shape), width
        self.convs = [layers.Conv2D(width, 3, padding="same") for _ in range(3)]
        self.head = layers.Dense(1)

    def call(self, images, labels=None, training=None):
        x = images
        for conv in self.convs:
            x = ops.average_pool(ops.leaky_relu(conv(x), 0.2), 2, 2)
        return ops.reshape(self.head(ops.reshape(x, (-1, int(np.prod(x.shape[1:]))))), (-1,))

    def get_config(self):
        return {**super().get_config(), "image_shape": self.image_shape, "width": self.width}


def _build_tiny(name):
    return _TinyGenerator(), _TinyDiscriminator()


# R3GAN constructor arguments set from the command line (--float32-stages, --conv-implementation).
R3GAN_OVERRIDES = {}


def _r3gan_builder(preset):
    def build(name):
        from keras_gans.models import r3gan

        arguments = {net: r3gan.preset_arguments(preset, net) for net in ("generator", "discriminator")}
        for kwargs in arguments.values():
            kwargs.update(R3GAN_OVERRIDES)
        generator = r3gan.R3GANGenerator(**arguments["generator"])
        discriminator = r3gan.R3GANDiscriminator(**arguments["discriminator"])
        return generator, discriminator

    return build


def _r3gan_compile_kwargs(preset):
    from keras_gans.models import r3gan

    recipe = r3gan.preset_recipe(preset)
    decay = recipe["decay_nimg"]
    sched = keras_gans.schedules.CosineDecay
    return dict(
        loss="rpgan",
        r1_gamma=sched(recipe["gamma_base"], recipe["gamma_final"], decay),
        r2_gamma=sched(recipe["gamma_base"], recipe["gamma_final"], decay),
        learning_rate=sched(recipe["lr_base"], recipe["lr_final"], decay),
        beta_2=sched(recipe["beta2_base"], recipe["beta2_final"], decay),
        ema_half_life_images=sched(0.0, recipe["ema_half_life_nimg_final"], decay),
    )


# name -> {"build": f(name) -> (G, D), "compile": dict of GAN.compile kwargs}. The R3GAN presets are added lazily.
CONFIGS = {
    "tiny": {"build": _build_tiny, "compile": dict(loss="rpgan", r1_gamma=0.05, r2_gamma=0.05)},
}


def register_config(name, build, compile_kwargs=None):
    """Adds a benchmark configuration: `build(name) -> (generator, discriminator)` and GAN.compile kwargs."""
    CONFIGS[name] = {"build": build, "compile": dict(compile_kwargs or dict(loss="rpgan", r1_gamma=1.0, r2_gamma=1.0))}


def resolve_config(name):
    if name in CONFIGS:
        return CONFIGS[name]
    try:
        from keras_gans.models import r3gan
    except ImportError as error:  # pragma: no cover - the R3GAN package is part of keras_gans
        raise ValueError(f"Unknown benchmark config {name!r} and keras_gans.models.r3gan is unavailable.") from error
    import r3gan_benchmark_presets

    r3gan_benchmark_presets.register()  # bench32
    if name not in r3gan.R3GAN_PRESETS:
        raise ValueError(
            f"Unknown benchmark config {name!r}; known: {sorted(CONFIGS)} and the R3GAN presets "
            f"{sorted(r3gan.R3GAN_PRESETS)}."
        )
    register_config(name, _r3gan_builder(name), _r3gan_compile_kwargs(name))
    return CONFIGS[name]


def _load_builder(spec):
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)


class _PartialStep(TrainStep):
    """The training step with only some of its phases (`"discriminator"`, `"generator"`, `"ema"`), for the
    breakdown."""

    phases = ("discriminator", "generator", "ema")

    def discriminator_phase(self, *args):
        return super().discriminator_phase(*args) if "discriminator" in self.phases else {}

    def generator_phase(self, *args):
        return super().generator_phase(*args) if "generator" in self.phases else {}

    def ema_phase(self, *args):
        if "ema" in self.phases:
            super().ema_phase(*args)


def _step_with_phases(phases):
    """A `GAN.train_step_class` that runs only `phases` (None: the full step)."""
    return TrainStep if phases is None else type("PartialStep", (_PartialStep,), {"phases": tuple(phases)})


def _time_steps(gan, data, labels, steps, warmup, phases):
    """Seconds per step with the logs read back after every step (`train_on_batch`), first-step seconds, logs."""
    gan.train_step_class = _step_with_phases(phases)
    gan.make_train_function(force=True)
    start = time.perf_counter()
    gan.train_on_batch(data, labels)
    first_s = time.perf_counter() - start
    for _ in range(warmup):
        gan.train_on_batch(data, labels)
    start = time.perf_counter()
    for _ in range(steps):
        logs = gan.train_on_batch(data, labels, return_dict=True)
    per_step = (time.perf_counter() - start) / steps
    return per_step, first_s, logs


def _time_queued_steps(gan, data, labels, steps):
    """Seconds per step of `GAN.fit` over `steps` copies of the batch (the user's path, with its non-finite guard).

    The guard reads the logs asynchronously, so on a GPU the host queues step after step while the device works,
    as in the official benchmark's timing (one synchronisation at the end); the synchronous number is
    `synced_step_ms`.
    """
    gan.train_step_class = TrainStep
    images = np.concatenate([data] * steps)
    all_labels = None if labels is None else np.concatenate([labels] * steps)

    def run(n):
        end = n * len(data)
        gan.fit(
            images[:end],
            None if all_labels is None else all_labels[:end],
            batch_size=len(data),
            epochs=1,
            shuffle=False,
            verbose=0,
        )

    run(1)  # the fit loop's own first-call work (iterator set-up, JAX state sync)
    start = time.perf_counter()
    run(steps)
    return (time.perf_counter() - start) / steps


def set_gpu_math(tf32, cudnn_benchmark):
    """Float32 math on GPUs (`tf32`: "default", "on" or "off") and PyTorch's cuDNN autotuning, process-wide."""
    backend = keras.backend.backend()
    if backend == "torch":
        import torch

        torch.backends.cudnn.benchmark = bool(cudnn_benchmark)
        if tf32 != "default":
            torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = tf32 == "on"
    elif backend == "jax" and tf32 != "default":
        import jax

        jax.config.update("jax_default_matmul_precision", "tensorfloat32" if tf32 == "on" else "float32")


def _flops_report(gan, data, labels, args, step_s, result):
    """Analytic (and on JAX compiled) step FLOPs, achieved TFLOP/s and MFU against the device's peak."""
    mixed = "bfloat16" in result["dtype_policy"] or result["bfloat16_stages"]
    precision = "bfloat16" if mixed else ("float32" if args.tf32 == "off" else "tf32")
    peak = args.peak_tflops or step_flops.peak_tflops(result["device"], precision)
    analytic = step_flops.analytic_step_flops(gan, args.batch)
    compiled = step_flops.compiled_step_flops(gan, data, labels)
    flops = compiled or analytic["step"]
    mfu = step_flops.utilisation(flops, step_s, peak)
    return {
        "analytic_step": analytic["step"],
        "compiled_step": compiled,
        "achieved_tflops": flops / step_s / 1e12,
        "peak_precision": precision,
        "peak_tflops": peak if peak else "unknown",
        "mfu": round(mfu, 4) if mfu is not None else "unknown",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="tiny")
    parser.add_argument("--batch", type=int, default=8, help="images per phase (the official batch)")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--builder", default=None, help="module:function building (G, D) from a config name")
    parser.add_argument("--jit", default="auto", choices=["auto", "true", "false"])
    parser.add_argument("--dtype-policy", default=None)
    parser.add_argument("--no-breakdown", action="store_true")
    parser.add_argument(
        "--float32-stages", action="store_true", help="R3GAN presets without their bfloat16 stages (all float32)"
    )
    parser.add_argument(
        "--conv-implementation",
        default=None,
        choices=IMPLEMENTATIONS,
        help="R3GAN presets: the GroupedConv2D implementation (default: the preset's, 'auto')",
    )
    parser.add_argument("--cudnn-benchmark", action="store_true", help="PyTorch: torch.backends.cudnn.benchmark")
    parser.add_argument(
        "--tf32",
        default="default",
        choices=["default", "on", "off"],
        help="float32 matmul/convolution math on GPUs: 'off' = full float32 (the official train.py), "
        "'on' = TF32, 'default' = the backend's own default (PyTorch: TF32 convolutions and "
        "float32 matmuls; JAX: TF32 for both)",
    )
    parser.add_argument("--threads", type=int, default=0, help="PyTorch on CPU: torch.set_num_threads (0 = default)")
    parser.add_argument(
        "--peak-tflops",
        type=float,
        default=None,
        help="the device's peak TFLOP/s for the MFU (default: step_flops.PEAK_TFLOPS by device)",
    )
    args = parser.parse_args()
    if args.steps < 1 or args.warmup < 0:
        parser.error("--steps must be at least 1 and --warmup at least 0.")
    set_gpu_math(args.tf32, args.cudnn_benchmark)
    if args.threads and keras.backend.backend() == "torch":
        import torch

        torch.set_num_threads(args.threads)
    if args.float32_stages:
        R3GAN_OVERRIDES["bfloat16_stages"] = []
    if args.conv_implementation:
        R3GAN_OVERRIDES["conv_implementation"] = args.conv_implementation

    if args.dtype_policy:
        keras.config.set_dtype_policy(args.dtype_policy)
    config = (
        resolve_config(args.config)
        if args.builder is None
        else {"build": _load_builder(args.builder), "compile": CONFIGS.get(args.config, CONFIGS["tiny"])["compile"]}
    )
    start = time.perf_counter()
    generator, discriminator = config["build"](args.config)
    gan = keras_gans.GAN(generator, discriminator, seed=0)
    jit = {"auto": "auto", "true": True, "false": False}[args.jit]
    gan.compile(jit_compile=jit, **config["compile"])
    build_s = time.perf_counter() - start

    fit_batch = gan.real_batches_per_step * args.batch
    rng = np.random.default_rng(0)
    data = rng.integers(0, 256, (fit_batch,) + gan.image_shape, dtype=np.uint8)
    labels = rng.integers(0, gan.num_classes, fit_batch) if gan.num_classes else None

    synced_s, compile_s, logs = _time_steps(gan, data, labels, args.steps, args.warmup, None)
    full_s = _time_queued_steps(gan, data, labels, args.steps)
    result = {
        "backend": keras.backend.backend(),
        "device": device_name(),
        "config": args.config,
        "batch": args.batch,
        "fit_batch": fit_batch,
        "dtype_policy": keras.config.dtype_policy().name,
        "bfloat16_stages": list(getattr(gan.generator, "bfloat16_stages", []) or []),
        "jit_compile": bool(gan.jit_compile),
        "cudnn_benchmark": bool(args.cudnn_benchmark),
        "tf32": args.tf32,
        "conv_implementation": R3GAN_OVERRIDES.get("conv_implementation", "auto"),
        "params": {
            "generator": int(sum(np.prod(v.shape) for v in gan.generator.trainable_variables)),
            "discriminator": int(sum(np.prod(v.shape) for v in gan.discriminator.trainable_variables)),
        },
        "build_s": round(build_s, 2),
        "first_step_s": round(compile_s, 2),
        "step_ms": round(1000 * full_s, 2),
        "images_per_sec": round(args.batch / full_s, 3),
        "synced_step_ms": round(1000 * synced_s, 2),
        "d_loss": float(logs.get("d_loss", float("nan"))),
    }
    result["flops"] = _flops_report(gan, data, labels, args, full_s, result)
    if not args.no_breakdown:
        d_s, _, _ = _time_steps(gan, data, labels, args.steps, args.warmup, ("discriminator",))
        dg_s, _, _ = _time_steps(gan, data, labels, args.steps, args.warmup, ("discriminator", "generator"))
        result["breakdown"] = {
            "d_step_ms": round(1000 * d_s, 2),
            "g_step_ms": round(1000 * (dg_s - d_s), 2),
            "ema_ms": round(1000 * (synced_s - dg_s), 2),
            "note": "differences of separately compiled variants, timed like synced_step_ms; small negative "
            "values are timing noise",
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
