"""PNG grids of samples from fixed latents, written during training."""

import io
import os

import numpy as np

from keras_gans.backend.distribution import is_chief
from keras_gans.callbacks.every_n_images import EveryNImages
from keras_gans.callbacks.tensorboard_images import TensorBoardImageWriter
from keras_gans.training.generate_arguments import check_seed
from keras_gans.utils.durable import write_bytes
from keras_gans.utils.images_seen import read_images_seen


def image_grid(images, rows, cols):
    """Tiles `rows * cols` NHWC uint8 images into one `(rows * H, cols * W, C)` array (row-major).

    Examples:

    >>> import numpy as np
    >>> from keras_gans.callbacks import image_grid
    >>> image_grid(np.zeros((6, 4, 5, 3), "uint8"), 2, 3).shape
    (8, 15, 3)
    """
    images = np.asarray(images)
    n, h, w, c = images.shape
    if n != rows * cols:
        raise ValueError(f"image_grid: {n} images do not fill a {rows}x{cols} grid.")
    return images.reshape(rows, cols, h, w, c).transpose(0, 2, 1, 3, 4).reshape(rows * h, cols * w, c)


def save_png(array, path):
    """Writes an `(H, W, C)` uint8 array (C = 1 or 3) as PNG, atomically and durably (see `keras_gans.utils.durable`).

    Args:
        array: the image, uint8 `(H, W, 1)` or `(H, W, 3)`; float images are refused (map them to uint8 first,
            e.g. with `GAN.generate(..., output="uint8")`).
        path: the PNG file to write; its folder is created.
    """
    from PIL import Image

    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise TypeError(f"save_png: `array` must be uint8 pixels in [0, 255], got dtype {array.dtype}.")
    if array.ndim != 3 or array.shape[-1] not in (1, 3) or 0 in array.shape:
        raise ValueError(f"save_png: `array` must have shape (H, W, 1) or (H, W, 3) with H, W >= 1, got {array.shape}.")
    buffer = io.BytesIO()
    Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array).save(buffer, format="PNG")
    write_bytes(path, buffer.getvalue())


def _check_grid_size(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"SampleGrid: `{name}` must be an integer >= 1, got {value!r}.")
    return int(value)


def _check_filename(filename):
    """Formats `filename` once with a sample `images_seen` so that a bad placeholder fails at construction."""
    if not isinstance(filename, str):
        raise TypeError(f"SampleGrid: `filename` must be a format string, got {type(filename).__name__}.")
    try:
        name = filename.format(images_seen=0)
    except (KeyError, IndexError, ValueError, AttributeError) as e:
        raise ValueError(
            f"SampleGrid: `filename` {filename!r} may use only the placeholder `{{images_seen}}` (with an integer "
            f"format such as `{{images_seen:09d}}`); formatting it failed: {e!r}."
        ) from e
    if not name or name.endswith(("/", os.sep)):
        raise ValueError(f"SampleGrid: `filename` must name a file, got {filename!r}.")
    return filename


class SampleGrid(EveryNImages):
    """Saves a PNG grid of samples from fixed latents every `every_n_images` images (EMA generator by default).

    The latents are drawn once from `np.random.default_rng(seed)`, so grids from different times (and backends)
    show the same latents. For conditional models the labels cycle through the classes (0, 1, ..., K-1, 0, ...),
    so with `cols = num_classes` every column is one class. A grid is written when the step after the crossing
    begins (same weights), so the callback does not make `fit` wait for every step; in a run on several processes
    only the chief writes (all of them generate, as the generator may be sharded).

    Args:
        directory: output folder.
        every_n_images: write a grid when `images_seen` crosses a multiple of this.
        rows: grid rows (an integer >= 1).
        cols: grid columns (an integer >= 1).
        seed: seed of the fixed latents (`None` or an integer >= 0).
        use_ema: sample from the EMA generator (default) or the trained generator.
        on_train_begin: also write a grid before the first step.
        filename: format string whose only placeholder is `{images_seen}` (the images seen, an integer).
        tensorboard_dir: also write each grid as an image summary (tag `tensorboard_tag`, step `images_seen`) to
            a TensorBoard event file in this folder (needs the `tensorboard` package, not TensorFlow).
        tensorboard_tag: the summary tag.

    Examples:

    ```python
    grid = keras_gans.callbacks.SampleGrid("run/samples", every_n_images=50_000, rows=4, cols=8)
    gan.fit(data, callbacks=[grid])  # run/samples/samples-000050000.png, ...
    grid = keras_gans.callbacks.SampleGrid("run/samples", 50_000, tensorboard_dir="run/tensorboard/samples")
    ```
    """

    def __init__(
        self,
        directory,
        every_n_images,
        rows=4,
        cols=4,
        seed=0,
        use_ema=True,
        on_train_begin=True,
        filename="samples-{images_seen:09d}.png",
        tensorboard_dir=None,
        tensorboard_tag="samples",
    ):
        super().__init__(every_n_images, "SampleGrid")
        self.directory = os.fspath(directory)
        self.rows, self.cols = _check_grid_size(rows, "rows"), _check_grid_size(cols, "cols")
        check_seed(seed, "SampleGrid")
        self.seed = seed
        self.use_ema = use_ema
        self.write_on_train_begin = on_train_begin
        self.filename = _check_filename(filename)
        self.written = []
        self.tensorboard_dir = None if tensorboard_dir is None else os.fspath(tensorboard_dir)
        self.tensorboard_tag = tensorboard_tag
        self._tensorboard = None

    def _latents(self, model):
        n = self.rows * self.cols
        return np.random.default_rng(self.seed).standard_normal((n, model.latent_dim)).astype("float32")

    def write(self, model=None, images_seen=None):
        """Generates and writes one grid now; returns the path."""
        model = model or self.model
        if images_seen is None:
            images_seen = read_images_seen(model)
        z = self._latents(model)
        labels = np.arange(len(z)) % model.num_classes if model.num_classes else None
        images = model.generate(z, labels=labels, use_ema=self.use_ema, output="uint8")
        path = os.path.join(self.directory, self.filename.format(images_seen=images_seen))
        if is_chief(model):
            grid = image_grid(images, self.rows, self.cols)
            save_png(grid, path)
            self.written.append(path)
            if self.tensorboard_dir is not None:
                if self._tensorboard is None:
                    self._tensorboard = TensorBoardImageWriter(self.tensorboard_dir)
                self._tensorboard.add_image(self.tensorboard_tag, grid, step=images_seen)
        return path

    def on_images(self, images_seen):
        self.write(self.model, images_seen)

    def on_train_begin(self, logs=None):
        images_seen = self.start()
        if self.write_on_train_begin:
            self.write(self.model, images_seen)

    def on_train_end(self, logs=None):
        super().on_train_end(logs)  # the grid of the last step
        if self._tensorboard is not None:
            self._tensorboard.close()
            self._tensorboard = None
