"""Checkpoints of a whole GAN training run that resume exactly, written atomically."""

import json
import os
import re
import shutil
import time
import uuid
import warnings
import weakref

import keras
import numpy as np

from keras_gans.backend.distribution import is_chief
from keras_gans.callbacks.every_n_images import EveryNImages
from keras_gans.callbacks.nonfinite import training_is_finite
from keras_gans.utils.download import sha256_file
from keras_gans.utils.durable import fsync_directory
from keras_gans.utils.durable import fsync_tree
from keras_gans.utils.images_seen import read_images_seen
from keras_gans.utils.weights_io import WeightsFileError
from keras_gans.utils.weights_io import check_weights_file
from keras_gans.utils.weights_io import load_weights_file

_NAME = re.compile(r"^ckpt-(\d{12})$")
WEIGHTS_FILE = "model.weights.h5"
RNG_FILE = "rng_state.npz"
METADATA_FILE = "metadata.json"
# Temporary folders of a write in progress (`tmp`) and of a replaced checkpoint being deleted (`old`), named with
# the writing process's id so that a later run can tell an abandoned one from a live writer's.
_TEMPORARY = re.compile(r"^\.(tmp|old)-(\d+)-[0-9a-f]{32}$")
_LEGACY_TEMPORARY = re.compile(r"^\.(tmp|old)-[0-9a-f]{32}$")
_PROCESS_START = time.time()
# The checkpoint directory (real path) each model was last restored from or saved into: the run it continues.
_RUN_DIRECTORY = weakref.WeakKeyDictionary()


def _temporary_name(kind):
    return f".{kind}-{os.getpid()}-{uuid.uuid4().hex}"


def _rng_variables(model):
    """Seed-generator states (`model.variables` minus `model.weights`), which `.weights.h5` does not store."""
    weight_ids = {id(v) for v in model.weights}
    return [v for v in model.variables if id(v) not in weight_ids]


def list_checkpoints(directory):
    """Checkpoint folders in `directory`, oldest first (by images seen)."""
    if not os.path.isdir(directory):
        return []
    found = []
    for name in os.listdir(directory):
        match = _NAME.match(name)
        if match and os.path.isfile(os.path.join(directory, name, METADATA_FILE)):
            found.append((int(match.group(1)), os.path.join(directory, name)))
    return [path for _, path in sorted(found)]


def _images_seen_of(path):
    return int(_NAME.match(os.path.basename(path)).group(1))


def _record_run_directory(model, checkpoint_path):
    _RUN_DIRECTORY[model] = os.path.realpath(os.path.dirname(os.fspath(checkpoint_path)))


def check_keep(keep, owner):
    """Raises `ValueError` unless `keep` is `None` or an integer >= 1 (a bool is refused)."""
    whole = isinstance(keep, (int, np.integer)) and not isinstance(keep, (bool, np.bool_))
    if keep is not None and (not whole or keep < 1):
        raise ValueError(
            f"{owner}: `keep` must be None (keep every checkpoint) or an integer >= 1 (the number of newest "
            f"checkpoints to keep), got {keep!r}."
        )


def latest_checkpoint(directory):
    """Path of the newest complete checkpoint in `directory`, or `None`."""
    paths = list_checkpoints(directory)
    return paths[-1] if paths else None


def _is_alive(pid):
    """Whether a process `pid` runs on this machine (a permission error means it exists)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_temporaries(directory):
    """Deletes the temporary folders that interrupted checkpoint writes left in `directory`; returns their paths.

    Only folders named like this module's own temporaries (`.tmp-<pid>-<hex>`, `.old-<pid>-<hex>`) are touched, and
    only those of a writer that is gone: a process id that no longer runs on this machine, or this process's own id
    (its writes are finished when this runs). Folders of the older `.tmp-<hex>` pattern carry no process id and are
    deleted when they are older than this process. Other writers' live temporaries and all other files are left.
    """
    removed = []
    if not os.path.isdir(directory):
        return removed
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        match = _TEMPORARY.match(name)
        if match and os.path.isdir(path):
            pid = int(match.group(2))
            stale = pid == os.getpid() or not _is_alive(pid)
        elif _LEGACY_TEMPORARY.match(name) and os.path.isdir(path):
            stale = os.path.getmtime(path) < _PROCESS_START
        else:
            continue
        if stale:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    if removed:
        fsync_directory(directory)
    return removed


def save_checkpoint(model, directory, keep=None):
    """Writes a checkpoint folder `ckpt-<images seen, 12 digits>` and returns its path.

    The folder holds `model.weights.h5` (G, D, EMA G, both optimizers' states, `images_seen`, the scheduled
    hyperparameters and loss scales), `rng_state.npz` (every `SeedGenerator` state) and `metadata.json` (with the
    SHA-256 of the two other files). It is written under a temporary name, every file and the folder are flushed
    to the disk (`fsync`), and it is renamed into place, so neither a crash nor a power loss leaves a partial or
    empty checkpoint under a real name. Temporary folders of earlier interrupted writes are deleted first (see
    `remove_stale_temporaries`). With `keep` (an integer >= 1), older checkpoints beyond the newest `keep` are
    deleted afterwards; `None` keeps them all.

    Training on several processes (`keras_gans.distribution`): only the chief writes; the others return the path
    it writes. Nothing saved depends on the device count, so the run resumes on any number of devices.
    """
    check_keep(keep, "save_checkpoint")
    images_seen = read_images_seen(model)
    final = os.path.join(directory, f"ckpt-{images_seen:012d}")
    _record_run_directory(model, final)
    if not is_chief(model):
        return final
    os.makedirs(directory, exist_ok=True)
    remove_stale_temporaries(directory)
    tmp = os.path.join(directory, _temporary_name("tmp"))
    os.makedirs(tmp)
    try:
        model.save_weights(os.path.join(tmp, WEIGHTS_FILE))
        rng = _rng_variables(model)
        np.savez(
            os.path.join(tmp, RNG_FILE),
            **{f"{i:04d}": np.asarray(keras.ops.convert_to_numpy(v)) for i, v in enumerate(rng)},
        )
        metadata = {
            "format": 1,
            "images_seen": images_seen,
            "step": int(keras.ops.convert_to_numpy(model.optimizer.iterations)) if model.optimizer else 0,
            "backend": keras.backend.backend(),
            "keras_version": keras.__version__,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "rng_paths": [v.path for v in rng],
            "sha256": {name: sha256_file(os.path.join(tmp, name)) for name in (WEIGHTS_FILE, RNG_FILE)},
        }
        with open(os.path.join(tmp, METADATA_FILE), "w") as f:
            json.dump(metadata, f, indent=1)
        fsync_tree(tmp)
        if os.path.exists(final):
            trash = os.path.join(directory, _temporary_name("old"))
            os.replace(final, trash)
            os.replace(tmp, final)
            fsync_directory(directory)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(tmp, final)
        fsync_directory(directory)
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    if keep is not None:
        for old in list_checkpoints(directory)[: -int(keep)]:
            shutil.rmtree(old, ignore_errors=True)
        fsync_directory(directory)
    return final


def checkpoint_problem(path, num_rng_states=None):
    """Why the checkpoint folder `path` cannot be restored (a sentence), or `None` when its files look sound.

    Reads `metadata.json`, checks the weights file's HDF5 structure, the SHA-256 of both data files (for
    checkpoints that record them) and the random-generator states (their count when `num_rng_states` is given).
    Nothing is loaded into a model.
    """
    metadata_path = os.path.join(path, METADATA_FILE)
    try:
        with open(metadata_path, "rb") as f:
            metadata = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError) as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return f"{metadata_path} is not readable JSON ({e})"
    if not isinstance(metadata, dict) or not isinstance(metadata.get("images_seen"), int):
        return f"{metadata_path} does not describe a checkpoint (no integer 'images_seen')"
    try:
        check_weights_file(os.path.join(path, WEIGHTS_FILE), "checkpoint weights")
    except WeightsFileError as e:
        return str(e)
    recorded = metadata.get("sha256") or {}
    for name in (WEIGHTS_FILE, RNG_FILE):
        file = os.path.join(path, name)
        if not os.path.isfile(file):
            return f"{file} is missing"
        if name in recorded and sha256_file(file) != recorded[name]:
            return f"{file} is corrupt (its SHA-256 differs from the one recorded in {METADATA_FILE})"
    try:
        with np.load(os.path.join(path, RNG_FILE)) as data:
            count = len(data.files)
            for key in data.files:
                data[key]  # noqa: B018 - reads every array, so a damaged archive fails here
    except Exception as e:  # zipfile, numpy and OS errors
        return f"{os.path.join(path, RNG_FILE)} is not a readable .npz archive ({e})"
    if num_rng_states is not None and count != num_rng_states:
        return (
            f"the checkpoint has {count} random-generator states, the model {num_rng_states}; the model was "
            "built differently"
        )
    return None


def _restore_one(model, path):
    """Loads the checkpoint folder `path` into `model`; returns its metadata. Raises `ValueError` saying why not."""
    rng = _rng_variables(model)
    problem = checkpoint_problem(path, len(rng))
    if problem:
        raise ValueError(problem)
    with open(os.path.join(path, METADATA_FILE)) as f:
        metadata = json.load(f)
    load_weights_file(model, os.path.join(path, WEIGHTS_FILE), "checkpoint weights")
    with np.load(os.path.join(path, RNG_FILE)) as data:
        for i, v in enumerate(rng):
            v.assign(data[f"{i:04d}"])
    metadata["path"] = path
    _record_run_directory(model, path)
    return metadata


def restore_checkpoint(model, path):
    """Restores a checkpoint into a compiled `GAN` and returns its metadata dict.

    Given a directory of checkpoints, the newest checkpoint whose files are sound is restored: a newer one that
    cannot be read (damaged or unreadable `metadata.json`, weights or random-generator states) is skipped with a
    `RuntimeWarning` naming it and the reason. If none can be restored, the `ValueError` lists every checkpoint and
    why. A single checkpoint folder is restored or refused, without fallback.

    Args:
        model: a `GAN` built like the saved one and compiled (so its optimizers exist).
        path: a checkpoint folder, or a directory of checkpoints.
    """
    if not getattr(model, "compiled", False):
        raise ValueError("restore_checkpoint: compile() the model before restoring (optimizer state is restored).")
    path = os.fspath(path)
    if _NAME.match(os.path.basename(os.path.normpath(path))) or os.path.isfile(os.path.join(path, METADATA_FILE)):
        if not os.path.isfile(os.path.join(path, METADATA_FILE)):
            raise FileNotFoundError(f"restore_checkpoint: {path} has no {METADATA_FILE}; it is not a checkpoint.")
        try:
            return _restore_one(model, path)
        except ValueError as e:
            raise ValueError(f"restore_checkpoint: cannot restore {path}: {e}") from e
    remove_stale_temporaries(path)
    candidates = list_checkpoints(path)[::-1]
    if not candidates:
        raise FileNotFoundError(f"restore_checkpoint: no checkpoint in {path!r}.")
    skipped = []
    for candidate in candidates:
        try:
            metadata = _restore_one(model, candidate)
        except ValueError as e:
            skipped.append(f"{os.path.basename(candidate)}: {e}")
            continue
        if skipped:
            warnings.warn(
                f"restore_checkpoint: restored {candidate}, the newest good checkpoint of {path}; skipped newer "
                f"ones that cannot be restored: {'; '.join(skipped)}.",
                RuntimeWarning,
                stacklevel=2,
            )
        return metadata
    raise ValueError(
        f"restore_checkpoint: none of the {len(candidates)} checkpoints in {path} can be restored: "
        + "; ".join(skipped)
    )


class GANCheckpoint(EveryNImages):
    """Saves the whole training state every `every_n_images` images; resumes a run exactly.

    A checkpoint restores the generator, the discriminator, the EMA generator, both optimizers' states,
    `images_seen`, the scheduled hyperparameters, the loss scales and every random-generator state, so that
    "train k steps, checkpoint, restore into a fresh model, train m steps" equals "train k + m steps" given the same
    data order. Writes are atomic and durable (temporary folder, fsync, rename; see `save_checkpoint`), `resume`
    skips a damaged newest checkpoint with a warning (see `restore_checkpoint`), and the newest `keep` are kept.
    Before writing it reads the model's loss trackers: nothing is saved once a loss has become non-finite (training
    is then stopped, see `TerminateOnNonFinite`), so the last good checkpoint survives. The save happens when the
    step after the crossing begins (same weights), so the callback does not make `fit` wait for every step.

    One directory holds one run. When `fit` begins, a `directory` that holds a checkpoint at or beyond the model's
    `images_seen` belongs to another run unless the model was restored from it (`resume`, `restore`,
    `restore_checkpoint`) or saved into it before: `fit` then raises a `ValueError` naming the directory and its
    newest checkpoint instead of overwriting that run's checkpoints and mixing the two runs (a later `resume` would
    restore the other run's newest checkpoint).

    Args:
        directory: folder of the checkpoints (`ckpt-<images seen>` subfolders).
        every_n_images: save when `images_seen` crosses a multiple of this.
        keep: number of newest checkpoints to keep, an integer >= 1 (`None` keeps all).
        save_on_train_end: also save at the end of `fit()`.

    Examples:

    ```python
    gan.compile(...)
    checkpoint = keras_gans.callbacks.GANCheckpoint("run/checkpoints", every_n_images=200_000, keep=3)
    checkpoint.resume(gan)  # restores the newest checkpoint if there is one; returns its metadata or None
    gan.fit(data, callbacks=[checkpoint])
    ```
    """

    def __init__(self, directory, every_n_images, keep=3, save_on_train_end=True):
        super().__init__(every_n_images, "GANCheckpoint")
        check_keep(keep, "GANCheckpoint")
        self.directory = os.fspath(directory)
        self.keep = keep
        self.save_on_train_end = save_on_train_end
        self.last_saved = None

    def resume(self, model):
        """Restores the newest checkpoint of `directory` into `model` (compiled); returns metadata or `None`."""
        if latest_checkpoint(self.directory) is None:
            return None
        return restore_checkpoint(model, self.directory)

    @staticmethod
    def restore(model, path):
        """Restores `path` (a checkpoint folder or a directory of them) into `model`; returns the metadata."""
        return restore_checkpoint(model, path)

    def _healthy(self):
        if training_is_finite(self.model):
            return True
        self.model.stop_training = True  # TerminateOnNonFinite (asynchronous) names the step
        return False

    def on_train_begin(self, logs=None):
        images_seen = self.start()
        self._check_directory_is_this_runs(images_seen)

    def _check_directory_is_this_runs(self, images_seen):
        """Raises `ValueError` when `directory` holds another run's checkpoints that this run's would replace or
        outrank (see the class docstring)."""
        newest = latest_checkpoint(self.directory)
        if newest is None or _images_seen_of(newest) < images_seen:
            return
        if _RUN_DIRECTORY.get(self._model) == os.path.realpath(self.directory):
            return
        raise ValueError(
            f"GANCheckpoint: {self.directory!r} holds checkpoints of another run (newest: "
            f"{os.path.basename(newest)}, {_images_seen_of(newest)} images seen), and this model ({images_seen} images "
            "seen) was not restored from it; its checkpoints would overwrite or mix with that run's. Call "
            "`checkpoint.resume(model)` before `fit` to continue that run, or pass another directory."
        )

    def on_images(self, images_seen):
        if self._healthy():
            self.last_saved = save_checkpoint(self.model, self.directory, self.keep)

    def on_train_end(self, logs=None):
        if not self.save_on_train_end:
            super().on_train_end(logs)
        elif self._healthy():
            self.last_saved = save_checkpoint(self.model, self.directory, self.keep)
