import functools

import keras
import numpy as np
import pytest
import r3gan_numpy_reference as ref
from r3gan_gradients import r1_penalty_gradients

from keras_gans.layers import AverageDownsample2D
from keras_gans.layers import InterpolativeDownsample2D
from keras_gans.layers import InterpolativeUpsample2D
from keras_gans.layers import NearestUpsample2D
from keras_gans.layers.resampling import fir_kernel_2d
from keras_gans.layers.resampling import fir_resampling_matrix
from keras_gans.layers.resampling import resolve_fir_implementation


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x), dtype=np.float64)


def test_fir_kernel_is_the_official_buffer():
    expected = np.outer([1, 3, 3, 1], [1, 3, 3, 1]) / 64.0
    np.testing.assert_array_equal(np.asarray(fir_kernel_2d()), expected)
    assert np.sum(fir_kernel_2d()) == 1.0


FIR_IMPLEMENTATIONS = ["taps", "matrix"]


@pytest.mark.parametrize("implementation", FIR_IMPLEMENTATIONS)
@pytest.mark.parametrize("shape", [(2, 4, 6, 3), (1, 1, 3, 5), (1, 3, 2, 1)])
def test_upsample_matches_zero_insertion_fir_and_transposed_conv(shape, implementation):
    x = np.random.default_rng(0).normal(size=shape)
    y = _np(InterpolativeUpsample2D(implementation=implementation)(x.astype("float32")))
    assert y.shape == (shape[0], 2 * shape[1], 2 * shape[2], shape[3])
    np.testing.assert_allclose(y, ref.fir_upsample(x), atol=1e-5)
    np.testing.assert_allclose(y, ref.fir_upsample_transposed_conv(x), atol=1e-5)


@pytest.mark.parametrize("implementation", FIR_IMPLEMENTATIONS)
@pytest.mark.parametrize("shape", [(2, 4, 6, 3), (1, 2, 2, 7), (1, 8, 4, 1)])
def test_downsample_matches_strided_fir(shape, implementation):
    x = np.random.default_rng(1).normal(size=shape)
    y = _np(InterpolativeDownsample2D(implementation=implementation)(x.astype("float32")))
    assert y.shape == (shape[0], shape[1] // 2, shape[2] // 2, shape[3])
    np.testing.assert_allclose(y, ref.fir_downsample(x), atol=1e-5)


@pytest.mark.parametrize("implementation", FIR_IMPLEMENTATIONS)
def test_border_values_are_zero_padded_not_bilinear(implementation):
    """1-D closed forms: up y[0] = 0.75 x[0], y[1] = 0.75 x[0] + 0.25 x[1]; down y[0] = (3x0 + 3x1 + x2) / 8."""
    a = np.array([1.0, 2.0, -1.0, 4.0])
    # Varies along height only; columns away from the border see a unit column factor.
    x = np.tile(a[None, :, None, None], (1, 1, 8, 1))
    up = _np(InterpolativeUpsample2D(implementation=implementation)(x.astype("float32")))[0, :, 5, 0]
    expected_up = [
        0.75 * a[0],
        0.75 * a[0] + 0.25 * a[1],
        0.25 * a[0] + 0.75 * a[1],
        0.75 * a[1] + 0.25 * a[2],
        0.25 * a[1] + 0.75 * a[2],
        0.75 * a[2] + 0.25 * a[3],
        0.25 * a[2] + 0.75 * a[3],
        0.75 * a[3],
    ]
    np.testing.assert_allclose(up, expected_up, atol=1e-6)
    down = _np(InterpolativeDownsample2D(implementation=implementation)(x.astype("float32")))[0, :, 2, 0]
    np.testing.assert_allclose(down, [(3 * a[0] + 3 * a[1] + a[2]) / 8, (a[1] + 3 * a[2] + 3 * a[3]) / 8], atol=1e-6)
    ones = np.ones((1, 2, 2, 1), "float32")
    corner = _np(InterpolativeUpsample2D(implementation=implementation)(ones))[0, 0, 0, 0]
    assert corner == pytest.approx(0.5625)  # a bilinear resize would give 1.0


def test_nearest_and_average_match_numpy():
    x = np.random.default_rng(2).normal(size=(2, 6, 3, 2))
    up = _np(NearestUpsample2D(3)(x.astype("float32")))
    np.testing.assert_allclose(up, np.repeat(np.repeat(x, 3, axis=1), 3, axis=2), atol=1e-6)
    down = _np(AverageDownsample2D(3)(x.astype("float32")))
    np.testing.assert_allclose(down, x.reshape(2, 2, 3, 1, 3, 2).mean(axis=(2, 4)), atol=1e-6)
    np.testing.assert_array_equal(_np(NearestUpsample2D(1)(x.astype("float32"))), x.astype("float32"))
    np.testing.assert_array_equal(_np(AverageDownsample2D(1)(x.astype("float32"))), x.astype("float32"))


def test_symbolic_shapes():
    x = keras.Input((4, 6, 5))
    assert InterpolativeUpsample2D()(x).shape == (None, 8, 12, 5)
    assert InterpolativeDownsample2D()(x).shape == (None, 2, 3, 5)
    assert NearestUpsample2D(2)(x).shape == (None, 8, 12, 5)
    assert AverageDownsample2D(2)(x).shape == (None, 2, 3, 5)


class _ResampleAndScale(keras.layers.Layer):
    """Resampler followed by a learned per-channel scale (the resamplers have no weights of their own)."""

    def __init__(self, resampler, **kwargs):
        super().__init__(**kwargs)
        self.resampler = resampler

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones")

    def call(self, x):
        return self.resampler(x) * self.scale


@pytest.mark.parametrize(
    "resampler_cls", ["up_taps", "down_taps", "up_matrix", "down_matrix", NearestUpsample2D, AverageDownsample2D]
)
def test_first_and_second_order_gradients(resampler_cls):
    """R1-style: f = sum(c * lrelu(s * R(x))). With the dense matrix M of R (from the NumPy reference) and the
    piecewise-constant mask m = c * lrelu'(.), d f/dx = M^T (m * s) and the penalty ||M^T (m * s)||^2 is a quadratic in
    s with gradient 2 * (M u) . m summed per channel, u = M^T (m * s)."""
    numpy_op = {
        NearestUpsample2D: lambda t: np.repeat(np.repeat(t, 2, axis=1), 2, axis=2),
        AverageDownsample2D: lambda t: t.reshape(1, 2, 2, 2, 2, 1).mean(axis=(2, 4)),
        "up_taps": ref.fir_upsample,
        "up_matrix": ref.fir_upsample,
        "down_taps": ref.fir_downsample,
        "down_matrix": ref.fir_downsample,
    }[resampler_cls]
    if isinstance(resampler_cls, str):  # an FIR resampler with an explicit implementation, e.g. "up_matrix"
        direction, implementation = resampler_cls.split("_")
        fir_cls = InterpolativeUpsample2D if direction == "up" else InterpolativeDownsample2D
        make = functools.partial(fir_cls, implementation=implementation)
    else:
        make = resampler_cls
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1, 4, 4, 1)).astype("float32")
    out_shape = numpy_op(x.astype("float64")).shape
    cotangent = rng.normal(size=out_shape).astype("float32")
    layer = _ResampleAndScale(make())
    layer.build(x.shape)
    layer.scale.assign(np.array([1.7], "float32"))
    penalty, input_grad, (scale_grad,) = r1_penalty_gradients(layer, x, cotangent)

    basis = np.eye(x.size).reshape((x.size,) + x.shape[1:])
    matrix = np.stack([numpy_op(b[None]).ravel() for b in basis], axis=1)  # (out, in)
    y = 1.7 * (matrix @ x.ravel().astype("float64"))
    m = cotangent.ravel() * np.where(y >= 0, 1.0, 0.2)
    u = matrix.T @ (m * 1.7)
    np.testing.assert_allclose(input_grad.ravel(), u, atol=1e-5)
    np.testing.assert_allclose(penalty, np.sum(u**2), rtol=1e-5)
    np.testing.assert_allclose(scale_grad, [2.0 * np.sum((matrix @ u) * m)], rtol=1e-5)


@pytest.mark.parametrize("implementation", FIR_IMPLEMENTATIONS)
def test_bfloat16_policy_keeps_compute_dtype(implementation):
    x = np.random.default_rng(4).normal(size=(1, 4, 4, 2)).astype("float32")
    for layer, reference in (
        (InterpolativeUpsample2D(implementation, dtype="mixed_bfloat16"), ref.fir_upsample),
        (InterpolativeDownsample2D(implementation, dtype="mixed_bfloat16"), ref.fir_downsample),
    ):
        y = layer(x)
        assert keras.backend.standardize_dtype(y.dtype) == "bfloat16"
        np.testing.assert_allclose(_np(keras.ops.cast(y, "float32")), reference(x.astype("float64")), atol=0.05)


@pytest.mark.parametrize("size", [2, 4, 8, 16])
def test_resampling_matrices_are_the_reference_linear_maps(size):
    """Column j of each matrix is the NumPy reference resampler applied to the unit impulse at j (read at an
    interior column of a 6-wide image, where the other axis' factor is 1)."""
    for direction, numpy_op, column in (("up", ref.fir_upsample, 2), ("down", ref.fir_downsample, 1)):
        impulses = np.tile(np.eye(size)[:, :, None, None], (1, 1, 6, 1))  # image j: the impulse at row j
        expected = numpy_op(impulses)[:, :, column, 0].T  # (outputs, inputs)
        np.testing.assert_allclose(fir_resampling_matrix(size, direction), expected, atol=1e-12)


def test_auto_implementation_and_bad_names():
    expected = "matrix" if keras.backend.backend() in ("torch", "tensorflow") else "taps"
    assert resolve_fir_implementation("auto", 32, 32) == expected
    assert resolve_fir_implementation("auto", 128, 128) == "taps"
    assert resolve_fir_implementation("matrix", 128, 128) == "matrix"
    with pytest.raises(ValueError, match="InterpolativeUpsample2D: `implementation` must be one of"):
        InterpolativeUpsample2D(implementation="conv")


def test_config_round_trip():
    for layer in (
        InterpolativeUpsample2D(name="up"),
        InterpolativeDownsample2D("matrix", name="down"),
        NearestUpsample2D(4, name="nn"),
        AverageDownsample2D(2, name="avg"),
    ):
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()
    assert NearestUpsample2D(4).get_config()["factor"] == 4


def test_bad_inputs_raise_naming_the_layer():
    with pytest.raises(ValueError, match="InterpolativeUpsample2D 'up'.*rank 4"):
        InterpolativeUpsample2D(name="up")(np.zeros((4, 4, 3), "float32"))
    with pytest.raises(ValueError, match="InterpolativeDownsample2D 'down'.*divisible by 2"):
        InterpolativeDownsample2D(name="down")(np.zeros((1, 5, 4, 3), "float32"))
    with pytest.raises(ValueError, match="AverageDownsample2D 'avg'.*divisible by 3"):
        AverageDownsample2D(3, name="avg")(np.zeros((1, 8, 8, 3), "float32"))
    with pytest.raises(ValueError, match="NearestUpsample2D 'nn'.*rank 4"):
        NearestUpsample2D(2, name="nn")(np.zeros((2, 8, 8, 3, 1), "float32"))
    for factor in (0, 1.5, True, "2"):
        with pytest.raises(ValueError, match="factor"):
            NearestUpsample2D(factor)
        with pytest.raises(ValueError, match="factor"):
            AverageDownsample2D(factor)
