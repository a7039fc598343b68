"""`auto_config`: an R3GAN configuration for a folder of one's own images, chosen from what the folder holds.

The rules, so that a choice can be predicted and overridden:

* **Resolution**: the largest power of two that is at most the images' typical shorter side (a centre crop keeps
  that square without upscaling) and at most the device's cap: `MAX_RESOLUTION` (64 on a CPU, 256 on a GPU).
  At least 4. A `resolution` given by the user wins (any power of two from 4).
* **Channels**: 1 when every image is grayscale, else 3.
* **Network**: one R3GAN stage per resolution from 4x4 up. The width of a stage follows the official presets'
  shape (constant up to 32x32, halved per doubling above it) from a device-dependent base: `BASE_WIDTH` (64 on a
  CPU, 512 on a GPU), never below 32; group width 16 (cardinality = width / 16) as in the official CIFAR-10 and
  FFHQ presets; one block per stage on a CPU, two on a GPU (the official count).
* **gamma** (the R1 + R2 weight): `GAMMA_AT_32 * (resolution / 32) ** 2`. The penalties sum squared gradients over
  the `H * W` pixels, so the same smoothness costs about `resolution ** 2`; the anchor 0.5 at 32x32 is the
  official ImageNet-32 preset's, and the rule gives FFHQ-64's 2.0 exactly. The official presets are not one
  curve (CIFAR-10 uses 0.05 at 32x32, ImageNet-64 1.0 and FFHQ-256 150): the rule is a middle that trains, and
  `--gamma` overrides it.
* **Batch**: `BATCH_SIZE` (32 on a CPU, 64 on a GPU); learning rate 2e-4, Adam beta_2 0.99 (the tiny CLI recipe).

A `resolution`, `batch_size` or `gamma` given by the user wins over the rule, and the reasons say so.
"""

from keras_gans.backend.device import default_device_is_cpu

MAX_RESOLUTION = {"cpu": 64, "gpu": 256}
BASE_WIDTH = {"cpu": 64, "gpu": 512}
BLOCKS_PER_STAGE = {"cpu": 1, "gpu": 2}
BATCH_SIZE = {"cpu": 32, "gpu": 64}
GAMMA_AT_32 = 0.5
GROUP_WIDTH = 16
MIN_RESOLUTION = 4


def default_device():
    """`"gpu"` when the Keras backend puts new tensors on an accelerator (GPU or TPU), else `"cpu"`."""
    return "cpu" if default_device_is_cpu() else "gpu"


def auto_gamma(resolution):
    """The R1 + R2 weight for `resolution` (see the module docstring)."""
    return GAMMA_AT_32 * (resolution / 32) ** 2


def stage_widths(resolution, device="cpu"):
    """Per-stage widths from 4x4 to `resolution`: the base width up to 32x32, halved per doubling above it."""
    widths, size = [], 4
    while size <= resolution:
        widths.append(max(32, BASE_WIDTH[device] // max(1, size // 32)))
        size *= 2
    return widths


def auto_config(info, device=None, resolution=None, batch_size=None, gamma=None):
    """Chooses resolution, channels, network and recipe for training an R3GAN on a folder of images.

    Args:
        info: a `keras_gans.datasets.ImageFolderInfo` (from `keras_gans.datasets.inspect_image_folder`).
        device: `"cpu"` or `"gpu"` (default: what the Keras backend sees).
        resolution: force this resolution (a power of two, at least 4) instead of the data-driven choice.
        batch_size: force this batch size (at least 1) instead of the device's `BATCH_SIZE`.
        gamma: force this R1 + R2 weight (at least 0) instead of the resolution rule.

    Returns:
        A dict: `resolution`, `channels`, `generator` and `discriminator` keyword arguments of `R3GANGenerator` /
        `R3GANDiscriminator`, `gamma`, `batch_size`, `learning_rate`, `beta_2`, and `reasons` (one line per
        choice, for people).

    Examples:

    ```python
    info = keras_gans.datasets.inspect_image_folder("my_images")
    config = keras_gans.models.r3gan.auto_config(info, device="cpu")
    generator = keras_gans.R3GANGenerator(**config["generator"])
    ```
    """
    device = default_device() if device is None else device
    if device not in MAX_RESOLUTION:
        raise ValueError(f"auto_config: expected device 'cpu' or 'gpu'; got {device!r}.")
    if info.num_images == 0:
        raise ValueError(f"auto_config: {info.path} has no usable images.\n{info.summary()}")
    cap = MAX_RESOLUTION[device]
    if resolution is None:
        limit = max(MIN_RESOLUTION, min(info.typical_side, cap))
        resolution = 1 << (limit.bit_length() - 1)
        why = (
            f"resolution {resolution}: the largest power of two <= min(typical shorter side {info.typical_side},"
            f" {device} cap {cap})"
        )
    else:
        if resolution < MIN_RESOLUTION or resolution & (resolution - 1):
            raise ValueError(f"auto_config: resolution must be a power of two >= {MIN_RESOLUTION}; got {resolution}.")
        why = f"resolution {resolution}: as asked"
    widths = stage_widths(resolution, device)
    network = {
        "widths": widths,
        "cardinalities": [w // GROUP_WIDTH for w in widths],
        "blocks_per_stage": BLOCKS_PER_STAGE[device],
        "expansion_factor": 2,
        "image_channels": info.channels,
    }
    if batch_size is None:
        batch_size, batch_why = BATCH_SIZE[device], f"batch size {BATCH_SIZE[device]} ({device})"
    elif batch_size < 1:
        raise ValueError(f"auto_config: batch_size must be >= 1; got {batch_size}.")
    else:
        batch_why = f"batch size {batch_size}: as asked"
    if gamma is None:
        gamma = auto_gamma(resolution)
        gamma_why = f"gamma {gamma:g}: {GAMMA_AT_32} * (resolution / 32)^2"
    elif gamma < 0:
        raise ValueError(f"auto_config: gamma must be >= 0; got {gamma}.")
    else:
        gamma_why = f"gamma {gamma:g}: as asked"
    return {
        "resolution": resolution,
        "channels": info.channels,
        "generator": {**network, "latent_dim": 64},
        "discriminator": dict(network),
        "gamma": gamma,
        "batch_size": batch_size,
        "learning_rate": 2e-4,
        "beta_2": 0.99,
        "reasons": [
            why,
            f"channels {info.channels}: {'every image is grayscale' if info.grayscale else 'colour images'}",
            f"network: {len(widths)} stages (4x4 to {resolution}x{resolution}), widths {widths}, group width "
            f"{GROUP_WIDTH}, {BLOCKS_PER_STAGE[device]} block(s) per stage ({device})",
            gamma_why,
            batch_why,
        ],
    }
