"""`keras-gans convert`: official checkpoints to Keras preset directories.

    keras-gans convert network-snapshot-010000.pkl my_r3gan --recipe cifar10
    keras-gans convert celebaHQ_s6_i80000-6196db68.pth my_progan
    keras-gans convert karras2018iclr-celebahq-1024x1024.pkl celebahq --schedule theano_celebahq
    keras-gans generate --preset my_r3gan --seeds 0-15 --grid

Formats (`--format`, default from the file name):

* `r3gan` (`.pkl`): an official R3GAN snapshot (`network-snapshot-*.pkl` of brownvc/R3GAN, or a released Hugging
  Face pickle) -> an `R3GAN` preset (`keras_gans.converters.r3gan_official`: G, D and the EMA
  generator, the bfloat16 stage layout and `cur_nimg`). `--recipe <R3GAN preset>` attaches that preset's training
  recipe, so that `compile()` without arguments continues with the paper's schedules.
* `pgz` (`.pth`): a pytorch_GAN_zoo PGAN checkpoint (`torch.save` of `config`, `netG`, `netD`, `avgG`) -> a
  `ProGAN` preset (`keras_gans.converters.progan_pgz`; `avgG` becomes the EMA generator).
* `progan-tf` (`.pkl` naming `tfutil.Network`, told apart from R3GAN snapshots by its content): an official ProGAN
  TensorFlow pickle (`karras2018iclr-*.pkl`, `network-snapshot-*.pkl` of tkarras/progressive_growing_of_gans) -> a
  `ProGAN` preset (`keras_gans.converters.progan_official`: G, D, Gs as the EMA generator, the stored lod).
  `--schedule` is the growing schedule that fine-tuning continues with (default `tf_default`).

The checkpoints are read as data: nothing in them is imported or executed, and torch is not needed. The output is
loaded with `keras_gans.R3GAN.from_preset(dir)` / `keras_gans.ProGAN.from_preset(dir)` or used by
`keras-gans generate --preset dir`. `from_preset(FILE)` does the same conversion once into the cache.
"""

import pathlib

from keras_gans.cli import BACKEND_HELP
from keras_gans.cli import BACKENDS
from keras_gans.cli import folder_problem

FORMATS = {"r3gan": (".pkl",), "pgz": (".pth", ".pt"), "progan-tf": (".pkl",)}


def _fail(message):
    raise SystemExit(f"keras-gans convert: {message}")


def register(commands):
    """Adds the `convert` subcommand to the `keras-gans` argument parser."""
    parser = commands.add_parser(
        "convert",
        help="convert an official R3GAN / ProGAN or a pytorch_GAN_zoo checkpoint to a Keras preset directory",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument(
        "source", help="the checkpoint file (.pkl: official R3GAN or ProGAN TF, .pth: pytorch_GAN_zoo PGAN)"
    )
    parser.add_argument("output", help="the preset directory to write (a folder: a preset is several files)")
    parser.add_argument("--format", choices=sorted(FORMATS), default=None, help="default: from the file name")
    parser.add_argument(
        "--recipe", default=None, help="R3GAN: the preset whose training recipe the model gets (e.g. cifar10, ffhq256)"
    )
    parser.add_argument(
        "--schedule",
        default=None,
        help="progan-tf: the growing schedule to continue with (a ProGAN preset or schedule name)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing preset directory")
    parser.add_argument("--backend", choices=BACKENDS, default=None, help=BACKEND_HELP)
    parser.set_defaults(func=convert_command)
    return parser


def _format_of(source, given):
    if given is not None:
        return given
    if source.suffix.lower() == ".pkl":
        from keras_gans.converters.progan_official import is_progan_tf_pickle

        return "progan-tf" if is_progan_tf_pickle(source) else "r3gan"
    for name, suffixes in FORMATS.items():
        if source.suffix.lower() in suffixes:
            return name
    known = "; ".join(f"{', '.join(s)} -> {n}" for n, s in FORMATS.items())
    _fail(f"cannot tell the format of {source.name} from its name ({known}); pass --format.")


def _check_output(output, overwrite):
    from keras_gans.utils import preset_utils

    problem = folder_problem(output)
    if problem:
        _fail(f"the output {problem}")
    if not output.exists():
        return
    if not output.is_dir():
        _fail(f"the output {output} is a file; give a directory name.")
    if not any(output.iterdir()):
        return
    if not preset_utils.is_preset_dir(output):
        _fail(f"the output {output} is a non-empty directory that is not a preset; give a new directory name.")
    if not overwrite:
        _fail(f"the output {output} already holds a preset; pass --overwrite to replace it.")


def convert_command(args):
    """Runs `keras-gans convert` with parsed arguments; returns the preset directory."""
    source = pathlib.Path(args.source).expanduser()
    output = pathlib.Path(args.output).expanduser()
    if source.is_dir():
        _fail(f"{source} is a folder; give the checkpoint file (.pkl or .pth).")
    if not source.is_file():
        _fail(f"no such checkpoint file: {source}.")
    kind = _format_of(source, args.format)
    if args.recipe is not None:
        from keras_gans.models.r3gan.r3gan_presets import R3GAN_PRESETS

        if kind != "r3gan":
            _fail("--recipe applies to R3GAN snapshots only.")
        if args.recipe not in R3GAN_PRESETS:
            _fail(f"unknown --recipe '{args.recipe}'. Known: {', '.join(sorted(R3GAN_PRESETS))}.")
    if args.schedule is not None and kind != "progan-tf":
        _fail("--schedule applies to official ProGAN TensorFlow pickles only.")
    _check_output(output, args.overwrite)
    from tqdm.auto import tqdm

    bar = tqdm(total=1, desc=f"converting {source.name} ({kind})", unit="file", leave=False)
    try:
        if kind == "r3gan":
            from keras_gans.converters.r3gan_official import convert_official_snapshot
            from keras_gans.models.r3gan import R3GAN

            path = convert_official_snapshot(R3GAN, source, output, preset=args.recipe)
        elif kind == "progan-tf":
            from keras_gans.converters.progan_official import convert_progan_tf_pickle_to_preset
            from keras_gans.models.progan import ProGAN

            path = convert_progan_tf_pickle_to_preset(ProGAN, source, output, schedule=args.schedule or "tf_default")
        else:
            from keras_gans.converters.progan_pgz import convert_pgz_checkpoint
            from keras_gans.models.progan import ProGAN

            path = convert_pgz_checkpoint(ProGAN, source, output)
    except (ValueError, OSError) as e:  # includes the readers' CheckpointFormatError / UnsafeCheckpointError
        what = {
            "r3gan": "an official R3GAN snapshot",
            "pgz": "a pytorch_GAN_zoo PGAN checkpoint",
            "progan-tf": "an official ProGAN TensorFlow pickle",
        }[kind]
        _fail(f"{source} could not be converted as {what}: {e}")
    finally:
        bar.close()
    model = "R3GAN" if kind == "r3gan" else "ProGAN"
    print(
        f"Wrote the {model} preset {path}. Load it with keras_gans.{model}.from_preset({str(path)!r}), or run "
        f"keras-gans generate --preset {path} --seeds 0-15 --grid"
    )
    return path
