"""Sliced Wasserstein distance (SWD) between two image sets, exactly as ProGAN's evaluation defines it.

Karras et al., "Progressive Growing of GANs for Improved Quality, Stability, and Variation", ICLR 2018,
https://arxiv.org/abs/1710.10196 (appendix D) and its official `metrics/sliced_wasserstein.py`.

Procedure, per set and per level of a Laplacian pyramid (levels `R, R/2, ..., 16`; the last level is the
low-pass image itself, the others are band-pass):

1. the pyramid uses the 5x5 binomial kernel `[1, 4, 6, 4, 1] / 16` (outer product) with reflect-101 borders
   (`d c b | a b c d | c b a`), like `cv2.pyrDown`/`cv2.pyrUp`;
2. 128 patches of 3x7x7 per image and level, centres uniform in `[3, S - 4]` (column, then row), drawn
   independently per image, level and set; each patch is stored transposed (its second axis walks columns), as in
   the official code, so that a fixed seed reproduces the official numbers;
3. each set is normalised with its own per-channel mean and population standard deviation over all its patches;
4. 4 repeats of 128 random unit directions (Gaussian, column-normalised in float64, cast to float32): project
   both sets, sort every projection, take the mean absolute difference; average the repeats;
5. multiply by 1e3 (`SWDx1e3_<res>`) and average the levels (`SWDx1e3_avg`).

Where the work runs: the pyramid and the patch gathering use `keras.ops` (the backend's device; only the patches
come back to the host); the random draws, the per-channel statistics and the descriptor store are NumPy on the
host; the projections and sorts use `keras.ops` on an accelerator and NumPy on a CPU (`compute="auto"`; NumPy's
sort is several times faster than some backends' CPU sorts; both agree to float32 round-off). Random numbers come
from NumPy so that `rng="numpy_legacy"` can replay the official code's global-RNG call order exactly (see
`SlicedWassersteinDistance`).

Memory: images are only needed while they are fed; the descriptors are kept (float32) until `result()`:
`num_images * num_patches * 147 * 4` bytes per level and per set, i.e. 1.2 GB per level per set for the paper's
16384 images (7 levels x 2 sets at 1024x1024 is ~17 GB), plus normalised copies of one level of both sets during
`result()`.
To use less, feed fewer images or lower `num_patches` (both add sampling noise; numbers are then not comparable
to the paper's). The projections are computed in chunks of directions (about 64 MB each) whatever the set size.

Note: where float32 matrix products run in TF32 (TensorFlow's default on Ampere and later GPUs, for example), the
projections lose precision (about 1e-3 relative); disable TF32 to reproduce the official numbers closely.
"""

import numpy as np
from keras import ops

from keras_gans.backend.device import default_device_is_cpu
from keras_gans.metrics.image_inputs import check_uint8_images
from keras_gans.metrics.laplacian_pyramid import laplacian_pyramid

_RNG_MODES = ("numpy", "numpy_legacy")
_PROJECTION_ELEMENTS = 1 << 24  # float32 elements per projection chunk (64 MB)


# ------------------------------------------------------------------------------------------- descriptors and SWD


class _ChannelMoments:
    """Streaming per-channel mean and population variance (Chan et al. merge, float64)."""

    def __init__(self):
        self.count, self.mean, self.m2 = 0, 0.0, 0.0

    def update(self, descriptors):  # (n, C, p, p)
        values = np.moveaxis(descriptors, 1, 0).reshape(descriptors.shape[1], -1).astype(np.float64)
        count, mean = values.shape[1], values.mean(axis=1)
        m2 = np.square(values - mean[:, None]).sum(axis=1)
        total = self.count + count
        delta = mean - self.mean
        self.mean = self.mean + delta * (count / total)
        self.m2 = self.m2 + m2 + np.square(delta) * (self.count * count / total)
        self.count = total

    def std(self):
        return np.sqrt(self.m2 / self.count)


def _normalize_in_place(descriptors, moments):
    shape = (1, -1, 1, 1)
    descriptors -= moments.mean.astype(np.float32).reshape(shape)
    descriptors /= moments.std().astype(np.float32).reshape(shape)
    return descriptors.reshape(descriptors.shape[0], -1)


def normalize_descriptors(descriptors):
    """Per-channel standardisation of one set's patches (population std over all patches and positions).

    Args:
        descriptors: `(n, C, p, p)` array of raw patches.

    Returns:
        float32 array `(n, C * p * p)`.
    """
    descriptors = np.array(descriptors, np.float32)  # a copy, normalised in place
    if descriptors.ndim != 4:
        raise ValueError(f"normalize_descriptors: expected (n, channels, p, p), got shape {descriptors.shape}.")
    moments = _ChannelMoments()
    moments.update(descriptors)
    return _normalize_in_place(descriptors, moments)


def _unit_directions(directions):
    directions = np.asarray(directions, np.float64)
    return (directions / np.sqrt(np.sum(np.square(directions), axis=0, keepdims=True))).astype(np.float32)


def _projection_gaps_sum_numpy(a_rows, b_rows, unit):
    # Rows of `unit.T @ a.T` are the projections of every descriptor on one direction: sort along the last axis.
    projected_a = np.sort(unit.T @ a_rows.T, axis=-1)
    projected_b = np.sort(unit.T @ b_rows.T, axis=-1)
    return float(np.abs(projected_a - projected_b).sum(dtype=np.float64))


def _projection_gaps_sum_keras(a_columns, b_columns, unit):
    unit_rows = ops.convert_to_tensor(np.ascontiguousarray(unit.T))
    projected_a = ops.sort(ops.matmul(unit_rows, a_columns), axis=-1)
    projected_b = ops.sort(ops.matmul(unit_rows, b_columns), axis=-1)
    gaps = ops.abs(projected_a - projected_b)
    # float32 partial sums over 256 values on the device, the rest in float64 on the host.
    length = int(gaps.shape[1])
    full = length - length % 256
    total = 0.0
    if full:
        blocks = ops.reshape(gaps[:, :full], (int(gaps.shape[0]), full // 256, 256))
        total += ops.convert_to_numpy(ops.sum(blocks, axis=-1)).astype(np.float64).sum()
    if length > full:
        total += ops.convert_to_numpy(ops.sum(gaps[:, full:], axis=-1)).astype(np.float64).sum()
    return float(total)


def sliced_wasserstein(descriptors_a, descriptors_b, directions, compute="auto"):
    """Sliced Wasserstein distance between two equally sized descriptor sets (ProGAN's, without the x1e3).

    Args:
        descriptors_a, descriptors_b: `(n, D)` arrays (normally from `normalize_descriptors`).
        directions: `(repeats, D, k)` Gaussian draws; each column is normalised to unit length (in float64,
            then cast to float32) before projecting.
        compute: where the projections and sorts run: `"keras"` (`keras.ops`, on the backend's device),
            `"numpy"` (host), or `"auto"`: NumPy when the backend's default device is a CPU (NumPy sorts several
            times faster than some backends' CPU sorts), `keras.ops` otherwise. The results agree to float32
            round-off.

    Returns:
        A Python float: mean over repeats of `mean |sort(A @ d) - sort(B @ d)|`.

    Examples:

    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=(64, 5)).astype("float32")
    >>> sliced_wasserstein(a, a, rng.normal(size=(2, 5, 8)))
    0.0
    """
    a = np.asarray(descriptors_a, np.float32)
    b = np.asarray(descriptors_b, np.float32)
    directions = np.asarray(directions)
    if a.shape != b.shape or a.ndim != 2 or directions.ndim != 3 or directions.shape[1] != a.shape[1]:
        raise ValueError(
            "sliced_wasserstein: expected two (n, D) sets of the same shape and directions (repeats, D, k), got "
            f"{a.shape}, {b.shape} and {directions.shape}."
        )
    if compute not in ("auto", "keras", "numpy"):
        raise ValueError(f"sliced_wasserstein: `compute` must be 'auto', 'keras' or 'numpy', got {compute!r}.")
    rows, num_dirs = a.shape[0], directions.shape[2]
    if compute == "auto":
        compute = "numpy" if default_device_is_cpu() else "keras"
    if compute == "keras":
        a, b = ops.convert_to_tensor(np.ascontiguousarray(a.T)), ops.convert_to_tensor(np.ascontiguousarray(b.T))
        gaps_sum = _projection_gaps_sum_keras
    else:
        gaps_sum = _projection_gaps_sum_numpy
    chunk = int(max(1, min(num_dirs, _PROJECTION_ELEMENTS // max(rows, 1))))
    repeat_values = []
    for repeat_directions in directions:
        unit = _unit_directions(repeat_directions)
        total = sum(gaps_sum(a, b, unit[:, start : start + chunk]) for start in range(0, num_dirs, chunk))
        repeat_values.append(total / (rows * num_dirs))
    return float(np.mean(repeat_values))


def extract_patches(level, x_centres, y_centres, patch_size):
    """Gathers `(n, C, p, p)` patches from an NHWC level, `num_patches = n / N` consecutive ones per image.

    Patches are stored transposed (axis 2 walks columns, axis 3 rows), as the official code does.
    """
    batch, height, width, channels = (int(s) for s in level.shape)
    per_image = len(x_centres) // batch
    half = patch_size // 2
    offsets = np.arange(-half, half + 1)
    image = (np.arange(len(x_centres)) // per_image)[:, None, None, None]
    channel = np.arange(channels)[None, :, None, None]
    cols = np.asarray(x_centres)[:, None, None, None] + offsets[None, None, :, None]
    rows = np.asarray(y_centres)[:, None, None, None] + offsets[None, None, None, :]
    flat = ((image * height + rows) * width + cols) * channels + channel
    index_dtype = "int32" if batch * height * width * channels < 2**31 else "int64"
    patches = ops.take(ops.reshape(level, (-1,)), flat.astype(index_dtype))
    return ops.convert_to_numpy(patches).astype(np.float32)


# ----------------------------------------------------------------------------------------------- streaming metric


class _DescriptorSet:
    def __init__(self, num_levels):
        self.chunks = [[] for _ in range(num_levels)]
        self.moments = [_ChannelMoments() for _ in range(num_levels)]
        self.num_images = 0

    def add(self, level_index, descriptors):
        self.chunks[level_index].append(descriptors)
        self.moments[level_index].update(descriptors)

    def normalized(self, level_index):
        return _normalize_in_place(np.concatenate(self.chunks[level_index]), self.moments[level_index])


class SlicedWassersteinDistance:
    """Streaming SWD between a set of real and a set of generated images, as ProGAN reports it (`SWDx1e3_*`).

    Feed the reals, then the fakes, in batches of uint8 NHWC images; `result()` returns one value per pyramid
    level (`SWDx1e3_<res>`, levels `resolution, resolution / 2, ..., min_resolution`) and their mean
    (`SWDx1e3_avg`). Both sets must end up with the same number of images. The paper used 16384 images per set.
    Lower is better; a second, independent pass over the reals as fakes gives the sampling noise floor.
    Images are processed batch by batch and dropped; the float32 patch descriptors are kept until `result()`
    (`num_images * num_patches * 3 * patch_size**2 * 4` bytes per level and set: 1.2 GB for 16384 images).

    Random numbers (`rng`):

    - `"numpy"` (default): `numpy.random.Generator` streams derived from `seed`, one for the real patches, one
      for the fake patches, one for the directions. The result depends only on `seed`, the images and the batch
      sizes, and `result()` can be called repeatedly; `reset_fakes()` restarts the fake stream, so successive
      generators are scored with the same patch positions and directions. `seed=None` draws fresh entropy at
      construction and at every `reset_state()`.
    - `"numpy_legacy"`: replays the official code's use of NumPy's global RNG after `np.random.seed(seed)`:
      per batch and per level the x (column) then y (row) patch centres, the reals first; when the first fake
      batch arrives, the 4 direction matrices per level that the official `end("reals")` draws (for its
      reals-vs-reals value, always 0); then the fake batches; the fakes' direction matrices on the first
      `result()`. Feeding the same batches as an official run (same batch sizes) reproduces its numbers.
      `reset_fakes()` continues the stream like the official code's next fake pass.

    Args:
        resolution: image height and width (square images); at least `min_resolution`.
        num_patches: patches per image and level (paper: 128).
        patch_size: patch side, odd (paper: 7).
        num_repeats: direction matrices per level (paper: 4).
        dirs_per_repeat: directions per matrix (paper: 128).
        min_resolution: smallest pyramid level (paper: 16).
        seed: integer seed, or `None` for fresh entropy.
        rng: `"numpy"` or `"numpy_legacy"` (see above).
        compute: where the projections and sorts run, `"auto"`, `"keras"` or `"numpy"` (see
            `sliced_wasserstein`).

    Examples:

    >>> rng = np.random.default_rng(0)
    >>> reals = rng.integers(0, 256, (8, 32, 32, 3), dtype="uint8")
    >>> fakes = rng.integers(0, 256, (8, 32, 32, 3), dtype="uint8")
    >>> swd = SlicedWassersteinDistance(32, num_patches=16, seed=0)
    >>> swd.update_reals(reals)
    >>> swd.update_fakes(fakes)
    >>> sorted(swd.result())
    ['SWDx1e3_16', 'SWDx1e3_32', 'SWDx1e3_avg']
    """

    def __init__(
        self,
        resolution,
        num_patches=128,
        patch_size=7,
        num_repeats=4,
        dirs_per_repeat=128,
        min_resolution=16,
        seed=None,
        rng="numpy",
        compute="auto",
    ):
        name = type(self).__name__
        for arg, value in [
            ("resolution", resolution),
            ("num_patches", num_patches),
            ("patch_size", patch_size),
            ("num_repeats", num_repeats),
            ("dirs_per_repeat", dirs_per_repeat),
            ("min_resolution", min_resolution),
        ]:
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name}: `{arg}` must be a positive integer, got {value!r}.")
        if patch_size % 2 == 0 or patch_size > min_resolution:
            raise ValueError(f"{name}: `patch_size` must be odd and <= min_resolution, got {patch_size}.")
        if resolution < min_resolution:
            raise ValueError(f"{name}: `resolution` must be >= min_resolution={min_resolution}, got {resolution}.")
        if rng not in _RNG_MODES:
            raise ValueError(f"{name}: `rng` must be one of {_RNG_MODES}, got {rng!r}.")
        if compute not in ("auto", "keras", "numpy"):
            raise ValueError(f"{name}: `compute` must be 'auto', 'keras' or 'numpy', got {compute!r}.")
        self.resolutions = []
        res = resolution
        while res >= min_resolution:
            self.resolutions.append(res)
            if res % 2:
                break
            res //= 2
        self.resolution = resolution
        self.num_patches = num_patches
        self.patch_size = patch_size
        self.num_repeats = num_repeats
        self.dirs_per_repeat = dirs_per_repeat
        self.seed = seed
        self.rng = rng
        self.compute = compute
        self.reset_state()

    @property
    def metric_names(self):
        return [f"SWDx1e3_{res}" for res in self.resolutions] + ["SWDx1e3_avg"]

    @property
    def num_reals(self):
        return self._sets["reals"].num_images

    @property
    def num_fakes(self):
        return self._sets["fakes"].num_images

    def reset_state(self):
        """Forgets both sets and restarts the random streams from `seed`."""
        self._sets = {kind: _DescriptorSet(len(self.resolutions)) for kind in ("reals", "fakes")}
        self._directions = None
        if self.rng == "numpy_legacy":
            self._legacy = np.random.RandomState(self.seed)
            self._reals_closed = False
        else:
            self._seeds = dict(zip(("reals", "fakes", "directions"), np.random.SeedSequence(self.seed).spawn(3)))
            self._generators = {kind: np.random.default_rng(self._seeds[kind]) for kind in ("reals", "fakes")}

    def reset_fakes(self):
        """Forgets the fakes but keeps the reals, to evaluate another generator against the same reals."""
        self._sets["fakes"] = _DescriptorSet(len(self.resolutions))
        self._directions = None
        if self.rng == "numpy":
            self._generators["fakes"] = np.random.default_rng(self._seeds["fakes"])

    def update_reals(self, images):
        """Adds a batch of real images: uint8 `(N, resolution, resolution, C)`, C in {1, 3}."""
        images = self._check(images, "reals")
        if self.rng == "numpy_legacy" and self._reals_closed:
            raise ValueError(
                f"{type(self).__name__}: with rng='numpy_legacy' all reals must be fed before the first fakes "
                "(the official order); call reset_state() to start over."
            )
        self._update("reals", images)

    def update_fakes(self, images):
        """Adds a batch of generated images: uint8 `(N, resolution, resolution, C)`, C in {1, 3}."""
        images = self._check(images, "fakes")
        if self.rng == "numpy_legacy" and not self._reals_closed:
            self._draw_directions()  # what the official end("reals") consumes
            self._reals_closed = True
        self._directions = None
        self._update("fakes", images)

    def _check(self, images, kind):
        caller = f"{type(self).__name__}.update_{kind}"
        return check_uint8_images(images, caller, spatial=(self.resolution, self.resolution))

    def _update(self, kind, images):
        batch = int(images.shape[0])
        count = batch * self.num_patches
        half = self.patch_size // 2
        levels = laplacian_pyramid(images, len(self.resolutions))
        for index, level in enumerate(levels):
            height, width = int(level.shape[1]), int(level.shape[2])
            x_centres = self._integers(kind, half, width - half, count)
            y_centres = self._integers(kind, half, height - half, count)
            self._sets[kind].add(index, extract_patches(level, x_centres, y_centres, self.patch_size))
        self._sets[kind].num_images += batch

    def _integers(self, kind, low, high, count):
        if self.rng == "numpy_legacy":
            return self._legacy.randint(low, high, size=count)
        return self._generators[kind].integers(low, high, size=count)

    def _draw_directions(self):
        size = (self.num_repeats, 3 * self.patch_size**2, self.dirs_per_repeat)
        if self.rng == "numpy_legacy":
            draw = self._legacy.standard_normal  # same stream as `np.random.randn`
        else:
            draw = np.random.default_rng(self._seeds["directions"]).standard_normal
        return [np.stack([draw(size[1:]) for _ in range(size[0])]) for _ in self.resolutions]

    def result(self):
        """SWD x 1e3 per level and averaged: `{"SWDx1e3_<res>": float, ..., "SWDx1e3_avg": float}`."""
        reals, fakes = self._sets["reals"], self._sets["fakes"]
        if reals.num_images == 0 or reals.num_images != fakes.num_images:
            raise ValueError(
                f"{type(self).__name__}.result: needs the same non-zero number of real and fake images, got "
                f"{reals.num_images} reals and {fakes.num_images} fakes."
            )
        if self._directions is None:
            self._directions = self._draw_directions()
        values = []
        for index, directions in enumerate(self._directions):
            distance = sliced_wasserstein(reals.normalized(index), fakes.normalized(index), directions, self.compute)
            values.append(1e3 * distance)
        return dict(zip(self.metric_names, values + [float(np.mean(values))]))

    def descriptors(self, kind):
        """The normalised descriptors of `"reals"` or `"fakes"`, one float32 `(n, 3 * p * p)` array per level."""
        if kind not in self._sets:
            raise ValueError(f"{type(self).__name__}.descriptors: `kind` must be 'reals' or 'fakes', got {kind!r}.")
        return [self._sets[kind].normalized(index) for index in range(len(self.resolutions))]


def sliced_wasserstein_distance(reals, fakes, batch_size=32, **kwargs):
    """SWD between two uint8 NHWC image sets of the same size, as ProGAN reports it.

    Args:
        reals, fakes: uint8 `(N, R, R, C)` arrays or tensors, C in {1, 3}.
        batch_size: images per pyramid batch (with `rng="numpy_legacy"`, the official run's minibatch size).
        **kwargs: `SlicedWassersteinDistance` arguments except `resolution` (`num_patches`, `patch_size`,
            `num_repeats`, `dirs_per_repeat`, `min_resolution`, `seed`, `rng`, `compute`).

    Returns:
        `{"SWDx1e3_<res>": float, ..., "SWDx1e3_avg": float}`.

    Examples:

    >>> rng = np.random.default_rng(0)
    >>> reals = rng.integers(0, 256, (8, 16, 16, 3), dtype="uint8")
    >>> result = sliced_wasserstein_distance(reals, reals[::-1], num_patches=8, seed=0)
    >>> list(result)
    ['SWDx1e3_16', 'SWDx1e3_avg']
    """
    reals = check_uint8_images(reals, "sliced_wasserstein_distance", name="reals")
    fakes = check_uint8_images(fakes, "sliced_wasserstein_distance", name="fakes", spatial=tuple(reals.shape[1:3]))
    metric = SlicedWassersteinDistance(int(reals.shape[1]), **kwargs)
    for start in range(0, int(reals.shape[0]), batch_size):
        metric.update_reals(reals[start : start + batch_size])
    for start in range(0, int(fakes.shape[0]), batch_size):
        metric.update_fakes(fakes[start : start + batch_size])
    return metric.result()
