"""`load_dataset(spec, ...)`: one entry point from a dataset spec string to data that `fit()` accepts."""

import os

import numpy as np

from keras_gans.datasets.batches import ArrayBatches
from keras_gans.datasets.dataset_info import DatasetInfo
from keras_gans.datasets.image_folder import ImageFolderDataset
from keras_gans.datasets.image_folder import index_image_folder
from keras_gans.datasets.mnist import load_embedded_digits
from keras_gans.datasets.mnist import load_mnist
from keras_gans.datasets.npz import load_npz
from keras_gans.datasets.npz import num_classes_of
from keras_gans.datasets.resize import check_resolution
from keras_gans.datasets.stacked_mnist import load_stacked_mnist
from keras_gans.datasets.tfds_loader import load_tfds
from keras_gans.utils.data import mirror_images

ACCEPTED_SPECS = (
    'Accepted dataset specs: "embedded" (10,000 real MNIST digits shipped with the package, no download), '
    '"mnist", "stacked_mnist", "tfds:<name>" (a TensorFlow Datasets name, e.g. "tfds:cifar10"), '
    "the path of a folder of images, or the path of an .npz file."
)
# Extra keyword options each kind of source takes (beyond load_dataset's own arguments).
_OPTIONS = {
    "embedded": ("as_rgb", "pad_or_resize"),
    "mnist": ("as_rgb", "pad_or_resize"),
    "stacked_mnist": ("num_samples", "size_mode"),
    "tfds": ("download", "data_dir", "image_key", "label_key", "as_rgb", "interpolation", "shuffle_buffer"),
    "folder": ("color_mode", "interpolation", "class_names", "verify_files", "fit"),
    "npz": ("images_key", "labels_key", "layout", "interpolation"),
}
_DIGIT_NAMES = tuple(str(d) for d in range(10))


def _check_options(kind, options):
    unknown = sorted(set(options) - set(_OPTIONS[kind]))
    if unknown:
        raise ValueError(
            f"load_dataset: unknown options {unknown} for a {kind} dataset; it accepts {list(_OPTIONS[kind])}."
        )


def _arrays_source(spec, split, resolution, labels, seed, options):
    """`(images, labels, num_classes, class_names)` for the in-memory sources."""
    if spec in ("embedded", "mnist"):
        _check_options(spec, options)
        resolution = 32 if resolution is None else resolution
        if spec == "embedded":
            if split != "train":
                raise ValueError(f"load_dataset: 'embedded' has one split, 'train'; got split={split!r}.")
            images, ids = load_embedded_digits(resolution, **options)
        else:
            images, ids = load_mnist(split, resolution, **options)
        return images, ids, 10, _DIGIT_NAMES
    if spec == "stacked_mnist":
        _check_options(spec, options)
        if resolution not in (None, 32):
            raise ValueError(f"load_dataset: 'stacked_mnist' images are 32x32; got resolution={resolution}.")
        images, ids = load_stacked_mnist(split, seed=seed, **options)
        return images, ids.astype(np.int32), 1000, None
    _check_options("npz", options)
    if labels:
        options.setdefault("labels_key", "y")
    elif options.get("labels_key") is not None:
        raise ValueError("load_dataset: labels_key is given but labels=False; pass labels=True to use it.")
    images, ids = load_npz(spec, resolution=resolution, **options)
    if images.shape[1] != images.shape[2]:
        raise ValueError(
            f"load_dataset: {spec} holds {images.shape[1]}x{images.shape[2]} images; pass resolution to "
            "centre-crop and resize them to squares."
        )
    return images, ids, num_classes_of(ids), None


def load_dataset(
    spec,
    resolution=None,
    batch_size=32,
    labels=False,
    mirror=False,
    shuffle=True,
    seed=0,
    split="train",
    as_numpy=False,
    drop_remainder=True,
    workers=1,
    use_multiprocessing=False,
    max_queue_size=10,
    **options,
):
    """Loads the training data named by `spec` in a form `fit()` accepts on every backend, with its metadata.

    Specs:

    * `"embedded"`: 10,000 real MNIST digits shipped inside the package (`load_embedded_digits`; RGB, 32x32 by
      default), no download;
    * `"mnist"`: MNIST through `keras.datasets.mnist` (`load_mnist`; grey, 32x32 by default);
    * `"stacked_mnist"`: the 1000-mode StackedMNIST (`load_stacked_mnist`; 32x32 RGB, `seed` picks the digits);
    * `"tfds:<name>"`: a TensorFlow Datasets image dataset (`load_tfds`), e.g. `"tfds:cifar10"`;
    * a folder of images (`load_image_folder`; `resolution` is required);
    * an `.npz` file (`load_npz`; arrays `x` and, with `labels=True`, `y` by default).

    Names win over paths: use `"./mnist"` for a folder called `mnist`.

    Args:
        spec: the dataset spec (a string or path).
        resolution: output height and width; `None` keeps the source's size (32 for the MNIST sources).
        batch_size: images per batch.
        labels: give `(images, labels)` for class-conditional training; False (default) gives images only.
            A source without labels raises `ValueError` when `labels=True`.
        mirror: add the x-flipped copy of every image (`--mirror=1` of StyleGAN/R3GAN).
        shuffle: a new, seeded order every epoch.
        seed: seed of the shuffling (and of the digit picks of `"stacked_mnist"`).
        split: `"train"` or `"test"` for `"mnist"`/`"stacked_mnist"`, any TFDS split for `"tfds:..."`.
        as_numpy: return `(images, labels)` NumPy arrays instead of batches (not for `"tfds:..."`).
        drop_remainder: drop the last incomplete batch so every step has `batch_size` images.
        workers, use_multiprocessing, max_queue_size: parallel batch loading (`keras.utils.PyDataset`).
        **options: source-specific options, e.g. `as_rgb`/`pad_or_resize` (MNIST sources), `color_mode`,
            `interpolation`, `class_names`, `fit` (folders), `images_key`/`labels_key`/`layout` (`.npz`), `download`,
            `data_dir` (TFDS), `num_samples`/`size_mode` (StackedMNIST). Unknown options raise `ValueError`.

    Returns:
        `(data, info)`. `data` is a `keras.utils.PyDataset` (`ArrayBatches` or `ImageFolderDataset`) or a
        `tf.data.Dataset` of batches of uint8 NHWC images (float32 in [-1, 1] for float `.npz` files), with int32
        class ids when `labels`; or with `as_numpy=True` a tuple `(images, labels)` (`labels` is `None` without
        labels). `info` is a `DatasetInfo` (num_images, resolution, channels, num_classes, ...).

    Examples:

    ```python
    data, info = keras_gans.datasets.load_dataset("embedded", batch_size=64)
    info.image_shape, info.num_classes     # ((32, 32, 3), 0): size the networks from these
    gan.fit(data, epochs=10)               # gan: a compiled keras_gans.GAN for 32x32 RGB images

    data, info = keras_gans.datasets.load_dataset("photos/", resolution=64, labels=True, mirror=True)
    ```
    """
    if not isinstance(spec, (str, os.PathLike)):
        raise ValueError(
            f"load_dataset: expected a dataset spec string or path; got {type(spec).__name__}. {ACCEPTED_SPECS}"
        )
    resolution = check_resolution(resolution, "load_dataset", allow_none=True)
    text = os.fspath(spec)
    if text.startswith("tfds:"):
        _check_options("tfds", options)
        if as_numpy:
            raise ValueError("load_dataset: as_numpy=True is not available for TFDS specs; iterate the dataset.")
        name = text[len("tfds:") :]
        if not name:
            raise ValueError(f"load_dataset: 'tfds:' needs a dataset name, e.g. 'tfds:cifar10'. {ACCEPTED_SPECS}")
        if not labels:
            options["label_key"] = None
        data, info = load_tfds(
            name,
            split=split,
            resolution=resolution,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            mirror=mirror,
            drop_remainder=drop_remainder,
            with_info=True,
            **options,
        )
        if labels and info.num_classes == 0:
            raise ValueError(f"load_dataset: {text} has no class labels; use labels=False.")
        return data, info

    in_memory = text in ("embedded", "mnist", "stacked_mnist") or (
        text.lower().endswith(".npz") and os.path.isfile(text)
    )
    if in_memory:
        images, ids, num_classes, class_names = _arrays_source(text, split, resolution, labels, seed, options)
        if not labels:
            ids, num_classes, class_names = None, 0, None
        info = DatasetInfo(
            name=text,
            num_images=len(images) * (2 if mirror else 1),
            resolution=images.shape[1],
            channels=images.shape[3],
            num_classes=num_classes,
            class_names=class_names,
            mirrored=bool(mirror),
        )
        if as_numpy:
            if mirror:
                return (mirror_images(images, ids) if ids is not None else (mirror_images(images), None)), info
            return (images, ids), info
        data = ArrayBatches(
            images,
            ids,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            mirror=mirror,
            drop_remainder=drop_remainder,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size,
        )
        return data, info

    if os.path.isdir(text):
        _check_options("folder", options)
        if resolution is None:
            raise ValueError(f"load_dataset: an image folder ({text}) needs a resolution.")
        paths, ids, class_names = index_image_folder(
            text, "inferred" if labels else None, options.pop("class_names", None), owner="load_dataset"
        )
        data = ImageFolderDataset(
            paths,
            resolution,
            ids,
            class_names,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            mirror=mirror,
            drop_remainder=drop_remainder and not as_numpy,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size,
            **options,
        )
        info = DatasetInfo(
            name=text,
            num_images=data.num_images,
            resolution=resolution,
            channels=data.channels,
            num_classes=data.num_classes,
            class_names=class_names,
            mirrored=bool(mirror),
        )
        return (data.to_numpy() if as_numpy else data), info
    if text.lower().endswith(".npz"):
        raise FileNotFoundError(f"load_dataset: no such .npz file: {text}.")
    if os.path.isfile(text):
        raise ValueError(f"load_dataset: {text} is a file but not an .npz archive. {ACCEPTED_SPECS}")
    raise ValueError(f"load_dataset: unknown dataset spec {text!r} (not a name, file or folder). {ACCEPTED_SPECS}")
