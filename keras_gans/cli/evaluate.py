"""`keras-gans evaluate`: scores a trained GAN with FID, KID, SWD, MS-SSIM, precision/recall or StackedMNIST.

    keras-gans evaluate --checkpoint runs/quickstart/checkpoint --metrics fid,kid --num-images 10000
    keras-gans evaluate --preset cifar10 --dataset tfds:cifar10 --metrics fid --num-images 50000

The model is loaded like `keras-gans generate` loads it: a preset (an R3GAN or ProGAN name with published
weights, a preset directory, `hf://...` or `kaggle://...`) or a training checkpoint of `keras-gans train` (its
checkpoint directory, whose newest checkpoint is used, one `ckpt-*` folder, or the run's `--output` folder). For a
checkpoint the real images default to the training dataset (from the run's `run.json`). Images come from the EMA
generator unless `--no-ema`.
The metrics are those of `keras_gans.metrics.evaluate_generator`; the results are printed and written as JSON.
"""

import json
import pathlib

from keras_gans.cli import BACKEND_HELP
from keras_gans.cli import BACKENDS
from keras_gans.cli import file_problem
from keras_gans.cli.generate import read_json_file
from keras_gans.cli.generate import run_checkpoint_dir

# The names of keras_gans.metrics.evaluation.METRICS (not imported here: subcommand modules import keras lazily).
METRIC_NAMES = ("fid", "kid", "swd", "ms_ssim", "precision_recall", "stacked_mnist", "mnist_digits")
RUN_FILE = "run.json"  # written by `keras-gans train` in its checkpoint directory (the dataset spec is in it)


def register(commands):
    """Adds the `evaluate` subcommand to the `keras-gans` argument parser."""
    parser = commands.add_parser(
        "evaluate", help="compute FID/KID/SWD/MS-SSIM/precision-recall of a model", description=__doc__.split("\n\n")[0]
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--preset", help="preset name, preset directory, hf://... or kaggle://...")
    source.add_argument(
        "--checkpoint",
        help="checkpoint directory of `keras-gans train` (or a ckpt-* folder, or the run's --output folder)",
    )
    parser.add_argument(
        "--dataset",
        default=None,
        help="real images: a dataset spec for keras_gans.datasets.load_dataset ('embedded', "
        "'mnist', 'stacked_mnist', 'tfds:<name>', a folder, an .npz); default for "
        "--checkpoint: the training dataset",
    )
    parser.add_argument("--split", default="train", help="dataset split of the real images")
    parser.add_argument("--metrics", default="fid", help=f"comma-separated, from: {', '.join(METRIC_NAMES)}")
    parser.add_argument("--num-images", type=int, default=10_000, help="generated images")
    parser.add_argument("--num-real-images", type=int, default=None, help="real images (default: --num-images)")
    parser.add_argument("--batch-size", type=int, default=64, help="images per generator and feature-extractor call")
    parser.add_argument("--seed", type=int, default=0, help="seed of the latents and the metrics' random draws")
    parser.add_argument("--no-ema", action="store_true", help="use the trained generator instead of the EMA one")
    parser.add_argument(
        "--metric-option",
        action="append",
        default=[],
        metavar="METRIC.KEY=VALUE",
        help="a metric option (JSON value), e.g. kid.subset_size=500 or swd.num_patches=64; repeatable",
    )
    parser.add_argument("--cache-dir", default=None, help="where real-image statistics are cached")
    parser.add_argument(
        "--output",
        default="evaluation.json",
        help="the JSON file written with the results (one file: --output names it)",
    )
    parser.add_argument("--backend", choices=BACKENDS, default=None, help=BACKEND_HELP)
    parser.set_defaults(func=evaluate_command)
    return parser


def _fail(message):
    raise SystemExit(f"keras-gans evaluate: {message}")


def _metric_options(items):
    options = {}
    for item in items:
        key, sep, value = item.partition("=")
        metric, dot, name = key.partition(".")
        if not sep or not dot or not name:
            _fail(f"--metric-option must look like METRIC.KEY=VALUE (e.g. kid.subset_size=500); got {item!r}.")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
        options.setdefault(metric, {})[name] = parsed
    return options


def _checkpoint_and_dataset(path):
    """`(checkpoint directory or ckpt-* folder, training dataset spec or None)` for a `--checkpoint` path."""
    path = pathlib.Path(path).expanduser()
    if not path.exists():
        _fail(f"--checkpoint {path} does not exist.")
    try:
        path = run_checkpoint_dir(path)  # the --output folder of `keras-gans train` holds its checkpoint directory
        run_file = next((d / RUN_FILE for d in (path, path.parent) if (d / RUN_FILE).is_file()), None)
        run = read_json_file(run_file, "the run description that `keras-gans train` writes") if run_file else {}
    except ValueError as e:
        _fail(f"--checkpoint {path}: {e}")
    if not isinstance(run, dict):
        _fail(f"--checkpoint {path}: {run_file} holds a {type(run).__name__}; expected a JSON object.")
    return path, run.get("dataset")


def _load_model(args):
    """`(GAN, training dataset spec or None)` from --preset or --checkpoint."""
    from keras_gans.cli.generate import load_gan

    checkpoint, dataset = (None, None) if args.preset else _checkpoint_and_dataset(args.checkpoint)
    try:
        model = load_gan(preset=args.preset, checkpoint=None if checkpoint is None else str(checkpoint))
    except (ValueError, OSError) as error:
        _fail(f"{'--preset' if args.preset else '--checkpoint'} {args.preset or args.checkpoint}: {error}")
    return model, dataset


def evaluate_command(args):
    """Runs `keras-gans evaluate` with parsed arguments; returns the results dict."""
    metrics = tuple(name.strip() for name in args.metrics.split(",") if name.strip())
    unknown = [name for name in metrics if name not in METRIC_NAMES]
    if unknown or not metrics:
        _fail(f"unknown --metrics {unknown or args.metrics!r}; choose from {', '.join(METRIC_NAMES)}.")
    options = _metric_options(args.metric_option)
    if args.num_images < 1 or args.batch_size < 1:
        _fail("--num-images and --batch-size must be positive.")
    if args.seed < 0:
        _fail(f"--seed must be >= 0, got {args.seed}.")
    output = pathlib.Path(args.output)
    problem = file_problem(output, "a JSON")
    if problem:
        _fail(f"argument --output: {problem}")
    import keras

    from keras_gans.metrics.evaluation import evaluate_generator
    from keras_gans.utils import durable
    from keras_gans.utils.images_seen import read_images_seen

    needs_reals = [name for name in metrics if name in ("fid", "kid", "swd", "precision_recall")]
    if needs_reals and not (args.dataset or args.checkpoint):
        _fail(f"{', '.join(needs_reals)} compare with real images: pass --dataset.")
    print(f"Loading {args.preset or args.checkpoint} ...", flush=True)
    model, trained_on = _load_model(args)
    dataset = args.dataset or trained_on
    if needs_reals and not dataset:
        _fail(f"{', '.join(needs_reals)} compare with real images and the run names no dataset: pass --dataset.")
    dataset_options = {"split": args.split} if args.split != "train" else None
    try:
        results = evaluate_generator(
            model,
            metrics,
            real=dataset if needs_reals else None,
            num_images=args.num_images,
            num_real_images=args.num_real_images,
            batch_size=args.batch_size,
            use_ema=not args.no_ema,
            seed=args.seed,
            cache_dir=args.cache_dir,
            dataset_options=dataset_options,
            metric_options=options,
            progress=True,
        )
    except (FileNotFoundError, ValueError) as error:
        _fail(str(error))
    report = {
        "model": str(args.checkpoint or args.preset),
        "dataset": dataset if needs_reals else None,
        "split": args.split,
        "images_seen": read_images_seen(model),
        "num_images": args.num_images,
        "num_real_images": args.num_real_images or args.num_images,
        "use_ema": not args.no_ema,
        "seed": args.seed,
        "metric_options": options,
        "backend": keras.backend.backend(),
        "metrics": results,
    }
    durable.write_json(output, report, indent=2)
    for name, value in results.items():
        print(f"{name:>22}: {value:.6g}")
    print(f"Results: {output}")
    return report
