"""R3GAN presets whose trained weights ship with the library: where they are found, and how a run becomes one.

A shipped preset is an ordinary preset directory (`config.json`, `metadata.json`, `model.weights.h5`, see
`keras_gans.utils.preset_utils`) named after its entry in `R3GAN_PRESETS`, listed in `SHIPPED_PRESETS`. Its
`metadata.json` records how it was trained (`training_command`) and what it scores (`metrics`). The directory is
looked up like the StackedMNIST classifier's weights (`keras_gans.metrics.mnist_classifier`), first hit wins:

1. package data, `keras_gans/models/r3gan/weights/<name>/` (in a clone and in an installed wheel; the one copy
   of the presets that ship);
2. the repository's top-level `weights/<name>/` (a clone; for presets made locally and not shipped);
3. the download cache, `keras_gans.utils.preset_utils.cache_root() / "weights" / <name>`.

Nothing is downloaded: `R3GAN.from_preset("<name>")` works offline.

A trained run becomes a shipped preset with the repository's tool `weights/package_shipped_preset.py`.
"""

import pathlib

from keras_gans.utils import preset_utils

_PRESET_FILES = (preset_utils.CONFIG_FILE, preset_utils.METADATA_FILE, preset_utils.WEIGHTS_FILE)


def package_weights_dir():
    """Package data folder of the shipped presets (inside the installed `keras_gans`)."""
    return pathlib.Path(__file__).resolve().parent / "weights"


def repo_weights_dir():
    """The repository's top-level `weights/` folder (only meaningful in a clone or an editable install)."""
    # keras_gans/models/r3gan/r3gan_shipped.py -> repository root.
    return pathlib.Path(__file__).resolve().parents[3] / "weights"


def cache_weights_dir():
    return preset_utils.cache_root() / "weights"


def shipped_preset_candidates(name):
    """The directories searched for the shipped preset `name`, in order (see the module docstring)."""
    return [root / name for root in (package_weights_dir(), repo_weights_dir(), cache_weights_dir())]


def shipped_preset_dir(name):
    """The first candidate directory holding a complete preset `name`, or a `FileNotFoundError` naming them all."""
    candidates = shipped_preset_candidates(name)
    for directory in candidates:
        if all((directory / f).is_file() for f in _PRESET_FILES):
            return directory
    searched = "\n  ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"R3GAN: the shipped preset '{name}' was not found (a directory with {', '.join(_PRESET_FILES)}). "
        f"Searched:\n  {searched}\nIn a clone, re-create it by training with benchmarks/stacked_mnist.py and "
        "packaging the run with `python weights/package_shipped_preset.py`."
    )
