"""Multi-scale SSIM (MS-SSIM) as ProGAN used it: a diversity measure over pairs of generated images.

Wang et al., "Multiscale structural similarity for image quality assessment", 2003; used as a diversity score
by Odena et al., "Conditional Image Synthesis with Auxiliary Classifier GANs", https://arxiv.org/abs/1610.09585,
and reported by Karras et al. (ProGAN, https://arxiv.org/abs/1710.10196) with their `metrics/ms_ssim.py`:

- 5 scales with weights `[0.0448, 0.2856, 0.3001, 0.2363, 0.1333]`, 2x2 box downsampling between scales;
- an 11x11 Gaussian window with sigma 1.5, shrunk to the image when the image is smaller (sigma scaled by the
  same factor; an even size puts the window's centre between pixels), 'valid' filtering;
- `K1 = 0.01`, `K2 = 0.03`, dynamic range 255;
- per scale, the SSIM map and the contrast-structure map are averaged over height, width and channels; negative
  averages are clipped to 0; `MS-SSIM = prod_{s < 5} cs_s ** w_s * ssim_5 ** w_5`, one value per pair;
- the diversity score is the mean over consecutive pairs of generated images (20,000 images, 10,000 pairs).
  Lower means more diverse.

The official code filters with an FFT convolution in float64; here the (separable, exactly factorised) Gaussian is
applied directly with `keras.ops` in float32, after subtracting 128 from the pixels so that the second moments keep
float32 precision (the local means get the 128 back). The values agree with the official ones to about 1e-6.
"""

import numpy as np
from keras import ops

from keras_gans.metrics.image_inputs import check_uint8_images

MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
PROGAN_DIVERSITY_IMAGES = 20000
_PIXEL_OFFSET = 128.0


def gaussian_taps(size, sigma):
    """The 1-D factor of the official window: `exp(-x^2 / 2 sigma^2)`, x centred (half-integers if size is even)."""
    offset = 0.5 if size % 2 == 0 else 0.0
    positions = np.arange(size) - size // 2 + offset
    taps = np.exp(-np.square(positions) / (2.0 * sigma**2))
    return taps / taps.sum()


def _filter_valid(x, taps):
    """Separable 'valid' Gaussian filtering of every channel (two depthwise convolutions)."""
    channels = int(x.shape[-1])
    column = np.tile(np.asarray(taps, np.float32).reshape(-1, 1, 1, 1), (1, 1, channels, 1))
    x = ops.depthwise_conv(x, column, padding="valid")
    return ops.depthwise_conv(x, np.transpose(column, (1, 0, 2, 3)), padding="valid")


def _box_downsample(x):
    return (x[:, 0::2, 0::2, :] + x[:, 1::2, 0::2, :] + x[:, 0::2, 1::2, :] + x[:, 1::2, 1::2, :]) * 0.25


def _ssim_and_cs(x, y, max_val, filter_size, filter_sigma, k1, k2):
    """Per-image mean SSIM and contrast-structure term at one scale; `x` and `y` are offset by -128."""
    size = min(filter_size, int(x.shape[1]), int(x.shape[2]))
    taps = gaussian_taps(size, size * filter_sigma / filter_size)
    # One filtering pass over the five maps stacked on the channel axis.
    channels = int(x.shape[-1])
    moments = _filter_valid(ops.concatenate([x, y, x * x, y * y, x * y], axis=-1), taps)
    mean_x, mean_y, mean_xx, mean_yy, mean_xy = (moments[..., i * channels : (i + 1) * channels] for i in range(5))
    var_x = mean_xx - mean_x * mean_x
    var_y = mean_yy - mean_y * mean_y
    cov_xy = mean_xy - mean_x * mean_y
    mean_x, mean_y = mean_x + _PIXEL_OFFSET, mean_y + _PIXEL_OFFSET
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    v1 = 2.0 * cov_xy + c2
    v2 = var_x + var_y + c2
    ssim_map = ((2.0 * mean_x * mean_y + c1) * v1) / ((mean_x * mean_x + mean_y * mean_y + c1) * v2)
    cs_map = v1 / v2
    return ops.mean(ssim_map, axis=(1, 2, 3)), ops.mean(cs_map, axis=(1, 2, 3))


def ms_ssim(
    images_a,
    images_b,
    max_val=255.0,
    filter_size=11,
    filter_sigma=1.5,
    k1=0.01,
    k2=0.03,
    weights=MS_SSIM_WEIGHTS,
):
    """MS-SSIM of each pair `(images_a[i], images_b[i])`, as in ProGAN's evaluation code.

    Args:
        images_a, images_b: uint8 `(N, H, W, C)` arrays or tensors of the same shape, C in {1, 3}; H and W
            divisible by `2 ** (len(weights) - 1)`.
        max_val: dynamic range of the pixels.
        filter_size: Gaussian window size (shrunk to the image at small scales).
        filter_sigma: Gaussian sigma for the full-size window.
        k1, k2: SSIM stabilising constants.
        weights: one exponent per scale.

    Returns:
        float64 numpy array `(N,)`.

    Examples:

    >>> images = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype="uint8")
    >>> ms_ssim(images, images).round(6).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    weights = np.asarray(weights, np.float64)
    if weights.ndim != 1 or weights.size < 1:
        raise ValueError(f"ms_ssim: `weights` must be a non-empty list of per-scale exponents, got {weights}.")
    factor = 2 ** (weights.size - 1)
    a = check_uint8_images(images_a, "ms_ssim", name="images_a", divisible_by=factor)
    b = check_uint8_images(images_b, "ms_ssim", name="images_b", divisible_by=factor)
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(
            f"ms_ssim: `images_a` and `images_b` must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}."
        )
    x = ops.cast(a, "float32") - _PIXEL_OFFSET
    y = ops.cast(b, "float32") - _PIXEL_OFFSET
    ssims, css = [], []
    for scale in range(weights.size):
        ssim, cs = _ssim_and_cs(x, y, max_val, filter_size, filter_sigma, k1, k2)
        ssims.append(ops.convert_to_numpy(ssim).astype(np.float64))
        css.append(ops.convert_to_numpy(cs).astype(np.float64))
        if scale + 1 < weights.size:
            x, y = _box_downsample(x), _box_downsample(y)
    ssims = np.clip(np.stack(ssims), 0.0, None)
    css = np.clip(np.stack(css), 0.0, None)
    return np.prod(css[:-1] ** weights[:-1, None], axis=0) * ssims[-1] ** weights[-1]


class MultiScaleSSIMDiversity:
    """Mean MS-SSIM over consecutive pairs of generated images (images 0 and 1, 2 and 3, ...), ProGAN's protocol.

    Feed batches of generated uint8 NHWC images until `remaining` is 0 (20,000 images, i.e. 10,000 pairs, by
    default); pairs may straddle batches. `result()` is the mean over the pairs seen so far; lower is more diverse.

    Args:
        num_images: how many images the evaluation uses (even; `update_state` refuses more).
        **ms_ssim_kwargs: `ms_ssim` arguments (`max_val`, `filter_size`, `filter_sigma`, `k1`, `k2`, `weights`).

    Examples:

    >>> metric = MultiScaleSSIMDiversity(num_images=8)
    >>> rng = np.random.default_rng(0)
    >>> while metric.remaining:
    ...     metric.update_state(rng.integers(0, 256, (min(3, metric.remaining), 16, 16, 3), dtype="uint8"))
    >>> metric.num_pairs
    4
    """

    def __init__(self, num_images=PROGAN_DIVERSITY_IMAGES, **ms_ssim_kwargs):
        if isinstance(num_images, bool) or not isinstance(num_images, (int, np.integer)) or num_images < 2:
            raise ValueError(f"{type(self).__name__}: `num_images` must be an even integer >= 2, got {num_images!r}.")
        if num_images % 2:
            raise ValueError(f"{type(self).__name__}: `num_images` must be even (images are paired), got {num_images}.")
        self.num_images = int(num_images)
        self.ms_ssim_kwargs = ms_ssim_kwargs
        self.reset_state()

    def reset_state(self):
        self._sum, self._pairs, self._seen, self._pending = 0.0, 0, 0, None

    @property
    def num_pairs(self):
        return self._pairs

    @property
    def remaining(self):
        """Images still to feed."""
        return self.num_images - self._seen

    def update_state(self, images):
        """Adds a batch of generated uint8 `(N, H, W, C)` images (C in {1, 3})."""
        images = check_uint8_images(images, f"{type(self).__name__}.update_state")
        count = int(images.shape[0])
        if count > self.remaining:
            raise ValueError(
                f"{type(self).__name__}.update_state: got {count} images but only {self.remaining} of "
                f"num_images={self.num_images} remain."
            )
        if self._pending is not None:
            images = ops.concatenate([self._pending, images], axis=0)
            count += 1
            self._pending = None
        if count % 2:
            self._pending = images[count - 1 :]
            images = images[: count - 1]
        if count >= 2:
            values = ms_ssim(images[0::2], images[1::2], **self.ms_ssim_kwargs)
            self._sum += float(values.sum())
            self._pairs += values.size
        self._seen = self._pairs * 2 + (0 if self._pending is None else 1)

    def result(self):
        """Mean MS-SSIM over the pairs fed so far (a Python float)."""
        if self._pairs == 0:
            raise ValueError(f"{type(self).__name__}.result: no complete pair fed yet.")
        return self._sum / self._pairs


def ms_ssim_diversity(images, batch_size=256, **ms_ssim_kwargs):
    """Mean MS-SSIM over consecutive pairs `(images[0], images[1]), (images[2], images[3]), ...`.

    Args:
        images: uint8 `(N, H, W, C)` generated images, N even (ProGAN: 20,000).
        batch_size: images per `ms_ssim` call (even).
        **ms_ssim_kwargs: `ms_ssim` arguments.

    Returns:
        A Python float.

    Examples:

    >>> images = np.random.default_rng(0).integers(0, 256, (6, 16, 16, 3), dtype="uint8")
    >>> 0.0 <= ms_ssim_diversity(images) < 1.0
    True
    """
    images = check_uint8_images(images, "ms_ssim_diversity")
    if batch_size < 2 or batch_size % 2:
        raise ValueError(f"ms_ssim_diversity: `batch_size` must be an even integer >= 2, got {batch_size}.")
    if int(images.shape[0]) % 2:
        raise ValueError(f"ms_ssim_diversity: needs an even number of images (pairs), got {int(images.shape[0])}.")
    metric = MultiScaleSSIMDiversity(num_images=int(images.shape[0]), **ms_ssim_kwargs)
    for start in range(0, int(images.shape[0]), batch_size):
        metric.update_state(images[start : start + batch_size])
    return metric.result()
