"""`conv2d_same` against a float64 NumPy grouped convolution, on every backend (PyTorch takes its own path)."""

import numpy as np
import pytest
from keras import ops

from keras_gans.backend.convolution import conv2d_same


def numpy_grouped_conv_same(x, k):
    n, h, w, c = x.shape
    kh, kw, cg, out = k.shape
    groups = c // cg
    padded = np.pad(x, [(0, 0), ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2), (0, 0)])
    y = np.zeros((n, h, w, out))
    per_group = out // groups
    for g in range(groups):
        xs = padded[..., g * cg:(g + 1) * cg]
        ks = k[..., g * per_group:(g + 1) * per_group]
        for i in range(kh):
            for j in range(kw):
                y[..., g * per_group:(g + 1) * per_group] += np.einsum("nhwc,co->nhwo", xs[:, i:i + h, j:j + w], ks[i, j])
    return y


@pytest.mark.parametrize("kernel_size,groups", [(3, 1), (3, 4), (1, 2), (5, 2), (2, 1)])
def test_conv2d_same_matches_numpy(kernel_size, groups):
    rng = np.random.default_rng(kernel_size * 10 + groups)
    x = rng.normal(size=(2, 6, 5, 8)).astype("float32")
    k = rng.normal(size=(kernel_size, kernel_size, 8 // groups, 12)).astype("float32")
    got = ops.convert_to_numpy(conv2d_same(ops.convert_to_tensor(x), ops.convert_to_tensor(k)))
    assert got.shape == (2, 6, 5, 12)
    np.testing.assert_allclose(got, numpy_grouped_conv_same(x.astype("float64"), k.astype("float64")),
                               rtol=1e-4, atol=1e-4)
