"""`keras-gans interpolate`: an animated GIF (or MP4) walking the latent space between two seeds.

    keras-gans interpolate --preset stacked_mnist_small --start-seed 0 --end-seed 7 --frames 32 --output walk.gif
    keras-gans interpolate --preset mnist_small --start-seed 3 --end-seed 3 --class 1 --end-class 4 \\
        --output class_blend.mp4

Frame `i` of `--frames` is the image of the latent `slerp(z_start, z_end, i / (frames - 1))` (or `--method
lerp`), where seed `s` gives the latent of `keras-gans generate --seeds s`; for conditional models the labels blend
linearly from `--class` to `--end-class`. `--truncation-psi` scales every latent toward the mean latent 0.
The suffix of `--output` picks the format: `.gif` (Pillow) or `.mp4` (needs `pip install "keras-gans[video]"`).
"""

import argparse
import pathlib

from keras_gans.cli import file_problem
from keras_gans.cli.generate import add_model_arguments
from keras_gans.cli.generate import load_model_or_exit


def _fail(message):
    raise SystemExit(f"keras-gans interpolate: {message}")


def register(commands):
    """Adds the `interpolate` subcommand to the `keras-gans` argument parser."""
    parser = commands.add_parser(
        "interpolate",
        help="write a GIF/MP4 of a latent (and class) interpolation",
        description=__doc__.split("\n\n")[0],
    )
    add_model_arguments(parser)
    parser.add_argument("--start-seed", type=int, default=0, help="seed of the first frame's latent")
    parser.add_argument("--end-seed", type=int, default=1, help="seed of the last frame's latent")
    parser.add_argument("--frames", type=int, default=24, help="frames, both endpoints included (>= 2)")
    # `--steps` is accepted for `--frames` but not listed: elsewhere it counts iterations.
    parser.add_argument("--steps", dest="frames", type=int, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    parser.add_argument(
        "--method",
        choices=["slerp", "lerp"],
        default="slerp",
        help="latent path: spherical (default, for Gaussian latents) or linear",
    )
    parser.add_argument(
        "--class",
        dest="class_id",
        type=int,
        default=None,
        help="class of the first frame (conditional models; default 0)",
    )
    parser.add_argument("--end-class", type=int, default=None, help="class of the last frame (default: --class)")
    parser.add_argument(
        "--truncation-psi",
        type=float,
        default=1.0,
        help="scale latents toward the mean latent 0 (1 = none, 0 = the mean)",
    )
    parser.add_argument("--fps", type=float, default=12.0, help="frames per second")
    parser.add_argument("--scale", type=int, default=1, help="integer nearest-neighbour upscaling of the frames")
    parser.add_argument("--output", default="interpolation.gif", help="output file, .gif or .mp4")
    parser.set_defaults(func=interpolate_command)
    return parser


def interpolate_command(args):
    """Runs `keras-gans interpolate` with parsed arguments; returns the written path."""
    from keras_gans.explore.interpolation import ANIMATION_FORMATS
    from keras_gans.explore.interpolation import interpolation_frames
    from keras_gans.explore.interpolation import upscale
    from keras_gans.explore.interpolation import write_animation

    if args.frames < 2:
        _fail(f"--frames must be >= 2, got {args.frames}.")
    problem = file_problem(args.output, "a .gif or .mp4")
    if not problem and pathlib.Path(args.output).suffix.lower() not in ANIMATION_FORMATS:
        problem = (
            f"{args.output} does not end with one of {', '.join(ANIMATION_FORMATS)} (the suffix picks the format)."
        )
    if problem:
        _fail(f"argument --output: {problem}")
    model = load_model_or_exit(args, _fail)
    try:
        frames = interpolation_frames(
            model,
            args.start_seed,
            args.end_seed,
            args.frames,
            args.method,
            args.class_id,
            args.end_class,
            args.truncation_psi,
            use_ema=not args.no_ema,
            batch_size=args.batch_size,
        )
        path = write_animation(upscale(frames, args.scale), args.output, fps=args.fps)
    except (ValueError, ImportError, OSError) as e:
        _fail(str(e))
    print(f"Wrote {len(frames)} frames to {path}.")
    return path
