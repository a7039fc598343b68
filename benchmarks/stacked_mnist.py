"""StackedMNIST mode coverage of three GAN objectives (R3GAN's Table 2 experiment, at a small scale), as JSON.

R3GAN (https://arxiv.org/abs/2501.05441, Table 2) compares GAN objectives by mode coverage on StackedMNIST (1000
modes: three MNIST digits as R, G, B). The three objectives run here:

* `rpgan_r1_r2` "RpGAN + R1 + R2": relativistic pairing loss, zero-centred penalties on reals (R1) and fakes (R2),
  one gamma, applied as `gamma / 2 * (R1 + R2)` (R3GAN's objective);
* `gan_r1_r2` "GAN + R1 + R2": the non-saturating GAN loss with the same R1 + R2;
* `gan_r1` "GAN + R1": the non-saturating GAN loss with R1 only (R2 weight 0).

Everything else is shared: one small R3GAN architecture (the `stacked_mnist_small` preset: 32x32, 4 stages of
width 128, cardinality 8, one block per stage, ~0.57M parameters per network), the same initial weights (the seed
is reset before each run), Adam with beta_1 = 0, the preset's recipe with its cosine schedules stretched over the
run (lr 2e-4 -> 5e-5, beta_2 0.9 -> 0.99, gamma base -> base / 10, EMA half-life 0 -> run length / 10), no
augmentation, the same number of steps and the same discriminator batch. Real batches are drawn fresh every step:
three random MNIST training digits per image, padded 28 -> 32 (`keras_gans.datasets.stacked_mnist`, "pad"). With
RpGAN each step also takes a second real batch for the generator phase (the pairing anchor); `images_seen` counts
the discriminator's batch in every configuration.

Each EMA generator is scored with the VEEGAN/PacGAN protocol (`keras_gans.metrics.stacked_mnist`): 26,000
samples, each channel classified by the shipped MNIST classifier; `modes` = distinct digit triples (of 1000), `kl`
= KL(samples || uniform) in nats. The same metric on real StackedMNIST test images is reported as `real_data` (the
ceiling of the metric). Throughput (`images_per_second`, and `steady_images_per_second` after the first
execution, i.e. without compilation) counts discriminator images.

The paper's own numbers are not in this repository's reference material, so no comparison is printed; the paper
trains far larger networks for far longer.

Usage (MNIST comes from Keras' cache, `keras.datasets.mnist.load_data()`):

    # the full experiment on a GPU (pick --kimg from a short run's steady_images_per_second)
    KERAS_BACKEND=jax python benchmarks/stacked_mnist.py --kimg 1000 --batch-size 256 --output runs/stacked_mnist \
        --markdown

    # or one objective per process (same settings), then one table
    KERAS_BACKEND=jax python benchmarks/stacked_mnist.py --configs gan_r1 --kimg 1000 --output runs/sm_gan_r1
    python benchmarks/stacked_mnist.py --merge runs/sm_*/results.json --markdown

    # tiny CPU check of the whole pipeline
    python benchmarks/stacked_mnist.py --smoke

`--output DIR` writes, per objective, `DIR/<config>/preset/` (an `R3GAN.save_to_preset` directory whose
`metadata.json` holds the training command and the measured metrics; package it as the shipped preset with
`python weights/package_shipped_preset.py DIR/rpgan_r1_r2/preset`) and `DIR/<config>/samples.png` (an 8x8
grid of EMA samples), plus `DIR/results.json` and `DIR/results.md`.
"""

import argparse
import json
import math
import pathlib
import sys
import time

import keras
import numpy as np

import keras_gans
from keras_gans.backend import device_name
from keras_gans.callbacks.sample_grid import image_grid
from keras_gans.callbacks.sample_grid import save_png
from keras_gans.datasets.stacked_mnist import load_stacked_mnist
from keras_gans.datasets.stacked_mnist import stack_digits
from keras_gans.metrics import mnist_classifier
from keras_gans.metrics.stacked_mnist import stacked_mnist_modes
from keras_gans.models.r3gan import R3GANDiscriminator
from keras_gans.models.r3gan import R3GANGenerator
from keras_gans.models.r3gan import preset_arguments
from keras_gans.models.r3gan import preset_recipe

PRESET = "stacked_mnist_small"
# name -> (label, adversarial loss, R1 on, R2 on), in the order of the paper's table.
CONFIGS = {
    "rpgan_r1_r2": ("RpGAN + R1 + R2", "rpgan", True, True),
    "gan_r1_r2": ("GAN + R1 + R2", "nonsaturating", True, True),
    "gan_r1": ("GAN + R1", "nonsaturating", True, False),
}
# --smoke: a tiny network (same depth and resolution), a few steps, a few samples: the pipeline, not the result.
SMOKE_NETWORKS = {"widths": [8] * 4, "cardinalities": [1] * 4}
# On TensorFlow a plain graph (no XLA): compiling the double-backward step with XLA costs more than two tiny steps
# on a CPU. JAX keeps its jit (its op-by-op eager mode compiles every op instead); PyTorch always runs eagerly.
SMOKE = {
    "steps": 2,
    "batch_size": 4,
    "num_samples": 64,
    "steps_per_execution": 2,
    "grid": 4,
    "jit": {"tensorflow": "false"},
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--configs", default=",".join(CONFIGS), help=f"comma-separated subset of {', '.join(CONFIGS)} (default: all)"
    )
    parser.add_argument(
        "--kimg",
        type=float,
        default=None,
        help="training length in thousands of discriminator images (default: the preset recipe's decay length, 1000)",
    )
    parser.add_argument("--steps", type=int, default=None, help="training steps (overrides --kimg)")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="real images per discriminator step (and per generator step); default 256",
    )
    parser.add_argument(
        "--gamma",
        type=float,
        default=None,
        help="R1/R2 gamma at the start (cosine to gamma / 10); default: the preset's 1.0",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--num-samples", type=int, default=26_000, help="samples scored per generator")
    parser.add_argument(
        "--steps-per-execution",
        type=int,
        default=None,
        help="training steps per compiled call (fewer host round trips); default 8 on TensorFlow "
        "and JAX, 2 with --smoke; always 1 on PyTorch",
    )
    parser.add_argument(
        "--jit",
        choices=["auto", "true", "false"],
        default=None,
        help="jit_compile of the training step (default: auto; false with --smoke on TensorFlow)",
    )
    parser.add_argument("--output", default=None, help="directory for the presets, sample grids and results")
    parser.add_argument("--markdown", action="store_true", help="also print the results table (Markdown) to stderr")
    parser.add_argument("--smoke", action="store_true", help="tiny networks, 2 steps, 64 samples (CPU, seconds)")
    parser.add_argument(
        "--merge",
        nargs="+",
        default=None,
        metavar="RESULTS_JSON",
        help="no training: merge the results.json of runs made one objective at a time (same "
        "settings) into one report and table",
    )
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    args.configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = [c for c in args.configs if c not in CONFIGS]
    if unknown or not args.configs:
        parser.error(f"--configs: unknown {unknown}; choose from {', '.join(CONFIGS)}.")
    recipe = preset_recipe(PRESET)
    if args.smoke:
        args.batch_size = SMOKE["batch_size"] if args.batch_size is None else args.batch_size
        args.steps = SMOKE["steps"] if args.steps is None else args.steps
        args.num_samples = min(args.num_samples, SMOKE["num_samples"])
        if args.steps_per_execution is None:
            args.steps_per_execution = SMOKE["steps_per_execution"]
        args.jit = args.jit or SMOKE["jit"].get(keras.backend.backend(), "auto")
    args.jit = args.jit or "auto"
    if args.steps_per_execution is None:
        args.steps_per_execution = 8
    if keras.backend.backend() == "torch":
        args.steps_per_execution = 1  # the PyTorch trainer runs one step per call
    args.batch_size = recipe["batch_size"] if args.batch_size is None else args.batch_size
    args.gamma = recipe["gamma_base"] if args.gamma is None else args.gamma
    if (
        min(args.batch_size, args.num_samples, args.steps_per_execution) < 1
        or args.gamma <= 0
        or (args.steps is not None and args.steps < 1)
        or (args.kimg is not None and args.kimg <= 0)
    ):
        parser.error(
            "--batch-size, --steps, --kimg, --num-samples, --steps-per-execution and --gamma must be positive."
        )
    if args.steps is None:
        kimg = recipe["decay_nimg"] / 1000 if args.kimg is None else args.kimg
        args.steps = max(1, math.ceil(kimg * 1000 / args.batch_size))
    # Whole compiled calls only, so that every configuration runs exactly the same steps.
    args.steps = math.ceil(args.steps / args.steps_per_execution) * args.steps_per_execution
    return args


def training_command(args, config):
    """The command that reproduces one configuration's run (no absolute paths: it goes into shipped metadata)."""
    parts = [
        f"KERAS_BACKEND={keras.backend.backend()}",
        "python",
        "benchmarks/stacked_mnist.py",
        "--configs",
        config,
        "--steps",
        str(args.steps),
        "--batch-size",
        str(args.batch_size),
        "--gamma",
        repr(args.gamma),
        "--seed",
        str(args.seed),
        "--num-samples",
        str(args.num_samples),
        "--steps-per-execution",
        str(args.steps_per_execution),
    ]
    if args.smoke:
        parts.append("--smoke")
    if args.output:
        parts += ["--output", pathlib.Path(args.output).name]
    return " ".join(parts)


def real_batches(batch_size, seed):
    """Endless uint8 StackedMNIST batches `(batch, 32, 32, 3)`, fresh digit triples from MNIST's training set."""
    (digits, labels), _ = keras.datasets.mnist.load_data()
    rng = np.random.default_rng(seed)
    while True:
        images, _ = stack_digits(digits, labels, batch_size, seed=rng)
        yield (images,)


def build_model(args):
    """The `stacked_mnist_small` R3GAN (tiny widths with --smoke), its recipe stretched over the run."""
    overrides = SMOKE_NETWORKS if args.smoke else {}
    generator = R3GANGenerator(**{**preset_arguments(PRESET, "generator"), **overrides})
    discriminator = R3GANDiscriminator(**{**preset_arguments(PRESET, "discriminator"), **overrides})
    recipe = preset_recipe(PRESET)
    run_images = float(args.steps * args.batch_size)
    recipe.update(
        gamma_final=args.gamma * recipe["gamma_final"] / recipe["gamma_base"],
        gamma_base=args.gamma,
        ema_half_life_nimg_final=recipe["ema_half_life_nimg_final"] * run_images / recipe["decay_nimg"],
        decay_nimg=run_images,
        batch_size=args.batch_size,
    )
    return keras_gans.R3GAN(
        generator, discriminator, recipe=recipe, preset=PRESET, seed=args.seed, name=f"r3gan_{PRESET}"
    )


class _ExecutionTimer(keras.callbacks.Callback):
    """Wall-clock time at the end of every compiled call. Being a synchronous `on_train_batch_end` callback, it makes
    Keras read the logs back after each call, so each time is that of a finished call."""

    def __init__(self):
        super().__init__()
        self.ends = []

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())


def train(args, config):
    label, loss, use_r1, use_r2 = CONFIGS[config]
    keras.utils.set_random_seed(args.seed)  # identical initial weights and latents for every objective
    model = build_model(args)
    gamma = keras_gans.schedules.CosineDecay(args.gamma, model.recipe["gamma_final"], model.recipe["decay_nimg"])
    jit = {"auto": "auto", "true": True, "false": False}[args.jit]
    model.compile(
        loss=loss,
        r1_gamma=gamma if use_r1 else 0.0,
        r2_gamma=gamma if use_r2 else 0.0,
        jit_compile=jit,
        steps_per_execution=args.steps_per_execution,
    )
    fit_batch = model.real_batches_per_step * args.batch_size
    timer = _ExecutionTimer()
    start = time.perf_counter()
    model.fit(
        real_batches(fit_batch, args.seed),
        steps_per_epoch=args.steps,
        epochs=1,
        verbose=0,
        shuffle=False,
        callbacks=[timer],
    )
    seconds = time.perf_counter() - start
    images_seen = int(keras.ops.convert_to_numpy(model.images_seen))
    steady = None
    if len(timer.ends) > 1 and timer.ends[-1] > timer.ends[0]:
        steady = (len(timer.ends) - 1) * args.steps_per_execution * args.batch_size / (timer.ends[-1] - timer.ends[0])
    run = {
        "objective": label,
        "loss": loss,
        "r1": use_r1,
        "r2": use_r2,
        "steps": args.steps,
        "batch_size": args.batch_size,
        "fit_batch_size": fit_batch,
        "images_seen": images_seen,
        "train_seconds": round(seconds, 2),
        "images_per_second": round(images_seen / seconds, 1),
        "steady_images_per_second": None if steady is None else round(steady, 1),
        "diverged": model.diverged,
    }
    return model, run


def score(model, classifier, args):
    start = time.perf_counter()
    images = model.generate(args.num_samples, seed=args.seed + 1, batch_size=1000)
    result = stacked_mnist_modes(images, classifier)
    return {
        "modes": result["modes"],
        "kl": round(result["kl"], 4),
        "num_samples": result["num_samples"],
        "sample_seed": args.seed + 1,
        "score_seconds": round(time.perf_counter() - start, 2),
    }


def markdown_table(report):
    lines = [
        f"StackedMNIST, {report['steps']} steps x {report['batch_size']} images ({report['kimg']:g} kimg) per "
        f"objective, {report['num_samples']:,} samples scored; {report['backend']} on {report['device']}.",
        "",
        f"Command: `{report['command']}`",
        "",
        "| objective | modes (of 1000) | KL | images seen | train s | images/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for run in report["configs"].values():
        lines.append(
            f"| {run['objective']} | {run['modes']} | {run['kl']:.4f} | {run['images_seen']:,} | "
            f"{run['train_seconds']:.0f} | {run['images_per_second']:,.0f} |"
        )
    real = report["real_data"]
    lines.append(f"| real data (test digits) | {real['modes']} | {real['kl']:.4f} | | | |")
    return "\n".join(lines) + "\n"


def run_benchmark(args):
    """Trains and scores every configuration of `args` (from `parse_args`); returns the report dict."""
    weights = mnist_classifier.classifier_weights_path()
    classifier = mnist_classifier.load_mnist_classifier(weights)
    output = pathlib.Path(args.output) if args.output else None
    real_images, _ = load_stacked_mnist("test", num_samples=args.num_samples, seed=args.seed)
    real = stacked_mnist_modes(real_images, classifier)
    report = {
        "benchmark": "stacked_mnist",
        "backend": keras.backend.backend(),
        "device": device_name(),
        "preset": PRESET,
        "smoke": bool(args.smoke),
        "steps": args.steps,
        "batch_size": args.batch_size,
        "kimg": args.steps * args.batch_size / 1000,
        "gamma": args.gamma,
        "seed": args.seed,
        "num_samples": args.num_samples,
        "command": " ".join(["python", "benchmarks/stacked_mnist.py"] + _public_argv(args.argv)),
        "classifier_test_accuracy": mnist_classifier.classifier_sidecar(weights).get("test_accuracy"),
        "real_data": {"modes": real["modes"], "kl": round(real["kl"], 4), "num_samples": real["num_samples"]},
        "configs": {},
    }
    for config in args.configs:
        model, run = train(args, config)
        run.update(score(model, classifier, args))
        run.update(backend=report["backend"], device=report["device"])
        report["configs"][config] = run
        print(
            f"{config}: {run['modes']} modes, KL {run['kl']:.4f}, {run['images_seen']} images in "
            f"{run['train_seconds']} s ({run['images_per_second']} images/s)",
            file=sys.stderr,
        )
        if output is not None:
            _save_run(model, run, config, report, args, output / config)
        keras.backend.clear_session()
    if output is not None:
        output.mkdir(parents=True, exist_ok=True)
        (output / "results.json").write_text(json.dumps(report, indent=2, default=str))
        (output / "results.md").write_text(markdown_table(report))
    return report


_SHARED_SETTINGS = ("steps", "batch_size", "gamma", "seed", "num_samples", "backend", "device", "smoke")


def merge_reports(reports):
    """One report from several (e.g. one objective per GPU call); their shared settings must agree."""
    merged = json.loads(json.dumps(reports[0]))
    for other in reports[1:]:
        differs = {k: (merged.get(k), other.get(k)) for k in _SHARED_SETTINGS if merged.get(k) != other.get(k)}
        if differs:
            raise ValueError(f"merge_reports: the runs differ in {differs}; only runs with the same settings merge.")
        merged["configs"].update(other["configs"])
    merged["configs"] = {name: merged["configs"][name] for name in CONFIGS if name in merged["configs"]}
    commands = list(dict.fromkeys(r["command"] for r in reports))
    merged["command"] = " ; ".join(commands)
    return merged


def _public_argv(argv):
    """The arguments with the --output value reduced to its last component (no machine paths in reports)."""
    argv = list(argv)
    for i, token in enumerate(argv):
        if token == "--output" and i + 1 < len(argv):
            argv[i + 1] = pathlib.Path(argv[i + 1]).name
        elif token.startswith("--output="):
            argv[i] = "--output=" + pathlib.Path(token.split("=", 1)[1]).name
    return argv


def _save_run(model, run, config, report, args, directory):
    grid = SMOKE["grid"] if args.smoke else 8
    samples = model.generate(grid * grid, seed=0)
    save_png(image_grid(samples, grid, grid), str(directory / "samples.png"))
    metadata = {
        "training_command": training_command(args, config),
        "objective": run["objective"],
        "benchmark_config": config,
        "smoke": bool(args.smoke),
        "dataset": "StackedMNIST: three uniformly drawn MNIST training digits per image (keras.datasets.mnist), "
        "zero-padded 28 -> 32, fresh every step",
        "steps": run["steps"],
        "batch_size": run["batch_size"],
        "train_seconds": run["train_seconds"],
        "images_per_second": run["images_per_second"],
        "device": run["device"],
        "seed": args.seed,
        "metrics": {
            "modes": run["modes"],
            "kl": run["kl"],
            "num_samples": run["num_samples"],
            "sample_seed": run["sample_seed"],
            "protocol": "EMA generator; each channel classified by keras_gans.metrics.mnist_classifier; modes = "
            "distinct digit triples of 1000; kl = KL(samples || uniform), nats",
            "classifier_test_accuracy": report["classifier_test_accuracy"],
            "classifier_sha256": mnist_classifier.sha256_of(mnist_classifier.classifier_weights_path()),
            "real_data_modes": report["real_data"]["modes"],
            "real_data_kl": report["real_data"]["kl"],
        },
    }
    model.save_to_preset(directory / "preset", metadata=metadata)


def main(argv=None):
    args = parse_args(argv)
    if args.merge:
        report = merge_reports([json.loads(pathlib.Path(path).read_text()) for path in args.merge])
    else:
        report = run_benchmark(args)
    print(json.dumps(report, indent=2, default=str))
    if args.markdown:
        print(markdown_table(report), file=sys.stderr)
    return report


if __name__ == "__main__":
    main()
