"""Notebook helpers: a results folder that outlives a Colab or Kaggle runtime, and images and loss curves inline.

Hosted notebooks delete their files when the runtime ends. `output_folder` picks a place that survives where
there is one:

* **Colab**: with `drive=True`, Google Drive is mounted (Colab asks for permission) and results go to
  `MyDrive/keras-gans/<name>`, which outlives the runtime; otherwise `/content/runs/<name>`, deleted with the
  runtime (download it from the Files pane).
* **Kaggle**: `/kaggle/working/runs/<name>`; "Save Version" keeps it as the notebook's output, which a later
  session reads back through "Add Input" under `/kaggle/input/...` (`copy_from` copies it back in).
* **Anywhere else**: `runs/<name>` below the working directory.

The environment variable `KERAS_GANS_OUTPUT` overrides all of them (scripts and the test suite use it).

`show_image` and `show_losses` display inline in a notebook (IPython) and do nothing elsewhere; both return
whether something was shown.
"""

import io
import os
import pathlib
import sys

import numpy as np

from keras_gans.utils import durable

KAGGLE_WORKING = pathlib.Path("/kaggle/working")
COLAB_DRIVE = pathlib.Path("/content/drive")
OUTPUT_VARIABLE = "KERAS_GANS_OUTPUT"


def notebook_host():
    """Where this Python runs: `"colab"`, `"kaggle"` or `"local"`."""
    if "google.colab" in sys.modules:  # imported by every Colab kernel at start-up
        return "colab"
    if os.environ.get("KAGGLE_KERNEL_RUN_TYPE") or KAGGLE_WORKING.is_dir():
        return "kaggle"
    return "local"


def _copy_missing(source, target):
    """Copies the files of folder `source` into `target` that `target` does not have yet."""
    source = pathlib.Path(source)
    if not source.is_dir():
        raise FileNotFoundError(f"output_folder: copy_from={str(source)!r} is not a folder.")
    copied = 0
    for path in sorted(source.rglob("*")):
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        elif not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            durable.copy_file(path, destination)
            copied += 1
    return copied


def output_folder(name, drive=False, copy_from=None):
    """The folder that results of the run `name` go to (created), chosen for the host this runs on.

    Args:
        name: the run's name, the last part of the folder.
        drive: on Colab, mount Google Drive and write there (kept after the runtime ends). Ignored elsewhere.
        copy_from: a folder of an earlier run (e.g. a Kaggle notebook output added as input) whose files are
            copied in first, those the folder lacks, so that training resumes from its checkpoints.

    Returns:
        A `pathlib.Path`.

    Examples:

    ```python
    from keras_gans.utils.notebook import output_folder

    OUTPUT = output_folder("r3gan_cifar10", drive=True)
    ```
    """
    host = notebook_host()
    if os.environ.get(OUTPUT_VARIABLE):
        folder, note = pathlib.Path(os.environ[OUTPUT_VARIABLE]), f"set by {OUTPUT_VARIABLE}"
    elif host == "colab" and drive:
        from google.colab import drive as colab_drive

        colab_drive.mount(str(COLAB_DRIVE))
        folder, note = COLAB_DRIVE / "MyDrive" / "keras-gans" / name, "Google Drive: kept after the runtime ends"
    elif host == "colab":
        folder = pathlib.Path("runs") / name
        note = "deleted when the Colab runtime ends: use drive=True, or download the folder"
    elif host == "kaggle":
        folder = KAGGLE_WORKING / "runs" / name
        note = "kept as the notebook's output by Save Version"
    else:
        folder, note = pathlib.Path("runs") / name, "a local folder"
    folder.mkdir(parents=True, exist_ok=True)
    if copy_from is not None:
        note += f"; {_copy_missing(copy_from, folder)} files copied from {copy_from}"
    print(f"Results go to {folder.resolve()} ({note}).")
    return folder


def _ipython_display():
    """IPython's `display` when this runs inside IPython (a notebook kernel), else `None`."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return None
    return display if get_ipython() is not None else None


def _show_png(data):
    display = _ipython_display()
    if display is None:
        return False
    from IPython.display import Image

    display(Image(data=data))
    return True


def show_image(image):
    """Shows a uint8 image `(H, W)` or `(H, W, C)` (C = 1 or 3) inline in a notebook, as PNG.

    Examples:

    ```python
    show_image(keras_gans.callbacks.image_grid(gan.generate(16, seed=0), 4, 4))
    ```
    """
    from PIL import Image

    array = np.asarray(image)
    if array.dtype != np.uint8 or array.ndim not in (2, 3) or array.ndim == 3 and array.shape[-1] not in (1, 3):
        raise ValueError(
            f"show_image: expected a uint8 (H, W) or (H, W, 1 or 3) array; got {array.dtype} {array.shape}."
        )
    buffer = io.BytesIO()
    Image.fromarray(array[..., 0] if array.ndim == 3 and array.shape[-1] == 1 else array).save(buffer, format="PNG")
    return _show_png(buffer.getvalue())


def show_losses(history, path=None, keys=("d_loss", "g_loss")):
    """Plots the losses of a `fit` run per epoch (matplotlib), saves the plot to `path` and shows it inline.

    Returns `False` without plotting when `history` holds none of `keys`.

    Args:
        history: the `keras.callbacks.History` that `fit` returns, or its `history` dict.
        path: where to save the plot as PNG (optional).
        keys: the logged values to plot (those present).

    Examples:

    ```python
    history = gan.fit(data, epochs=10)
    show_losses(history, "losses.png")
    ```
    """
    from matplotlib.figure import Figure  # no pyplot: no global figure that a notebook would show twice

    logs = getattr(history, "history", history)
    curves = {key: logs[key] for key in keys if logs.get(key)}
    if not curves:  # e.g. a resumed run that had no epoch left
        print("show_losses: no losses to plot.")
        return False
    figure = Figure(figsize=(6, 3.5), dpi=100)
    axes = figure.add_subplot()
    for key, values in curves.items():
        axes.plot(np.arange(1, len(values) + 1), values, marker="o" if len(values) < 30 else None, label=key)
    axes.set_xlabel("epoch")
    axes.set_ylabel("loss")
    axes.legend()
    axes.grid(alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    if path is not None:
        durable.write_bytes(path, buffer.getvalue())
    return _show_png(buffer.getvalue())
