"""The FID Inception network (TensorFlow 2015-12-05 weights, pool3 features) in Keras, with its two resizes.

This is the feature extractor behind every published FID/KID number: the Inception-v3 graph of TensorFlow's
`classify_image_graph_def.pb` (2015-12-05), as used by the original FID code (Heusel et al., TTUR), StyleGAN's
metrics (`inception-2015-12-05.pt`), pytorch-fid and clean-fid. Architecture, as read from the TorchScript graph:
every convolution is conv (no bias) -> batch norm without scale (`epsilon=1e-3`) -> ReLU; the 3x3 stride-1 average
pools of the A, C and first E (`mixed_9`) blocks leave padding out of the mean (`count_include_pad=False`); the
last E block (`mixed_10`) pools its fourth branch with a 3x3 *max* pool; pool3 averages the final 8x8x2048 map.
`keras.applications.InceptionV3` and torchvision's model average-pool in both E blocks (torchvision also counts
padding) and carry other weights and input scalings, so their features are not FID features.

Input pixels are in [0, 255] (the network itself sees `(pixels - 128) / 128`, i.e. [-1, 0.9921875]) and are
resized to 299x299 in one of two ways (`resize=`):

* `"legacy_tf"` (default): TensorFlow 1's `ResizeBilinear` with `align_corners=False` and no half-pixel centres:
  output pixel `i` samples input coordinate `i * in_size / out_size`, clamped at the border, no antialiasing.
  The original TF FID graph does exactly this, and StyleGAN's TorchScript network reproduces it with an
  `affine_grid`/`grid_sample` pair; StyleGAN2/ADA/3, R3GAN and the original FID paper report numbers this way.
* `"clean"`: clean-fid's convention (Parmar et al., 2022, https://arxiv.org/abs/2104.11222): PIL's bicubic resize
  (`a = -0.5`, kernel widened by the downscale factor, i.e. antialiased) of float32 pixel values, clipped to
  [0, 255]. Numbers reported as "clean-FID" use it; they are not comparable with legacy numbers.

(pytorch-fid uses a third resize, half-pixel-centred bilinear; it is not implemented.)
"""

import functools
import hashlib
import os
import pathlib
import tempfile
import urllib.request

import keras
import numpy as np
from keras import layers
from keras import ops

from keras_gans.layers.shape_validation import check_image_shape
from keras_gans.layers.shape_validation import describe
from keras_gans.metrics import convert_fid_inception
from keras_gans.utils.preset_utils import cache_root
from keras_gans.utils.weights_io import load_weights_file

RESIZE_MODES = ("legacy_tf", "clean")
INPUT_SIZE = 299
FEATURE_DIM = 2048
BATCH_NORM_EPSILON = 1e-3

FID_WEIGHTS_FILE = "fid_inception_v3.weights.h5"
# The source of the weights: pytorch-fid's release asset (also used by torch-fidelity), a `torch.save` state dict
# read as data and converted once (`keras_gans.metrics.convert_fid_inception`). `KERAS_GANS_FID_WEIGHTS_URL`
# overrides the URL (e.g. a mirror of the same file; the sha256 pin still applies).
PYTORCH_FID_FILE = "pt_inception-2015-12-05-6726825d.pth"
PYTORCH_FID_URL = "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/" + PYTORCH_FID_FILE
# sha256 of that file (95,628,359 bytes); its name carries the first 8 hex digits, as torch.hub names do.
PYTORCH_FID_SHA256 = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2"
DOWNLOAD_TIMEOUT_SECONDS = 30


def fid_weights_cache_path():
    """Where the converted FID Inception weights are looked for: `<keras_gans cache>/fid/<file>`."""
    return cache_root() / "fid" / FID_WEIGHTS_FILE


def _instructions():
    return (
        f"Download {PYTORCH_FID_URL} (sha256 {PYTORCH_FID_SHA256}) where there is a network and pass its path as "
        f"`weights=` (it is converted once), put it at {fid_weights_cache_path().with_name(PYTORCH_FID_FILE)}, "
        "or set KERAS_GANS_FID_WEIGHTS_URL to a mirror of it; a converted `.weights.h5` file works as `weights=` too."
    )


def _download(url, path, sha256, timeout=DOWNLOAD_TIMEOUT_SECONDS):
    """Downloads `url` to `path` once (one attempt, `timeout` seconds per network operation), checks its sha256
    and renames it into place; a partial or wrong file is never left at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=".partial-", dir=path.parent)
    try:
        digest = hashlib.sha256()
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            for block in iter(lambda: response.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise ValueError(f"sha256 {digest.hexdigest()} is not the pinned {sha256}")
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return path


def _converted(pth_path, output_path):
    return convert_fid_inception.convert_pytorch_fid(pth_path, output_path, fid_inception_backbone())


def fid_inception_weights(weights="fid", download=True):
    """Resolves `weights` to the path of a converted FID Inception `.weights.h5` file.

    Args:
        weights: `"fid"`: `$KERAS_GANS_FID_WEIGHTS` if set, else the cache file (`fid_weights_cache_path()`), made
            on first use from pytorch-fid's `PYTORCH_FID_FILE` (taken from the cache folder or downloaded from
            `PYTORCH_FID_URL`, sha256-pinned, then converted); or a path: a converted `.weights.h5` file, or a
            pytorch-fid `.pth` file (converted once into the cache folder).
        download: whether a missing `.pth` file may be downloaded.

    Returns:
        The path as a string.
    """
    if weights != "fid":
        path = pathlib.Path(weights).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"FIDInceptionV3: no weights file at {path}. " + _instructions())
        if path.suffix != ".pth":
            return str(path)
        converted = fid_weights_cache_path().with_name(f"{path.stem}.{FID_WEIGHTS_FILE}")
        return str(converted if converted.is_file() else _converted(path, converted))
    if os.environ.get("KERAS_GANS_FID_WEIGHTS"):
        return fid_inception_weights(os.environ["KERAS_GANS_FID_WEIGHTS"], download=False)
    path = fid_weights_cache_path()
    if path.is_file():
        return str(path)
    source = path.with_name(PYTORCH_FID_FILE)
    if not source.is_file():
        origin = os.environ.get("KERAS_GANS_FID_WEIGHTS_URL", PYTORCH_FID_URL)
        if not download:
            raise FileNotFoundError(
                f"FIDInceptionV3: the FID Inception weights are not in the cache ({path}) and download=False. "
                + _instructions()
            )
        try:
            _download(origin, source, PYTORCH_FID_SHA256)
        except (OSError, ValueError) as error:  # URLError and timeouts are OSErrors
            raise FileNotFoundError(
                f"FIDInceptionV3: the FID Inception weights are not in the cache ({path}) and could not be "
                f"downloaded from {origin} ({type(error).__name__}: {error}). " + _instructions()
            ) from error
    return str(_converted(source, path))


# ----------------------------------------------------------------------------------------------------------------
# Resizing: both conventions are separable linear maps, so each is a pair of (out, in) matrices built in NumPy
# (float64) from static shapes and applied with einsum: exact, and identical on every backend.


@functools.lru_cache(maxsize=32)
def legacy_tf_resize_matrix(in_size, out_size):
    """`(out_size, in_size)` weights of TF1 `ResizeBilinear(align_corners=False, half_pixel_centers=False)`."""
    source = np.arange(out_size) * (in_size / out_size)
    low = np.floor(source).astype(np.int64)
    high = np.minimum(low + 1, in_size - 1)
    frac = source - low
    matrix = np.zeros((out_size, in_size))
    rows = np.arange(out_size)
    np.add.at(matrix, (rows, low), 1.0 - frac)
    np.add.at(matrix, (rows, high), frac)
    return matrix


def _pil_bicubic(x):
    # PIL's bicubic filter (a = -0.5), support 2.
    x = np.abs(x)
    near = ((-0.5 + 2.0) * x - (-0.5 + 3.0)) * x * x + 1.0
    far = (((x - 5.0) * x + 8.0) * x - 4.0) * -0.5
    return np.where(x < 1.0, near, np.where(x < 2.0, far, 0.0))


@functools.lru_cache(maxsize=32)
def clean_resize_matrix(in_size, out_size):
    """`(out_size, in_size)` weights of PIL's bicubic `Image.resize` (clean-fid's resize), antialiased."""
    scale = in_size / out_size
    filter_scale = max(scale, 1.0)
    support = 2.0 * filter_scale
    matrix = np.zeros((out_size, in_size))
    for i in range(out_size):
        center = (i + 0.5) * scale
        # PIL truncates towards zero (a C cast), then clips to the image.
        first = max(int(center - support + 0.5), 0)
        last = min(int(center + support + 0.5), in_size)
        taps = np.arange(first, last)
        weights = _pil_bicubic((taps - center + 0.5) / filter_scale)
        total = weights.sum()
        matrix[i, first:last] = weights / total if total != 0.0 else weights
    return matrix


def resize_matrix(mode, in_size, out_size):
    """The `(out_size, in_size)` resize weights of `mode` (one of `RESIZE_MODES`)."""
    if mode == "legacy_tf":
        return legacy_tf_resize_matrix(in_size, out_size)
    if mode == "clean":
        return clean_resize_matrix(in_size, out_size)
    raise ValueError(f"resize_matrix: unknown resize mode {mode!r}; expected one of {RESIZE_MODES}.")


def resize_to_inception(images, mode):
    """Resizes float `(N, H, W, C)` pixel values in [0, 255] to 299x299 with `mode` (see the module docstring)."""
    _, height, width, _ = images.shape
    resized = False
    if height != INPUT_SIZE:
        matrix = ops.convert_to_tensor(resize_matrix(mode, height, INPUT_SIZE).astype("float32"))
        images = ops.einsum("oh,nhwc->nowc", matrix, images)
        resized = True
    if width != INPUT_SIZE:
        matrix = ops.convert_to_tensor(resize_matrix(mode, width, INPUT_SIZE).astype("float32"))
        images = ops.einsum("ow,nhwc->nhoc", matrix, images)
        resized = True
    if resized and mode == "clean":
        # Bicubic overshoots; clean-fid clips the resized image back to the pixel range.
        images = ops.clip(images, 0.0, 255.0)
    return images


# ----------------------------------------------------------------------------------------------------------------
# The backbone. Layer names are the TorchScript module paths with "." written "__" (torch forbids "." in names),
# e.g. `mixed__tower_1__conv`, so that the converter maps weights by name. Every convolution is conv (no bias)
# -> batch norm (no scale, eps 1e-3) -> ReLU.


def _conv(x, name, filters, kernel, strides=1, padding="same"):
    # Zero kernels until weights are loaded: random initializers cost minutes of eager compiles on JAX.
    x = layers.Conv2D(
        filters,
        kernel,
        strides=strides,
        padding=padding,
        use_bias=False,
        kernel_initializer="zeros",
        name=name,
        dtype="float32",
    )(x)
    x = layers.BatchNormalization(epsilon=BATCH_NORM_EPSILON, scale=False, name=f"{name}__bn", dtype="float32")(
        x, training=False
    )
    return layers.ReLU(name=f"{name}__relu", dtype="float32")(x)


def _avg_pool(x, name):
    # Padding excluded from the mean (TF "SAME" semantics; count_include_pad=False in the TorchScript).
    return layers.AveragePooling2D(3, strides=1, padding="same", name=name, dtype="float32")(x)


def _max_pool(x, name, strides=2):
    padding = "valid" if strides == 2 else "same"
    return layers.MaxPooling2D(3, strides=strides, padding=padding, name=name, dtype="float32")(x)


def _concat(branches, name):
    return layers.Concatenate(axis=-1, name=name, dtype="float32")(branches)


def _block_a(x, name, pool_filters):
    branch_1x1 = _conv(x, f"{name}__conv", 64, 1)
    branch_5x5 = _conv(_conv(x, f"{name}__tower__conv", 48, 1), f"{name}__tower__conv_1", 64, 5)
    branch_3x3 = _conv(x, f"{name}__tower_1__conv", 64, 1)
    branch_3x3 = _conv(branch_3x3, f"{name}__tower_1__conv_1", 96, 3)
    branch_3x3 = _conv(branch_3x3, f"{name}__tower_1__conv_2", 96, 3)
    branch_pool = _conv(_avg_pool(x, f"{name}__tower_2__pool"), f"{name}__tower_2__conv", pool_filters, 1)
    return _concat([branch_1x1, branch_5x5, branch_3x3, branch_pool], name)


def _block_b(x, name):
    branch_3x3 = _conv(x, f"{name}__conv", 384, 3, strides=2, padding="valid")
    branch_dbl = _conv(x, f"{name}__tower__conv", 64, 1)
    branch_dbl = _conv(branch_dbl, f"{name}__tower__conv_1", 96, 3)
    branch_dbl = _conv(branch_dbl, f"{name}__tower__conv_2", 96, 3, strides=2, padding="valid")
    return _concat([branch_3x3, branch_dbl, _max_pool(x, f"{name}__pool")], name)


def _block_c(x, name, width):
    branch_1x1 = _conv(x, f"{name}__conv", 192, 1)
    branch_7 = _conv(x, f"{name}__tower__conv", width, 1)
    branch_7 = _conv(branch_7, f"{name}__tower__conv_1", width, (1, 7))
    branch_7 = _conv(branch_7, f"{name}__tower__conv_2", 192, (7, 1))
    branch_dbl = _conv(x, f"{name}__tower_1__conv", width, 1)
    for index, kernel in enumerate([(7, 1), (1, 7), (7, 1)], start=1):
        branch_dbl = _conv(branch_dbl, f"{name}__tower_1__conv_{index}", width, kernel)
    branch_dbl = _conv(branch_dbl, f"{name}__tower_1__conv_4", 192, (1, 7))
    branch_pool = _conv(_avg_pool(x, f"{name}__tower_2__pool"), f"{name}__tower_2__conv", 192, 1)
    return _concat([branch_1x1, branch_7, branch_dbl, branch_pool], name)


def _block_d(x, name):
    branch_3x3 = _conv(x, f"{name}__tower__conv", 192, 1)
    branch_3x3 = _conv(branch_3x3, f"{name}__tower__conv_1", 320, 3, strides=2, padding="valid")
    branch_7x3 = _conv(x, f"{name}__tower_1__conv", 192, 1)
    branch_7x3 = _conv(branch_7x3, f"{name}__tower_1__conv_1", 192, (1, 7))
    branch_7x3 = _conv(branch_7x3, f"{name}__tower_1__conv_2", 192, (7, 1))
    branch_7x3 = _conv(branch_7x3, f"{name}__tower_1__conv_3", 192, 3, strides=2, padding="valid")
    return _concat([branch_3x3, branch_7x3, _max_pool(x, f"{name}__pool")], name)


def _block_e(x, name, pool):
    branch_1x1 = _conv(x, f"{name}__conv", 320, 1)
    a = _conv(x, f"{name}__tower_conv", 384, 1)
    b = _conv(_conv(x, f"{name}__tower_1_conv", 448, 1), f"{name}__tower_1_conv_1", 384, 3)
    pooled = _avg_pool(x, f"{name}__tower_2_pool") if pool == "avg" else _max_pool(x, f"{name}__tower_2_pool", 1)
    branches = [
        branch_1x1,
        _conv(a, f"{name}__tower_mixed_conv", 384, (1, 3)),
        _conv(a, f"{name}__tower_mixed_conv_1", 384, (3, 1)),
        _conv(b, f"{name}__tower_1_mixed_conv", 384, (1, 3)),
        _conv(b, f"{name}__tower_1_mixed_conv_1", 384, (3, 1)),
        _conv(pooled, f"{name}__tower_2_conv", 192, 1),
    ]
    return _concat(branches, name)


def fid_inception_backbone(name="fid_inception_backbone"):
    """The functional network from normalized 299x299 RGB (`(pixels - 128) / 128`) to 2048 pool3 features."""
    inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, 3), name="normalized_images", dtype="float32")
    x = _conv(inputs, "conv", 32, 3, strides=2, padding="valid")
    x = _conv(x, "conv_1", 32, 3, padding="valid")
    x = _conv(x, "conv_2", 64, 3)
    x = _max_pool(x, "pool0")
    x = _conv(x, "conv_3", 80, 1)
    x = _conv(x, "conv_4", 192, 3, padding="valid")
    x = _max_pool(x, "pool1")
    for block, pool_filters in zip(["mixed", "mixed_1", "mixed_2"], [32, 64, 64]):
        x = _block_a(x, block, pool_filters)
    x = _block_b(x, "mixed_3")
    for block, width in zip(["mixed_4", "mixed_5", "mixed_6", "mixed_7"], [128, 160, 160, 192]):
        x = _block_c(x, block, width)
    x = _block_d(x, "mixed_8")
    x = _block_e(x, "mixed_9", pool="avg")
    x = _block_e(x, "mixed_10", pool="max")
    outputs = layers.GlobalAveragePooling2D(name="pool3", dtype="float32")(x)
    backbone = keras.Model(inputs, outputs, name=name)
    backbone.trainable = False  # frozen: batch norm always uses its stored statistics
    return backbone


@keras.saving.register_keras_serializable(package="keras_gans")
class FIDInceptionV3(keras.Model):
    """The standard FID Inception-v3 (TF 2015-12-05 weights): RGB pixels in [0, 255] -> 2048 pool3 features.

    The network of Heusel et al. (2017, https://arxiv.org/abs/1706.08500) used by FID and KID everywhere,
    ported exactly (features within 1e-4 of the TorchScript network) and running on every Keras backend. Images
    of any size are resized to 299x299 first (see the module docstring for the two `resize` conventions), then
    normalized to `(pixels - 128) / 128`. The model is frozen.

    Args:
        resize: `"legacy_tf"` (default; TF1 bilinear, as in published FID numbers) or `"clean"` (clean-fid's
            antialiased PIL bicubic).
        weights: `"fid"` (pytorch-fid's published weights, downloaded once from `PYTORCH_FID_URL` and converted;
            see `fid_inception_weights`), a path to pytorch-fid's `.pth` file or to a converted `.weights.h5`
            file, or `None` (zero kernels: for tests and for the converters, which assign the weights).
        **kwargs: `keras.Model` arguments such as `name`.

    Input: `(batch, height, width, 3)` pixel values in [0, 255], float or integer dtype (not in [-1, 1]; the
    metrics in `keras_gans.metrics.fid` convert generator images for you).
    Output: `(batch, 2048)` float32 features.

    Examples:

    ```python
    model = FIDInceptionV3(weights=None)
    features = model.predict_on_batch(np.zeros((2, 32, 32, 3), "uint8"))  # (2, 2048)
    ```
    """

    def __init__(self, resize="legacy_tf", weights="fid", **kwargs):
        kwargs.setdefault("name", "fid_inception_v3")
        super().__init__(**kwargs)
        if resize not in RESIZE_MODES:
            raise ValueError(f"FIDInceptionV3: `resize` must be one of {RESIZE_MODES}, got {resize!r}.")
        self.resize = resize
        self.backbone = fid_inception_backbone()
        if weights is not None:
            load_weights_file(self.backbone, fid_inception_weights(weights), "FID Inception weights")

    def _check_input(self, shape, dtype):
        check_image_shape(self, shape, channels=3)
        dtype = keras.backend.standardize_dtype(dtype)
        if not (dtype.startswith("float") or dtype.startswith("int") or dtype.startswith("uint")):
            raise ValueError(f"{describe(self)} expects float or integer pixel values in [0, 255], got dtype {dtype}.")

    def build(self, input_shape):
        self._check_input(input_shape, "float32")
        self.built = True

    def preprocess(self, images):
        """Pixels in [0, 255] -> the backbone's input: resized to 299x299, then `(pixels - 128) / 128`."""
        self._check_input(images.shape, images.dtype)
        return (resize_to_inception(ops.cast(images, "float32"), self.resize) - 128.0) / 128.0

    def call(self, images, training=False):
        return self.backbone(self.preprocess(images), training=False)

    def extract_features(self, images, batch_size=32):
        """NumPy features of pixel images in [0, 255], in batches of `batch_size`.

        Resizing runs eagerly and only the 299x299 network is compiled (`predict_on_batch`), so images of any
        size share one compiled network; the last batch is padded to `batch_size` when there are several, so
        one call compiles at most one shape.

        Args:
            images: `(N, H, W, 3)` array or tensor of pixel values in [0, 255].
            batch_size: images per network call.

        Returns:
            `(N, 2048)` float32 NumPy array.
        """
        self._check_input(images.shape, images.dtype)
        count = int(images.shape[0])
        if count == 0:
            return np.zeros((0, FEATURE_DIM), "float32")
        size = min(batch_size, count)
        features = []
        for start in range(0, count, size):
            normalized = self.preprocess(ops.convert_to_tensor(images[start : start + size]))
            used = int(normalized.shape[0])
            if used < size:
                normalized = ops.pad(normalized, [[0, size - used], [0, 0], [0, 0], [0, 0]])
            features.append(np.asarray(self.backbone.predict_on_batch(normalized))[:used])
        return np.concatenate(features).astype("float32")

    def compute_output_shape(self, input_shape):
        return (input_shape[0], FEATURE_DIM)

    def get_config(self):
        config = super().get_config()
        config.update({"resize": self.resize, "weights": None})
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
