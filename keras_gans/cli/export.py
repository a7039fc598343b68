"""`keras-gans export`: writes a generator as a TF SavedModel, an ONNX file or a LiteRT (.tflite) file.

    keras-gans export --preset ffhq64 --format onnx --output ffhq64.onnx
    keras-gans export --checkpoint runs/quickstart/checkpoint --format tf_saved_model --output generator/
    keras-gans export --preset my_preset_dir --format litert --output g.tflite --image-dtype float --backend tensorflow

The model is loaded like `keras-gans generate` loads it (a preset or a `keras-gans train` checkpoint). The export
takes `latents` (float32, `(N, latent_dim)`) and, for conditional models, `labels` (int32 class ids, `(N,)`) and
returns `images` (NHWC, uint8 pixels as `keras-gans generate` writes them, or float in [-1, 1] with
`--image-dtype float`), from the EMA generator unless `--no-ema`. Which backend writes which format is listed in
`keras_gans.export`; a format the current backend cannot write fails with a message naming the backends that can
(pass `--backend`).
"""

import pathlib

from keras_gans.cli import BACKEND_HELP
from keras_gans.cli import BACKENDS
from keras_gans.cli import file_problem
from keras_gans.cli import folder_problem
from keras_gans.cli.generate import load_gan

FORMATS = ("tf_saved_model", "onnx", "litert")  # keras_gans.export.FORMATS (keras is imported lazily here)


def register(commands):
    """Adds the `export` subcommand to the `keras-gans` argument parser."""
    parser = commands.add_parser(
        "export", help="export a generator to TF SavedModel, ONNX or LiteRT", description=__doc__.split("\n\n")[0]
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--preset", help="preset name, preset directory, hf://... or kaggle://...")
    source.add_argument(
        "--checkpoint", help="checkpoint directory of `keras-gans train`, its --output folder, or one ckpt-* folder"
    )
    parser.add_argument(
        "--format",
        default="tf_saved_model",
        choices=FORMATS + ("tflite",),
        help="tf_saved_model (a directory), onnx or litert (tflite is its old name)",
    )
    parser.add_argument(
        "--output", required=True, help="a directory (tf_saved_model), a .onnx file (onnx) or a .tflite file (litert)"
    )
    parser.add_argument(
        "--image-dtype",
        choices=("uint8", "float"),
        default="uint8",
        help="uint8 pixels (default) or the raw float output in [-1, 1]",
    )
    parser.add_argument("--no-ema", action="store_true", help="export the trained generator, not the EMA one")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="fix the batch size of the inputs (default: any; LiteRT from JAX needs one)",
    )
    parser.add_argument("--backend", choices=BACKENDS, default=None, help=BACKEND_HELP)
    parser.set_defaults(func=export_command)
    return parser


def _fail(message):
    raise SystemExit(f"keras-gans export: {message}")


def _check_format_and_output(args):
    """Exits with a one-line message when this backend cannot write `--format` or `--output` cannot be written,
    before the model is loaded."""
    from keras_gans.export import BACKENDS as EXPORT_BACKENDS
    from keras_gans.export import check_export_format
    from keras_gans.export.generator_export import SUFFIXES

    name = "litert" if args.format == "tflite" else args.format
    try:
        check_export_format(name, switch_advice=f"pass `--backend {EXPORT_BACKENDS[name][0]}`")
    except (ValueError, ImportError) as error:
        _fail(error)
    output = pathlib.Path(args.output)
    suffix = SUFFIXES.get(name)
    problem = file_problem(output, f"a {suffix}") if suffix else folder_problem(output)
    if problem:
        _fail(f"argument --output: {problem}")


def export_command(args):
    """Runs `keras-gans export` with parsed arguments; returns the path written."""
    _check_format_and_output(args)
    try:
        model = load_gan(preset=args.preset, checkpoint=args.checkpoint)
    except (ValueError, OSError) as error:
        raise SystemExit(
            f"keras-gans export: {'--preset' if args.preset else '--checkpoint'} "
            f"{args.preset or args.checkpoint}: {error}"
        )
    try:
        path = model.export_generator(
            args.output,
            format=args.format,
            output=args.image_dtype,
            use_ema=not args.no_ema,
            batch_size=args.batch_size,
        )
    except (ValueError, ImportError) as error:
        raise SystemExit(f"keras-gans export: {error}")
    print(
        f"Exported the {'trained' if args.no_ema else 'EMA'} generator ({args.format}, {args.image_dtype} "
        f"images): {path}"
    )
    return path
