"""Tests of the differentiable augmentation (`DifferentiableAugment` and its explicit-parameter functions).

The explicit-parameter functions are compared with NumPy/SciPy references written here from the formulas
(matrix compositions from forward transforms, `scipy.ndimage.map_coordinates` for bilinear sampling with mirror
borders, `np.pad(mode="reflect")` for integer shifts, `np.rot90`, a SciPy rotation about the luma axis for hue).
The random parts are checked through their statistics; random streams differ per backend, so no cross-backend
comparison of random outputs is made.
"""

import math

import keras
import numpy as np
import pytest
from keras import ops
from scipy import ndimage
from scipy.spatial.transform import Rotation

from keras_gans.backend import input_gradient
from keras_gans.backend import value_and_grad
from keras_gans.layers import DifferentiableAugment
from keras_gans.layers.augment_color import apply_color_matrices
from keras_gans.layers.augment_color import apply_cutout
from keras_gans.layers.augment_color import color_matrices
from keras_gans.layers.augment_geometric import geometric_inverse_matrices
from keras_gans.layers.augment_geometric import resample_images

BACKEND = keras.backend.backend()
GEOMETRIC = ("xflip", "rotate90", "xint", "scale", "rotate", "aniso", "xfrac")
COLOR = ("brightness", "contrast", "lumaflip", "hue", "saturation")
ALL_OPS = GEOMETRIC + COLOR + ("cutout",)


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def _only(*enabled, **kwargs):
    """A layer with only the named ops enabled (multiplier 1)."""
    settings = {op: (1.0 if op in enabled else 0.0) for op in ALL_OPS}
    settings.update(kwargs)
    return DifferentiableAugment(**settings)


def _images(shape=(4, 6, 7, 3), seed=0):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, shape).astype("float32")


# ---------------------------------------------------------------------------------------------- NumPy references
def _forward_rotation(angle):
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _reference_inverse_matrix(xflip, quarter, t_int, scale, rot_pre, aniso, rot_post, t_frac):
    """Inverse of the product of forward transforms (x-flip applied first, fractional translation last)."""
    forward = [
        np.diag([-1.0 if xflip else 1.0, 1.0, 1.0]),
        _forward_rotation(-math.pi / 2 * quarter),
        np.array([[1, 0, t_int[0]], [0, 1, t_int[1]], [0, 0, 1]], float),
        np.diag([scale, scale, 1.0]),
        _forward_rotation(rot_pre),
        np.diag([aniso, 1.0 / aniso, 1.0]),
        _forward_rotation(rot_post),
        np.array([[1, 0, t_frac[0]], [0, 1, t_frac[1]], [0, 0, 1]], float),
    ]
    total = np.eye(3)
    for m in forward:
        total = m @ total
    return np.linalg.inv(total)


def _reference_resample(images, matrices):
    """Bilinear sampling with mirror borders via SciPy, at the positions the inverse matrices give."""
    n, h, w, c = images.shape
    cy, cx = (h - 1) / 2, (w - 1) / 2
    yy, xx = np.meshgrid(np.arange(h) - cy, np.arange(w) - cx, indexing="ij")
    out = np.empty_like(images, dtype=np.float64)
    for i in range(n):
        g = matrices[i]
        sx = g[0, 0] * xx + g[0, 1] * yy + g[0, 2] + cx
        sy = g[1, 0] * xx + g[1, 1] * yy + g[1, 2] + cy
        for ch in range(c):
            out[i, :, :, ch] = ndimage.map_coordinates(
                images[i, :, :, ch].astype(np.float64), [sy, sx], order=1, mode="mirror"
            )
    return out


def _shift_with_reflection(image, ty, tx):
    """`np.roll` by (ty, tx) pixels, but filling from a mirror reflection instead of wrapping around."""
    h, w = image.shape[:2]
    pad = max(h, w) * 3
    padded = np.pad(image, ((pad, pad), (pad, pad), (0, 0)), mode="reflect")
    return padded[pad - ty : pad - ty + h, pad - tx : pad - tx + w]


def _reference_color_matrix(b, c, flip, hue, s):
    v = np.array([1.0, 1.0, 1.0, 0.0]) / math.sqrt(3.0)
    vv = np.outer(v, v)
    brightness = np.eye(4)
    brightness[:3, 3] = b
    contrast = np.diag([c, c, c, 1.0])
    lumaflip = np.eye(4) - 2.0 * flip * vv
    hue_m = np.eye(4)
    hue_m[:3, :3] = Rotation.from_rotvec(hue * v[:3]).as_matrix()
    saturation = vv + s * (np.eye(4) - vv)
    return saturation @ hue_m @ lumaflip @ contrast @ brightness


def _reference_cutout(images, centers, sizes):
    n, h, w, _ = images.shape
    out = images.copy()
    for i in range(n):
        for y in range(h):
            for x in range(w):
                inside_x = abs((x + 0.5) / w - centers[i, 0]) < sizes[i] / 2
                inside_y = abs((y + 0.5) / h - centers[i, 1]) < sizes[i] / 2
                if inside_x and inside_y:
                    out[i, y, x] = 0.0
    return out


# ------------------------------------------------------------------------------------ deterministic functions
def test_geometric_matrices_match_composed_forward_transforms():
    rng = np.random.default_rng(1)
    n = 4  # one batch size for every layer-level test: JAX compiles each primitive once per shape
    params = dict(
        xflip=np.array([0, 1, 1, 0], "float32"),
        rotate90=np.array([0, 1, 2, 3], "float32"),
        translate_int=rng.integers(-3, 4, (n, 2)).astype("float32"),
        scale=np.exp2(rng.normal(0, 0.2, n)).astype("float32"),
        rotate_pre=rng.uniform(-math.pi, math.pi, n).astype("float32"),
        aniso=np.exp2(rng.normal(0, 0.2, n)).astype("float32"),
        rotate_post=rng.uniform(-math.pi, math.pi, n).astype("float32"),
        translate_frac=rng.normal(0, 1.0, (n, 2)).astype("float32"),
    )
    got = _np(geometric_inverse_matrices(**params))
    for i in range(n):
        expected = _reference_inverse_matrix(*(np.asarray(v[i], np.float64) for v in params.values()))
        np.testing.assert_allclose(got[i], expected, atol=2e-6, err_msg=f"sample {i}")


def _identity_params(n):
    return dict(
        xflip=np.zeros(n, "float32"),
        rotate90=np.zeros(n, "float32"),
        translate_int=np.zeros((n, 2), "float32"),
        scale=np.ones(n, "float32"),
        rotate_pre=np.zeros(n, "float32"),
        aniso=np.ones(n, "float32"),
        rotate_post=np.zeros(n, "float32"),
        translate_frac=np.zeros((n, 2), "float32"),
    )


def test_identity_flip_and_quarter_turns_are_exact_permutations():
    x = _images((4, 5, 5, 3))
    params = _identity_params(4)
    np.testing.assert_array_equal(_np(resample_images(x, geometric_inverse_matrices(**params))), x)
    params["xflip"] = np.ones(4, "float32")
    np.testing.assert_array_equal(_np(resample_images(x, geometric_inverse_matrices(**params))), x[:, :, ::-1])
    params = _identity_params(4)
    params["rotate90"] = np.arange(4, dtype="float32")
    got = _np(resample_images(x, geometric_inverse_matrices(**params)))
    for k in range(4):
        np.testing.assert_array_equal(got[k], np.rot90(x[k], k=k, axes=(0, 1)), err_msg=f"{k} quarter turns")


def test_integer_translation_equals_roll_with_reflection():
    x = _images((4, 6, 7, 2))
    shifts = np.array([[2, -1], [-3, 4], [0, 5], [-9, -8]], "float32")  # (tx, ty); the last exceeds the size
    params = _identity_params(4)
    params["translate_int"] = shifts
    got = _np(resample_images(x, geometric_inverse_matrices(**params)))
    for i, (tx, ty) in enumerate(shifts.astype(int)):
        np.testing.assert_array_equal(got[i], _shift_with_reflection(x[i], ty, tx), err_msg=f"shift {tx, ty}")


def test_general_affine_resampling_matches_scipy_bilinear_mirror():
    rng = np.random.default_rng(2)
    x = _images((4, 6, 7, 3), seed=3)
    params = _identity_params(4)
    params.update(
        scale=np.array([0.7, 1.3, 1.0, 0.4], "float32"),
        rotate_pre=np.array([0.4, -2.0, 3.0, 1.0], "float32"),
        aniso=np.array([1.2, 0.9, 1.1, 1.0], "float32"),
        translate_frac=rng.normal(0, 2.0, (4, 2)).astype("float32"),
    )
    matrices = _np(geometric_inverse_matrices(**params))
    got = _np(resample_images(x, matrices))
    np.testing.assert_allclose(got, _reference_resample(x, matrices.astype(np.float64)), atol=2e-5)


@pytest.mark.parametrize("channels", [3, 1])
def test_color_matrices_and_application_match_numpy(channels):
    rng = np.random.default_rng(4)
    n = 4
    b = rng.normal(0, 0.2, n)
    c = np.exp2(rng.normal(0, 0.5, n))
    flip = np.array([0, 1, 1, 0], float)
    hue = rng.uniform(-math.pi, math.pi, n)
    s = np.exp2(rng.normal(0, 1.0, n))
    f32 = [v.astype("float32") for v in (b, c, flip, hue, s)]
    got = _np(color_matrices(*f32))
    expected = np.stack([_reference_color_matrix(*(v[i] for v in (b, c, flip, hue, s))) for i in range(n)])
    np.testing.assert_allclose(got[:, :3, :], expected[:, :3, :], atol=2e-6)  # the 4th row never reaches pixels

    x = _images((n, 4, 5, channels), seed=5)
    applied = _np(apply_color_matrices(x, got))
    if channels == 3:
        ref = np.einsum("nij,nhwj->nhwi", expected[:, :3, :3], x) + expected[:, None, None, :3, 3]
    else:  # greyscale: average of the three colour rows
        row = expected[:, :3, :].mean(axis=1)
        ref = x * row[:, None, None, :3].sum(-1, keepdims=True) + row[:, None, None, 3:4]
    np.testing.assert_allclose(applied, ref, atol=3e-6)


def test_identity_color_matrix_and_empty_cutout_are_exact():
    x = _images((4, 3, 4, 3))
    ones, zeros = np.ones(4, "float32"), np.zeros(4, "float32")
    matrices = color_matrices(zeros, ones, zeros, zeros, ones)
    np.testing.assert_array_equal(_np(matrices), np.broadcast_to(np.eye(4), (4, 4, 4)))
    np.testing.assert_array_equal(_np(apply_color_matrices(x, matrices)), x)
    np.testing.assert_array_equal(_np(apply_cutout(x, np.full((4, 2), 0.5, "float32"), zeros)), x)


def test_cutout_matches_numpy_mask():
    x = _images((4, 6, 8, 2))
    centers = np.array([[0.5, 0.5], [0.05, 0.9], [0.7, 0.3], [0.4, 0.4]], "float32")
    sizes = np.array([0.5, 0.5, 0.3, 0.0], "float32")
    np.testing.assert_array_equal(_np(apply_cutout(x, centers, sizes)), _reference_cutout(x, centers, sizes))


def test_apply_parameters_runs_geometric_then_color_then_cutout():
    layer = DifferentiableAugment()
    x = _images((4, 6, 6, 3), seed=6)
    rng = np.random.default_rng(7)
    params = _identity_params(4)
    params.update(
        rotate_pre=np.array([0.3, -1.0, 0.0, 2.5], "float32"),
        translate_frac=rng.normal(0, 1, (4, 2)).astype("float32"),
        brightness=np.array([0.1, -0.2, 0.0, 0.3], "float32"),
        contrast=np.array([1.5, 0.8, 1.0, 1.2], "float32"),
        lumaflip=np.array([1.0, 0.0, 0.0, 1.0], "float32"),
        hue=np.array([0.5, 2.0, 0.0, -1.0], "float32"),
        saturation=np.array([0.5, 2.0, 1.0, 1.5], "float32"),
        cutout_size=np.array([0.5, 0.0, 0.0, 0.5], "float32"),
        cutout_center=np.array([[0.3, 0.6], [0.5, 0.5], [0.5, 0.5], [0.9, 0.1]], "float32"),
    )
    got = _np(layer.apply_parameters(ops.convert_to_tensor(x), params))
    geometric = np.stack(
        [
            _reference_inverse_matrix(0, 0, (0, 0), 1.0, params["rotate_pre"][i], 1.0, 0.0, params["translate_frac"][i])
            for i in range(4)
        ]
    )
    ref = _reference_resample(x, geometric)
    colour = np.stack([_reference_color_matrix(*(params[k][i] for k in COLOR)) for i in range(4)])
    ref = np.einsum("nij,nhwj->nhwi", colour[:, :3, :3], ref) + colour[:, None, None, :3, 3]
    ref = _reference_cutout(ref, params["cutout_center"], params["cutout_size"])
    np.testing.assert_allclose(got, ref, atol=2e-5)


# --------------------------------------------------------------------------------------------------- the layer
def test_probability_zero_and_untouched_samples_are_exact_identity():
    layer = DifferentiableAugment(seed=1)
    x = _images((4, 8, 8, 3))
    for p in (0, 0.0, ops.convert_to_tensor(0.0), keras.Variable(0.0, trainable=False)):
        np.testing.assert_array_equal(_np(layer(x, p)), x)
    np.testing.assert_array_equal(_np(layer(x, 1.0, training=False)), x)

    # At a small p most samples get no op at all; those come out bit for bit unchanged.
    identity = {k: v[0] for k, v in _identity_params(1).items()}
    identity.update(brightness=0.0, contrast=1.0, lumaflip=0.0, hue=0.0, saturation=1.0, cutout_size=0.0)
    untouched_seen = 0
    for _ in range(3):
        start = _np(layer.seed_generator.state.value)
        draws = {k: _np(v) for k, v in layer.sample_parameters(4, 8, 8, ops.convert_to_tensor(0.05)).items()}
        layer.seed_generator.state.assign(start)
        y = _np(layer(x, 0.05))
        for i in range(4):
            if all(np.array_equal(draws[k][i], v) for k, v in identity.items()):
                untouched_seen += 1
                np.testing.assert_array_equal(y[i], x[i])
            else:
                assert not np.array_equal(y[i], x[i])
    assert untouched_seen > 0


def test_probability_one_changes_every_sample_independently():
    """Identical images in a batch come out pairwise different: every decision is drawn per sample."""
    layer = DifferentiableAugment(seed=2)
    x = np.repeat(_images((1, 8, 8, 3)), 4, axis=0)
    y = _np(layer(x, 1.0))
    assert y.shape == x.shape and y.dtype == np.float32
    flat = y.reshape(4, -1)
    distances = np.abs(flat[:, None] - flat[None]).max(-1)
    assert (distances + np.eye(4) > 1e-3).all(), distances


def test_xflip_only_gives_exact_flips_at_half_frequency():
    """ADA's x-flip, when it fires, mirrors with probability 1/2 (it draws i in {0, 1}); at p = 1 each image is
    therefore exactly itself or exactly its mirror, and the mirror share is binomial(n, 1/2)."""
    layer = _only("xflip", seed=3)
    calls = 50
    n = 4 * calls
    x = np.concatenate([_images((4, 8, 8, 3), seed=i) for i in range(calls)])
    y = np.concatenate([_np(layer(x[4 * i : 4 * i + 4], 1.0)) for i in range(calls)])
    same = (y == x).reshape(n, -1).all(-1)
    flipped = (y == x[:, :, ::-1]).reshape(n, -1).all(-1)
    assert (same ^ flipped).all()
    assert abs(flipped.mean() - 0.5) < 4.5 * math.sqrt(0.25 / n)


def test_xint_only_outputs_are_reflected_integer_shifts_within_range():
    layer = _only("xint", seed=4)
    x = _images((16, 8, 8, 3))
    y = np.concatenate([_np(layer(x[i : i + 4], 1.0)) for i in range(0, 16, 4)])
    limit = round(0.125 * 8)
    candidates = [(ty, tx) for ty in range(-limit, limit + 1) for tx in range(-limit, limit + 1)]
    for i in range(16):
        matches = [s for s in candidates if np.array_equal(y[i], _shift_with_reflection(x[i], *s))]
        assert matches, f"sample {i} is not a reflected integer shift within +-{limit} px"


def test_parameter_statistics_follow_the_probabilities():
    """Firing rates of every op at p = 0.6 match multiplier * p (binomial tolerance), magnitudes follow ADA's
    distributions, and two ops fire independently of each other."""
    layer = DifferentiableAugment(seed=5)
    n, p = 4000, 0.6
    params = {k: _np(v) for k, v in layer.sample_parameters(n, 32, 32, ops.convert_to_tensor(p)).items()}

    def check_rate(mask, rate, what):
        tol = 4.5 * math.sqrt(rate * (1 - rate) / n)
        assert abs(mask.mean() - rate) < tol, (what, mask.mean(), rate)

    check_rate(params["xflip"] == 1, p / 2, "xflip")
    check_rate(params["rotate90"] != 0, p * 3 / 4, "rotate90")
    check_rate((params["translate_int"] != 0).any(-1), p * (1 - (1 / 8) ** 2), "xint")  # round(4u) = 0 w.p. 1/8
    assert np.abs(params["translate_int"]).max() <= 4 and (params["translate_int"] % 1 == 0).all()
    for key, std in (("scale", 0.2), ("aniso", 0.2)):
        fired = params[key] != 1
        check_rate(fired, p, key)
        assert abs(np.log2(params[key][fired]).std() - std) < 0.1 * std, key
    rotated = (params["rotate_pre"] != 0) | (params["rotate_post"] != 0)
    check_rate(rotated, p, "rotate (either)")
    check_rate(params["rotate_pre"] != 0, 1 - math.sqrt(1 - p), "rotate (before aniso)")
    assert np.abs(params["rotate_pre"]).max() <= math.pi + 1e-6
    fired = (params["translate_frac"] != 0).any(-1)
    check_rate(fired, p, "xfrac")
    assert abs(params["translate_frac"][fired].std() - 0.125 * 32) < 0.1 * 4.0
    fired = params["brightness"] != 0
    check_rate(fired, p / 2, "brightness")
    assert abs(params["brightness"][fired].std() - 0.2) < 0.02
    check_rate(params["contrast"] != 1, p / 2, "contrast")
    check_rate(params["lumaflip"] == 1, p / 4, "lumaflip")
    check_rate(params["hue"] != 0, p / 2, "hue")
    check_rate(params["saturation"] != 1, p / 2, "saturation")
    check_rate(params["cutout_size"] == 0.5, p, "cutout")
    assert set(np.unique(params["cutout_size"])) <= {0.0, 0.5}
    assert params["cutout_center"].min() >= 0 and params["cutout_center"].max() <= 1
    check_rate((params["scale"] != 1) & (params["brightness"] != 0), p * p / 2, "scale and brightness jointly")


def test_dtypes_shapes_and_symbolic_call():
    layer = DifferentiableAugment(seed=6)
    x = _images((4, 8, 8, 3))
    for dtype in ("float32", "bfloat16", "float16"):
        y = layer(ops.cast(x, dtype), 0.5)
        assert keras.backend.standardize_dtype(y.dtype) == dtype and tuple(y.shape) == x.shape
        np.testing.assert_array_equal(
            _np(ops.cast(layer(ops.cast(x, dtype), 0.0), "float32")), _np(ops.cast(ops.cast(x, dtype), "float32"))
        )
    keras.config.set_dtype_policy("mixed_bfloat16")
    mixed = DifferentiableAugment(seed=6)  # does not autocast: float32 stays float32
    assert keras.backend.standardize_dtype(mixed(x, 0.5).dtype) == "float32"
    symbolic = layer(keras.Input((8, 8, 3)), 0.5)
    assert tuple(symbolic.shape) == (None, 8, 8, 3)


def test_invalid_inputs_raise_value_errors():
    with pytest.raises(ValueError, match="rank 4"):
        DifferentiableAugment()(np.zeros((4, 8, 8), "float32"), 0.5)
    with pytest.raises(ValueError, match="1 or 3 channels"):
        DifferentiableAugment()(np.zeros((4, 8, 8, 4), "float32"), 0.5)
    _only("xflip", "cutout")(np.zeros((4, 8, 8, 4), "float32"), 0.5)  # no colour op: any channel count
    with pytest.raises(ValueError, match="floating-point"):
        DifferentiableAugment()(np.zeros((4, 8, 8, 3), "int32"), 0.5)
    with pytest.raises(ValueError, match="scalar"):
        DifferentiableAugment()(np.zeros((2, 8, 8, 3), "float32"), np.ones(2, "float32"))
    with pytest.raises(ValueError, match="hue"):
        DifferentiableAugment(hue=-1.0)


def test_config_round_trip_and_seed_state_in_saved_files(tmp_path):
    layer = DifferentiableAugment(brightness=1.0, cutout=0.0, hue_max=0.5, seed=7)
    clone = DifferentiableAugment.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert any(v is layer.seed_generator.state for v in layer.non_trainable_variables)

    x = _images((4, 8, 8, 3))
    inputs = keras.Input((8, 8, 3))
    model = keras.Model(inputs, layer(inputs, 0.5))
    layer(x, 0.5)
    model.save_weights(tmp_path / "aug.weights.h5")
    expected = _np(layer(x, 0.8))
    other = DifferentiableAugment(brightness=1.0, cutout=0.0, hue_max=0.5, seed=99)
    restored = keras.Model(inputs, other(inputs, 0.5))
    restored.load_weights(tmp_path / "aug.weights.h5")
    np.testing.assert_array_equal(_np(other(x, 0.8)), expected)

    # A whole .keras file (config, the constant p of the functional graph, seed state) round-trips too.
    model.save(tmp_path / "aug.keras")
    expected = _np(model(x, training=True))
    loaded = keras.saving.load_model(tmp_path / "aug.keras")
    np.testing.assert_array_equal(_np(loaded(x, training=True)), expected)


# ------------------------------------------------------------------------------------------------- derivatives
def test_input_gradient_is_the_adjoint_of_the_augmentation():
    """For fixed parameters the augmentation is affine, A x + a, so the input gradient of <aug(x), w> is A^T w:
    <grad, x> must equal <aug(x) - aug(0), w>."""
    layer = DifferentiableAugment(seed=8)
    x = _images((4, 8, 8, 3), seed=8)
    w = _images((4, 8, 8, 3), seed=9)
    params = layer.sample_parameters(4, 8, 8, ops.convert_to_tensor(1.0))

    def weighted(t):
        return ops.convert_to_tensor(w) * layer.apply_parameters(t, params)

    grad = _np(_jit_on_jax(lambda t: input_gradient(weighted, t))(ops.convert_to_tensor(x)))
    weighted = _jit_on_jax(weighted)
    lhs = np.sum(grad.astype(np.float64) * x)
    affine_part = _np(weighted(ops.convert_to_tensor(x))) - _np(weighted(ops.convert_to_tensor(0 * x)))
    rhs = np.sum(affine_part, dtype=np.float64)
    assert np.isfinite(grad).all() and np.abs(grad).max() > 0
    np.testing.assert_allclose(lhs, rhs, rtol=1e-5)


def _jit_on_jax(fn):
    """`jax.jit(fn)` on JAX, whose op-by-op eager mode compiles every primitive separately (tens of seconds for
    these gradient graphs on the 2-core test machine); `fn` itself elsewhere. Same math either way; the eager
    layer call on JAX is covered by the other tests."""
    if BACKEND == "jax":
        import jax

        return jax.jit(fn)
    return fn


def _tiny_discriminator():
    return keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(4, 3, activation="softplus"),
            keras.layers.Flatten(),
            keras.layers.Dense(1),
        ]
    )


def _penalty_fn(discriminator, augment):
    """R1-style penalty sum ||d sum D(aug(x)) / dx||^2 as a function of D's trainable values."""
    non_trainable = [v.value for v in discriminator.non_trainable_variables]

    def penalty(trainable, x):
        def total(t):
            return discriminator.stateless_call(trainable, non_trainable, augment(t))[0]

        return ops.sum(ops.square(input_gradient(total, x)))

    return penalty


def test_second_order_gradient_through_augmentation_matches_finite_differences():
    """Double backprop of an R1-style penalty through fixed-parameter augmentation, checked against a central
    difference of the penalty along a random direction in D's weight space."""
    layer = DifferentiableAugment(seed=10)
    discriminator = _tiny_discriminator()
    x = ops.convert_to_tensor(_images((4, 8, 8, 3), seed=10))
    params = layer.sample_parameters(4, 8, 8, ops.convert_to_tensor(1.0))
    penalty = _penalty_fn(discriminator, lambda t: layer.apply_parameters(t, params))
    weights = [ops.convert_to_tensor(v.value) for v in discriminator.trainable_variables]
    value, grads = _jit_on_jax(value_and_grad(penalty))(weights, x)
    grads = [_np(g).astype(np.float64) for g in grads]
    assert all(np.isfinite(g).all() for g in grads)
    assert sum(np.abs(g).max() > 0 for g in grads) == 3  # all but D's last bias, which R1 does not see
    penalty = _jit_on_jax(penalty)

    rng = np.random.default_rng(11)
    directions = [rng.standard_normal(g.shape) for g in grads]
    eps = 1e-3  # truncation error ~eps^2: 1e-2 gives ~0.5-2%, 1e-3 ~5e-5 (float32 round-off ~1e-4)

    def shifted(sign):
        return [ops.convert_to_tensor((_np(w) + sign * eps * d).astype("float32")) for w, d in zip(weights, directions)]

    fd = (float(_np(penalty(shifted(1), x))) - float(_np(penalty(shifted(-1), x)))) / (2 * eps)
    analytic = sum(float(np.sum(g * d)) for g, d in zip(grads, directions))
    np.testing.assert_allclose(analytic, fd, rtol=2e-3)


def test_second_order_gradient_through_the_layer_call():
    """The full layer call (random draws, p a variable) inside double backprop. TensorFlow also runs it in
    a non-XLA `tf.function` and under XLA, JAX under `jax.jit`; PyTorch runs eager (torch.compile cannot do double
    backward, so the project's PyTorch training step is eager)."""
    layer = DifferentiableAugment(seed=12)
    discriminator = _tiny_discriminator()
    x = ops.convert_to_tensor(_images((4, 8, 8, 3), seed=12))
    p = keras.Variable(0.7, trainable=False)
    weights = [ops.convert_to_tensor(v.value) for v in discriminator.trainable_variables]

    if BACKEND == "jax":
        import jax

        layer.build((None, 8, 8, 3))

        def step(weights, seed_state, x, p_value):
            def augment(t):
                return layer.stateless_call([], [seed_state], t, p_value)[0]

            return value_and_grad(_penalty_fn(discriminator, augment))(weights, x)

        runs = [jax.jit(step)(weights, layer.seed_generator.state.value, x, p.value)]
    else:
        penalty = _penalty_fn(discriminator, lambda t: layer(t, p))

        def step(weights, x):
            return value_and_grad(penalty)(weights, x)

        runs = [step(weights, x)]
        if BACKEND == "tensorflow":
            import tensorflow as tf

            runs.append(tf.function(step)(weights, x))
            runs.append(tf.function(step, jit_compile=True)(weights, x))
    for value, grads in runs:
        assert np.isfinite(float(_np(value))) and float(_np(value)) > 0
        assert all(np.isfinite(_np(g)).all() for g in grads)
        assert sum(np.abs(_np(g)).max() > 0 for g in grads) == 3  # all but D's last bias


# ---------------------------------------------------------------------------------------------------- compiling
def test_compiled_call_with_a_traced_probability():
    """The probability is read as a tensor inside compiled code: JAX `jax.jit` (through `stateless_call`, the seed
    state threaded explicitly) and TensorFlow `tf.function` with and without XLA (p a variable; dynamic batch
    without XLA). Compiled results equal the eager call from the same seed state, and p = 0 gives the input.
    Under XLA TensorFlow may pick another stateless RNG algorithm than eager TensorFlow, so there the result is
    compared with the parameters the same compiled function draws from the same state. PyTorch has no compiled
    path in this project (its training step runs eager), so there the same checks run eagerly with p a variable.
    """
    layer = DifferentiableAugment(seed=13)
    x = _images((4, 8, 8, 3), seed=13)
    start = _np(layer.seed_generator.state.value)
    eager = _np(layer(x, 0.9))
    layer.seed_generator.state.assign(start)
    runs = []  # (compiled output at p = 0.9, what it must equal, compiled output at p = 0)

    if BACKEND == "jax":
        import jax

        @jax.jit
        def run(seed_state, images, p):
            out, (new_state,) = layer.stateless_call([], [seed_state], images, p)
            return out, new_state

        compiled, new_state = run(start, x, 0.9)
        assert not np.array_equal(_np(new_state), start)  # the RNG state advances
        runs.append((compiled, eager, run(start, x, 0.0)[0]))
    elif BACKEND == "tensorflow":
        import tensorflow as tf

        p = keras.Variable(0.0, trainable=False)

        def call_and_draws(images):
            layer.seed_generator.state.assign(start)
            draws = layer.sample_parameters(ops.shape(images)[0], 8, 8, ops.convert_to_tensor(p))
            layer.seed_generator.state.assign(start)
            return layer(images, p), draws

        for jit in (False, True):
            signature = None if jit else [tf.TensorSpec((None, 8, 8, 3), tf.float32)]
            run = tf.function(call_and_draws, jit_compile=jit, input_signature=signature)
            p.assign(0.9)
            compiled, draws = run(x)
            expected = _np(layer.apply_parameters(x, draws))
            if not jit:
                np.testing.assert_allclose(expected, eager, atol=1e-5)
            p.assign(0.0)
            runs.append((compiled, expected, run(x)[0]))
    else:
        p = keras.Variable(0.9, trainable=False)
        compiled = layer(x, p)
        p.assign(0.0)
        runs.append((compiled, eager, layer(x, p)))
    for compiled, expected, identity in runs:
        np.testing.assert_allclose(_np(compiled), expected, atol=1e-5)
        np.testing.assert_array_equal(_np(identity), x)
