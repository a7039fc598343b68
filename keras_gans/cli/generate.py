"""`keras-gans generate`: PNG images from a trained R3GAN or ProGAN, one per seed or as one grid.

    keras-gans generate --preset ffhq64 --seeds 0-15 --grid --output samples/
    keras-gans generate --preset my_preset_dir --seeds 0,4,7-9 --class 3 --output samples/
    keras-gans generate --checkpoint runs/quickstart/checkpoint --seeds 0-63 --grid --cols 8

The model is a preset (a registered name with published weights, a preset directory, `hf://...` or
`kaggle://...`) or a training checkpoint written by `keras-gans train` (its checkpoint directory, whose newest
checkpoint is used, or one `ckpt-*` folder in it). Seed `s` gives the image of the latent
`numpy.random.default_rng(s).standard_normal((1, latent_dim))`, i.e. `model.generate(1, seed=s)`, on every
backend. Conditional models take `--class`; without it the images cycle through the classes (0, 1, 2, ...).
`--truncation-psi p` scales every latent by `p`, toward the mean latent 0 (see `GAN.generate`). Images come from
the EMA generator unless `--no-ema`. Files: `seed<seed, 4 digits>.png`, or `grid.png` with
`--grid` (rows of `--cols` images, padded with black). As in every subcommand, `--output` is the file itself where
one file is written (`--grid --output grid.png`, or one seed and `--output seed.png`: a name ending in `.png`) and
a folder otherwise.
"""

import json
import math
import pathlib
import re
import sys
import warnings

from keras_gans.cli import BACKEND_HELP
from keras_gans.cli import BACKENDS
from keras_gans.cli import EXIT_INTERRUPTED
from keras_gans.cli import file_problem
from keras_gans.cli import folder_problem
from keras_gans.cli.seeds import parse_seeds

CHECKPOINT_MODEL_FILE = "model.json"  # written by `keras-gans train` beside its checkpoints
TRAIN_METRICS_FILE = "metrics.json"  # written by `keras-gans train` in its --output folder
_CHECKPOINT_NAME = re.compile(r"^ckpt-\d{12}$")


def _fail(message):
    raise SystemExit(f"keras-gans generate: {message}")


def register(commands):
    """Adds the `generate` subcommand to the `keras-gans` argument parser."""
    parser = commands.add_parser(
        "generate", help="write PNG images from a preset or a training checkpoint", description=__doc__.split("\n\n")[0]
    )
    add_model_arguments(parser)
    parser.add_argument("--seeds", default="0-15", help="seeds: '0-15', '1,5,9' or a mix such as '0-3,10'")
    parser.add_argument(
        "--class",
        dest="class_id",
        type=int,
        default=None,
        help="class id for a conditional model (default: cycle through the classes)",
    )
    parser.add_argument(
        "--truncation-psi",
        type=float,
        default=1.0,
        help="scale latents toward the mean latent 0 (1 = none, 0 = the mean); see GAN.generate",
    )
    parser.add_argument("--grid", action="store_true", help="write one grid.png instead of one PNG per seed")
    parser.add_argument("--cols", type=int, default=None, help="grid columns (default: about sqrt(#seeds))")
    parser.add_argument(
        "--scale", type=int, default=1, help="integer nearest-neighbour upscaling of the written images (small models)"
    )
    parser.add_argument(
        "--output",
        default="generated",
        help="a .png file when one image or one grid is written (e.g. --grid --output grid.png), else a folder",
    )
    parser.set_defaults(func=generate_command)
    return parser


def add_model_arguments(parser):
    """The arguments of every sampling subcommand: the model (`--preset` or `--checkpoint`), `--no-ema`,
    `--batch-size` and `--backend`."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--preset", help="preset name, preset directory, hf://... or kaggle://...")
    source.add_argument(
        "--checkpoint", help="checkpoint directory of `keras-gans train`, its --output folder, or one ckpt-* folder"
    )
    parser.add_argument("--no-ema", action="store_true", help="use the trained generator, not the EMA generator")
    parser.add_argument("--batch-size", type=int, default=32, help="images per generator call")
    parser.add_argument("--backend", choices=BACKENDS, default=None, help=BACKEND_HELP)


def load_model_or_exit(args, fail):
    """`load_gan` for the parsed `add_model_arguments`; a model that cannot be loaded calls `fail(message)`."""
    if args.batch_size < 1:
        fail(f"--batch-size must be >= 1, got {args.batch_size}.")
    try:
        return load_gan(args.preset, args.checkpoint)
    except (ValueError, OSError) as e:
        fail(f"{'--preset' if args.preset else '--checkpoint'} {args.preset or args.checkpoint}: {e}")


def run_checkpoint_dir(path):
    """The checkpoint directory of `path` when it is the --output folder of `keras-gans train`; otherwise `path`.

    `<path>/checkpoint` (where `train` writes by default) comes first, so a copied or moved run folder loads its
    own checkpoints, also while its run is going (before `metrics.json` exists). Otherwise `metrics.json` names the
    folder: an absolute path as it is, a relative one (relative to where `train` ran) only inside `path`.

    Args:
        path: a `pathlib.Path` given as `--checkpoint`.

    Raises:
        ValueError: `metrics.json` names a relative checkpoint folder that is not inside `path`.
    """
    if (path / CHECKPOINT_MODEL_FILE).is_file() or not path.is_dir():
        return path
    if (path / "checkpoint").is_dir():
        return path / "checkpoint"
    saved = _saved_checkpoint_dir(path / TRAIN_METRICS_FILE)
    if saved is None:
        return path
    if saved.is_absolute():
        return saved if saved.is_dir() else path
    # `train` stored the path as given, e.g. "runs/r1/ckpts" for --output runs/r1: try each tail inside `path`.
    tails = [pathlib.Path(*saved.parts[i:]) for i in range(len(saved.parts))]
    found = next((path / tail for tail in tails if (path / tail).is_dir()), None)
    if found is None:
        raise ValueError(
            f"{path / TRAIN_METRICS_FILE} names the checkpoint directory {saved!s} (relative to where "
            f"`keras-gans train` ran), which is not inside {path}; pass that directory as --checkpoint."
        )
    return found


def _saved_checkpoint_dir(metrics_file):
    """The `checkpoint_dir` that `metrics_file` records, or None (no file, or a damaged one)."""
    try:
        saved = json.loads(metrics_file.read_text()).get("checkpoint_dir")
    except (OSError, ValueError, AttributeError):
        return None
    return pathlib.Path(saved).expanduser() if isinstance(saved, str) and saved else None


def read_json_file(path, expected):
    """The JSON value in `path`; `ValueError` naming the file and `expected` when it cannot be read."""
    try:
        return json.loads(pathlib.Path(path).read_text())
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ValueError(f"{path} is not readable JSON ({e}); expected {expected}.") from e


def _checkpoint_paths(path):
    """`(checkpoint folder, model.json)` when `path` is a training checkpoint directory or folder (or the run's
    --output folder), else None."""
    from keras_gans.callbacks.checkpoint import checkpoint_problem
    from keras_gans.callbacks.checkpoint import list_checkpoints

    path = run_checkpoint_dir(path)
    if _CHECKPOINT_NAME.match(path.name) and (path.parent / CHECKPOINT_MODEL_FILE).is_file():
        return path, path.parent / CHECKPOINT_MODEL_FILE
    if (path / CHECKPOINT_MODEL_FILE).is_file():
        candidates = list_checkpoints(str(path))[::-1]
        if not candidates:
            raise ValueError(f"{path} holds no checkpoint yet (no complete ckpt-* folder).")
        skipped = []
        for candidate in candidates:  # the newest checkpoint whose files are sound
            problem = checkpoint_problem(candidate)
            if problem is None:
                if skipped:
                    warnings.warn(
                        f"Using {candidate}; skipped newer checkpoints that cannot be read: {'; '.join(skipped)}.",
                        RuntimeWarning,
                        stacklevel=2,
                    )
                return pathlib.Path(candidate), path / CHECKPOINT_MODEL_FILE
            skipped.append(f"{pathlib.Path(candidate).name}: {problem.rstrip('.')}")
        raise ValueError(f"none of the checkpoints in {path} can be read: {'; '.join(skipped)}")
    return None


def _from_checkpoint(path):
    from keras_gans.callbacks.checkpoint import WEIGHTS_FILE
    from keras_gans.utils.weights_io import load_weights_file

    found = _checkpoint_paths(path)
    if found is None:
        raise ValueError(
            f"{path} is not a checkpoint directory of `keras-gans train` (it has no "
            f"{CHECKPOINT_MODEL_FILE} beside ckpt-* folders)."
        )
    folder, config = found
    model = _model_from_config(config)
    load_weights_file(model, folder / WEIGHTS_FILE, "checkpoint weights")
    return model


def _model_from_config(config_file):
    """The `GAN` that `config_file` (the model.json of `keras-gans train`) describes, without weights."""
    import keras

    from keras_gans.models.gan import GAN

    expected = "the model configuration that `keras-gans train` writes"
    config = read_json_file(config_file, expected)
    try:
        model = keras.saving.deserialize_keras_object(config)
    except Exception as e:  # Keras reports unknown classes and bad fields as TypeError, ValueError or KeyError
        raise ValueError(f"{config_file} cannot be read as {expected} ({type(e).__name__}: {e}).") from e
    if not isinstance(model, GAN):
        raise ValueError(f"{config_file} describes a {type(model).__name__}; expected {expected} (a GAN).")
    return model


def _from_preset(spec):
    from keras_gans.models.gan import GAN
    from keras_gans.models.progan import ProGAN
    from keras_gans.models.r3gan import R3GAN

    if spec in R3GAN.presets:
        return R3GAN.from_preset(spec)
    if spec in ProGAN.presets:
        return ProGAN.from_preset(spec, load_weights=True)
    for model_cls in (R3GAN, ProGAN):  # a checkpoint file of the original code, converted once
        if model_cls.converts_checkpoint(spec):
            return model_cls.from_preset(spec)
    if "://" in spec or pathlib.Path(spec).expanduser().exists():
        return GAN.from_preset(spec)  # a preset directory or handle, of any GAN
    known = ", ".join(sorted(set(R3GAN.presets) | set(ProGAN.presets)))
    raise ValueError(
        f"'{spec}' is neither a file or folder nor a preset name. Known presets: {known}; or give "
        "a preset directory, hf://owner/repo or kaggle://owner/model/keras/variant."
    )


def load_gan(preset=None, checkpoint=None):
    """Loads a `GAN` (R3GAN, ProGAN, ...) from a preset or a `keras-gans train` checkpoint, ready to sample.

    Args:
        preset: a registered name, a preset directory, `hf://...` or `kaggle://...`, or a checkpoint file of the
            original code (official R3GAN `.pkl`, pytorch_GAN_zoo `.pth`, converted once into the cache). A
            checkpoint directory of `keras-gans train` is recognised here too.
        checkpoint: a checkpoint directory of `keras-gans train` (newest checkpoint) or one `ckpt-*` folder.

    Returns:
        The model. A ProGAN's networks are set to evaluate the blocks of their stored level of detail.

    Raises:
        ValueError: the preset or checkpoint cannot be found or read (the message says why).
    """
    if (preset is None) == (checkpoint is None):
        raise ValueError("load_gan: give a preset or a checkpoint.")
    if checkpoint is not None:
        path = pathlib.Path(checkpoint).expanduser()
        if not path.exists():
            raise ValueError(f"the checkpoint {path} does not exist.")
        model = _from_checkpoint(path)
    elif pathlib.Path(preset).expanduser().is_dir() and _checkpoint_paths(pathlib.Path(preset).expanduser()):
        model = _from_checkpoint(pathlib.Path(preset).expanduser())
    else:
        model = _from_preset(str(preset))
    _set_stored_lod(model)
    return model


def _set_stored_lod(model):
    """ProGAN networks evaluate only their `active_resolution` blocks, a Python attribute that loading weights
    does not restore: derive it from the stored `lod` variable."""
    import keras

    for network in (model.generator, model.discriminator, model.ema_generator):
        if hasattr(network, "set_lod"):
            network.set_lod(float(keras.ops.convert_to_numpy(network.lod.value)))


def generated_chunks(model, seeds, class_id=None, use_ema=True, batch_size=32, truncation_psi=1.0):
    """Yields `(seeds_of_chunk, uint8 images)` for consecutive chunks of at most `batch_size` seeds: image `i` is
    `model.generate(1, seed=seeds[i])` (with the label and `truncation_psi`). Latents are drawn per chunk, so the
    memory used does not grow with the number of seeds. `--class` is checked at the call, before any image."""
    if model.num_classes == 0 and class_id is not None:
        raise ValueError("--class was given but the model is unconditional.")
    if model.num_classes and class_id is not None and not 0 <= class_id < model.num_classes:
        raise ValueError(f"--class must be in [0, {model.num_classes}) for this model; got {class_id}.")
    return _chunks(model, seeds, class_id, use_ema, batch_size, truncation_psi)


def _chunks(model, seeds, class_id, use_ema, batch_size, truncation_psi):
    import numpy as np
    from tqdm.auto import tqdm

    from keras_gans.explore.interpolation import seed_latent

    with tqdm(total=len(seeds), desc="images", unit="img", leave=False, disable=len(seeds) <= batch_size) as bar:
        for start in range(0, len(seeds), batch_size):
            chunk = seeds[start : start + batch_size]
            z = np.stack([seed_latent(s, model.latent_dim) for s in chunk])
            labels = None
            if model.num_classes:  # without --class the classes cycle over the whole seed list
                index = np.arange(start, start + len(chunk))
                labels = index % model.num_classes if class_id is None else np.full(len(chunk), class_id)
            images = model.generate(
                z,
                labels=labels,
                use_ema=use_ema,
                batch_size=batch_size,
                truncation_psi=truncation_psi,
            )
            bar.update(len(chunk))
            yield chunk, images


def generate_images(model, seeds, class_id=None, use_ema=True, batch_size=32, truncation_psi=1.0):
    """uint8 images `(len(seeds), H, W, C)`: image `i` is `model.generate(1, seed=seeds[i])` (with the label and
    `truncation_psi`)."""
    import numpy as np

    chunks = generated_chunks(model, seeds, class_id, use_ema, batch_size, truncation_psi)
    return np.concatenate([images for _, images in chunks])


def generate_command(args):
    """Runs `keras-gans generate` with parsed arguments; returns the path written: the PNG file (one image or the
    grid) or the folder of per-seed PNGs."""
    import numpy as np

    from keras_gans.callbacks.sample_grid import image_grid
    from keras_gans.callbacks.sample_grid import save_png
    from keras_gans.explore.interpolation import upscale
    from keras_gans.training.generate_arguments import check_generation_size

    try:
        seeds = parse_seeds(args.seeds)
    except ValueError as e:
        _fail(f"--seeds: {e}")
    if args.cols is not None and args.cols < 1:
        _fail(f"--cols must be >= 1, got {args.cols}.")
    if args.scale < 1:
        _fail(f"--scale must be >= 1, got {args.scale}.")
    output = pathlib.Path(args.output)
    one_file = output.suffix.lower() == ".png"
    if one_file and not args.grid and len(seeds) > 1:
        _fail(
            f"argument --output: {output} names one PNG file but {len(seeds)} images are written; pass --grid "
            "for one grid image, or give a folder."
        )
    problem = file_problem(output, "a .png") if one_file else folder_problem(output)
    if problem:
        _fail(f"argument --output: {problem}")
    model = load_model_or_exit(args, _fail)
    folder = output.parent if one_file else output
    written = 0
    try:
        chunks = generated_chunks(model, seeds, args.class_id, not args.no_ema, args.batch_size, args.truncation_psi)
        if args.grid:  # one image of them all: they must fit in memory together
            height, width, channels = model.image_shape
            grid_shape = (height * args.scale, width * args.scale, channels)
            check_generation_size(len(seeds), model.latent_dim, grid_shape, "uint8", "--grid with --seeds")
            images = upscale(np.concatenate([images for _, images in chunks]), args.scale)
            cols = args.cols or math.ceil(math.sqrt(len(seeds)))
            rows = math.ceil(len(seeds) / cols)
            padded = np.zeros((rows * cols,) + images.shape[1:], images.dtype)
            padded[: len(images)] = images
            folder.mkdir(parents=True, exist_ok=True)
            path = output if one_file else output / "grid.png"
            save_png(image_grid(padded, rows, cols), path)
        else:  # written as they are made, so that a long run keeps what it made when stopped
            for chunk, images in chunks:
                folder.mkdir(parents=True, exist_ok=True)  # once the first images exist
                for seed, image in zip(chunk, upscale(images, args.scale)):
                    save_png(image, output if one_file else output / f"seed{seed:04d}.png")
                    written += 1
            path = output
    except (ValueError, OSError) as e:
        _fail(str(e))
    except KeyboardInterrupt:
        print(
            f"keras-gans generate: interrupted after writing {written:,} of {len(seeds):,} images to {folder}.",
            file=sys.stderr,
        )
        raise SystemExit(EXIT_INTERRUPTED) from None
    print(
        f"Wrote {path}."
        if path.suffix.lower() == ".png"
        else f"Wrote {written:,} PNG file{'s' if written != 1 else ''} to {output}."
    )
    return path
