"""TensorFlow Datasets (TFDS) as GAN training data: a `tf.data.Dataset` of uint8 images and int32 labels.

A `tf.data.Dataset` works with `fit()` on TensorFlow, JAX and PyTorch (Keras converts its batches), so this path
is backend-neutral too; it needs tensorflow-datasets (the `datasets` extra) and TensorFlow (preinstalled on Colab
and Kaggle, else the `tensorflow` extra): `pip install "keras-gans[datasets,tensorflow]"`. Images that are resized
are centre-cropped and resized with the same Pillow code as every other loader here (`keras_gans.datasets.resize`,
LANCZOS by default), inside the pipeline through `tf.numpy_function`, so TFDS images and image-folder images of the
same pictures are identical.
"""

import numpy as np

from keras_gans.datasets.dataset_info import DatasetInfo
from keras_gans.datasets.resize import center_crop_and_resize
from keras_gans.datasets.resize import check_resolution
from keras_gans.datasets.resize import resampling_filter
from keras_gans.native_logs import filtered_native_stderr

DEFAULT_LABEL_KEY = "label"


def import_tfds(owner):
    """`(tensorflow_datasets, tensorflow)`, or an `ImportError` that names the extra to install."""
    try:
        with filtered_native_stderr():
            import tensorflow as tf
            import tensorflow_datasets as tfds
    except ImportError as e:
        raise ImportError(
            f"{owner} needs tensorflow-datasets and TensorFlow ({e.name or e} is missing). Install them with "
            '`pip install "keras-gans[datasets,tensorflow]"` (where TensorFlow is installed: "keras-gans[datasets]").'
        ) from e
    return tfds, tf


def _num_examples(info, split, dataset):
    try:
        return int(info.splits[split].num_examples)
    except (KeyError, ValueError, TypeError):
        cardinality = int(dataset.cardinality())
        return cardinality if cardinality >= 0 else None


def load_tfds(
    name,
    split="train",
    resolution=None,
    batch_size=None,
    shuffle=True,
    seed=0,
    mirror=False,
    download=True,
    data_dir=None,
    image_key="image",
    label_key=DEFAULT_LABEL_KEY,
    as_rgb=False,
    interpolation="lanczos",
    shuffle_buffer=10_000,
    drop_remainder=True,
    with_info=False,
):
    """Loads a TFDS image dataset as `(uint8 image, int32 label)` elements (or images only).

    Args:
        name: TFDS name, e.g. `"cifar10"`, `"mnist"`, `"celeb_a"`, `"lsun/church_outdoor"`.
        split: TFDS split string, e.g. `"train"`, `"train+test"`, `"train[:10%]"`.
        resolution: centre-crop and resize every image to this size (Pillow, `interpolation`); `None` keeps the
            stored size (then all images must have one size to be batched).
        batch_size: batch the dataset (`None`: unbatched elements).
        shuffle: shuffle files and elements (buffer `shuffle_buffer`), differently each epoch, under `seed`.
        seed: seed of the shuffling.
        mirror: add the x-flipped copy of every image after the originals (dataset-level mirroring).
        download: let TFDS download and prepare the data if it is not in `data_dir` yet (default True). With
            False, missing data raises `FileNotFoundError` at once.
        data_dir: TFDS data folder (default: TFDS' own, `~/tensorflow_datasets`).
        image_key: the image feature.
        label_key: the class-label feature; `None` for images only. With the default `"label"`, datasets
            without that feature give images only.
        as_rgb: repeat a single grey channel to 3 channels.
        interpolation: Pillow filter for resizing (`"lanczos"`, `"bicubic"`, `"bilinear"`, `"box"`, `"nearest"`).
        shuffle_buffer: element shuffle buffer size.
        drop_remainder: with `batch_size`, drop the last incomplete batch.
        with_info: also return a `DatasetInfo`.

    Returns:
        A `tf.data.Dataset` (and a `DatasetInfo` when `with_info`). Elements are `(image, label)` or `image`:
        uint8 `(H, W, C)` and int32 scalars, batched along a new first axis when `batch_size` is given.

    Examples:

    ```python
    data = keras_gans.datasets.load_tfds("cifar10", batch_size=64)   # downloads once (~160 MB)
    gan.fit(data, epochs=100)
    ```
    """
    resolution = check_resolution(resolution, "load_tfds", allow_none=True)
    resampling_filter(interpolation, "load_tfds")
    tfds, tf = import_tfds("load_tfds")

    try:
        dataset, info = tfds.load(
            name,
            split=split,
            data_dir=data_dir,
            download=download,
            with_info=True,
            shuffle_files=shuffle,
            read_config=tfds.ReadConfig(shuffle_seed=seed),
        )
    except tfds.core.registered.DatasetNotFoundError as e:
        raise ValueError(
            f"load_tfds: TFDS has no dataset {name!r}; see https://www.tensorflow.org/datasets/catalog/overview."
        ) from e
    except AssertionError as e:  # how TFDS reports data that is not prepared when download=False
        raise FileNotFoundError(
            f"load_tfds: the TFDS dataset {name!r} is not prepared in {data_dir or 'the TFDS data folder'} and "
            f"download=False. Pass download=True (needs a network) or prepare it there first. ({e})"
        ) from e
    except OSError as e:  # a failed download (requests' ConnectionError is an OSError) or an unwritable folder
        raise OSError(
            f"load_tfds: TFDS could not download or prepare {name!r} in {data_dir or 'the TFDS data folder'} "
            f"({type(e).__name__}: {e}). Without a network, prepare it on a machine with one (`tfds build {name}` "
            "or `tensorflow_datasets.load(name, data_dir=...)`), copy that data folder here and pass it as "
            "data_dir (option `data_dir` of the dataset spec), with download=False."
        ) from e
    features = info.features
    if image_key not in features:
        raise ValueError(f"load_tfds: {name!r} has no feature {image_key!r}; its features are {list(features)}.")
    if label_key is not None and label_key not in features:
        if label_key != DEFAULT_LABEL_KEY:
            raise ValueError(f"load_tfds: {name!r} has no feature {label_key!r}; its features are {list(features)}.")
        label_key = None
    image_feature = features[image_key]
    image_dtype = np.dtype(image_feature.np_dtype)
    if image_dtype != np.uint8:
        raise ValueError(f"load_tfds: expected uint8 {image_key!r} images; {name!r} has {image_dtype}.")
    height, width, channels = image_feature.shape
    if channels not in (1, 3):
        raise ValueError(f"load_tfds: expected 1 or 3 channels; {name!r} has images of shape {image_feature.shape}.")
    out_channels = 3 if as_rgb else channels
    out_resolution = resolution if resolution is not None else height
    if out_resolution is None or (resolution is None and height != width):
        if batch_size is not None or with_info:
            raise ValueError(
                f"load_tfds: {name!r} images have shape {image_feature.shape}, not one square size; pass "
                "resolution to centre-crop and resize them."
            )
    num_classes, class_names = 0, None
    if label_key is not None:
        num_classes = int(getattr(features[label_key], "num_classes", 0) or 0)
        names = getattr(features[label_key], "names", None)
        class_names = tuple(names) if names else None
    num_images = _num_examples(info, split, dataset)

    def crop_resize(image):
        return center_crop_and_resize(image[None], resolution, interpolation)[0]

    def convert(element):
        image = element[image_key]
        if resolution is not None and (height, width) != (resolution, resolution):
            image = tf.numpy_function(crop_resize, [image], tf.uint8, stateful=False)
            image = tf.ensure_shape(image, (resolution, resolution, channels))
        if out_channels != channels:
            image = tf.tile(image, (1, 1, 3))
        if label_key is None:
            return image
        return image, tf.cast(element[label_key], tf.int32)

    dataset = dataset.map(convert, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if mirror:
        flipped = dataset.map(
            (lambda image: image[:, ::-1]) if label_key is None else (lambda image, label: (image[:, ::-1], label))
        )
        dataset = dataset.concatenate(flipped)
        num_images = None if num_images is None else 2 * num_images
    if shuffle:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if batch_size is not None:
        dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    dataset = dataset.prefetch(tf.data.AUTOTUNE)
    if not with_info:
        return dataset
    info_record = DatasetInfo(
        name=f"tfds:{name}",
        num_images=num_images,
        resolution=int(out_resolution),
        channels=out_channels,
        num_classes=num_classes,
        class_names=class_names,
        mirrored=bool(mirror),
    )
    return dataset, info_record
