"""A folder of image files (PNG, JPEG, BMP, GIF, WebP) as training data, read with Pillow.

Layout, as in `keras.utils.image_dataset_from_directory`:

* `labels="inferred"`: one sub-folder per class, `directory/<class_name>/**/<image>`; class ids follow the sorted
  sub-folder names (or the order of `class_names`). Image files directly in `directory` are ignored (with a
  warning).
* `labels=None`: every image file under `directory`, at any depth; no labels.

Files are visited in sorted order; hidden files and folders (names starting with ".") and files with other
extensions are skipped. Every file is checked when the dataset is made (`verify_files`, Pillow's `verify()`: the
header and, for PNG, every chunk's checksum, without decoding), so that a damaged, unreadable or 16-bit file is
reported, together with all the others, before training starts rather than when its batch is read. Each image is
read with Pillow, turned upright from its EXIF orientation tag, converted to RGB (or to 8-bit grey with
`color_mode="grayscale"`), centre-cropped to a square (or, with `fit="pad"`, resized to fit inside the square and
padded with black) and resized with an antialiased
Pillow filter (LANCZOS by default, like the StyleGAN2-ADA `dataset_tool.py` R3GAN uses; see
`keras_gans.datasets.resize`). Conversions: grey, palette and CMYK images become RGB (grey is repeated in the three
channels); an alpha channel (RGBA, LA, palette transparency) is dropped, not composited, so store transparent
images over the background you want. 16-bit and floating-point images (Pillow modes `I;16`, `I`, `F`) are rejected
with an error, since their value range is not defined by the file.
"""

import os
import warnings

import numpy as np
from PIL import Image
from PIL import ImageOps

from keras_gans.datasets.batches import ShuffledBatches
from keras_gans.datasets.resize import FITS
from keras_gans.datasets.resize import check_resolution
from keras_gans.datasets.resize import crop_resize_pil
from keras_gans.datasets.resize import resampling_filter
from keras_gans.utils.data import mirror_images

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
COLOR_MODES = {"rgb": "RGB", "grayscale": "L"}
# Pillow modes with 8 bits per channel; anything else has no fixed [0, 255] meaning.
_EIGHT_BIT_MODES = {"1", "L", "LA", "La", "P", "PA", "RGB", "RGBA", "RGBa", "RGBX", "CMYK", "YCbCr", "LAB", "HSV"}


def _is_hidden(name):
    return name.startswith(".")


def _image_files(folder):
    """Sorted image files under `folder`, at any depth, skipping hidden entries."""
    found = []
    for root, dirs, files in os.walk(folder, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not _is_hidden(d))
        found.extend(os.path.join(root, f) for f in files if not _is_hidden(f) and f.lower().endswith(IMAGE_EXTENSIONS))
    return sorted(found)


def index_image_folder(directory, labels="inferred", class_names=None, owner="load_image_folder"):
    """Lists the image files of a folder and their class ids.

    Args:
        directory: the folder.
        labels: `"inferred"` (one sub-folder per class) or `None` (all images, no labels).
        class_names: with `labels="inferred"`, the sub-folders to use, in class-id order (default: all, sorted).
        owner: name used in error messages.

    Returns:
        `(paths, label_ids, class_names)`: a list of file paths, an int32 array (or `None`) and a tuple of class
        names (or `None`).
    """
    directory = os.fspath(directory)
    if not os.path.exists(directory):
        raise FileNotFoundError(f"{owner}: the folder {directory} does not exist.")
    if not os.path.isdir(directory):
        raise ValueError(f"{owner}: {directory} is a file, not a folder of images.")
    if labels is None:
        if class_names is not None:
            raise ValueError(f"{owner}: class_names needs labels='inferred'.")
        paths = _image_files(directory)
        if not paths:
            raise ValueError(
                f"{owner}: no image files ({', '.join(IMAGE_EXTENSIONS)}) found in {directory} or its sub-folders."
            )
        return paths, None, None
    if labels != "inferred":
        raise ValueError(f"{owner}: expected labels to be 'inferred' or None; got {labels!r}.")
    entries = sorted(e for e in os.listdir(directory) if not _is_hidden(e))
    subdirs = [e for e in entries if os.path.isdir(os.path.join(directory, e))]
    loose = [e for e in entries if e.lower().endswith(IMAGE_EXTENSIONS) and e not in subdirs]
    if not subdirs:
        hint = f" It has {len(loose)} image files directly inside: use labels=None." if loose else ""
        raise ValueError(
            f"{owner}: labels='inferred' needs one sub-folder per class in {directory}, but it has no "
            f"sub-folders.{hint}"
        )
    if class_names is None:
        class_names = subdirs
    else:
        class_names = [str(name) for name in class_names]
        missing = [name for name in class_names if name not in subdirs]
        if missing or len(set(class_names)) != len(class_names):
            raise ValueError(
                f"{owner}: class_names must be distinct sub-folders of {directory}; unknown or repeated: "
                f"{missing or class_names}. Sub-folders: {subdirs}."
            )
    if loose:
        warnings.warn(
            f"{owner}: {len(loose)} image files directly in {directory} are ignored with labels='inferred' "
            "(only images inside the class sub-folders are used).",
            stacklevel=3,
        )
    paths, ids = [], []
    for class_id, name in enumerate(class_names):
        files = _image_files(os.path.join(directory, name))
        if not files:
            raise ValueError(f"{owner}: the class folder {os.path.join(directory, name)} has no image files.")
        paths.extend(files)
        ids.extend([class_id] * len(files))
    return paths, np.asarray(ids, np.int32), tuple(class_names)


def read_image(path, resolution, color_mode="rgb", interpolation="lanczos", owner="read_image", fit="crop"):
    """Reads one image file as uint8 `(resolution, resolution, 3)` (or `(..., 1)` for `"grayscale"`).

    See the module docstring for the conversions. Raises `ValueError` naming the file if it cannot be read.

    Args:
        path: the image file.
        resolution: output height and width (centre crop to a square, then resize).
        color_mode: `"rgb"` or `"grayscale"`.
        interpolation: Pillow filter name (`"lanczos"`, `"bicubic"`, `"bilinear"`, `"box"`, `"nearest"`).
        owner: name used in error messages.
        fit: `"crop"` (centre crop to a square, then resize) or `"pad"` (resize to fit, pad with black).
    """
    if color_mode not in COLOR_MODES:
        raise ValueError(f"{owner}: expected color_mode to be one of {sorted(COLOR_MODES)}; got {color_mode!r}.")
    resample = resampling_filter(interpolation, owner)
    try:
        with Image.open(path) as image:
            mode = image.mode
            if mode in _EIGHT_BIT_MODES:
                image = ImageOps.exif_transpose(image).convert(COLOR_MODES[color_mode])
                array = np.asarray(crop_resize_pil(image, resolution, resample, fit), dtype=np.uint8)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise ValueError(f"{owner}: cannot read the image file {path}: {e}") from e
    if mode not in _EIGHT_BIT_MODES:
        raise ValueError(
            f"{owner}: {path} has Pillow mode {mode} (16-bit or floating point); only 8-bit images are supported. "
            "Convert it to 8-bit RGB or grey first."
        )
    return array.reshape(resolution, resolution, -1)


def unreadable_images(paths):
    """`[(path, reason), ...]` for the files among `paths` that Pillow cannot identify or verify, or whose mode is
    not 8-bit; reads the headers and checks the structure without decoding the pixels."""
    problems = []
    for path in paths:
        try:
            with Image.open(path) as image:
                mode = image.mode
                image.verify()
        except Exception as e:  # Pillow raises OSError, SyntaxError, ValueError, struct.error, ...
            problems.append((path, f"{type(e).__name__}: {e}"))
            continue
        if mode not in _EIGHT_BIT_MODES:
            problems.append((path, f"Pillow mode {mode} (16-bit or floating point); only 8-bit images are supported"))
    return problems


def check_image_files(paths, owner="check_image_files"):
    """Raises `ValueError` listing every file of `paths` that cannot be used (see `unreadable_images`)."""
    problems = unreadable_images(paths)
    if problems:
        shown = "\n".join(f"  {path}: {reason}" for path, reason in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise ValueError(
            f"{owner}: {len(problems)} of {len(paths)} image files cannot be read:\n{shown}{more}\nRemove or "
            "replace them (16-bit images: convert to 8-bit RGB or grey)."
        )


class ImageFolderDataset(ShuffledBatches):
    """Images of a folder, read lazily per batch, as a `keras.utils.PyDataset` for `fit()` on any backend.

    Batches are uint8 `(batch, resolution, resolution, 3)` images, with int32 class ids `(batch,)` when labels
    are inferred. Build it with `load_image_folder`. Attributes: `file_paths`, `labels` (per file),
    `class_names`, `num_classes`, `resolution`, `channels`, `num_images` (per epoch, mirrored copies included).

    Args:
        paths: image file paths.
        resolution: output height and width.
        labels: int32 class ids per file, or `None`.
        class_names: names of the classes, or `None`.
        color_mode: `"rgb"` or `"grayscale"`.
        interpolation: Pillow filter name (`"lanczos"`, `"bicubic"`, `"bilinear"`, `"box"`, `"nearest"`).
        verify_files: check every file first and raise `ValueError` listing the unusable ones.
        fit: `"crop"` (centre crop to a square, default) or `"pad"` (keep the whole image, pad with black).
        batch_size, shuffle, seed, mirror, drop_remainder, workers, use_multiprocessing, max_queue_size:
            see `keras_gans.datasets.batches.ShuffledBatches`.

    Examples:

    ```python
    paths, labels, names = index_image_folder("photos")          # photos/<class>/*.jpg
    data = ImageFolderDataset(paths, 64, labels, names, batch_size=32, workers=4)
    images, labels = data[0]                                     # uint8 (32, 64, 64, 3), int32 (32,)
    ```
    """

    def __init__(
        self,
        paths,
        resolution,
        labels=None,
        class_names=None,
        color_mode="rgb",
        interpolation="lanczos",
        batch_size=32,
        shuffle=True,
        seed=0,
        mirror=False,
        drop_remainder=True,
        workers=1,
        use_multiprocessing=False,
        max_queue_size=10,
        verify_files=True,
        fit="crop",
    ):
        resampling_filter(interpolation, "ImageFolderDataset")
        if fit not in FITS:
            raise ValueError(f"ImageFolderDataset: expected fit to be one of {list(FITS)}; got {fit!r}.")
        self.fit = fit
        if color_mode not in COLOR_MODES:
            raise ValueError(
                f"ImageFolderDataset: expected color_mode to be one of {sorted(COLOR_MODES)}; got {color_mode!r}."
            )
        self.file_paths = list(paths)
        if verify_files:
            check_image_files(self.file_paths, "ImageFolderDataset")
        self.class_names = None if class_names is None else tuple(class_names)
        self.resolution = check_resolution(resolution, "ImageFolderDataset")
        self.color_mode = color_mode
        self.interpolation = interpolation
        super().__init__(
            len(self.file_paths),
            labels,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            mirror=mirror,
            drop_remainder=drop_remainder,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size,
            owner="ImageFolderDataset",
        )

    @property
    def num_classes(self):
        return 0 if self.class_names is None else len(self.class_names)

    @property
    def channels(self):
        return 3 if self.color_mode == "rgb" else 1

    def read(self, index):
        return read_image(
            self.file_paths[index],
            self.resolution,
            self.color_mode,
            self.interpolation,
            owner="ImageFolderDataset",
            fit=self.fit,
        )

    def load_images(self, indices):
        return np.stack([self.read(i) for i in indices])

    def to_numpy(self):
        """All images in file order as `(images, labels)` arrays (mirrored copies appended when `mirror`)."""
        images = self.load_images(range(self.num_source))
        if not self.mirror:
            return images, self.labels
        if self.labels is None:
            return mirror_images(images), None
        return mirror_images(images, self.labels)


def load_image_folder(
    directory,
    resolution,
    labels="inferred",
    mirror=False,
    batch_size=32,
    shuffle=True,
    seed=0,
    as_numpy=False,
    color_mode="rgb",
    interpolation="lanczos",
    class_names=None,
    drop_remainder=True,
    workers=1,
    use_multiprocessing=False,
    max_queue_size=10,
    verify_files=True,
    fit="crop",
):
    """Loads a folder of PNG/JPEG/... images for GAN training, on any Keras backend.

    See the module docstring for the folder layout and the image conversions (RGB, centre crop, LANCZOS resize).

    Args:
        directory: the folder.
        resolution: output height and width (images are centre-cropped to squares, then resized).
        labels: `"inferred"` (class ids from sub-folder names, sorted) or `None` (no labels).
        mirror: add the x-flipped copy of every image (item `i + N` mirrors item `i`).
        batch_size: images per batch (ignored with `as_numpy=True`).
        shuffle: a new permutation per epoch, drawn from `seed` and the epoch number.
        seed: seed of the shuffling.
        as_numpy: return all images in memory as NumPy arrays instead of a lazily reading dataset.
        color_mode: `"rgb"` (3 channels, default) or `"grayscale"` (1 channel).
        interpolation: Pillow resampling filter: `"lanczos"` (default), `"bicubic"`, `"bilinear"`, `"box"`,
            `"nearest"`.
        class_names: with `labels="inferred"`, the sub-folders to use, in class-id order.
        drop_remainder: drop the last incomplete batch (keeps one batch size, one trace).
        workers, use_multiprocessing, max_queue_size: parallel loading, as in `keras.utils.PyDataset`.
        verify_files: check every file before returning (Pillow's `verify()`); raises `ValueError` listing all the
            files that cannot be read. `False` finds a bad file only when its batch is read.
        fit: `"crop"` (centre crop to a square, default) or `"pad"` (resize to fit, pad with black).

    Returns:
        An `ImageFolderDataset` (a `keras.utils.PyDataset` yielding uint8 images, or `(images, int32 labels)`),
        or with `as_numpy=True` a tuple `(images, labels)`: uint8 `(N, resolution, resolution, C)` and int32
        `(N,)` class ids or `None`.

    Examples:

    ```python
    # photos/cats/*.jpg, photos/dogs/*.png -> class ids 0 (cats) and 1 (dogs)
    data = keras_gans.datasets.load_image_folder("photos", resolution=64, mirror=True, batch_size=32)
    gan.fit(data, epochs=100)

    images, _ = keras_gans.datasets.load_image_folder("faces", 32, labels=None, as_numpy=True)
    ```
    """
    resolution = check_resolution(resolution, "load_image_folder")
    resampling_filter(interpolation, "load_image_folder")
    paths, label_ids, class_names = index_image_folder(directory, labels, class_names, owner="load_image_folder")
    dataset = ImageFolderDataset(
        paths,
        resolution,
        label_ids,
        class_names,
        color_mode=color_mode,
        interpolation=interpolation,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        mirror=mirror,
        drop_remainder=drop_remainder and not as_numpy,
        workers=workers,
        use_multiprocessing=use_multiprocessing,
        max_queue_size=max_queue_size,
        verify_files=verify_files,
        fit=fit,
    )
    return dataset.to_numpy() if as_numpy else dataset
