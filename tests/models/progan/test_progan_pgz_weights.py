"""Parity with pytorch_GAN_zoo PGAN outputs (fixture `fixtures/progan_pgz`, produced by the original code).

Tolerance: max |ours - pgz| <= 1e-5 * max |pgz| per output (float32 round-off through 8 conv layers; an
independent float64 NumPy port reproduces the fixture with a max relative error of 6.1e-6).
"""

import math

import numpy as np
import pytest
from progan_network_checks import to_numpy

from keras_gans.models.progan import load_pgz_generator_weights
from keras_gans.models.progan import pgz_network_arguments
from keras_gans.models.progan import progan_from_pgz


@pytest.fixture
def pgz(fixtures_dir):
    folder = fixtures_dir / "progan_pgz"

    def load(name):
        with np.load(folder / name) as data:
            return {k: data[k] for k in data.files}

    return load("pgz_pgan_G_state_dict.npz"), load("pgz_pgan_D_state_dict.npz"), load("pgz_pgan_io.npz")


def nhwc(x):
    return x.transpose(0, 2, 3, 1)


def assert_parity(got, expected, name):
    err = np.abs(got - expected).max()
    scale = np.abs(expected).max()
    assert err <= 1e-5 * scale, f"{name}: max abs err {err:.3g}, max |ref| {scale:.3g}"


def test_architecture_read_from_shapes(pgz):
    g_sd, d_sd, _ = pgz
    args = pgz_network_arguments(g_sd, d_sd)
    assert args["generator"]["resolution"] == args["discriminator"]["resolution"] == 32
    assert args["generator"]["channels"] == args["discriminator"]["channels"] == [32, 32, 16, 8]
    assert (args["generator"]["latent_dim"], args["generator"]["num_classes"]) == (16, 0)
    assert args["discriminator"]["mbstd_group_size"] == 4


@pytest.mark.parametrize("official_parametrization", [False, True])
def test_generator_parity(pgz, official_parametrization):
    g_sd, _, io = pgz
    g, _ = progan_from_pgz(g_sd, official_parametrization=official_parametrization)
    assert g.wscale_convention == ("official" if official_parametrization else "pytorch_gan_zoo")
    assert_parity(to_numpy(g(io["z"])), nhwc(io["G_out_alpha0"]), "G alpha 0")
    g.set_lod(0.5, active_resolution=32)  # pgz alpha 0.5 = 0.5 * up(toRGB_16) + 0.5 * toRGB_32
    assert_parity(to_numpy(g(io["z"])), nhwc(io["G_out_alpha05"]), "G alpha 0.5")
    for res in (4, 8, 16):
        g.set_lod(math.log2(32 // res))  # truncated network: only the blocks up to res are evaluated
        assert g.active_resolution == res
        out = to_numpy(g(io["z"]))
        factor = 32 // res
        np.testing.assert_array_equal(out, out[:, ::factor, ::factor].repeat(factor, 1).repeat(factor, 2))
        assert_parity(out[:, ::factor, ::factor], nhwc(io[f"G_out_res{res}_alpha0"]), f"G res {res}")


@pytest.mark.parametrize("official_parametrization", [False, True])
def test_discriminator_parity(pgz, official_parametrization):
    _, d_sd, io = pgz
    _, d = progan_from_pgz(None, d_sd, official_parametrization=official_parametrization)
    x = nhwc(io["x_real"])
    assert_parity(to_numpy(d(x)), io["D_out_real_alpha0"][:, 0], "D real")
    assert_parity(to_numpy(d.features(x)), io["D_feat_real_alpha0"], "D features")
    assert_parity(to_numpy(d(nhwc(io["G_out_alpha0"]))), io["D_out_fake_alpha0"][:, 0], "D fake")
    assert_parity(to_numpy(d(x[:6])), io["D_out_real_alpha0_batch6"][:, 0], "D batch 6 (one group of 6)")
    d.set_lod(0.5)
    assert_parity(to_numpy(d(x)), io["D_out_real_alpha05"][:, 0], "D alpha 0.5")
    for res in (4, 8, 16):
        d.set_lod(math.log2(32 // res))  # D box-downsamples the 32x32 input to res internally
        assert d.active_resolution == res
        assert_parity(to_numpy(d(x)), io[f"D_out_real_res{res}_alpha0"][:, 0], f"D res {res}")


def test_official_minibatch_stddev_differs_by_the_documented_amount(pgz):
    _, d_sd, io = pgz
    _, d = progan_from_pgz(None, d_sd, discriminator_kwargs={"mbstd_mode": "official"})
    diff = np.abs(to_numpy(d(nhwc(io["x_real"]))) - io["D_out_real_alpha0"][:, 0]).max()
    assert 1e-4 < diff < 1e-3  # the fixture README: up to 5.3e-4


def test_official_parametrization_rescales_weights_as_in_the_spec(pgz):
    """w_official = w_pgz * sqrt(2) / gain_official (x4 for G's dense, x sqrt(2) for ToRGB), b_official = c * b_pgz."""
    g_sd, d_sd, _ = pgz
    g_native, d_native = progan_from_pgz(g_sd, d_sd)
    g_official, d_official = progan_from_pgz(g_sd, d_sd, official_parametrization=True)
    ratio = to_numpy(g_official.dense.kernel) / to_numpy(g_native.dense.kernel)
    np.testing.assert_allclose(ratio, 4.0, rtol=1e-6)
    for official, native in ((g_official.to_rgb[3], g_native.to_rgb[3]), (d_official.dense1, d_native.dense1)):
        np.testing.assert_allclose(to_numpy(official.kernel) / to_numpy(native.kernel), math.sqrt(2), rtol=1e-6)
    np.testing.assert_allclose(to_numpy(g_official.convs[2].kernel), to_numpy(g_native.convs[2].kernel), rtol=1e-6)
    c = math.sqrt(2.0 / (9 * 8))  # scaleLayers.2.1: 3x3 conv with 8 input channels
    np.testing.assert_allclose(to_numpy(g_official.convs[2].bias), c * g_sd["scaleLayers.2.1.module.bias"], rtol=1e-6)
    # The stored pgz weights are copied unchanged in the native parametrisation (OIHW -> HWIO).
    np.testing.assert_array_equal(
        to_numpy(g_native.convs[2].kernel), g_sd["scaleLayers.2.1.module.weight"].transpose(2, 3, 1, 0)
    )


def test_errors(pgz):
    g_sd, _, _ = pgz
    with pytest.raises(ValueError, match="format-layer bias differs"):
        progan_from_pgz(g_sd, generator_kwargs={"dense_bias": "per_channel"})
    g, _ = progan_from_pgz(g_sd)
    broken = {k: v for k, v in g_sd.items() if not k.startswith("toRGBLayers.3")}
    with pytest.raises(ValueError, match="Missing: \\['toRGBLayers.3'\\]"):
        load_pgz_generator_weights(g, broken)
    with pytest.raises(ValueError, match="unexpected state-dict key"):
        pgz_network_arguments({**g_sd, "extra": np.zeros(1)})


def test_discriminator_ignores_the_fade_while_it_has_two_scales_and_the_generator_fades(pgz):
    """pytorch_GAN_zoo's `DNet.forward` blends only when `alpha > 0 and len(scaleLayers) > 1`, so with the 4x4 and
    8x8 scales alone (our lod in (log2 R - 3, log2 R - 2) = (2, 3) at 32x32) D is the plain 8x8 network whatever
    alpha is, while `GNet.forward` blends `alpha * up(toRGB_4) + (1 - alpha) * toRGB_8` (its `len(scaleLayers) == 1`
    branch). Larger networks blend as usual."""
    g_sd, d_sd, io = pgz
    g, d = progan_from_pgz(g_sd, d_sd)
    assert not d.fade_in_8x8 and d.get_config()["fade_in_8x8"] is False
    _, official = progan_from_pgz(None, d_sd, discriminator_kwargs={"fade_in_8x8": True})
    x = nhwc(io["x_real"])

    def d_at(network, lod, active_resolution=None):
        network.set_lod(lod, active_resolution=active_resolution)
        return to_numpy(network(x))

    plain_8x8 = d_at(d, 2.0)
    assert_parity(plain_8x8, io["D_out_real_res8_alpha0"][:, 0], "D res 8")
    for lod in (2.25, 2.5, 2.999):
        np.testing.assert_array_equal(d_at(d, lod), plain_8x8)
        assert np.abs(d_at(official, lod) - plain_8x8).max() > 1e-4  # the official D blends
    # At lod 3 only the 4x4 scale exists: the same network whichever blocks are evaluated.
    np.testing.assert_allclose(d_at(d, 3.0, active_resolution=32), d_at(d, 3.0), rtol=0, atol=1e-6)
    np.testing.assert_allclose(d_at(d, 1.5), d_at(official, 1.5), rtol=0, atol=1e-6)  # 16x16 fades as usual

    def g_at(lod):
        g.set_lod(lod)
        return to_numpy(g(io["z"]))

    blended = 0.5 * g_at(2.0) + 0.5 * g_at(3.0)  # 0.5 * toRGB_8 + 0.5 * up(toRGB_4), both upsampled to 32x32
    np.testing.assert_allclose(g_at(2.5), blended, rtol=0, atol=1e-5 * np.abs(blended).max())
