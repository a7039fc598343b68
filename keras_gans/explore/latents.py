"""Paths and truncation in a generator's latent space: slerp, lerp, class blends and truncation toward the mean.

The latents of R3GAN and ProGAN are standard Gaussian vectors `z ~ N(0, I)`. These functions work on NumPy arrays
(the host side of `GAN.generate`), in float64, and return the floating dtype of their inputs (float32 stays
float32).
"""

import numpy as np

INTERPOLATION_METHODS = ("slerp", "lerp")
# Below this sine of the angle between the endpoints, slerp's weights are 0/0: it falls back to lerp.
_PARALLEL_SINE = 1e-7


def _float_dtype(*arrays):
    return np.result_type(*(a.dtype for a in arrays), np.float32)


def _path_shapes(a, b, t):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape[-1:] != b.shape[-1:]:
        raise ValueError(f"the endpoints must have the same last dimension; got shapes {a.shape} and {b.shape}.")
    t = np.asarray(t, dtype="float64")
    if t.ndim > 1:
        raise ValueError(f"`t` must be a number or a 1-D array of positions; got shape {t.shape}.")
    dtype = _float_dtype(a, b)
    a64, b64 = a.astype("float64"), b.astype("float64")
    # Positions along a new leading axis (when t is an array), broadcast over the endpoints' dimensions.
    tt = t.reshape(t.shape + (1,) * max(a.ndim, b.ndim))
    return a64, b64, tt, dtype


def lerp(a, b, t):
    """Linear interpolation `(1 - t) * a + t * b`.

    Args:
        a: start point(s) `(..., D)`.
        b: end point(s), broadcastable with `a`.
        t: a position (number) or positions `(T,)`; 0 gives `a`, 1 gives `b`.

    Returns:
        `(..., D)` for a number `t`, `(T, ..., D)` for positions.

    Examples:

    >>> from keras_gans.explore import lerp
    >>> lerp([0.0, 2.0], [2.0, 0.0], [0.0, 0.5]).tolist()
    [[0.0, 2.0], [1.0, 1.0]]
    """
    a, b, t, dtype = _path_shapes(a, b, t)
    return ((1.0 - t) * a + t * b).astype(dtype)


def slerp(a, b, t):
    """Spherical linear interpolation (Shoemake, 1985), as White (2016, https://arxiv.org/abs/1609.04468)
    recommends for Gaussian latents.

    `slerp(a, b, t) = sin((1 - t) w) / sin(w) * a + sin(t w) / sin(w) * b`, with `w` the angle between `a` and `b`.
    For endpoints of equal norm the path stays on their sphere and the angle to `a` grows linearly, `t * w`; for
    unequal norms the norm moves smoothly between them. Lerp and slerp agree for parallel endpoints; where the
    endpoints are (anti)parallel or one of them is zero (`sin(w)` below 1e-7) slerp is undefined and this function
    returns lerp instead (for antiparallel endpoints that path crosses the origin).

    Args:
        a: start latent(s) `(..., D)`.
        b: end latent(s), broadcastable with `a`.
        t: a position (number) or positions `(T,)`; 0 gives `a`, 1 gives `b`.

    Returns:
        `(..., D)` for a number `t`, `(T, ..., D)` for positions.

    Examples:

    >>> import numpy as np
    >>> from keras_gans.explore import slerp
    >>> np.round(slerp([1.0, 0.0], [0.0, 1.0], 0.5), 6).tolist()
    [0.707107, 0.707107]
    """
    a, b, t, dtype = _path_shapes(a, b, t)
    norms = np.linalg.norm(a, axis=-1, keepdims=True) * np.linalg.norm(b, axis=-1, keepdims=True)
    cosine = np.clip(np.sum(a * b, axis=-1, keepdims=True) / np.where(norms > 0, norms, 1.0), -1.0, 1.0)
    angle = np.arccos(cosine)
    sine = np.sin(angle)
    parallel = (norms == 0) | (sine < _PARALLEL_SINE)
    safe_sine = np.where(parallel, 1.0, sine)
    weight_a = np.where(parallel, 1.0 - t, np.sin((1.0 - t) * angle) / safe_sine)
    weight_b = np.where(parallel, t, np.sin(t * angle) / safe_sine)
    return (weight_a * a + weight_b * b).astype(dtype)


def interpolate_latents(start, end, num_steps, method="slerp"):
    """`num_steps` latents from `start` to `end` (both included) at evenly spaced positions.

    Args:
        start: latent `(D,)`.
        end: latent `(D,)`.
        num_steps: number of latents (>= 2).
        method: `"slerp"` (default, for Gaussian latents) or `"lerp"`.

    Returns:
        `(num_steps, D)` array.

    Examples:

    >>> import numpy as np
    >>> from keras_gans.explore import interpolate_latents
    >>> interpolate_latents(np.zeros(4), np.ones(4), 5, method="lerp")[:, 0].tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    if method not in INTERPOLATION_METHODS:
        raise ValueError(f"`method` must be one of {INTERPOLATION_METHODS}, got {method!r}.")
    if int(num_steps) != num_steps or num_steps < 2:
        raise ValueError(f"`num_steps` must be an integer >= 2, got {num_steps!r}.")
    positions = np.linspace(0.0, 1.0, int(num_steps))
    return (slerp if method == "slerp" else lerp)(start, end, positions)


def interpolate_classes(start_class, end_class, num_steps, num_classes):
    """Labels blending class `start_class` into `end_class`: `(1 - t) * onehot(start) + t * onehot(end)`.

    Both generators take labels as a float one-hot vector that enters linearly (R3GAN through its bias-free class
    embedding, ProGAN concatenated to z), so a blend of two one-hot vectors is a valid input; its embedding is the
    same blend of the two class embeddings.

    Args:
        start_class: class id at `t = 0`.
        end_class: class id at `t = 1`.
        num_steps: number of labels (>= 2), at evenly spaced `t`.
        num_classes: width of the one-hot vectors.

    Returns:
        float32 `(num_steps, num_classes)`.

    Examples:

    >>> from keras_gans.explore import interpolate_classes
    >>> interpolate_classes(0, 2, 3, 3).tolist()
    [[1.0, 0.0, 0.0], [0.5, 0.0, 0.5], [0.0, 0.0, 1.0]]
    """
    for name, value in (("start_class", start_class), ("end_class", end_class)):
        if int(value) != value or not 0 <= value < num_classes:
            raise ValueError(f"`{name}` must be a class id in [0, {num_classes}); got {value!r}.")
    eye = np.eye(num_classes, dtype="float64")
    return lerp(eye[int(start_class)], eye[int(end_class)], np.linspace(0.0, 1.0, int(num_steps))).astype("float32")


def truncate_latents(z, psi):
    """Truncation toward the mean latent: `psi * z`, i.e. `mean + psi * (z - mean)` with the mean of N(0, I), 0.

    `psi = 1` leaves `z` unchanged; `psi = 0` maps every latent to the mean latent 0; values in between trade
    variety for typicality (images nearer the one of z = 0). This is truncation in the generator's input space:
    R3GAN and ProGAN have no mapping network, so it is *not* StyleGAN's truncation trick, which moves the mapped
    latent `w` toward the average `w` of the mapping network's outputs, and it is not BigGAN's either, which redraws
    the entries of z beyond a threshold. A generator that pixel-normalises its latent (ProGAN) sees only the
    direction of z: scaling an unconditional ProGAN's z by any `psi > 0` leaves its image unchanged (up to the pixel
    norm's epsilon), and for a conditional ProGAN it only shifts the weight between z and the labels, which are
    normalised together with it.

    Args:
        z: latents `(..., D)`.
        psi: truncation factor; 1 (no truncation) to 0 (the mean latent). Values above 1 extrapolate away from the
            mean.

    Returns:
        The scaled latents, with `z`'s floating dtype.

    Examples:

    >>> from keras_gans.explore import truncate_latents
    >>> truncate_latents([2.0, -4.0], 0.5).tolist()
    [1.0, -2.0]
    """
    psi = float(psi)
    if not np.isfinite(psi) or psi < 0:
        raise ValueError(f"`truncation_psi` must be a finite number >= 0 (1 = no truncation); got {psi!r}.")
    z = np.asarray(z)
    return (z.astype("float64") * psi).astype(_float_dtype(z))
