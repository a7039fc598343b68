"""Preset directories in KerasHub's layout, preset handles, and the download cache.

A preset directory holds:

* `config.json`: the serialized model (`keras.saving.serialize_keras_object`), without compile or build config;
* `metadata.json`: library and Keras versions, parameter count, date, and free-form provenance (training command,
  measured metrics, source checkpoint);
* `model.weights.h5`: the weights, readable on every backend.

A preset *handle* is one of: a registered name (e.g. `"ffhq256"`), a local directory, `hf://owner/repo[/subdir]`,
or `kaggle://owner/model/keras/variant[/version]`. Registered names may point at an official checkpoint in another
format; the model family converts it once and caches the converted preset directory under `cache_root()`.
"""

import contextlib
import datetime
import fnmatch
import json
import os
import pathlib
import shutil

import keras

from keras_gans.backend.serialization import tensorflow_objects_impossible
from keras_gans.utils import durable
from keras_gans.utils.weight_loading import weights_loaded_next
from keras_gans.utils.weights_io import load_weights_file
from keras_gans.version import __version__

# Seconds the Hugging Face file listing may take before a download counts as failed.
LISTING_TIMEOUT_S = 10
CONFIG_FILE = "config.json"
METADATA_FILE = "metadata.json"
WEIGHTS_FILE = "model.weights.h5"


class PresetNotFoundError(ValueError):
    """An unknown preset name or a handle that points at nothing."""


class PresetDownloadError(OSError):
    """A preset file could not be fetched (typically: no network). The message says what to fetch and where."""


def cache_root():
    """Where downloaded and converted presets are kept.

    `$KERAS_GANS_CACHE` if set, else `$KERAS_HOME/keras_gans` (Keras' own home, `~/.keras` by default).
    """
    if os.environ.get("KERAS_GANS_CACHE"):
        return pathlib.Path(os.environ["KERAS_GANS_CACHE"]).expanduser()
    keras_home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return pathlib.Path(keras_home) / "keras_gans"


def is_preset_dir(path):
    path = pathlib.Path(path)
    return path.is_dir() and (path / CONFIG_FILE).is_file()


def check_preset_name(name, known, owner):
    """Raises `PresetNotFoundError` listing the known names when `name` is not one of them."""
    if name not in known:
        raise PresetNotFoundError(
            f"{owner}: unknown preset '{name}'. Known presets: {', '.join(sorted(known))}. A preset may also be a "
            "local preset directory (with config.json), 'hf://owner/repo' or 'kaggle://owner/model/keras/variant'."
        )


def count_params(model):
    return int(sum(int(keras.ops.size(w)) for w in model.weights if w.trainable))


def model_config(model):
    """`model`'s serialized Keras config without its compile and build state: what `config.json` holds."""
    with tensorflow_objects_impossible():
        config = keras.saving.serialize_keras_object(model)
    config.pop("compile_config", None)
    config.pop("build_config", None)
    return config


PRESET_FILES = (CONFIG_FILE, METADATA_FILE, WEIGHTS_FILE)


def _check_replaceable(preset_dir):
    """Raises `ValueError` unless `preset_dir` is absent, an empty directory or an earlier preset directory (a
    `config.json` and only the files `save_to_preset` writes), the only paths a save may replace."""
    durable.check_not_working_directory(preset_dir, "save_to_preset")
    if not os.path.lexists(preset_dir):
        return
    if not preset_dir.is_dir() or preset_dir.is_symlink():
        raise ValueError(f"save_to_preset: {str(preset_dir)!r} exists and is not a directory; it is not replaced.")
    names = {entry.name for entry in preset_dir.iterdir()}
    if names and (CONFIG_FILE not in names or not names <= set(PRESET_FILES)):
        others = sorted(names - set(PRESET_FILES)) or [f"no {CONFIG_FILE}"]
        raise ValueError(
            f"save_to_preset: {str(preset_dir)!r} exists and is not a preset directory (it holds "
            f"{', '.join(others[:5])}); only an empty directory or an earlier preset ({', '.join(PRESET_FILES)}) "
            "is replaced. Pass a new directory."
        )


def _preset_metadata(model, metadata):
    meta = {
        "keras_gans_version": __version__,
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "class_name": type(model).__name__,
        "parameter_count": count_params(model),
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }
    meta.update(metadata or {})
    return meta


def save_to_preset(model, preset_dir, metadata=None):
    """Writes `config.json`, `metadata.json` and `model.weights.h5` for `model` into `preset_dir`.

    The files are written to a temporary directory beside `preset_dir`, flushed to the disk and moved into place
    at the end (an existing preset is moved aside first and deleted last), so neither an interrupted save nor a
    power loss leaves a half-written preset behind. The directory gets the permissions of an ordinary `mkdir`.

    Args:
        model: the model to save.
        preset_dir: the directory to write: a new path, an empty directory or an earlier preset directory.
        metadata: extra entries for `metadata.json`.

    Raises:
        ValueError: `preset_dir` is a file, a directory holding other files, or the current directory.
    """
    preset_dir = pathlib.Path(preset_dir).expanduser()
    _check_replaceable(preset_dir)
    preset_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = pathlib.Path(durable.make_staging_directory(preset_dir))
    try:
        (tmp / CONFIG_FILE).write_text(json.dumps(model_config(model), indent=2, sort_keys=True))
        (tmp / METADATA_FILE).write_text(json.dumps(_preset_metadata(model, metadata), indent=2, sort_keys=True))
        model.save_weights(str(tmp / WEIGHTS_FILE))
        durable.replace_directory(tmp, preset_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return preset_dir


def _type_name(value):
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), f"a {type(value).__name__}"
    )


def check_serialized_object(value, path, field):
    """Raises `ValueError` unless `value` is a serialized Keras object: a JSON object with a string `class_name`
    and, when present, an object `config`. `path` (the file) and `field` (where in it) are named in the message."""
    where = f"{path}: {field}" if field else str(path)
    if not isinstance(value, dict):
        raise ValueError(
            f"{where} must be a JSON object (a serialized Keras object with 'class_name' and 'config'), got "
            f"{_type_name(value)}."
        )
    if not isinstance(value.get("class_name"), str):
        got = _type_name(value.get("class_name"))
        raise ValueError(f"{where}: 'class_name' must be a string naming the class, got {got}.")
    if "config" in value and not isinstance(value["config"], dict):
        got = _type_name(value["config"])
        raise ValueError(f"{where}: 'config' must be a JSON object of constructor arguments, got {got}.")


def load_preset_config(preset_dir):
    """The parsed `config.json` of `preset_dir`, checked to be a serialized model (a JSON object with a string
    `class_name`, an object `config`, and networks that are serialized objects too). The preset's `metadata.json`,
    when there is one, is checked to be a JSON object too.

    Raises:
        ValueError: `config.json` is missing, not JSON, or not shaped like a serialized model, or `metadata.json`
            is not a JSON object; the message names the file and the field.
    """
    preset_dir = pathlib.Path(preset_dir)
    path = preset_dir / CONFIG_FILE
    try:
        config = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{preset_dir}: not a readable preset directory ({CONFIG_FILE}: {e}).") from e
    check_serialized_object(config, path, "")
    for role in ("generator", "discriminator", "augment_pipeline"):
        network = config.get("config", {}).get(role)
        if network is not None:
            check_serialized_object(network, path, f"config.{role}")
    load_preset_metadata(preset_dir)
    return config


def load_preset_metadata(preset_dir):
    """The parsed `metadata.json` of `preset_dir` (`{}` when the preset has none).

    Raises:
        ValueError: the file is not JSON or not a JSON object; the message names the file.
    """
    path = pathlib.Path(preset_dir) / METADATA_FILE
    if not path.is_file():
        return {}
    try:
        metadata = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: not readable JSON ({e}).") from e
    if not isinstance(metadata, dict):
        raise ValueError(f"{path} must be a JSON object of metadata entries, got {_type_name(metadata)}.")
    return metadata


def load_from_preset_dir(preset_dir, expected_cls=None, load_weights=True, config_overrides=None):
    """Builds the model serialized in `preset_dir` and loads its weights.

    Args:
        preset_dir: a directory with `config.json` (and `model.weights.h5` when `load_weights`).
        expected_cls: if given, the class (or a base class) the preset must deserialize to.
        load_weights: False builds the architecture with fresh weights.
        config_overrides: entries merged into the serialized model's `config` before building.
    """
    config = load_preset_config(preset_dir)
    if config_overrides:
        config = dict(config, config=dict(config.get("config", {}), **config_overrides))
    return build_from_preset_config(config, preset_dir, expected_cls, load_weights)


def build_from_preset_config(config, preset_dir, expected_cls=None, load_weights=True):
    """Deserializes a preset's (possibly edited) `config` and loads the weights of `preset_dir` into it."""
    preset_dir = pathlib.Path(preset_dir)
    with weights_loaded_next() if load_weights else contextlib.nullcontext():
        try:
            model = keras.saving.deserialize_keras_object(config)
        except (TypeError, ValueError) as e:  # the networks' argument checks name the field and the expectation
            raise ValueError(f"{preset_dir / CONFIG_FILE}: the model configuration is invalid: {e}") from e
    if expected_cls is not None and not isinstance(model, expected_cls):
        raise ValueError(
            f"{preset_dir} holds a {type(model).__name__}, but {expected_cls.__name__}.from_preset was called. "
            f"Use {type(model).__name__}.from_preset instead."
        )
    if load_weights:
        weights = preset_dir / WEIGHTS_FILE
        if not weights.is_file():
            raise ValueError(f"{preset_dir}: no {WEIGHTS_FILE}; pass load_weights=False for fresh weights.")
        if not model.built:
            raise ValueError(
                f"{type(model).__name__} from {preset_dir} was not built by its config; cannot load weights."
            )
        load_weights_file(model, weights, "preset weights")
    return model


def hf_download(repo_id, filename=None, patterns=("*.pkl",), subfolder=None, local_name=None):
    """Downloads one file of a Hugging Face model repository into the cache and returns its path.

    If `filename` is None, the repository listing is searched for files matching `patterns` (the first pattern
    that matches exactly one file wins), so file names are never guessed. A file already in the cache is used
    without any network access.
    """
    target_dir = cache_root() / "downloads" / repo_id.replace("/", "--")
    if local_name is not None and (target_dir / local_name).is_file():
        return target_dir / local_name
    try:
        import huggingface_hub
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise PresetDownloadError(
            f"Downloading from the Hugging Face repository '{repo_id}' needs huggingface_hub "
            "(pip install 'keras-gans[hub]')."
        ) from e
    try:
        if filename is None:
            files = _list_repo_files(huggingface_hub, repo_id)
            if subfolder:
                files = [f for f in files if f.startswith(subfolder.rstrip("/") + "/")]
            filename = _pick_file(files, patterns, repo_id)
        path = huggingface_hub.hf_hub_download(repo_id, filename, cache_dir=str(cache_root() / "hf"))
    except PresetNotFoundError:
        raise
    except Exception as e:  # network layer errors come in many types
        where = target_dir / (local_name or filename or f"<the {'/'.join(patterns)} file of the repository>")
        raise PresetDownloadError(
            f"Could not download {filename or 'the checkpoint'} from https://huggingface.co/{repo_id} ({e}). "
            f"Download it by hand and put it at {where}, or pass a local path."
        ) from e
    if local_name is not None:
        durable.copy_file(path, target_dir / local_name)  # never a partial file under the name checked above
        return target_dir / local_name
    return pathlib.Path(path)


def _list_repo_files(huggingface_hub, repo_id):
    # One request without retries (`model_info` lists the files too): `list_repo_files` retries a refused connection
    # with back-off for about half a minute, while offline the answer is known after the first attempt.
    info = huggingface_hub.model_info(repo_id, timeout=LISTING_TIMEOUT_S)
    return [sibling.rfilename for sibling in info.siblings or ()]


def _pick_file(files, patterns, repo_id):
    for pattern in patterns:
        matches = sorted(f for f in files if fnmatch.fnmatch(f.rsplit("/", 1)[-1], pattern))
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise PresetNotFoundError(
                f"The Hugging Face repository '{repo_id}' has several files matching '{pattern}': {matches}. "
                "Pass the file name explicitly."
            )
    raise PresetNotFoundError(
        f"The Hugging Face repository '{repo_id}' has no file matching {list(patterns)} (files: {files})."
    )


def resolve_handle(handle):
    """Turns `hf://...`, `kaggle://...` or a local path into a local directory; returns None for other strings."""
    handle = str(handle)
    if handle.startswith("hf://"):
        repo = handle[len("hf://") :].strip("/")
        parts = repo.split("/")
        repo_id, subfolder = "/".join(parts[:2]), "/".join(parts[2:]) or None
        try:
            import huggingface_hub
        except ImportError as e:  # pragma: no cover
            raise PresetDownloadError("hf:// presets need huggingface_hub (pip install 'keras-gans[hub]').") from e
        try:
            local = huggingface_hub.snapshot_download(repo_id, cache_dir=str(cache_root() / "hf"))
        except Exception as e:
            raise PresetDownloadError(f"Could not download https://huggingface.co/{repo_id} ({e}).") from e
        return pathlib.Path(local) / (subfolder or "")
    if handle.startswith("kaggle://"):
        try:
            import kagglehub
        except ImportError as e:
            raise PresetDownloadError("kaggle:// presets need kagglehub (pip install kagglehub).") from e
        try:
            return pathlib.Path(kagglehub.model_download(handle[len("kaggle://") :]))
        except Exception as e:
            raise PresetDownloadError(f"Could not download {handle} from Kaggle ({e}).") from e
    path = pathlib.Path(handle).expanduser()
    if path.exists():
        if not is_preset_dir(path):
            raise PresetNotFoundError(
                f"{path} is not a preset directory: it has no {CONFIG_FILE}. A checkpoint file of the original code "
                "(an official R3GAN .pkl, a pytorch_GAN_zoo .pth) is given as the file itself, or converted with "
                "`keras-gans convert FILE DIR`."
            )
        return path
    return None
