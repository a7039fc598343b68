"""`keras-gans project`: finds the latents that reproduce given images (GAN inversion) and writes them.

    keras-gans project --preset mnist_small --images a.png b.png --steps 300 --output projected/

Images are read as training images are: EXIF orientation applied, 8-bit only, converted to the model's channels
(RGB or grayscale), centre-cropped to a square and resized to its resolution (LANCZOS) when their size differs.
Writes, in `--output`: `<image name>_projected.png` (each reconstruction), `latents.npy` (`(N, latent_dim)`
float32, in the order of `--images`) and, for conditional models, `class_probabilities.npy` (`(N, K)`, the labels
the reconstructions used). `gan.generate(latents, labels=class_probabilities)` reproduces the PNG files. See
`keras_gans.explore.project` for the loss.
"""

import contextlib
import pathlib

from keras_gans.cli import folder_problem
from keras_gans.cli.generate import add_model_arguments
from keras_gans.cli.generate import load_model_or_exit


def _fail(message):
    raise SystemExit(f"keras-gans project: {message}")


def register(commands):
    """Adds the `project` subcommand to the `keras-gans` argument parser."""
    parser = commands.add_parser(
        "project",
        help="find latents that reproduce images; write them and the reconstructions",
        description=__doc__.split("\n\n")[0],
    )
    add_model_arguments(parser)
    parser.add_argument("--images", nargs="+", required=True, help="image files (PNG, JPEG, ...)")
    parser.add_argument(
        "--class",
        dest="class_id",
        type=int,
        default=None,
        help="class of every image (conditional models; default: optimise soft labels)",
    )
    parser.add_argument("--steps", type=int, default=200, help="optimisation steps")
    parser.add_argument("--learning-rate", type=float, default=0.1, help="Adam's initial learning rate")
    parser.add_argument("--feature-weight", type=float, default=0.1, help="weight of the perceptual distance")
    parser.add_argument(
        "--feature-extractor",
        choices=["discriminator", "inception", "none"],
        default="discriminator",
        help="features of the perceptual distance",
    )
    parser.add_argument("--candidates", type=int, default=8, help="random starting latents tried per image")
    parser.add_argument("--seed", type=int, default=0, help="seed of the starting latents")
    parser.add_argument("--output", default="projected", help="output folder")
    parser.set_defaults(func=project_command)
    return parser


def read_images(paths, image_shape):
    """uint8 `(N, H, W, C)` from image files, read as training images are (`keras_gans.datasets.read_image`: EXIF
    orientation applied, 8-bit only, centre-cropped to a square and resized with LANCZOS), in the model's channels."""
    import numpy as np
    from PIL import Image

    from keras_gans.datasets.image_folder import read_image

    height, width, channels = image_shape
    if channels not in (1, 3):
        raise ValueError(f"the model makes {channels}-channel images; only 1 (grayscale) or 3 (RGB) can be read.")
    images = []
    for path in paths:
        with contextlib.suppress(OSError, ValueError), Image.open(path) as image:  # read_image names a bad file
            if image.size != (width, height):
                print(f"{path}: cropped and resized from {image.size[0]}x{image.size[1]} to {width}x{height}.")
        color_mode = "rgb" if channels == 3 else "grayscale"
        images.append(read_image(path, height, color_mode, owner="--images").reshape(height, width, channels))
    return np.stack(images)


def project_command(args):
    """Runs `keras-gans project` with parsed arguments; returns the written paths."""
    from keras_gans.explore.files import save_array
    from keras_gans.explore.files import save_image
    from keras_gans.explore.projection import project

    if args.steps < 0:
        _fail(f"--steps must be >= 0, got {args.steps}.")
    if not args.learning_rate > 0 or args.learning_rate == float("inf"):
        _fail(f"--learning-rate must be a finite number > 0, got {args.learning_rate}.")
    if not args.feature_weight >= 0 or args.feature_weight == float("inf"):
        _fail(f"--feature-weight must be a finite number >= 0, got {args.feature_weight}.")
    names = [pathlib.Path(p).stem for p in args.images]
    if len(set(names)) != len(names):
        _fail("--images: two images have the same file name; their reconstructions would overwrite each other.")
    problem = folder_problem(args.output)
    if problem:
        _fail(f"argument --output: {problem}")
    model = load_model_or_exit(args, _fail)
    try:
        images = read_images(args.images, model.image_shape)
        result = project(
            model,
            images,
            steps=args.steps,
            labels=args.class_id,
            learning_rate=args.learning_rate,
            feature_weight=args.feature_weight,
            feature_extractor=args.feature_extractor,
            num_candidates=args.candidates,
            seed=args.seed,
            use_ema=not args.no_ema,
        )
    except (ValueError, OSError) as e:
        _fail(str(e))
    output = pathlib.Path(args.output)
    paths = [output / f"{name}_projected.png" for name in names]
    for image, path in zip(result.images, paths):
        save_image(image, path)
    paths.append(output / "latents.npy")
    save_array(result.latents, paths[-1])
    if result.class_probabilities is not None:
        paths.append(output / "class_probabilities.npy")
        save_array(result.class_probabilities, paths[-1])
    for name, mse, start in zip(names, result.pixel_mse, result.initial_pixel_mse):
        print(f"{name}: pixel MSE {mse:.5f} (start {start:.5f})")
    print(f"Wrote {len(paths)} files to {output}.")
    return paths
