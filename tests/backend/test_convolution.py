"""`conv2d_same` and its first and second-order gradients against float64 NumPy loops, on every backend (PyTorch
takes its own path, `keras_gans.backend.torch_convolution`), and the strided helpers against `keras.ops`."""

import keras
import numpy as np
import pytest
import r3gan_numpy_reference as ref
from keras import ops

from keras_gans.backend import input_gradient
from keras_gans.backend import value_and_grad
from keras_gans.backend.convolution import conv2d_padded
from keras_gans.backend.convolution import conv2d_same
from keras_gans.backend.convolution import conv_transpose2d_cropped


def numpy_grouped_conv_same(x, k):
    n, h, w, c = x.shape
    kh, kw, cg, out = k.shape
    groups = c // cg
    padded = np.pad(x, [(0, 0), ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2), (0, 0)])
    y = np.zeros((n, h, w, out))
    per_group = out // groups
    for g in range(groups):
        xs = padded[..., g * cg : (g + 1) * cg]
        ks = k[..., g * per_group : (g + 1) * per_group]
        for i in range(kh):
            for j in range(kw):
                y[..., g * per_group : (g + 1) * per_group] += np.einsum(
                    "nhwc,co->nhwo", xs[:, i : i + h, j : j + w], ks[i, j]
                )
    return y


@pytest.mark.parametrize("kernel_size,groups", [(3, 1), (3, 4), (1, 2), (5, 2), (2, 1)])
def test_conv2d_same_matches_numpy(kernel_size, groups):
    rng = np.random.default_rng(kernel_size * 10 + groups)
    x = rng.normal(size=(2, 6, 5, 8)).astype("float32")
    k = rng.normal(size=(kernel_size, kernel_size, 8 // groups, 12)).astype("float32")
    got = ops.convert_to_numpy(conv2d_same(ops.convert_to_tensor(x), ops.convert_to_tensor(k)))
    assert got.shape == (2, 6, 5, 12)
    np.testing.assert_allclose(
        got, numpy_grouped_conv_same(x.astype("float64"), k.astype("float64")), rtol=1e-4, atol=1e-4
    )


@pytest.mark.parametrize("kernel_size,groups", [(3, 2), (3, 1), (1, 4)])
def test_conv2d_same_second_order_gradients_match_closed_form(kernel_size, groups):
    """Double backprop through `conv2d_same` in every input: the penalty `p = |dF/dx|^2` of the smooth
    `F(x, w) = sum(c * conv(x, w)^2)`, differentiated in `x` and `w`, against NumPy loops.

    With `A = conv^T diag(2c) conv` (self-adjoint, linear in x): `g = dF/dx = A x`, `dp/dx = 2 A g` and
    `dp/dw = 2 W(x, 2c * conv(g)) + 2 W(g, 2c * conv(x))`, `W(u, m) = d<m, conv(u; w)>/dw`. Every path of a
    second-order convolution backward is used (on PyTorch: each product of `torch_convolution`). TensorFlow's
    grouped conv has gradients on CPU only under XLA, so there it runs `jit_compile=True`.
    """
    rng = np.random.default_rng(groups * 10 + kernel_size)
    x = rng.normal(size=(2, 5, 4, 8)).astype("float32")
    kernel = (rng.normal(size=(kernel_size, kernel_size, 8 // groups, 12)) * 0.3).astype("float32")
    c = rng.normal(size=(2, 5, 4, 12)).astype("float32")
    cotangent = ops.convert_to_tensor(c)

    def penalty(params):
        x, kernel = params
        g = input_gradient(lambda t: cotangent * conv2d_same(t, kernel) ** 2, x)
        return ops.sum(g * g), g

    run = value_and_grad(penalty, has_aux=True)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf  # TensorFlow only: its grouped conv gradient needs XLA on CPU.

        run = tf.function(run, jit_compile=True)
    (value, g), (dx, dkernel) = run([ops.convert_to_tensor(x), ops.convert_to_tensor(kernel)])

    x64, w64, c64 = x.astype("float64"), kernel.astype("float64").transpose(3, 2, 0, 1), c.astype("float64")
    A = lambda u: ref.grouped_conv_input_adjoint(2 * c64 * ref.grouped_conv(u, w64, groups), w64, groups)  # noqa: E731
    W = lambda u, m: ref.grouped_conv_weight_gradient(u, m, w64.shape, groups)  # noqa: E731
    expected_g = A(x64)
    expected_dkernel = 2 * W(x64, 2 * c64 * ref.grouped_conv(expected_g, w64, groups)) + 2 * W(
        expected_g, 2 * c64 * ref.grouped_conv(x64, w64, groups)
    )
    as64 = lambda t: np.asarray(ops.convert_to_numpy(t), "float64")  # noqa: E731
    np.testing.assert_allclose(as64(g), expected_g, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(as64(value), np.sum(expected_g**2), rtol=1e-4)
    np.testing.assert_allclose(as64(dx), 2 * A(expected_g), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(as64(dkernel).transpose(3, 2, 0, 1), expected_dkernel, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("kernel_size,padding", [(4, 1), (3, 0), (2, 0)])
def test_strided_helpers_match_keras_ops(kernel_size, padding):
    """`conv2d_padded` and `conv_transpose2d_cropped` (ProGAN's fused resampling convolutions) against the
    `keras.ops` forms they replace on PyTorch; `tests/layers/test_equalized.py` checks their second-order
    gradients against the unfused layer."""
    rng = np.random.default_rng(kernel_size * 10 + padding)
    x = ops.convert_to_tensor(rng.normal(size=(2, 6, 8, 3)).astype("float32"))
    kernel = ops.convert_to_tensor(rng.normal(size=(kernel_size, kernel_size, 3, 5)).astype("float32"))
    padded = ops.pad(x, [[0, 0], [padding, padding], [padding, padding], [0, 0]])
    expected = ops.conv(padded, kernel, strides=2, padding="valid")
    got = conv2d_padded(x, kernel, strides=2, padding=padding)
    np.testing.assert_allclose(ops.convert_to_numpy(got), ops.convert_to_numpy(expected), rtol=1e-5, atol=1e-5)

    transposed_kernel = ops.convert_to_tensor(rng.normal(size=(kernel_size, kernel_size, 5, 3)).astype("float32"))
    expected = ops.conv_transpose(x, transposed_kernel, strides=2, padding="valid")
    if padding:
        expected = expected[:, padding:-padding, padding:-padding, :]
    got = conv_transpose2d_cropped(x, transposed_kernel, strides=2, cropping=padding)
    np.testing.assert_allclose(ops.convert_to_numpy(got), ops.convert_to_numpy(expected), rtol=1e-5, atol=1e-5)
