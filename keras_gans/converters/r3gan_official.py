"""Official R3GAN checkpoints (`network-snapshot-*.pkl`, the released Hugging Face pickles) as Keras presets.

The pickle is read as data only (`read_r3gan_snapshot`: nothing in it is imported or executed) and converted with
NumPy; the registered names download the released pickle once, convert it once into
`cache_root()/presets/<name>/`, and later loads use that directory without network access.
"""

import pathlib

from keras_gans.converters.r3gan_official_weights import load_official_weights
from keras_gans.converters.r3gan_official_weights import r3gan_from_official
from keras_gans.layers.augment import DifferentiableAugment
from keras_gans.models.r3gan.r3gan_presets import OFFICIAL_CHECKPOINTS
from keras_gans.models.r3gan.r3gan_presets import R3GAN_PRESETS
from keras_gans.models.r3gan.r3gan_presets import preset_recipe
from keras_gans.utils import preset_utils
from keras_gans.utils.checkpoints import read_r3gan_snapshot
from keras_gans.utils.download import sha256_file

_INT32_MAX = 2**31 - 1


def _generator_order(official_stages, num_stages, network):
    # Official discriminator stages run from high to low resolution; the Keras networks use generator order.
    if network == "D":
        return tuple(sorted(num_stages - 1 - int(s) for s in official_stages))
    return tuple(sorted(int(s) for s in official_stages))


def convert_official_snapshot(model_cls, pkl_path, output_dir, preset=None, metadata=None):
    """Converts an official R3GAN snapshot pickle into a Keras preset directory loadable by `R3GAN.from_preset`.

    The generator, discriminator and EMA generator (`G_ema`) are converted with `r3gan_from_official`; the
    pickle's bfloat16 stage flags become the networks' `bfloat16_stages`, `cur_nimg` becomes `images_seen`
    (when it fits in int32) and goes into `metadata.json` with the pickle's SHA-256.

    Args:
        model_cls: the model class to build (`keras_gans.R3GAN` or a subclass).
        pkl_path: path of the `.pkl` snapshot.
        output_dir: the preset directory to write.
        preset: optional registered preset name whose training recipe (and augmentation setting) the model
            gets; `None` leaves the recipe empty (then `compile()` needs `gamma`).
        metadata: extra entries for `metadata.json`.

    Returns:
        The preset directory (a `pathlib.Path`).

    Raises:
        UnsafeCheckpointError: the pickle references code outside the known R3GAN/torch data classes.
        CheckpointFormatError: the file is not an R3GAN snapshot.

    Examples:

    ```python
    convert_official_snapshot(keras_gans.R3GAN, "network-snapshot-010000.pkl", "my_r3gan")
    model = keras_gans.R3GAN.from_preset("my_r3gan")
    # The same in one step, converted once into the cache:
    model = keras_gans.R3GAN.from_preset("network-snapshot-010000.pkl")
    ```
    """
    pkl_path = pathlib.Path(pkl_path)
    snapshot = read_r3gan_snapshot(pkl_path)
    num_stages = len(snapshot.stage_dtypes["G"])
    stages = {net: _generator_order(snapshot.bf16_stages[net], num_stages, net) for net in ("G", "D", "G_ema")}
    generator = r3gan_from_official(snapshot.G, bfloat16_stages=stages["G"], name="generator")
    discriminator = r3gan_from_official(snapshot.D, bfloat16_stages=stages["D"], name="discriminator")
    ema_generator = r3gan_from_official(snapshot.G_ema, bfloat16_stages=stages["G_ema"], name="ema_generator")
    recipe = preset_recipe(preset) if preset in R3GAN_PRESETS else None
    augment = DifferentiableAugment() if recipe and recipe.get("augment") else None
    model = model_cls(
        generator,
        discriminator,
        augment_pipeline=augment,
        ema_generator=ema_generator,
        recipe=recipe,
        preset=preset,
        name=f"r3gan_{preset}" if preset else "r3gan",
    )
    # GAN copies the generator into the EMA generator on construction: restore the snapshot's G_ema.
    load_official_weights(model.ema_generator, snapshot.G_ema)
    cur_nimg = snapshot.cur_nimg
    if isinstance(cur_nimg, int) and 0 <= cur_nimg <= _INT32_MAX:
        model.images_seen.assign(cur_nimg)
    meta = {
        "source_file": pkl_path.name,
        "source_sha256": sha256_file(pkl_path),
        "cur_nimg": cur_nimg,
        "source_class_names": dict(snapshot.class_names),
        "bfloat16_stages": {net: list(s) for net, s in stages.items()},
    }
    meta.update(metadata or {})
    return model.save_to_preset(output_dir, metadata=meta)


def official_preset_dir(model_cls, name):
    """The converted preset directory of a published checkpoint, downloading and converting it on first use."""
    preset_utils.check_preset_name(name, OFFICIAL_CHECKPOINTS, "R3GAN official checkpoints")
    target = preset_utils.cache_root() / "presets" / name
    if preset_utils.is_preset_dir(target) and (target / preset_utils.WEIGHTS_FILE).is_file():
        return target
    repo_id = OFFICIAL_CHECKPOINTS[name]
    pkl_path = preset_utils.hf_download(repo_id, patterns=("*.pkl",), local_name=f"{name}.pkl")
    convert_official_snapshot(
        model_cls, pkl_path, target, preset=name, metadata={"source_repo": f"https://huggingface.co/{repo_id}"}
    )
    return target
