"""`keras-gans check-official-progan`: compare a converted official ProGAN with the authors' reference images.

    keras-gans check-official-progan --pkl karras2018iclr-celebahq-1024x1024.pkl --reference-dir example_import_script
    keras-gans check-official-progan --preset celebahq_1024_official --reference-dir example_import_script

The reference images are `img0.png` ... `img9.png` of the authors' `networks/tensorflow-version/
example_import_script` folder, written by their `import_example.py` from fixed latents (see
`keras_gans.converters.progan_official_reference`). The command regenerates them from the converted `Gs`, prints the
largest per-pixel difference of each image and exits with status 1 when one exceeds `--max-diff`.
"""

import json

from keras_gans.cli import BACKEND_HELP
from keras_gans.cli import BACKENDS


def _fail(message):
    raise SystemExit(f"keras-gans check-official-progan: {message}")


def register(commands):
    """Adds the `check-official-progan` subcommand to the `keras-gans` argument parser."""
    parser = commands.add_parser(
        "check-official-progan",
        help="compare a converted official ProGAN with the authors' reference images",
        description=__doc__.split("\n\n")[0],
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--pkl", help="an official ProGAN TensorFlow pickle (karras2018iclr-*.pkl)")
    source.add_argument(
        "--preset", help="a registered official preset (e.g. celebahq_1024_official) or a converted preset directory"
    )
    parser.add_argument("--reference-dir", required=True, help="the folder with img0.png ... img9.png")
    parser.add_argument("--max-diff", type=int, default=1, help="largest per-pixel difference that passes")
    parser.add_argument("--backend", choices=BACKENDS, default=None, help=BACKEND_HELP)
    parser.set_defaults(func=check_command)
    return parser


def check_command(args):
    """Runs the check; prints one line per image and a JSON summary; exits 1 on a mismatch."""
    import pathlib

    from keras_gans.converters.progan_official_reference import compare_with_reference_images
    from keras_gans.converters.progan_official_reference import reference_image_problem
    from keras_gans.models.progan import ProGAN

    source = args.pkl or args.preset
    if args.pkl and not pathlib.Path(args.pkl).is_file():
        _fail(f"no such file: {args.pkl}.")
    problem = reference_image_problem(args.reference_dir)  # before a download and conversion of the model
    if problem:
        _fail(f"--reference-dir: {problem}")
    try:
        model = ProGAN.from_preset(source)
        report = compare_with_reference_images(model, args.reference_dir, max_diff=args.max_diff)
    except (ValueError, OSError) as e:
        _fail(f"{source}: {e}")
    for image in report["images"]:
        print(
            f"{image['file']}: max |difference| {image['max_abs_diff']}, "
            f"{100 * image['differing_fraction']:.3f}% of the values differ"
        )
    print(json.dumps({"passed": report["passed"], "max_abs_diff": report["max_abs_diff"]}))
    if not report["passed"]:
        raise SystemExit(1)
    return report
