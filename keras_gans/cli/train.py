"""`keras-gans train`: trains an R3GAN or a ProGAN and writes samples, a loss plot, metrics and checkpoints.

    keras-gans train --dataset embedded --output runs/digits
    keras-gans train --dataset embedded --preset tiny32 --steps 300 --output runs/quickstart
    keras-gans train --preset cifar10 --paper-recipe --dataset tfds:cifar10 --conditional --kimg 200000
    keras-gans train --model progan --preset tiny --resolution 32 --dataset photos/ --kimg 50

Models. `--model r3gan` (default) builds an R3GAN: the small built-in `tiny32` (alias `tiny`; 64 channels per
stage, at `--resolution`), `digits` (the default on the MNIST digits, below) or an architecture of
`keras_gans.models.r3gan.R3GAN_PRESETS`. By default it trains with constant hyperparameters (`--gamma`,
`--learning-rate`, `--ema-half-life-images`); `--paper-recipe` uses the preset's published recipe instead
(`R3GAN.from_preset(name, load_weights=False)` and the `compile()` defaults: cosine schedules of gamma, learning
rate, Adam beta_2 and the EMA half-life, and augmentation).
`--model progan` builds a ProGAN (`tiny`, or a `PROGAN_PRESETS` name with its schedule and recipe) that grows
inside one `fit`: its `ProgressiveGrowing` callback activates each resolution when the schedule says so. The tiny
ProGAN's default schedule spends equal numbers of images in every stabilisation and fade-in phase of the run, so
that it reaches full resolution; `--lod-training-kimg` / `--lod-transition-kimg` override any schedule.

Data. `--dataset` is any spec of `keras_gans.datasets.load_dataset`: `embedded`, `mnist`, `stacked_mnist`,
`tfds:<name>`, an image folder (read per batch, never all in memory) or an `.npz` file. Grey images are repeated
to RGB (except for `digits`, which is grayscale). `--conditional` trains with the dataset's class labels.

Your own images: `keras-gans train --dataset my_folder/` needs no preset (`--preset auto`, the default for an
R3GAN on a folder). The folder is inspected first (`keras_gans.datasets.inspect_image_folder`: count, sizes,
aspect ratios, channels; unreadable files are listed and stop the run), and `keras_gans.models.r3gan.auto_config`
chooses the resolution (a power of two up to the images' typical shorter side and a device cap), grayscale or
RGB, the network and gamma; the choice is printed. Images of any size and shape are centre-cropped to a square
and resized (LANCZOS) to that resolution, or with `--fit pad` resized to fit inside it and padded with black.
`--resolution`, `--batch-size` and `--gamma` override the choice.

The MNIST digits (`--dataset embedded` or `mnist`) train by default with `digits`, the configuration of
`examples/quickstart.py` (`keras_gans.cli.train_digits`): a grayscale R3GAN at 16x16, three stages of width 32 in
two groups of 16, one block each, batch 8, gamma 1.0, learning rate 1e-3, EMA half-life 2,000 images, 6,000 steps;
chosen by measuring candidates with the shipped MNIST classifier, it draws digits that classifier reads within a few
CPU minutes. `--resolution`, `--batch-size`, `--steps`, `--gamma`, `--learning-rate` and `--ema-half-life-images`
override it. At the end the classifier reads 1,000 samples and as many real digits of the same size; the figures
are printed and kept in `metrics.json` (`digit_quality`).

Length: `--steps` (iterations) or `--kimg` (thousands of real images seen by the discriminator).

Outputs in `--output`: `samples.png` (EMA-generator samples of fixed latents, also written during training as
`samples-<images>.png`), `losses.png`, `metrics.json`; checkpoints go to `--checkpoint-dir` (default
`<output>/checkpoint`) together with the model's configuration (`model.json`), so that `--resume` continues the
run exactly and `keras-gans generate --checkpoint` can sample from it. A checkpoint directory that already holds
checkpoints needs `--resume` (continue) or `--overwrite` (delete them and start again). A resumed run keeps the
model and data-order arguments of the run (`run.json`): it takes the run's `--batch-size` when none is given and
refuses another `--batch-size`, `--seed`, `--mirror` or `--fit`, which would change the batches it sees.

Exit status: 0 when the run completed; 3 when training stopped because a loss became NaN or Inf (the outputs are
still written, `metrics.json` says `"diverged": true` and `diverged_at` gives the step, and the newest checkpoint is
the last good one); 130 when interrupted (Ctrl-C), with one line that names the last checkpoint to `--resume`
from; 1 with a message for unusable arguments, data or files; 2 for argument syntax errors.

The backend is Keras' (`KERAS_BACKEND=jax|tensorflow|torch`) or `--backend`; this module imports keras lazily.

Several devices: `--distribute` trains data-parallel on the backend's own engine (`keras_gans.distribution`);
`--batch-size` stays the global batch and the run reproduces a one-device run. Launch it with
`XLA_FLAGS=...` / all local devices (JAX; several hosts: `KERAS_DISTRIBUTION_JOB_ADDRESSES`,
`KERAS_DISTRIBUTION_NUM_PROCESSES`, `KERAS_DISTRIBUTION_PROCESS_ID` on every host), all local GPUs or `TF_CONFIG`
on every worker (TensorFlow), or `torchrun --nproc_per_node=N -m keras_gans.cli train --distribute ...` (PyTorch).
Checkpoints are written once, by the first process; the others write their samples under `<output>/process-<i>`.
"""

import json
import math
import pathlib
import sys
import time

from keras_gans.cli import BACKEND_HELP
from keras_gans.cli import BACKENDS
from keras_gans.cli import EXIT_INTERRUPTED
from keras_gans.cli import folder_problem
from keras_gans.cli.train_checks import check_in_memory_size
from keras_gans.cli.train_checks import check_numbers
from keras_gans.cli.train_checks import fit_batch_to_folder
from keras_gans.cli.train_digits import DIGIT_DATASETS
from keras_gans.cli.train_digits import DIGIT_QUALITY_IMAGES
from keras_gans.cli.train_digits import DIGITS
from keras_gans.cli.train_digits import DIGITS_NAME
from keras_gans.cli.train_digits import digit_pad_or_resize
from keras_gans.cli.train_digits import digit_quality_report
from keras_gans.cli.train_digits import digits_model

MODELS = ("r3gan", "progan")
TINY_NAMES = ("tiny32", "tiny")
# A small R3GAN (64 channels and group width 16 per stage) that trains on two CPU cores in minutes.
TINY32 = {
    "widths": [64, 64, 64, 64],
    "cardinalities": [4, 4, 4, 4],
    "blocks_per_stage": 1,
    "expansion_factor": 2,
}
TINY_PROGAN_CHANNELS = 64
MODEL_CONFIG_FILE = "model.json"
RUN_FILE = "run.json"
EXIT_DIVERGED = 3  # exit status of a run stopped by a non-finite loss
# Arguments that define the model: a resumed run must use the same values.
_RUN_KEYS = ("model", "preset", "resolution", "conditional", "paper_recipe")
# Arguments that define which batches a step sees: a resumed run uses the same ones, so that it sees the batches
# the uninterrupted run would have seen.
_DATA_ORDER_KEYS = ("batch_size", "seed", "mirror", "fit")


def _fail(message):
    raise SystemExit(f"keras-gans train: {message}")


def register(commands):
    """Adds the `train` subcommand to the `keras-gans` argument parser."""
    train = commands.add_parser(
        "train", help="train an R3GAN or a ProGAN on a dataset", description=__doc__.split("\n\n")[0]
    )
    train.add_argument("--model", choices=MODELS, default="r3gan", help="the GAN to train (default r3gan)")
    train.add_argument(
        "--preset",
        "--architecture",
        dest="preset",
        default=None,
        help="'auto' (R3GAN chosen from an image folder: the default for folders), 'digits' (grayscale R3GAN "
        "for the MNIST digits: the default for embedded and mnist), 'tiny32' (alias 'tiny'; the default otherwise) "
        "or a preset name (R3GAN_PRESETS / PROGAN_PRESETS)",
    )
    train.add_argument(
        "--paper-recipe",
        action="store_true",
        help="R3GAN: train with the preset's published recipe (schedules, augmentation)",
    )
    train.add_argument(
        "--dataset",
        default="embedded",
        help="'embedded', 'mnist', 'stacked_mnist', 'tfds:<name>', an image folder or an .npz file",
    )
    train.add_argument(
        "--resolution",
        type=int,
        default=None,
        help="image size (default: the preset's, 32 for the tiny models, 16 for digits)",
    )
    train.add_argument(
        "--fit",
        choices=("crop", "pad"),
        default="crop",
        help="image folders: centre-crop to a square (default) or pad with black to a square",
    )
    train.add_argument("--mirror", action="store_true", help="add x-flipped copies of the images")
    train.add_argument("--conditional", action="store_true", help="train with the dataset's class labels")
    train.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="real images per D step (and per G step); default 32 (digits: 8; --preset auto: its choice)",
    )
    length = train.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int, default=None, help="training iterations (default 300; digits: 6000)")
    length.add_argument("--kimg", type=float, default=None, help="thousands of real images to train on")
    train.add_argument(
        "--gamma",
        type=float,
        default=None,
        help="R3GAN: R1 and R2 weight (default 0.05; digits: 1.0; --preset auto: its resolution rule)",
    )
    train.add_argument(
        "--learning-rate",
        type=float,
        default=None,
        help="default: 2e-4 (R3GAN; digits: 1e-3), the schedule's per-resolution rate (ProGAN)",
    )
    train.add_argument(
        "--ema-half-life-images",
        type=float,
        default=None,
        help="default: 2000 (R3GAN), EMA beta 0.999 per step (ProGAN)",
    )
    train.add_argument("--lod-training-kimg", type=float, default=None, help="ProGAN: kimg per stabilisation phase")
    train.add_argument("--lod-transition-kimg", type=float, default=None, help="ProGAN: kimg per fade-in")
    train.add_argument(
        "--output",
        default="runs/train",
        help="the run's folder (samples.png, losses.png, metrics.json, samples over time)",
    )
    train.add_argument("--sample-every", type=int, default=2000, help="write samples every N images")
    train.add_argument("--checkpoint-dir", default=None, help="default: <output>/checkpoint")
    train.add_argument("--checkpoint-every", type=int, default=None, help="images between checkpoints")
    train.add_argument("--resume", action="store_true", help="continue from the newest checkpoint")
    train.add_argument(
        "--overwrite",
        action="store_true",
        help="delete the checkpoints already in --checkpoint-dir and start a new run",
    )
    train.add_argument("--backend", choices=BACKENDS, default=None, help=BACKEND_HELP)
    train.add_argument("--seed", type=int, default=0, help="seed of the initial weights, latents and data order")
    train.add_argument(
        "--distribute",
        action="store_true",
        help="data-parallel over all devices / processes (see keras_gans.distribution)",
    )
    train.set_defaults(func=train_command)
    return train


# ---------------------------------------------------------------------------------------------- arguments
def _preset_table(model):
    if model == "r3gan":
        from keras_gans.models.r3gan import R3GAN_PRESETS

        return R3GAN_PRESETS
    from keras_gans.models.progan import PROGAN_PRESETS

    return PROGAN_PRESETS


def _auto_choice(args):
    """`--preset auto`: inspects the image folder, prints what it holds and the configuration chosen for it."""
    from keras_gans.datasets import inspect_image_folder
    from keras_gans.models.r3gan import auto_config

    try:
        info = inspect_image_folder(args.dataset)
    except (ValueError, FileNotFoundError) as e:
        _fail(f"--dataset {args.dataset!r}: {e}")
    print(info.summary())
    if info.unreadable:
        _fail(
            f"--dataset {args.dataset!r}: {len(info.unreadable)} image files cannot be read (listed above); "
            "remove or replace them (16-bit images: convert to 8-bit RGB or grey)."
        )
    try:
        config = auto_config(info, resolution=args.resolution, batch_size=args.batch_size, gamma=args.gamma)
    except ValueError as e:
        _fail(f"--preset auto: {e}")  # names the option (resolution, batch_size or gamma)
    fit_batch_to_folder(config, info.num_images * (2 if args.mirror else 1), args.batch_size is not None)
    print("Configuration chosen for these images (--preset auto):\n" + "\n".join(f"  {r}" for r in config["reasons"]))
    return config


def _resolve_arguments(args):
    """Checks the arguments before any data is loaded; returns the resolved run description."""
    check_numbers(args)
    if args.resume and args.batch_size is None:  # a resumed run keeps its batch size
        args.batch_size = _saved_run(_checkpoint_dir(args)).get("batch_size")
    for option, folder in (("--output", args.output), ("--checkpoint-dir", args.checkpoint_dir)):
        problem = folder and folder_problem(folder)
        if problem:
            _fail(f"argument {option}: {problem}")
    if args.preset is None:
        folder = args.model == "r3gan" and pathlib.Path(str(args.dataset)).expanduser().is_dir()
        digits = args.model == "r3gan" and str(args.dataset) in DIGIT_DATASETS
        args.preset = "auto" if folder else DIGITS_NAME if digits else "tiny32"
    args.auto = None
    if args.preset == "auto":
        if args.model != "r3gan" or not pathlib.Path(str(args.dataset)).expanduser().is_dir():
            _fail("--preset auto chooses an R3GAN for a folder of images: give --dataset a folder (and --model r3gan).")
        if args.paper_recipe or args.conditional:
            _fail(
                "--preset auto trains an unconditional R3GAN with its own recipe; drop --paper-recipe / --conditional."
            )
        args.auto = _auto_choice(args)
    digits = args.preset == DIGITS_NAME
    if digits and args.model != "r3gan":
        _fail(f"--preset {DIGITS_NAME} is an R3GAN configuration; drop --model {args.model} or choose another preset.")
    if digits and str(args.dataset) not in DIGIT_DATASETS:
        _fail(
            f"--preset {DIGITS_NAME} is a grayscale model of the MNIST digits: --dataset embedded or mnist, got "
            f"{args.dataset!r}."
        )
    if args.batch_size is None:
        args.batch_size = args.auto["batch_size"] if args.auto else DIGITS["batch_size"] if digits else 32
    if digits and args.steps is None and args.kimg is None:
        args.steps = DIGITS["steps"]
    for name in ("batch_size", "sample_every"):
        if getattr(args, name) < 1:
            _fail(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}.")
    if args.resume and args.overwrite:
        _fail("give --resume or --overwrite, not both.")
    if args.checkpoint_every is not None and args.checkpoint_every < 1:
        _fail(f"--checkpoint-every must be >= 1, got {args.checkpoint_every}.")
    if args.auto:
        return {
            "model": "r3gan",
            "preset": "auto",
            "resolution": args.auto["resolution"],
            "conditional": False,
            "paper_recipe": False,
            "channels": args.auto["channels"],
        }
    table = _preset_table(args.model)
    tiny = args.preset in TINY_NAMES
    if not tiny and not digits and args.preset not in table:
        names = ", ".join(list(TINY_NAMES) + ([DIGITS_NAME] if args.model == "r3gan" else []) + sorted(table))
        _fail(f"unknown --preset '{args.preset}' for --model {args.model}. Known: {names}.")
    if args.paper_recipe and (args.model != "r3gan" or tiny or digits):
        _fail(
            "--paper-recipe needs an R3GAN preset with a published recipe (e.g. --preset cifar10); ProGAN "
            "presets always train with their own recipe."
        )
    if args.model == "r3gan" and (args.lod_training_kimg is not None or args.lod_transition_kimg is not None):
        _fail("--lod-training-kimg / --lod-transition-kimg are ProGAN options.")
    if args.model == "progan" and args.gamma is not None:
        _fail("--gamma is an R3GAN option (ProGAN trains with WGAN-GP).")
    if tiny or digits:
        resolution = (DIGITS["resolution"] if digits else 32) if args.resolution is None else args.resolution
    else:
        network = table[args.preset]["generator"]
        if args.model == "r3gan":
            preset_resolution = 4 * 2 ** (len(network["widths"]) - 1)
        else:
            preset_resolution = network["resolution"]
        resolution = preset_resolution if args.resolution is None else args.resolution
        if resolution != preset_resolution:
            _fail(
                f"the preset '{args.preset}' is {preset_resolution}x{preset_resolution}; got --resolution "
                f"{args.resolution}."
            )
    check_in_memory_size(args, resolution, 1 if digits else 3)
    return {
        "model": args.model,
        "preset": "tiny32" if tiny else args.preset,
        "resolution": resolution,
        "conditional": bool(args.conditional),
        "paper_recipe": bool(args.paper_recipe),
        "channels": 1 if digits else 3,
    }


def _target_steps(args):
    if args.kimg is not None:
        return math.ceil(args.kimg * 1000 / args.batch_size)
    return 300 if args.steps is None else args.steps


# ---------------------------------------------------------------------------------------------- model
def _tiny_progan_schedule(levels, total_images):
    from keras_gans.models.progan import ProGANSchedule

    resolution = 4 * 2 ** (levels - 1)
    phase = max(math.ceil(total_images / (2 * levels - 1)), 1)
    return ProGANSchedule(
        resolution, lod_training_kimg=phase / 1000, lod_transition_kimg=phase / 1000, total_kimg=total_images / 1000
    )


def _build_model(run, args, num_classes, total_images):
    import keras_gans

    resolution = run["resolution"]
    levels = int(math.log2(resolution)) - 1
    if run["model"] == "r3gan":
        if run["preset"] == "auto":
            generator = keras_gans.R3GANGenerator(**args.auto["generator"])
            discriminator = keras_gans.R3GANDiscriminator(**args.auto["discriminator"])
            return keras_gans.R3GAN(generator, discriminator, seed=args.seed, name="r3gan_auto")
        if run["preset"] == DIGITS_NAME:
            return digits_model(levels, num_classes, args.seed)
        if run["preset"] == "tiny32":
            arch = {key: ([value[0]] * levels if isinstance(value, list) else value) for key, value in TINY32.items()}
            generator = keras_gans.R3GANGenerator(**arch, latent_dim=64, num_classes=num_classes)
            discriminator = keras_gans.R3GANDiscriminator(**arch, num_classes=num_classes)
            return keras_gans.R3GAN(generator, discriminator, preset="tiny32", seed=args.seed, name="r3gan_tiny32")
        # The data decide the classes; an unconditional network has no class embedding.
        classes = {"num_classes": num_classes, **({} if num_classes else {"embedding_dim": None})}
        if run["paper_recipe"]:
            return keras_gans.R3GAN.from_preset(run["preset"], load_weights=False, seed=args.seed, **classes)
        return keras_gans.R3GAN.from_preset(
            run["preset"], load_weights=False, seed=args.seed, recipe=None, augment=False, **classes
        )
    from keras_gans.models.progan import ProGAN
    from keras_gans.models.progan import ProGANSchedule

    overrides = {
        k: v
        for k, v in (("lod_training_kimg", args.lod_training_kimg), ("lod_transition_kimg", args.lod_transition_kimg))
        if v is not None
    }
    if run["preset"] == "tiny32":
        channels = [TINY_PROGAN_CHANNELS] * levels
        generator = keras_gans.ProGANGenerator(
            resolution=resolution, channels=channels, latent_dim=64, num_classes=num_classes
        )
        discriminator = keras_gans.ProGANDiscriminator(
            resolution=resolution, channels=channels, num_classes=num_classes
        )
        schedule = _tiny_progan_schedule(levels, total_images)
        if overrides:
            schedule = _progan_schedule(ProGANSchedule.from_config, {**schedule.get_config(), **overrides})
        return ProGAN(generator, discriminator, schedule=schedule, seed=args.seed, name="progan_tiny")
    schedule = _progan_schedule(ProGANSchedule.from_preset, run["preset"], **overrides)
    return ProGAN.from_preset(run["preset"], load_weights=False, schedule=schedule, num_classes=num_classes)


def _progan_schedule(make, *args, **kwargs):
    """`make(*args, **kwargs)`; a schedule the --lod-*-kimg options make impossible is a one-line error."""
    try:
        return make(*args, **kwargs)
    except ValueError as e:
        _fail(f"--lod-training-kimg / --lod-transition-kimg: {e}")


def _compile(model, run, args):
    if run["model"] == "progan":
        extra = {}
        if args.learning_rate is not None:
            extra["learning_rate"] = args.learning_rate
        if args.ema_half_life_images is not None:
            extra["ema_half_life_images"] = args.ema_half_life_images
        model.compile(**extra)
        return
    if run["paper_recipe"]:
        given = {
            "gamma": args.gamma,
            "learning_rate": args.learning_rate,
            "ema_half_life_images": args.ema_half_life_images,
        }
        model.compile(**{k: v for k, v in given.items() if v is not None})
        return
    defaults = {"gamma": args.auto["gamma"] if args.auto else 0.05, "learning_rate": 2e-4, "ema_half_life_images": 2e3}
    if run["preset"] == DIGITS_NAME:
        defaults = {key: DIGITS[key] for key in defaults}
    given = {
        "gamma": args.gamma,
        "learning_rate": args.learning_rate,
        "ema_half_life_images": args.ema_half_life_images,
    }
    model.compile(
        beta_2=0.99, **{key: default if given[key] is None else given[key] for key, default in defaults.items()}
    )


def _saved_run(checkpoint_dir):
    """The run description `train` saved in `checkpoint_dir` (`{}` where there is none)."""
    path = checkpoint_dir / RUN_FILE
    saved = _read_json(path) if path.is_file() else {}
    if not isinstance(saved, dict):
        _fail(f"--resume: {path} holds no JSON object; the checkpoint directory is damaged.")
    return saved


def _check_resumed_run(args, run, checkpoint_dir):
    """Exits when the arguments of a resumed run differ from the saved run's in its model or its data order."""
    saved = _saved_run(checkpoint_dir)
    now = {**run, **{key: getattr(args, key) for key in _DATA_ORDER_KEYS}}
    for keys, what in ((_RUN_KEYS, "model arguments"), (_DATA_ORDER_KEYS, "data-order arguments")):
        differ = [
            f"--{key.replace('_', '-')}: checkpoint {saved[key]!r}, now {now[key]!r}"
            for key in keys
            if key in saved and saved[key] != now[key]
        ]
        if differ:
            _fail(
                f"--resume: {checkpoint_dir} holds a run with other {what} ({'; '.join(differ)}). Pass the "
                "original arguments, or another --checkpoint-dir for a new run."
            )


def _resume_model(checkpoint_dir):
    """The model of the run in `checkpoint_dir`, rebuilt from its saved configuration."""
    import keras

    config_path = checkpoint_dir / MODEL_CONFIG_FILE
    if not config_path.is_file():
        _fail(
            f"--resume: {checkpoint_dir} has checkpoints but no {MODEL_CONFIG_FILE}; it was not written by "
            "`keras-gans train`."
        )
    return keras.saving.deserialize_keras_object(_read_json(config_path))


def _read_json(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        _fail(f"--resume: {path} is not readable JSON ({e}); the checkpoint directory is damaged.")


# ---------------------------------------------------------------------------------------------- data
def _load_data(args, run, fit_batch):
    import keras_gans

    options = {}
    spec = args.dataset
    if spec in DIGIT_DATASETS:
        options["as_rgb"] = run.get("channels", 3) == 3
        options["pad_or_resize"] = digit_pad_or_resize(run["resolution"])
    elif str(spec).startswith("tfds:"):
        options["as_rgb"] = True
    elif pathlib.Path(str(spec)).expanduser().is_dir():
        options["fit"] = args.fit
        if run.get("channels") == 1:
            options["color_mode"] = "grayscale"
    if args.fit != "crop" and "fit" not in options:
        _fail("--fit applies to image folders only.")
    try:
        return keras_gans.datasets.load_dataset(
            spec,
            resolution=run["resolution"],
            batch_size=fit_batch,
            labels=run["conditional"],
            mirror=args.mirror,
            seed=args.seed,
            **options,
        )
    except (ValueError, OSError, ImportError) as e:  # OSError: a download that failed (offline) or a bad file
        _fail(f"--dataset {spec!r}: {e}")


def _rgb(batch, channels=3):
    import numpy as np

    images, labels = batch if isinstance(batch, tuple) else (batch, None)
    images = np.asarray(images)
    if images.shape[-1] == 1 and channels == 3:
        images = np.repeat(images, 3, axis=-1)
    return (images,) if labels is None else (images, np.asarray(labels))  # Keras wants a tuple from generators


def training_batches(data, start_batch=0, channels=3):
    """Yields batches of `data` forever, starting at global batch `start_batch`; grey images become RGB for a
    3-channel model (`channels`).

    A `keras_gans.datasets` `PyDataset` (in-memory arrays or an image folder read per batch) is replayed in its
    seeded per-epoch order, so a resumed run sees the batches the uninterrupted run would have seen; a
    `tf.data.Dataset` (TFDS) is repeated and the first `start_batch` batches skipped.
    """
    if hasattr(data, "set_epoch"):
        per_epoch = len(data)
        epoch, index = divmod(start_batch, per_epoch)
        while True:
            data.set_epoch(epoch)
            for i in range(index, per_epoch):
                yield _rgb(data[i], channels)
            epoch, index = epoch + 1, 0
    for batch in data.repeat().skip(start_batch).as_numpy_iterator():
        yield _rgb(batch, channels)


# ---------------------------------------------------------------------------------------------- outputs
def _plot_losses(history, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    for key in ("d_loss", "g_loss"):
        if key in history:
            ax.plot(history["images"], history[key], label=key)
    ax.set_xlabel("images seen")
    ax.set_ylabel("loss")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def train_command(args):
    """Runs `keras-gans train` with parsed arguments; returns the metrics dict.

    Ctrl-C ends the run with one line that names the newest checkpoint, and exit status `EXIT_INTERRUPTED`.
    """
    try:
        return _train(args)
    except KeyboardInterrupt:
        _report_interrupt(args)


def _checkpoint_dir(args):
    """`--checkpoint-dir`, by default `<--output>/checkpoint`."""
    return pathlib.Path(args.checkpoint_dir) if args.checkpoint_dir else pathlib.Path(args.output) / "checkpoint"


def _report_interrupt(args):
    from keras_gans.callbacks.checkpoint import latest_checkpoint

    checkpoint_dir = _checkpoint_dir(args)
    last = latest_checkpoint(str(checkpoint_dir)) if checkpoint_dir.is_dir() else None
    where = (
        f"the last checkpoint is {last}; continue with --resume"
        if last
        else "no checkpoint was written yet; start again to train"
    )
    print(f"keras-gans train: interrupted; {where}.", file=sys.stderr)
    raise SystemExit(EXIT_INTERRUPTED)


def _train(args):
    run = _resolve_arguments(args)  # before any data is loaded
    import contextlib

    import keras

    import keras_gans
    from keras_gans.callbacks import GANCheckpoint
    from keras_gans.callbacks import SampleGrid
    from keras_gans.callbacks import latest_checkpoint
    from keras_gans.callbacks.sample_grid import image_grid
    from keras_gans.callbacks.sample_grid import save_png
    from keras_gans.models.progan import ProgressiveGrowing
    from keras_gans.utils import durable
    from keras_gans.utils.images_seen import read_images_seen
    from keras_gans.utils.preset_utils import model_config

    setup = keras_gans.distribution.data_parallel() if args.distribute else None
    output = pathlib.Path(args.output)
    checkpoint_dir = _checkpoint_dir(args)
    if args.resume and _has_checkpoint(checkpoint_dir):  # before the data is loaded
        _check_resumed_run(args, run, checkpoint_dir)
    if setup is not None and not setup.is_chief:
        output = output / f"process-{setup.process_index}"
    scope = contextlib.ExitStack()  # model and optimizers are created in the engine's scope (tf.distribute)
    if setup is not None:
        scope.enter_context(setup.scope())
    keras.utils.set_random_seed(args.seed)
    keras_gans.backend.enable_convolution_autotuning()  # cuDNN's fastest algorithms, as the official scripts
    steps_total = _target_steps(args)
    # R3GAN's step takes two real halves (D step, G step); ProGAN's WGAN-GP step takes one batch.
    fit_batch = 2 * args.batch_size if run["model"] == "r3gan" else args.batch_size
    data, info = _load_data(args, run, fit_batch)
    try:  # after the data loaded, so that a refused dataset leaves no folder behind
        output.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        _fail(f"argument --output: {output} cannot be created ({e.strerror or e}).")
    num_classes = info.num_classes if run["conditional"] else 0

    checkpoint = GANCheckpoint(checkpoint_dir, every_n_images=args.checkpoint_every or args.batch_size * 50)
    resuming = args.resume and _has_checkpoint(checkpoint_dir)
    if args.resume and not resuming:
        print(f"No checkpoint in {checkpoint_dir}: starting a new run.")
    if not args.resume and _has_checkpoint(checkpoint_dir):
        if not args.overwrite:
            _fail(
                f"{checkpoint_dir} already holds checkpoints; pass --resume to continue that run, --overwrite to "
                "delete them, or another --checkpoint-dir."
            )
        _delete_checkpoints(checkpoint_dir)
    if resuming:
        model = _resume_model(checkpoint_dir)
    else:
        model = _build_model(run, args, num_classes, steps_total * args.batch_size)
    if model.num_classes != num_classes:
        _fail(f"the model has {model.num_classes} classes but the data gives {num_classes}.")
    _compile(model, run, args)
    if resuming:
        try:
            restored = checkpoint.resume(model)
        except ValueError as e:
            _fail(f"--resume: {e}")
        print(f"Resumed from {restored['path']} ({restored['images_seen']} images seen).")
    else:
        durable.write_json(checkpoint_dir / MODEL_CONFIG_FILE, model_config(model), indent=2, sort_keys=True)
        data_order = {key: getattr(args, key) for key in _DATA_ORDER_KEYS}
        durable.write_json(checkpoint_dir / RUN_FILE, {**run, **data_order, "dataset": str(args.dataset)}, indent=2)
    scope.close()

    steps_done = read_images_seen(model) // args.batch_size
    steps = max(steps_total - steps_done, 0)
    records = []

    class _Record(keras.callbacks.Callback):
        async_safe = True  # only reads the logs (Keras may call it on a worker thread); sorted afterwards

        def on_train_batch_end(self, batch, logs=None):
            records.append((int(logs["images_seen"]), float(logs["d_loss"]), float(logs["g_loss"])))

    callbacks = [_Record(), SampleGrid(output, every_n_images=args.sample_every, rows=4, cols=8), checkpoint]
    growing = ProgressiveGrowing() if run["model"] == "progan" else None
    if growing is not None:
        callbacks.insert(0, growing)
    start = time.time()
    if steps:
        batches = training_batches(data, steps_done, run.get("channels", 3))
        if setup is not None:  # each process feeds its part of every global batch
            batches = (setup.process_batch(b, model.real_batches_per_step) for b in batches)
        model.fit(batches, steps_per_epoch=steps, epochs=1, shuffle=False, verbose=1, callbacks=callbacks)
    seconds = time.time() - start
    images, d_losses, g_losses = zip(*sorted(records)) if records else ((), (), ())
    history = {"images": list(images), "d_loss": list(d_losses), "g_loss": list(g_losses)}
    save_png(image_grid(model.generate(32, seed=args.seed), 4, 8), output / "samples.png")
    if history["images"]:
        _plot_losses(history, output / "losses.png")
    metrics = {
        "backend": keras.backend.backend(),
        "model": run["model"],
        "preset": run["preset"],
        "paper_recipe": run["paper_recipe"],
        "dataset": str(args.dataset),
        "dataset_images": info.num_images,
        "resolution": run["resolution"],
        "fit": args.fit,
        "num_classes": num_classes,
        "architecture": {"generator": model.generator.get_config(), "discriminator": model.discriminator.get_config()},
        "steps": steps_total,
        "steps_this_run": steps,
        "batch_size": args.batch_size,
        "images_seen": read_images_seen(model),
        "train_seconds": round(seconds, 2),
        "images_per_second": round(steps * args.batch_size / seconds, 2) if steps and seconds else None,
        "final_d_loss": history["d_loss"][-1] if history["d_loss"] else None,
        "final_g_loss": history["g_loss"][-1] if history["g_loss"] else None,
        "generator_parameters": int(model.generator.count_params()),
        "discriminator_parameters": int(model.discriminator.count_params()),
        "checkpoint_dir": str(checkpoint_dir),
        "diverged": bool(getattr(model, "diverged", None)),
    }
    if metrics["diverged"]:
        metrics["diverged_at"] = {
            **model.diverged,
            "step": steps_done + model.diverged["step"],
            "step_this_run": model.diverged["step"],
        }
        metrics["last_checkpoint"] = latest_checkpoint(str(checkpoint_dir))
    if growing is not None:
        metrics["progan"] = {
            "lod": float(keras.ops.convert_to_numpy(model.generator.lod.value)),
            "active_resolution": int(model.generator.active_resolution),
            "transitions": [list(t) for t in growing.transitions],
            "schedule": model.growth_schedule.get_config(),
        }
    if run["preset"] == DIGITS_NAME and not metrics["diverged"]:
        metrics["digit_quality"] = digit_quality_report(model, args.seed, run["resolution"])
    durable.write_json(output / "metrics.json", metrics, indent=2, default=str)
    if "digit_quality" in metrics:
        generated, real = metrics["digit_quality"]["generated"], metrics["digit_quality"]["real_digits"]
        print(
            f"Digits: the shipped MNIST classifier reads {generated['confident_fraction']:.1%} of "
            f"{DIGIT_QUALITY_IMAGES:,} samples with confidence >= 0.9, {generated['classes_covered']} of 10 digits "
            f"(real digits at this size: {real['confident_fraction']:.1%}, {real['classes_covered']})."
        )
    print(f"Samples: {output / 'samples.png'}")
    if history["images"]:
        print(f"Losses:  {output / 'losses.png'}")
    print(f"Metrics: {output / 'metrics.json'}")
    if metrics["diverged"]:
        at, last = metrics["diverged_at"], metrics["last_checkpoint"]
        where = f"the newest good checkpoint is {last}" if last else "no checkpoint was written before it"
        print(
            f"keras-gans train: training diverged (non-finite {', '.join(at['keys'])}) at step {at['step']} "
            f"({at['images_seen']} images seen); {where}. Lower the learning rate (or raise gamma) and start "
            "again, or --resume from the checkpoint.",
            file=sys.stderr,
        )
        raise SystemExit(EXIT_DIVERGED)
    return metrics


def _has_checkpoint(directory):
    from keras_gans.callbacks.checkpoint import latest_checkpoint

    return latest_checkpoint(str(directory)) is not None


def _delete_checkpoints(directory):
    import shutil

    from keras_gans.callbacks.checkpoint import list_checkpoints

    for path in list_checkpoints(str(directory)):
        shutil.rmtree(path)
