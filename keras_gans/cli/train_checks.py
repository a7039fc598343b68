"""Checks of `keras-gans train` arguments that run before anything is created or loaded: numbers, the size of
in-memory datasets and the batch size of a small image folder."""

import math

from keras_gans.training.generate_arguments import physical_memory_bytes

MAX_RESOLUTION = 1024  # the largest resolution of any preset
MAX_SEED = 2**32 - 1  # NumPy's seeds (keras.utils.set_random_seed) are unsigned 32-bit
# Images held in memory by the named in-memory datasets (their training splits).
IN_MEMORY_IMAGES = {"embedded": 10_000, "mnist": 60_000, "stacked_mnist": 60_000}
# Floating-point options: (flag, attribute, smallest value, whether the smallest value itself is allowed).
_FLOAT_OPTIONS = (
    ("--kimg", "kimg", 0.0, True),
    ("--gamma", "gamma", 0.0, True),
    ("--learning-rate", "learning_rate", 0.0, False),
    ("--ema-half-life-images", "ema_half_life_images", 0.0, True),
    ("--lod-training-kimg", "lod_training_kimg", 0.0, True),
    ("--lod-transition-kimg", "lod_transition_kimg", 0.0, True),
)


def _fail(message):
    raise SystemExit(f"keras-gans train: {message}")


def check_numbers(args):
    """Refuses numeric arguments that cannot make a run (NaN, infinities, negative sizes, out-of-range seeds)."""
    for flag, name, smallest, inclusive in _FLOAT_OPTIONS:
        value = getattr(args, name)
        if value is None:
            continue
        if not math.isfinite(value) or value < smallest or (value == smallest and not inclusive):
            bound = f">= {smallest:g}" if inclusive else f"> {smallest:g}"
            _fail(f"{flag} must be a finite number {bound}, got {value}.")
    if args.steps is not None and args.steps < 0:
        _fail(f"--steps must be >= 0, got {args.steps}.")
    if not 0 <= args.seed <= MAX_SEED:
        _fail(f"--seed must be in [0, 2**32 - 1], got {args.seed}.")
    if args.resolution is not None and not (
        4 <= args.resolution <= MAX_RESOLUTION and args.resolution & (args.resolution - 1) == 0
    ):
        _fail(f"--resolution must be 4 * 2^k (a power of two) from 4 to {MAX_RESOLUTION}, got {args.resolution}.")


def check_in_memory_size(args, resolution, channels):
    """Refuses a `--resolution` at which a named in-memory dataset would not fit in half the machine's memory."""
    count = IN_MEMORY_IMAGES.get(str(args.dataset))
    memory = physical_memory_bytes()
    if count is None or memory is None:
        return
    needed = count * resolution * resolution * channels * (2 if args.mirror else 1)
    if needed > memory // 2:
        _fail(
            f"--resolution {resolution}: --dataset {args.dataset!r} holds its {count:,} images in memory, "
            f"{needed / 2**30:.1f} GiB at this resolution, more than half of this machine's "
            f"{memory / 2**30:.1f} GiB; choose a smaller --resolution."
        )


def fit_batch_to_folder(config, num_images, batch_size_given):
    """Makes `config["batch_size"]` fit a folder of `num_images` images: an R3GAN step reads two half-batches.

    A chosen batch size shrinks to the largest that fits (and its reason says so); a `--batch-size` too large for
    the folder is refused.
    """
    largest = num_images // 2
    if config["batch_size"] <= largest:
        return
    needs = f"the folder holds {num_images} images; R3GAN needs 2 x --batch-size images per step"
    if largest < 1:
        _fail(f"--dataset: {needs}, so at least 2 images.")
    if batch_size_given:
        _fail(f"--batch-size {config['batch_size']}: {needs}; pass --batch-size <= {largest}.")
    config["batch_size"] = largest
    config["reasons"][-1] = f"batch size {largest}: the most that fits ({needs})"
