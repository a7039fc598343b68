"""`keras-gans compare`: FID and KID between two folders of images (or saved Inception statistics).

    keras-gans compare data/real samples/ --metrics fid,kid
    keras-gans compare data/real samples/ --metrics kid --kid-subset-size 500 --output compare.json

Each side is a folder of image files (read at the size of its first image, or `--resolution`) or an `.npz` of
`InceptionStatistics` (e.g. from `dataset_statistics`). The features are those of the FID Inception network
(official weights, downloaded once into the keras-gans cache); the numbers are `keras_gans.metrics.fid` and
`keras_gans.metrics.kid`, printed and written as JSON.
"""

import pathlib

from keras_gans.cli import BACKEND_HELP
from keras_gans.cli import BACKENDS
from keras_gans.cli import file_problem

METRIC_NAMES = ("fid", "kid")


def register(commands):
    """Adds the `compare` subcommand to the `keras-gans` argument parser."""
    parser = commands.add_parser(
        "compare", help="FID/KID between two folders of images", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("images_a", help="a folder of images or an .npz of InceptionStatistics")
    parser.add_argument("images_b", help="a folder of images or an .npz of InceptionStatistics")
    parser.add_argument("--metrics", default="fid", help=f"comma-separated, from: {', '.join(METRIC_NAMES)}")
    parser.add_argument(
        "--resolution",
        type=int,
        default=None,
        help="read folder images at this size (default: the first image's shorter side)",
    )
    parser.add_argument(
        "--resize",
        choices=("legacy_tf", "clean"),
        default="legacy_tf",
        help="Inception input resize: legacy_tf (published FIDs) or clean (clean-fid)",
    )
    parser.add_argument("--batch-size", type=int, default=32, help="images per Inception call")
    parser.add_argument("--kid-subsets", type=int, default=100, help="number of random subsets KID averages over")
    parser.add_argument("--kid-subset-size", type=int, default=1000, help="images per KID subset")
    parser.add_argument("--seed", type=int, default=0, help="seed of the KID subsets")
    parser.add_argument("--output", default=None, help="JSON file for the results")
    parser.add_argument("--backend", choices=BACKENDS, default=None, help=BACKEND_HELP)
    parser.set_defaults(func=compare_command)
    return parser


def _fail(message):
    raise SystemExit(f"keras-gans compare: {message}")


def _inception(resize):
    """The FID Inception network; a missing or unreadable weight file is a one-line error."""
    from keras_gans.metrics.inception import FIDInceptionV3

    try:
        return FIDInceptionV3(resize=resize)
    except (OSError, ValueError) as error:
        _fail(f"the FID Inception network could not be loaded: {error}")


def _check_options(args):
    """The numeric options and `--output`, checked before anything is read."""
    from keras_gans.metrics.fid import check_kid_options

    for flag, value in (("--batch-size", args.batch_size), ("--resolution", args.resolution)):
        if value is not None and value < 1:
            _fail(f"{flag} must be >= 1, got {value}.")
    try:
        check_kid_options(args.kid_subsets, args.kid_subset_size, "keras-gans compare")
    except ValueError as error:
        _fail(str(error).replace("`num_subsets`", "--kid-subsets").replace("`subset_size`", "--kid-subset-size"))
    problem = args.output and file_problem(args.output, "a JSON")
    if problem:
        _fail(f"argument --output: {problem}")


def _check_side(side):
    """Checks one side before any network is loaded; returns whether it is saved statistics (an `.npz`)."""
    from keras_gans.datasets.image_folder import index_image_folder

    path = pathlib.Path(side).expanduser()
    if not path.exists():
        _fail(f"{side} does not exist (expected a folder of images or an .npz of InceptionStatistics).")
    if path.is_file():
        if path.suffix != ".npz":
            _fail(f"{side} is a file but not an .npz of InceptionStatistics; give a folder of images or an .npz.")
        return True
    try:
        paths, _, _ = index_image_folder(str(path), labels=None, owner="keras-gans compare")
    except (ValueError, OSError) as error:
        _fail(str(error))
    if len(paths) < 2:  # the covariance of FID and the pairs of KID need two images at least
        _fail(f"{side} holds {len(paths)} image(s); FID and KID need at least 2 per side.")
    return False


def compare_command(args):
    """Runs `keras-gans compare` with parsed arguments; returns the results dict."""
    metrics = tuple(dict.fromkeys(name.strip() for name in args.metrics.split(",") if name.strip()))
    unknown = [name for name in metrics if name not in METRIC_NAMES]
    if unknown or not metrics:
        _fail(f"unknown --metrics {unknown or args.metrics!r}; choose from {', '.join(METRIC_NAMES)}.")
    _check_options(args)
    saved = [_check_side(side) for side in (args.images_a, args.images_b)]
    from keras_gans.metrics.fid import fid_from_statistics
    from keras_gans.metrics.fid import kid_from_statistics
    from keras_gans.metrics.image_sets import image_set_statistics

    inception = None if all(saved) else _inception(args.resize)  # saved statistics need no network
    max_features = 10_000 if "kid" in metrics else 0
    try:
        stats = [
            image_set_statistics(side, inception, args.batch_size, max_features, args.resolution, "keras-gans compare")
            for side in (args.images_a, args.images_b)
        ]
        results = {}
        if "fid" in metrics:
            results["fid"] = fid_from_statistics(*stats)
        if "kid" in metrics:
            mean, std = kid_from_statistics(*stats, args.kid_subsets, args.kid_subset_size, args.seed)
            results.update(kid=mean, kid_std=std)
    except (ValueError, OSError) as error:
        _fail(str(error))
    report = {
        "images_a": str(args.images_a),
        "images_b": str(args.images_b),
        "resize": args.resize,
        "num_images": [s.num_images for s in stats],
        "metrics": results,
    }
    for name, value in results.items():
        print(f"{name:>8}: {value:.6g}")
    if args.output:
        _write_report(report, pathlib.Path(args.output).expanduser())
    return report


def _write_report(report, output):
    """Writes `report` as JSON to `output` atomically: a failed write keeps the file that was there."""
    from keras_gans.utils import durable

    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        durable.write_json(output, report, indent=2)
    except OSError as error:
        _fail(f"argument --output: {output} could not be written ({error}).")
    print(f"Results: {output}")
