"""Latent paths and truncation: closed forms of slerp and lerp, class blends, and `GAN.generate(truncation_psi=)`.

References: slerp's defining properties for endpoints of equal norm (the path stays on their sphere and the angle
to the start grows linearly, `t * w`, with `w = arccos(<a, b> / |a||b|)`), lerp's formula, and the generator itself
evaluated on hand-scaled latents (`psi * z`, and z = 0 for psi = 0).
"""

import numpy as np
import pytest

import keras_gans
from keras_gans.explore import interpolate_classes
from keras_gans.explore import interpolate_latents
from keras_gans.explore import lerp
from keras_gans.explore import slerp
from keras_gans.explore import truncate_latents


def _angle(u, v):
    return np.arccos(np.clip(np.sum(u * v, -1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1)), -1, 1))


def test_slerp_closed_form_properties():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(64), rng.standard_normal(64)
    b *= np.linalg.norm(a) / np.linalg.norm(b)  # equal norms
    t = np.linspace(0, 1, 11)
    path = slerp(a, b, t)
    assert path.shape == (11, 64) and path.dtype == np.float64
    np.testing.assert_allclose(path[0], a, atol=1e-12)
    np.testing.assert_allclose(path[-1], b, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(path, axis=-1), np.linalg.norm(a), rtol=1e-12)
    omega = _angle(a, b)
    np.testing.assert_allclose(_angle(path, a), t * omega, atol=1e-9)
    np.testing.assert_allclose(_angle(path, b), (1 - t) * omega, atol=1e-9)
    # The path stays in the plane of a and b: each point is a combination of the endpoints.
    coefficients, *_ = np.linalg.lstsq(np.stack([a, b], 1), path.T, rcond=None)
    np.testing.assert_allclose(np.stack([a, b], 1) @ coefficients, path.T, atol=1e-9)


def test_slerp_unequal_norms_batches_and_degenerate_cases():
    # Unequal norms: the closed form sin((1-t)w)/sin(w) a + sin(tw)/sin(w) b, here with w = 90 degrees.
    a, b = np.array([3.0, 0.0]), np.array([0.0, 1.0])
    np.testing.assert_allclose(slerp(a, b, 0.25), [3 * np.cos(np.pi / 8), np.sin(np.pi / 8)], atol=1e-12)
    # Batched endpoints (N, D) with a scalar t, and float32 in -> float32 out.
    batch_a = np.random.default_rng(1).standard_normal((3, 5)).astype("float32")
    batch_b = np.random.default_rng(2).standard_normal((3, 5)).astype("float32")
    out = slerp(batch_a, batch_b, 0.3)
    assert out.shape == (3, 5) and out.dtype == np.float32
    for i in range(3):
        np.testing.assert_allclose(out[i], slerp(batch_a[i], batch_b[i], 0.3), rtol=1e-6)
    # Parallel endpoints, antiparallel endpoints and a zero endpoint: lerp.
    for u, v in (([1.0, 2.0], [2.0, 4.0]), ([1.0, 0.0], [-1.0, 0.0]), ([0.0, 0.0], [1.0, 1.0])):
        np.testing.assert_allclose(slerp(u, v, [0.0, 0.4, 1.0]), lerp(u, v, [0.0, 0.4, 1.0]), atol=1e-12)


def test_lerp_and_interpolate_latents():
    a, b = np.array([1.0, -2.0, 0.5]), np.array([3.0, 2.0, -0.5])
    t = np.array([0.0, 0.25, 1.0])
    np.testing.assert_allclose(lerp(a, b, t), [(1 - s) * a + s * b for s in t], atol=1e-15)
    np.testing.assert_allclose(interpolate_latents(a, b, 5, method="lerp"), lerp(a, b, np.linspace(0, 1, 5)))
    np.testing.assert_allclose(interpolate_latents(a, b, 5), slerp(a, b, np.linspace(0, 1, 5)))
    with pytest.raises(ValueError, match="`method` must be one of"):
        interpolate_latents(a, b, 5, method="cubic")
    with pytest.raises(ValueError, match="`num_steps` must be an integer >= 2"):
        interpolate_latents(a, b, 1)
    with pytest.raises(ValueError, match="same last dimension"):
        lerp(a, b[:2], 0.5)


def test_interpolate_classes_blends_one_hot_vectors():
    labels = interpolate_classes(1, 3, 5, num_classes=4)
    expected = np.zeros((5, 4), "float32")
    expected[:, 1] = [1, 0.75, 0.5, 0.25, 0]
    expected[:, 3] = [0, 0.25, 0.5, 0.75, 1]
    np.testing.assert_allclose(labels, expected, atol=1e-7)
    assert labels.dtype == np.float32
    with pytest.raises(ValueError, match=r"`end_class` must be a class id in \[0, 4\)"):
        interpolate_classes(0, 4, 3, num_classes=4)


def test_truncate_latents():
    z = np.array([[1.0, -2.0]], "float32")
    np.testing.assert_array_equal(truncate_latents(z, 1.0), z)
    np.testing.assert_array_equal(truncate_latents(z, 0.0), np.zeros_like(z))
    np.testing.assert_allclose(truncate_latents(z, 0.7), 0.7 * z.astype("float64"), rtol=1e-7)
    assert truncate_latents(z, 0.7).dtype == np.float32
    for bad in (-0.1, float("nan")):
        with pytest.raises(ValueError, match="`truncation_psi` must be a finite number >= 0"):
            truncate_latents(z, bad)


@pytest.fixture(scope="module")
def tiny_gans():
    arch = {"widths": [8, 8], "cardinalities": [2, 2], "blocks_per_stage": 1, "expansion_factor": 2}
    r3gan = keras_gans.R3GAN(
        keras_gans.R3GANGenerator(**arch, latent_dim=8, num_classes=3),
        keras_gans.R3GANDiscriminator(**arch, num_classes=3),
        seed=0,
    )
    progan = keras_gans.ProGAN(
        keras_gans.ProGANGenerator(resolution=8, channels=[4, 4], latent_dim=4),
        keras_gans.ProGANDiscriminator(resolution=8, channels=[4, 4]),
        seed=0,
    )
    return r3gan, progan


def test_generate_truncation_psi(tiny_gans):
    r3gan, progan = tiny_gans
    z = np.random.default_rng(3).standard_normal((4, 8)).astype("float32")
    labels = [0, 1, 2, 1]
    plain = r3gan.generate(z, labels=labels, output="float")
    np.testing.assert_array_equal(r3gan.generate(z, labels=labels, output="float", truncation_psi=1.0), plain)
    # psi = 0: every image is the image of the mean latent z = 0 (with its own label).
    np.testing.assert_allclose(
        r3gan.generate(z, labels=labels, output="float", truncation_psi=0.0),
        r3gan.generate(np.zeros_like(z), labels=labels, output="float"),
        atol=1e-6,
    )
    np.testing.assert_allclose(
        r3gan.generate(z, labels=labels, output="float", truncation_psi=0.5),
        r3gan.generate(0.5 * z, labels=labels, output="float"),
        atol=1e-6,
    )
    assert np.abs(r3gan.generate(z, labels=labels, output="float", truncation_psi=0.5) - plain).max() > 1e-3
    # Seeds: generate(n, seed=s, truncation_psi=p) truncates the seed's latents.
    seeded = np.random.default_rng(7).standard_normal((2, 8)).astype("float32")
    np.testing.assert_array_equal(
        r3gan.generate(2, seed=7, labels=0, truncation_psi=0.3), r3gan.generate(0.3 * seeded, labels=0)
    )
    # ProGAN pixel-normalises an unconditional z: scaling it by psi > 0 keeps the image (see truncate_latents).
    zp = np.random.default_rng(4).standard_normal((2, 4)).astype("float32")
    np.testing.assert_allclose(
        progan.generate(zp, output="float", truncation_psi=0.5), progan.generate(zp, output="float"), atol=1e-5
    )
    with pytest.raises(ValueError, match="`truncation_psi` must be a finite number >= 0"):
        r3gan.generate(z, labels=labels, truncation_psi=-1.0)
