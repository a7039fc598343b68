"""The official ProGAN TensorFlow pickles (tkarras/progressive_growing_of_gans) as Keras `ProGAN` models.

An official pickle (`karras2018iclr-celebahq-1024x1024.pkl`, `karras2018iclr-lsun-<category>-256x256.pkl`, or a
`network-snapshot-*.pkl` of the official trainer) is a tuple `(G, D, Gs)` of `tfutil.Network`. It is read as data
by `read_progan_tf_pickle` (nothing in it is imported or executed) and converted here with NumPy only:

* the architecture comes from each network's `static_kwargs` (the `G_paper` / `D_paper` arguments; defaults are
  the official ones, other keys are ignored as the official functions ignore them) and is checked against every
  variable's name and shape;
* `fused_scale=True` (`Conv0_up`, `Conv1_down`) maps to `fused_resample=True` and D's
  `downsample_order="conv_pool_bias_act"`; `fused_scale=False` (`Conv0` after an upscale, `Conv1` then a
  downscale, the layout of the Theano-trained releases) maps to the unfused upsample and
  `downsample_order="conv_bias_act_pool"`;
* layouts: convolutions are HWIO in both frameworks; the fused `Conv0_up` weight `[3, 3, out, in]` is transposed
  and spatially flipped (see `EqualizedConv2D`); the dense layers' (c, h, w) order becomes (h, w, c);
* raw weights are copied unchanged: the official gains (sqrt(2)/4 for G's dense layer, 1 for ToRGB and D's
  output) and unscaled biases are the networks' `wscale_convention="official"`;
* `Gs` becomes the EMA generator, the stored `lod` becomes each network's level of detail, and `images_seen` is
  set to the first image count at which the training schedule reaches that `lod`, so `fit` continues growing
  from there.
"""

import math
import pathlib

import keras
import numpy as np

from keras_gans.models.progan.progan_discriminator import ProGANDiscriminator
from keras_gans.models.progan.progan_generator import ProGANGenerator
from keras_gans.utils.checkpoints.progan_tf_pickle import read_progan_tf_pickle
from keras_gans.utils.download import sha256_file

# The keyword arguments of the official `G_paper` / `D_paper` with their defaults (networks.py).
G_PAPER_DEFAULTS = {
    "num_channels": 1,
    "resolution": 32,
    "label_size": 0,
    "fmap_base": 8192,
    "fmap_decay": 1.0,
    "fmap_max": 512,
    "latent_size": None,
    "normalize_latents": True,
    "use_wscale": True,
    "use_pixelnorm": True,
    "pixelnorm_epsilon": 1e-8,
    "use_leakyrelu": True,
    "dtype": "float32",
    "fused_scale": True,
    "structure": None,
}
D_PAPER_DEFAULTS = {
    "num_channels": 1,
    "resolution": 32,
    "label_size": 0,
    "fmap_base": 8192,
    "fmap_decay": 1.0,
    "fmap_max": 512,
    "use_wscale": True,
    "mbstd_group_size": 4,
    "dtype": "float32",
    "fused_scale": True,
    "structure": None,
}


def _static_kwargs(net, defaults):
    # `G_paper` / `D_paper` take `**kwargs` and ignore every other argument, so other keys do not change the
    # function (the Theano-converted releases carry e.g. `mbstd_group_size` for G too); `dtype` and `structure`
    # do not either (the release weights are float32; the linear and recursive graphs give the same values).
    return {**defaults, **{k: v for k, v in (net.get("static_kwargs") or {}).items() if k in defaults}}


def progan_tf_network_arguments(nets, source="ProGAN TF pickle"):
    """Keras constructor arguments `{"generator": {...}, "discriminator": {...}}` of an official pickle.

    Args:
        nets: the dict returned by `read_progan_tf_pickle` (`G`, `D`, `Gs`).
        source: the file named in error messages.

    Returns:
        Arguments for `ProGANGenerator` / `ProGANDiscriminator` (official parametrisation).
    """
    for key, func in (("G", "G_paper"), ("D", "D_paper"), ("Gs", "G_paper")):
        name = nets[key].get("build_func_name")
        if name != func:
            raise ValueError(f"{source}: network {key} was built by {name!r}; only {func} is supported.")
    g = _static_kwargs(nets["G"], G_PAPER_DEFAULTS)
    d = _static_kwargs(nets["D"], D_PAPER_DEFAULTS)
    if _static_kwargs(nets["Gs"], G_PAPER_DEFAULTS) != g:
        raise ValueError(f"{source}: Gs was built with other arguments than G.")
    for key in ("num_channels", "resolution", "label_size"):
        if g[key] != d[key]:
            raise ValueError(f"{source}: G has {key}={g[key]} but D has {key}={d[key]}.")
    generator = dict(
        resolution=int(g["resolution"]),
        num_channels=int(g["num_channels"]),
        num_classes=int(g["label_size"]),
        latent_dim=None if g["latent_size"] is None else int(g["latent_size"]),
        fmap_base=g["fmap_base"],
        fmap_decay=float(g["fmap_decay"]),
        fmap_max=g["fmap_max"],
        normalize_latents=bool(g["normalize_latents"]),
        use_pixelnorm=bool(g["use_pixelnorm"]),
        pixelnorm_epsilon=float(g["pixelnorm_epsilon"]),
        use_wscale=bool(g["use_wscale"]),
        leaky_relu_slope=0.2 if g["use_leakyrelu"] else 0.0,
        fused_resample=bool(g["fused_scale"]),
        dense_bias="per_channel",
        wscale_convention="official",
    )
    fused = bool(d["fused_scale"])
    group = int(d["mbstd_group_size"])
    discriminator = dict(
        resolution=int(d["resolution"]),
        num_channels=int(d["num_channels"]),
        num_classes=int(d["label_size"]),
        fmap_base=d["fmap_base"],
        fmap_decay=float(d["fmap_decay"]),
        fmap_max=d["fmap_max"],
        mbstd_group_size=group if group > 1 else 0,  # networks.py adds the layer only for groups > 1
        mbstd_mode="official",
        use_wscale=bool(d["use_wscale"]),
        fused_resample=fused,
        downsample_order="conv_pool_bias_act" if fused else "conv_bias_act_pool",
        wscale_convention="official",
    )
    return {"generator": generator, "discriminator": discriminator}


class _Variables:
    """The variables of one network: hands out arrays by name and reports missing, unused or mis-shaped ones."""

    def __init__(self, variables, owner):
        self.variables, self.owner, self.used = variables, owner, {"lod"}

    def take(self, name):
        if name not in self.variables:
            raise ValueError(f"{self.owner}: missing variable {name!r} (present: {sorted(self.variables)[:12]}...).")
        self.used.add(name)
        return np.asarray(self.variables[name], np.float32)

    def assign(self, layer, prefix, kernel=None):
        kernel = self.take(f"{prefix}/weight") if kernel is None else kernel
        bias = self.take(f"{prefix}/bias")
        for what, variable, value in (("weight", layer.kernel, kernel), ("bias", layer.bias, bias)):
            if tuple(variable.shape) != value.shape:
                raise ValueError(
                    f"{self.owner}: {prefix}/{what} has shape {value.shape} after conversion, but layer "
                    f"'{layer.name}' expects {tuple(variable.shape)}."
                )
            variable.assign(value)

    def check_all_used(self):
        unused = sorted(set(self.variables) - self.used)
        if unused:
            raise ValueError(f"{self.owner}: variables the network does not have: {unused}.")


def _chw_to_hwc_columns(weight):
    """`[in, 16 C]` with output units in (c, h, w) order -> (h, w, c) order."""
    inputs, units = weight.shape
    return weight.reshape(inputs, units // 16, 4, 4).transpose(0, 2, 3, 1).reshape(inputs, units)


def _chw_to_hwc_rows(weight):
    """`[16 C, out]` with input units in (c, h, w) order -> (h, w, c) order."""
    inputs, out = weight.shape
    return weight.reshape(inputs // 16, 4, 4, out).transpose(1, 2, 0, 3).reshape(inputs, out)


def load_progan_tf_generator_weights(generator, variables, owner="ProGAN TF generator"):
    """Copies an official `G_paper` network's variables (`{name: array}`) into a `ProGANGenerator`.

    The generator must have the matching architecture (`progan_tf_network_arguments`) and
    `wscale_convention="official"`. Every variable must be used; `lod` is set with `set_lod`.
    """
    v = _Variables(variables, owner)
    levels = generator.resolution_log2
    v.assign(generator.dense, "4x4/Dense", _chw_to_hwc_columns(v.take("4x4/Dense/weight")))
    v.assign(generator.conv_4x4, "4x4/Conv")
    for level in range(3, levels + 1):
        res = f"{2**level}x{2**level}"
        if f"{res}/Conv0_up/weight" in variables:  # fused: [3, 3, out, in] for conv2d_transpose
            kernel = v.take(f"{res}/Conv0_up/weight").transpose(0, 1, 3, 2)[::-1, ::-1]
            v.assign(generator.up_convs[level - 3], f"{res}/Conv0_up", np.ascontiguousarray(kernel))
        else:
            v.assign(generator.up_convs[level - 3], f"{res}/Conv0")
        v.assign(generator.convs[level - 3], f"{res}/Conv1")
    for level in range(2, levels + 1):
        v.assign(generator.to_rgb[level - 2], f"ToRGB_lod{levels - level}")
    v.check_all_used()
    generator.set_lod(float(v.variables.get("lod", 0.0)))


def load_progan_tf_discriminator_weights(discriminator, variables, owner="ProGAN TF discriminator"):
    """Copies an official `D_paper` network's variables (`{name: array}`) into a `ProGANDiscriminator`.

    The discriminator must have the matching architecture (`progan_tf_network_arguments`). Every variable must
    be used; `lod` is set with `set_lod`.
    """
    v = _Variables(variables, owner)
    levels = discriminator.resolution_log2
    for level in range(2, levels + 1):
        v.assign(discriminator.from_rgb[level - 2], f"FromRGB_lod{levels - level}")
    for level in range(3, levels + 1):
        res = f"{2**level}x{2**level}"
        v.assign(discriminator.convs0[level - 3], f"{res}/Conv0")
        fused = f"{res}/Conv1_down/weight" in variables
        v.assign(discriminator.convs1_down[level - 3], f"{res}/Conv1_down" if fused else f"{res}/Conv1")
    v.assign(discriminator.conv_4x4, "4x4/Conv")
    v.assign(discriminator.dense0, "4x4/Dense0", _chw_to_hwc_rows(v.take("4x4/Dense0/weight")))
    v.assign(discriminator.dense1, "4x4/Dense1")
    v.check_all_used()
    discriminator.set_lod(float(v.variables.get("lod", 0.0)))


def images_seen_for_lod(schedule, lod):
    """The first image count at which `schedule` (a `ProGANSchedule`) reaches `lod`.

    An integer `lod` maps to the start of its stabilisation phase, a fractional one to the point of the fade-in
    where the official `TrainingSchedule` gives that value.

    Raises:
        ValueError: the schedule never reaches `lod` (e.g. it starts at a higher resolution, or it has no fade-in
            for a fractional `lod`).
    """
    lod = float(lod)
    initial = schedule.initial_lod
    period = schedule.training_images + schedule.transition_images
    upper = math.ceil(lod - 1e-6)
    if lod < 0 or upper > initial:
        raise ValueError(
            f"The schedule starts at lod {initial} (resolution {schedule.lod_initial_resolution}) and cannot reach "
            f"the stored lod {lod}; pass a schedule with a lower `lod_initial_resolution`."
        )
    fade = upper - lod
    if fade < 1e-6:
        images = (initial - upper) * period
    else:
        if schedule.transition_images == 0:
            raise ValueError(f"The stored lod {lod} is inside a fade-in, but the schedule has no fade-in.")
        images = (initial - upper) * period + schedule.training_images + round(fade * schedule.transition_images)
    reached = schedule.lod_at(images)
    if abs(reached - lod) > 1e-4:
        raise ValueError(f"The schedule reaches lod {reached} at {images} images, not the stored lod {lod}.")
    return int(images)


def convert_progan_tf_pickle(model_cls, path, schedule="tf_default", recipe=None, **model_kwargs):
    """Builds a `ProGAN` from an official ProGAN TensorFlow pickle (`(G, D, Gs)` of `tfutil.Network`).

    Args:
        model_cls: the model class to build (`keras_gans.ProGAN` or a subclass).
        path: the `.pkl` file (e.g. `karras2018iclr-celebahq-1024x1024.pkl`); read as data, never unpickled.
        schedule: the growing schedule to continue with (a `PROGAN_SCHEDULES` / preset name, a config dict or a
            `ProGANSchedule`); `images_seen` is set where it reaches the stored `lod`.
        recipe: optional loss / optimizer recipe (see `ProGAN`).
        **model_kwargs: other arguments of `model_cls` (`name`, `seed`, ...).

    Returns:
        The model: `generator` = G, `discriminator` = D, `ema_generator` = Gs (used by `generate()`), each at
        the stored `lod`.

    Examples:

    ```python
    gan = convert_progan_tf_pickle(keras_gans.ProGAN, "karras2018iclr-celebahq-1024x1024.pkl", schedule="v1_1gpu")
    faces = gan.generate(4, seed=0)  # uint8 (4, 1024, 1024, 3) from Gs
    ```
    """
    source = pathlib.Path(path).name if isinstance(path, (str, pathlib.Path)) else "ProGAN TF pickle"
    nets = read_progan_tf_pickle(path)
    arguments = progan_tf_network_arguments(nets, source)
    generator = ProGANGenerator(**arguments["generator"], name="generator")
    discriminator = ProGANDiscriminator(**arguments["discriminator"], name="discriminator")
    load_progan_tf_generator_weights(generator, nets["G"]["variables"], f"{source} (G)")
    load_progan_tf_discriminator_weights(discriminator, nets["D"]["variables"], f"{source} (D)")
    model = model_cls(generator, discriminator, schedule=schedule, recipe=recipe, **model_kwargs)
    # The EMA generator starts as a copy of G: load Gs into it. `ProGAN` set every lod from the schedule's start.
    load_progan_tf_generator_weights(model.ema_generator, nets["Gs"]["variables"], f"{source} (Gs)")
    for network, key in ((model.generator, "G"), (model.discriminator, "D")):
        network.set_lod(float(nets[key]["variables"].get("lod", 0.0)))
    lod = float(nets["G"]["variables"].get("lod", 0.0))
    try:
        images_seen = images_seen_for_lod(model.growth_schedule, lod)
    except ValueError as e:
        raise ValueError(f"{source}: {e}") from None
    model.images_seen.assign(images_seen)
    return model


def convert_progan_tf_pickle_to_preset(
    model_cls, path, output_dir, preset=None, schedule="tf_default", recipe=None, metadata=None
):
    """Converts an official ProGAN TF pickle into a preset directory for `ProGAN.from_preset`.

    Args:
        model_cls: the model class (`keras_gans.ProGAN` or a subclass).
        path: the `.pkl` file.
        output_dir: the preset directory to write.
        preset: registered name (stored in the metadata and the model name).
        schedule, recipe: see `convert_progan_tf_pickle`.
        metadata: extra entries for `metadata.json`.

    Returns:
        The preset directory (a `pathlib.Path`).
    """
    path = pathlib.Path(path)
    model = convert_progan_tf_pickle(
        model_cls, path, schedule=schedule, recipe=recipe, name=f"progan_{preset}" if preset else "progan_tf"
    )
    meta = {
        "preset": preset,
        "source_file": path.name,
        "source_sha256": sha256_file(path),
        "source_format": "tkarras/progressive_growing_of_gans TF pickle (G, D, Gs)",
        "lod": float(keras.ops.convert_to_numpy(model.ema_generator.lod)),
    }
    meta.update(metadata or {})
    return model.save_to_preset(output_dir, metadata=meta)


def is_progan_tf_pickle(path):
    """Whether a `.pkl` file looks like an official ProGAN TF pickle (it names the `tfutil.Network` class)."""
    try:
        with open(path, "rb") as file:
            head = file.read(1 << 16)
    except OSError:
        return False
    return head[:1] == b"\x80" and b"tfutil" in head and b"Network" in head  # a pickle (protocol >= 2)
