"""The pretrained pytorch_GAN_zoo PGAN checkpoints (facebookresearch/pytorch_GAN_zoo) as `ProGAN` presets.

A registered name downloads the checkpoint (a `torch.save` zip archive of `{'config', 'netG', 'netD', 'avgG'}`)
once into `cache_root()/downloads/pytorch_GAN_zoo/`, checks it against the SHA-256 prefix in its file name (the
torch.hub convention), reads it as data (`read_pytorch_gan_zoo_checkpoint`: no pickled code runs, the config object
becomes a dict) and converts it once into the preset directory `cache_root()/presets/<name>/`; later loads use that
directory without network access.

The converted model keeps pytorch_GAN_zoo's semantics where they change the function (`progan_from_pgz`): per-unit
bias of G's first dense layer, gain sqrt(2) everywhere with the runtime constant on the bias, contiguous-group
unbiased minibatch stddev, pooling after the activation in D. `avgG` (pytorch_GAN_zoo's moving average) becomes
the EMA generator used by `generate()`. The schedule is "no growing" at the checkpoint's resolution (the released
checkpoints finished growing; fine-tuning continues at full resolution) with the checkpoint's WGAN-GP settings.
"""

import json
import pathlib
import re

import numpy as np

from keras_gans.converters.progan_pgz_weights import load_pgz_generator_weights
from keras_gans.converters.progan_pgz_weights import progan_from_pgz
from keras_gans.models.progan.progan_presets import PGZ_BASE_URL
from keras_gans.models.progan.progan_presets import PGZ_CHECKPOINTS
from keras_gans.models.progan.progan_presets import PROGAN_SCHEDULES
from keras_gans.utils import preset_utils
from keras_gans.utils.checkpoints import read_pytorch_gan_zoo_checkpoint
from keras_gans.utils.download import download_file  # the only network access here; tests replace it
from keras_gans.utils.download import sha256_file

_HASH_IN_NAME = re.compile(r"-([0-9a-f]{6,64})\.pth$")


def checkpoint_path(name):
    """Where the checkpoint of a registered name is (or is to be) stored."""
    preset_utils.check_preset_name(name, PGZ_CHECKPOINTS, "pytorch_GAN_zoo checkpoints")
    return preset_utils.cache_root() / "downloads" / "pytorch_GAN_zoo" / PGZ_CHECKPOINTS[name]["file"]


def checkpoint_url(name):
    preset_utils.check_preset_name(name, PGZ_CHECKPOINTS, "pytorch_GAN_zoo checkpoints")
    return PGZ_BASE_URL + PGZ_CHECKPOINTS[name]["file"]


def _check_hash(path, digest):
    match = _HASH_IN_NAME.search(path.name)
    if match and not digest.startswith(match.group(1)):
        raise ValueError(
            f"{path}: SHA-256 {digest[:16]}... does not start with {match.group(1)} as its name says; the file is "
            "damaged or not the released checkpoint. Delete it and download it again."
        )


def fetch_pgz_checkpoint(name):
    """The local path of a registered checkpoint, downloading it on first use (then checked by its hash)."""
    path, url = checkpoint_path(name), checkpoint_url(name)
    downloaded = not path.is_file()
    if downloaded:
        try:
            download_file(url, path)
        except Exception as e:  # network errors come in many types
            raise preset_utils.PresetDownloadError(
                f"Could not download {url} ({e}). Download {path.name} by hand and put it at {path}."
            ) from e
    try:
        _check_hash(path, sha256_file(path))
    except ValueError:
        if downloaded:
            path.unlink()
        raise
    return path


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def pgz_config_arguments(config):
    """Network arguments implied by a pytorch_GAN_zoo config dict (the architecture is read from the shapes).

    Returns:
        `(generator_kwargs, discriminator_kwargs)`.

    Raises:
        ValueError: for settings the converted networks cannot reproduce (no equalized learning rate, or a
            generator output activation: pytorch_GAN_zoo uses tanh with its MSE and DCGAN losses).
    """
    if not config.get("equalizedlR", True):
        raise ValueError("pytorch_GAN_zoo checkpoint: equalizedlR=False is not supported.")
    loss = config.get("lossCriterion", "WGANGP")
    if loss not in ("WGANGP", None):
        raise ValueError(
            f"pytorch_GAN_zoo checkpoint: lossCriterion {loss!r} ends the generator with tanh; only WGANGP "
            "checkpoints (linear output) are supported."
        )
    slope = float(config.get("leakyReluLeak", 0.2))
    normalize = bool(config.get("perChannelNormalization", True))
    generator = {"leaky_relu_slope": slope, "normalize_latents": normalize, "use_pixelnorm": normalize}
    return generator, {"leaky_relu_slope": slope}


def convert_pgz_checkpoint(model_cls, path, output_dir, preset=None, metadata=None):
    """Converts a pytorch_GAN_zoo PGAN checkpoint (`.pth`) into a preset directory for `ProGAN.from_preset`.

    Args:
        model_cls: the model class to build (`keras_gans.ProGAN` or a subclass).
        path: the `.pth` file.
        output_dir: the preset directory to write.
        preset: registered name (stored in the metadata and the model name).
        metadata: extra entries for `metadata.json`.

    Returns:
        The preset directory (a `pathlib.Path`).

    Examples:

    ```python
    convert_pgz_checkpoint(keras_gans.ProGAN, "celebaHQ_s6_i80000-6196db68.pth", "my_progan")
    gan = keras_gans.ProGAN.from_preset("my_progan")  # the directory
    # The same in one step, converted once into the cache:
    gan = keras_gans.ProGAN.from_preset("celebaHQ_s6_i80000-6196db68.pth")
    ```
    """
    path = pathlib.Path(path)
    checkpoint = read_pytorch_gan_zoo_checkpoint(path)
    config = checkpoint["config"]
    g_kwargs, d_kwargs = pgz_config_arguments(config)
    generator, discriminator = progan_from_pgz(
        checkpoint["netG"],
        checkpoint["netD"],
        generator_kwargs={**g_kwargs, "name": "generator"},
        discriminator_kwargs={**d_kwargs, "name": "discriminator"},
    )
    ema_state = checkpoint.get("avgG") or checkpoint["netG"]
    resolution = generator.resolution
    schedule = {
        **PROGAN_SCHEDULES["tf_default"],
        "resolution": resolution,
        "lod_initial_resolution": resolution,
        "lod_training_kimg": 0,
        "lod_transition_kimg": 0,
        "lr_base": float(config.get("learningRate", 0.001)),
    }
    recipe = {
        "gp_weight": float(config.get("lambdaGP", 10.0)),
        "drift_weight": float(config.get("epsilonD", 0.001)),
        "acgan_weight": float(config.get("weightConditionD") or 1.0),
        "mirror": False,
    }
    model = model_cls(
        generator, discriminator, schedule=schedule, recipe=recipe, name=f"progan_{preset}" if preset else "progan_pgz"
    )
    # The EMA generator starts as a copy of the generator: load pytorch_GAN_zoo's average into it.
    load_pgz_generator_weights(model.ema_generator, ema_state)
    alpha = float(config.get("alpha", 0.0) or 0.0)  # weight of the old path = lod within the last level
    for network in (model.generator, model.discriminator, model.ema_generator):
        network.set_lod(min(max(alpha, 0.0), 1.0, network.resolution_log2 - 2))
    meta = {
        "preset": preset,
        "source_file": path.name,
        "source_sha256": sha256_file(path),
        "source_config": _json_safe(config),
        "class_names": _json_safe(config.get("attribKeysOrder")),
    }
    meta.update(metadata or {})
    json.dumps(meta)  # fail here, not half way through writing the preset
    return model.save_to_preset(output_dir, metadata=meta)


def pgz_preset_dir(model_cls, name):
    """The converted preset directory of a registered checkpoint, downloading and converting it on first use."""
    preset_utils.check_preset_name(name, PGZ_CHECKPOINTS, "pytorch_GAN_zoo checkpoints")
    target = preset_utils.cache_root() / "presets" / name
    if preset_utils.is_preset_dir(target) and (target / preset_utils.WEIGHTS_FILE).is_file():
        return target
    path = fetch_pgz_checkpoint(name)
    convert_pgz_checkpoint(model_cls, path, target, preset=name, metadata={"source_url": checkpoint_url(name)})
    return target
