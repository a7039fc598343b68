"""Checkpoints of a whole GAN training run that resume exactly, written atomically."""

import json
import os
import re
import shutil
import time
import uuid

import keras
import numpy as np

from keras_gans.backend.distribution import is_chief
from keras_gans.callbacks.every_n_images import EveryNImages
from keras_gans.callbacks.nonfinite import training_is_finite
from keras_gans.utils.images_seen import read_images_seen

_NAME = re.compile(r"^ckpt-(\d{12})$")
WEIGHTS_FILE = "model.weights.h5"
RNG_FILE = "rng_state.npz"
METADATA_FILE = "metadata.json"


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


def latest_checkpoint(directory):
    """Path of the newest complete checkpoint in `directory`, or `None`."""
    paths = list_checkpoints(directory)
    return paths[-1] if paths else None


def save_checkpoint(model, directory, keep=None):
    """Writes a checkpoint folder `ckpt-<images seen, 12 digits>` and returns its path.

    The folder holds `model.weights.h5` (G, D, EMA G, both optimizers' states, `images_seen`, the scheduled
    hyperparameters and loss scales), `rng_state.npz` (every `SeedGenerator` state) and `metadata.json`. It is
    written under a temporary name and renamed into place, so a crash never leaves a partial checkpoint under a
    real name. With `keep`, older checkpoints beyond the newest `keep` are deleted afterwards.

    Training on several processes (`keras_gans.distribution`): only the chief writes; the others return the path
    it writes. Nothing saved depends on the device count, so the run resumes on any number of devices.
    """
    images_seen = read_images_seen(model)
    final = os.path.join(directory, f"ckpt-{images_seen:012d}")
    if not is_chief(model):
        return final
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".tmp-{uuid.uuid4().hex}")
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
        }
        with open(os.path.join(tmp, METADATA_FILE), "w") as f:
            json.dump(metadata, f, indent=1)
        if os.path.exists(final):
            trash = os.path.join(directory, f".old-{uuid.uuid4().hex}")
            os.replace(final, trash)
            os.replace(tmp, final)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(tmp, final)
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    if keep:
        for old in list_checkpoints(directory)[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
    return final


def restore_checkpoint(model, path):
    """Restores a checkpoint into a compiled `GAN` and returns its metadata dict.

    Args:
        model: a `GAN` built like the saved one and compiled (so its optimizers exist).
        path: a checkpoint folder, or a directory of checkpoints (the newest is used).
    """
    if not getattr(model, "compiled", False):
        raise ValueError("restore_checkpoint: compile() the model before restoring (optimizer state is restored).")
    if not os.path.isfile(os.path.join(path, METADATA_FILE)):
        newest = latest_checkpoint(path)
        if newest is None:
            raise FileNotFoundError(f"restore_checkpoint: no checkpoint in {path!r}.")
        path = newest
    with open(os.path.join(path, METADATA_FILE)) as f:
        metadata = json.load(f)
    model.load_weights(os.path.join(path, WEIGHTS_FILE))
    rng = _rng_variables(model)
    with np.load(os.path.join(path, RNG_FILE)) as data:
        if len(data.files) != len(rng):
            raise ValueError(
                f"restore_checkpoint: the checkpoint has {len(data.files)} random-generator states, the model "
                f"{len(rng)}; the model was built differently."
            )
        for i, v in enumerate(rng):
            v.assign(data[f"{i:04d}"])
    metadata["path"] = path
    return metadata


class GANCheckpoint(EveryNImages):
    """Saves the whole training state every `every_n_images` images; resumes a run exactly.

    A checkpoint restores the generator, the discriminator, the EMA generator, both optimizers' states,
    `images_seen`, the scheduled hyperparameters, the loss scales and every random-generator state, so that
    "train k steps, checkpoint, restore into a fresh model, train m steps" equals "train k + m steps" given the same
    data order. Writes are atomic (temporary folder, then rename) and the newest `keep` are kept. Before writing it
    reads the model's loss trackers: nothing is saved once a loss has become non-finite (training is then stopped,
    see `TerminateOnNonFinite`), so the last good checkpoint survives. The save happens when the step after the
    crossing begins (same weights), so the callback does not make `fit` wait for every step.

    Args:
        directory: folder of the checkpoints (`ckpt-<images seen>` subfolders).
        every_n_images: save when `images_seen` crosses a multiple of this.
        keep: number of checkpoints to keep (`None` keeps all).
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

    def on_images(self, images_seen):
        if self._healthy():
            self.last_saved = save_checkpoint(self.model, self.directory, self.keep)

    def on_train_end(self, logs=None):
        if not self.save_on_train_end:
            super().on_train_end(logs)
        elif self._healthy():
            self.last_saved = save_checkpoint(self.model, self.directory, self.keep)
