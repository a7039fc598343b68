"""`from_preset` / `save_to_preset` / `presets`, written once for every model and network.

`PresetMixin` is a base of `keras_gans.GAN`; `NetworkPresetMixin` a base of the networks (`R3GANGenerator`, ...).
A model class declares `preset_family` and implements one hook, `from_preset_arguments(name, **overrides)` (build a
registered architecture with fresh weights); the rest is here:

* a registered name with weights (shipped, official or pytorch_GAN_zoo, see `keras_gans.presets.registry`) loads
  the preset directory its source returns (downloaded and converted once, then cached);
* a registered name without weights, or `load_weights=False`, builds the architecture;
* a checkpoint file of the original code (`network-snapshot-*.pkl`, a pytorch_GAN_zoo `.pth`) is converted once
  into `cache_root()/converted/<family>-<file stem>-<sha256>/` (an edited file has another hash, so it is converted
  again) and loaded from there, exactly as `keras-gans convert FILE DIR` followed by `from_preset(DIR)`;
* a preset directory, `hf://owner/repo[/subdir]` or `kaggle://...` handle is deserialized and its weights loaded.

A network's preset is its model's: `R3GANGenerator.from_preset(name)` is the EMA generator of
`R3GAN.from_preset(name)` (the network `generate()` uses), `R3GANDiscriminator.from_preset(name)` its
discriminator, with the model's default for `load_weights`. Architectures without weights build only the network.
"""

import copy
import os
import pathlib

import keras

from keras_gans.presets import registry
from keras_gans.presets.preset_overrides import check_optional_flag
from keras_gans.presets.preset_overrides import constructor_arguments
from keras_gans.presets.preset_overrides import route_overrides
from keras_gans.presets.preset_overrides import serialized_network_arguments
from keras_gans.utils import preset_utils
from keras_gans.utils.download import sha256_file


class _ClassProperty:
    """A read-only property of the class (`Model.presets`), like KerasHub's `classproperty`."""

    def __init__(self, fget):
        self.fget = fget
        self.__doc__ = fget.__doc__

    def __get__(self, instance, owner):
        return self.fget(owner)


def _presets_of(cls):
    """`{name: {"description", "weights", "source"}}`: every registered preset of this model family."""
    return registry.list_presets(cls.preset_family) if cls.preset_family else {}


def _config_value(value):
    # Layers (e.g. an augmentation pipeline) are stored serialized; other objects with a config (a ProGAN
    # schedule) as their config; plain values as they are.
    if isinstance(value, keras.layers.Layer):
        return keras.saving.serialize_keras_object(value)
    if hasattr(value, "get_config") and not isinstance(value, dict):
        return value.get_config()
    return value


def converted_checkpoint_dir(model_cls, path, convert):
    """The cached preset directory converted from the checkpoint file `path`, converting it on first use."""
    path = pathlib.Path(path)
    digest = sha256_file(path)
    target = preset_utils.cache_root() / "converted" / f"{model_cls.preset_family}-{path.stem}-{digest}"
    if not (preset_utils.is_preset_dir(target) and (target / preset_utils.WEIGHTS_FILE).is_file()):
        convert(model_cls, path, target)
    return target


def _no_weights_error(owner, family, name):
    pretrained = ", ".join(registry.weighted_names(family)) or "none"
    return ValueError(
        f"{owner}: the preset '{name}' has no published weights (it is an architecture; the presets without "
        f"published weights build fresh networks, the pretrained ones are {pretrained}). Pass load_weights=False "
        "for the architecture with fresh weights."
    )


def _fetch_for_architecture(owner, source, model_cls, name):
    """The preset directory of `name`, fetched to read the architecture of weights whose source names none."""
    try:
        return source[1](model_cls, name)
    except preset_utils.PresetDownloadError as e:
        raise preset_utils.PresetDownloadError(
            f"{owner}: the architecture of '{name}' is read from its checkpoint, so load_weights=False also needs "
            f"the file once (it is cached after that). {e}"
        ) from e


def _unknown_name_error(owner, family, name):
    known = set(registry.architecture_names(family)) | set(registry.weighted_names(family))
    try:
        preset_utils.check_preset_name(name, known, owner)
    except preset_utils.PresetNotFoundError as e:
        suffixes = ", ".join(registry.checkpoint_suffixes(family))
        message = (
            f"{e} A checkpoint file of the original code ({suffixes}) is converted on first use."
            if suffixes
            else str(e)
        )
        for other in registry.families_with(name):  # e.g. a ProGAN preset asked of R3GAN
            other_cls = registry.model_class(other).__name__
            message += f" '{name}' is a preset of keras_gans.{other_cls}: keras_gans.{other_cls}.from_preset('{name}')."
        return preset_utils.PresetNotFoundError(message)
    return None


def _looks_like_path(name):
    return "://" not in name and (os.sep in name or "/" in name or name.startswith((".", "~")))


def _preset_name(owner, family, preset):
    """`preset` as a string, checked: not empty, and a path (not a bare name) that exists."""
    if not isinstance(preset, (str, os.PathLike)):
        raise ValueError(
            f"{owner}: `preset` must be a preset name, a directory or a checkpoint file (a string or a path), "
            f"got {preset!r} ({type(preset).__name__})."
        )
    name = os.fspath(preset)
    if not name.strip():
        raise ValueError(f"{owner}: `preset` must be a preset name or a directory, got {name!r}.")
    path = pathlib.Path(name).expanduser()
    if (_looks_like_path(name) or isinstance(preset, os.PathLike)) and not path.exists():
        if family and registry.checkpoint_converter(family, path) is not None:
            raise FileNotFoundError(f"{owner}: no such checkpoint file: {path}.")
        raise FileNotFoundError(f"{owner}: no such directory: {path}.")
    return name


def _resolve_path_or_handle(model_cls, name, owner):
    """A local preset directory for a file, directory or handle; `None` for a plain name."""
    family = model_cls.preset_family
    path = pathlib.Path(name).expanduser()
    if path.is_file():
        convert = registry.checkpoint_converter(family, path) if family else None
        if convert is None:
            suffixes = ", ".join(registry.checkpoint_suffixes(family)) if family else ""
            raise preset_utils.PresetNotFoundError(
                f"{owner}: {path} is a file, not a preset directory, and not a checkpoint this model converts"
                + (f" (files ending in {suffixes})" if suffixes else "")
                + ". Convert a checkpoint of the "
                "original code with `keras-gans convert FILE DIR` and pass DIR."
            )
        return converted_checkpoint_dir(model_cls, path, convert)
    return preset_utils.resolve_handle(name)


class PresetMixin:
    """Preset loading and saving of the `GAN` models (see the module docstring).

    Class attributes a model sets: `preset_family` (registry key), `preset_load_weights_default` (`True`: a name
    without weights needs `load_weights=False`; `None`: weights are loaded when the preset has some) and
    `preset_model_arguments` (the `from_preset` overrides that go to the model's constructor; every other override
    goes to the networks that take it), `preset_options` (further `from_preset` arguments the model handles
    itself) and `preset_network_classes` (`{role: class}` of the registered architectures' networks).
    """

    preset_family = None
    preset_load_weights_default = True
    preset_model_arguments = ("augment_pipeline", "seed", "name", "uint8_offset", "uint8_rounding")
    preset_options = ()
    preset_network_roles = ("generator", "discriminator")
    preset_network_classes = {}
    presets = _ClassProperty(_presets_of)

    @classmethod
    def from_preset(cls, preset, load_weights=None, **overrides):
        """Builds the model from a registered name, a checkpoint file, a preset directory or an `hf://` /
        `kaggle://` handle.

        Args:
            preset: a name of `cls.presets`, a checkpoint file of the original code (converted once and cached),
                a directory written by `save_to_preset`, `hf://owner/repo[/subdir]` or
                `kaggle://owner/model/keras/variant`.
            load_weights: `True` loads the preset's weights (an error for an architecture without weights),
                `False` builds it with fresh weights, `None` takes the model's default
                (`preset_load_weights_default`).
            **overrides: model arguments (`preset_model_arguments`, `preset_options`) and network arguments,
                each given to the networks that take it (e.g. `latent_dim` to the generator,
                `bfloat16_stages=()` to both); an argument nothing takes is a `ValueError`.

        Returns:
            The model.
        """
        return cls.load_preset(preset, load_weights, overrides)

    @classmethod
    def load_preset(cls, preset, load_weights=None, overrides=None, network_overrides=None):
        """`from_preset` with the overrides of one network apart: `network_overrides` is `{role: {argument:
        value}}` and reaches only that network (used by the networks' `from_preset`)."""
        overrides = dict(overrides or {})
        owner = f"{cls.__name__}.from_preset"
        family = cls.preset_family
        name = _preset_name(owner, family, preset)
        check_optional_flag(owner, "load_weights", load_weights)
        if load_weights is None:
            load_weights = cls.preset_load_weights_default
        entry = registry.preset_entry(family, name) if family else None
        source = registry.weight_source(family, name) if family else None
        if entry is not None or source is not None:
            if load_weights is not False and source is not None:
                return cls.from_preset_dir(source[1](cls, name), True, overrides, network_overrides)
            if load_weights:
                raise _no_weights_error(owner, family, name)
            if entry is not None:
                return cls.from_preset_arguments(name, **overrides)
            architecture = registry.source_architecture(family, name)
            if architecture is not None:
                return cls.load_preset(architecture[0], False, {**architecture[1], **overrides}, network_overrides)
            return cls.from_preset_dir(
                _fetch_for_architecture(owner, source, cls, name), False, overrides, network_overrides
            )
        directory = _resolve_path_or_handle(cls, name, owner)
        if directory is None:
            raise (
                _unknown_name_error(owner, family, name)
                if family
                else preset_utils.PresetNotFoundError(
                    f"{owner}: '{name}' is neither a preset directory nor a handle (hf://, kaggle://)."
                )
            )
        return cls.from_preset_dir(directory, load_weights is not False, overrides, network_overrides)

    @classmethod
    def converts_checkpoint(cls, path):
        """Whether `path` is a checkpoint file of the original code that `from_preset` converts for this model."""
        family = cls.preset_family
        return (
            bool(family)
            and pathlib.Path(path).expanduser().is_file()
            and registry.checkpoint_converter(family, path) is not None
        )

    @classmethod
    def from_preset_arguments(cls, name, **overrides):
        """Builds the registered architecture `name` with fresh weights (implemented by each model)."""
        raise NotImplementedError(f"{cls.__name__} has no registered architectures.")

    @classmethod
    def route_preset_overrides(cls, overrides, network_arguments=None, network_overrides=None):
        """`(model overrides, {role: network overrides})` (see `preset_overrides.route_overrides`).

        Args:
            overrides: the `from_preset` keyword arguments.
            network_arguments: `{role: accepted argument names}`; default: the constructor arguments of
                `preset_network_classes`.
            network_overrides: `{role: {argument: value}}` meant for one network only.
        """
        if network_arguments is None:
            network_arguments = {role: constructor_arguments(c) for role, c in cls.preset_network_classes.items()}
        model_arguments = (*cls.preset_model_arguments, *cls.preset_options)
        owner = f"{cls.__name__}.from_preset"
        return route_overrides(owner, overrides, model_arguments, network_arguments, network_overrides)

    @classmethod
    def apply_preset_options(cls, config, overrides):
        """Applies model-specific `from_preset` options to a preset's model `config` (in place) and returns the
        remaining overrides. The default has none."""
        return overrides

    @classmethod
    def from_preset_dir(cls, directory, load_weights=True, overrides=None, network_overrides=None):
        """Builds the model serialized in a preset directory, with `overrides` applied, and loads its weights."""
        directory = pathlib.Path(directory)
        config = copy.deepcopy(preset_utils.load_preset_config(directory))
        inner = config.setdefault("config", {})
        overrides = cls.apply_preset_options(inner, dict(overrides or {}))
        stored = {role: inner[role] for role in cls.preset_network_roles if isinstance(inner.get(role), dict)}
        accepted = {role: serialized_network_arguments(network) for role, network in stored.items()}
        model_overrides, network_overrides = cls.route_preset_overrides(overrides, accepted, network_overrides)
        for role, arguments in network_overrides.items():
            if arguments:
                stored[role]["config"] = {**stored[role].get("config", {}), **arguments}
        inner.update({k: _config_value(v) for k, v in model_overrides.items()})
        return preset_utils.build_from_preset_config(config, directory, cls, load_weights)

    def preset_metadata(self):
        """Entries every `save_to_preset` of this model writes into `metadata.json` (a hook; default none)."""
        return {}

    def save_to_preset(self, preset_dir, metadata=None):
        """Writes this model (networks, EMA generator, state variables) as a preset directory that
        `from_preset(preset_dir)` loads: `config.json`, `metadata.json`, `model.weights.h5`, atomically.

        Args:
            preset_dir: the directory to write: a new path, an empty directory or an earlier preset directory
                (anything else is refused with a `ValueError`).
            metadata: optional extra entries for `metadata.json` (provenance, metrics).
        """
        meta = self.preset_metadata()
        meta.update(metadata or {})
        return preset_utils.save_to_preset(self, preset_dir, metadata=meta)


class NetworkPresetMixin:
    """`from_preset` and `presets` of a network: its model's preset, reduced to this network.

    Class attributes a network sets: `preset_family`, `preset_role` (`"generator"` / `"discriminator"`: the entry
    of the architecture's arguments) and `preset_weights_attribute` (the model attribute holding the trained
    network: `"ema_generator"` for generators, `"discriminator"`).
    """

    preset_family = None
    preset_role = None
    preset_weights_attribute = None
    presets = _ClassProperty(_presets_of)

    @classmethod
    def from_preset(cls, preset, load_weights=None, **kwargs):
        """The network of a model preset.

        Args:
            preset: anything the model's `from_preset` takes (a registered name, a checkpoint file, a preset
                directory, a handle).
            load_weights: as for the model (same default). With weights, the generator is the model's EMA
                generator (the network `generate()` uses), made trainable.
            **kwargs: constructor arguments of this network that override the preset's (e.g.
                `bfloat16_stages=()`, `name`).

        Returns:
            The network.
        """
        owner = f"{cls.__name__}.from_preset"
        family = cls.preset_family
        name = _preset_name(owner, family, preset)
        check_optional_flag(owner, "load_weights", load_weights)
        model_cls = registry.model_class(family)
        if load_weights is None:
            load_weights = model_cls.preset_load_weights_default
        entry = registry.preset_entry(family, name)
        has_weights = registry.weight_source(family, name) is not None
        if entry is not None and (load_weights is False or (load_weights is None and not has_weights)):
            return cls(**{**registry.network_arguments(family, name, cls.preset_role), **kwargs})
        if entry is None and not has_weights and not pathlib.Path(name).expanduser().exists() and "://" not in name:
            registry.network_arguments(family, name, cls.preset_role)  # the family's unknown-name error
            raise _unknown_name_error(owner, family, name)
        new_name = kwargs.pop("name", None)
        model = model_cls.load_preset(preset, load_weights, network_overrides={cls.preset_role: kwargs})
        network = getattr(model, cls.preset_weights_attribute)
        network.trainable = True  # the EMA generator is frozen only as the model's copy
        if new_name is not None:
            network.name = new_name
        return network
