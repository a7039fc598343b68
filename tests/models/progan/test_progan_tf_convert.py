"""Official ProGAN TensorFlow pickles -> `ProGAN`: parity with the official networks (fixture
`tests/fixtures/progan_tf_official`, produced by the unchanged official `networks.py`), the stored level of detail,
`from_preset` on a `.pkl`, the preset round trip and the errors.

Tolerance: max |ours - official| <= 1e-5 * max |official| per output array of the fixture (one array holds every
lod). Why not per lod: the official float32 outputs themselves are only that accurate; e.g. config (a)'s D score at
lod 0.5 peaks at 0.088 while the official recursive and linear graphs differ by up to 9e-7 (config.json), and a
float64 run of our network differs from the official float32 scores by 4e-7.
"""

import pathlib

import numpy as np
import pytest
from progan_network_checks import to_numpy

import keras_gans
from keras_gans.converters.progan_official import images_seen_for_lod
from keras_gans.converters.progan_official import is_progan_tf_pickle
from keras_gans.converters.progan_official import load_progan_tf_discriminator_weights
from keras_gans.converters.progan_official import progan_tf_network_arguments
from keras_gans.models.progan import ProGAN
from keras_gans.models.progan import ProGANSchedule
from keras_gans.models.progan import convert_progan_tf_pickle
from keras_gans.models.progan import convert_progan_tf_pickle_to_preset
from keras_gans.utils import read_progan_tf_pickle

FIXTURE = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "progan_tf_official"
CONFIGS = ("progan_tiny32_uncond", "progan_tiny64_cond")
STORED_LOD = {"progan_tiny32_uncond": 0.0, "progan_tiny64_cond": 1.3}


def fixture_io(config):
    with np.load(FIXTURE / f"{config}_io.npz") as data:
        return {k: data[k] for k in data.files}


def nhwc(x):
    return np.moveaxis(x, -3, -1)


def assert_parity(got, expected, scale, name):
    err = np.abs(got - expected).max()
    assert err <= 1e-5 * scale, f"{name}: max abs err {err:.3g}, max |official| {scale:.3g}"


@pytest.mark.parametrize("config", CONFIGS)
def test_g_gs_and_d_match_the_official_networks_at_every_lod(config):
    io = fixture_io(config)
    gan = convert_progan_tf_pickle(FIXTURE / f"{config}.pkl")
    labels = io["labels"] if io["labels"].shape[1] else None
    images = nhwc(io["images"])
    scales = {k: np.abs(io[k]).max() for k in ("G_images", "Gs_images", "D_scores", "D_labels") if io[k].size}
    for i, lod in enumerate(io["lods"]):
        for network, key in ((gan.generator, "G_images"), (gan.ema_generator, "Gs_images")):
            network.set_lod(float(lod))
            assert_parity(
                to_numpy(network(io["latents"], labels=labels)), nhwc(io[key][i]), scales[key], f"{key} lod {lod}"
            )
        gan.discriminator.set_lod(float(lod))
        out = gan.discriminator(images)
        scores, logits = out if labels is not None else (out, None)
        assert_parity(to_numpy(scores), io["D_scores"][i][:, 0], scales["D_scores"], f"D scores lod {lod}")
        if labels is not None:
            assert_parity(to_numpy(logits), io["D_labels"][i], scales["D_labels"], f"D label logits lod {lod}")
    assert not np.allclose(io["G_images"], io["Gs_images"], atol=0.1)  # G and Gs are different networks


@pytest.mark.parametrize("config", CONFIGS)
def test_architecture_stored_lod_and_images_seen(config):
    io = fixture_io(config)
    gan = convert_progan_tf_pickle(FIXTURE / f"{config}.pkl")
    g, d = gan.generator, gan.discriminator
    fused = config == "progan_tiny64_cond"
    assert g.fused_resample == d.fused_resample == fused
    assert d.downsample_order == ("conv_pool_bias_act" if fused else "conv_bias_act_pool")
    assert d.mbstd_group_size == (2 if fused else 4) and d.mbstd_mode == "official"
    assert g.num_classes == d.num_classes == (5 if fused else 0)
    lod = STORED_LOD[config]
    for network in (g, d, gan.ema_generator):
        assert float(to_numpy(network.lod)) == pytest.approx(lod, abs=1e-6)
        assert network.active_resolution == g.resolution // 2 ** int(np.floor(lod + 1e-6))
    # Training continues from the stored lod: the schedule gives it at the stored images_seen.
    seen = int(to_numpy(gan.images_seen))
    assert gan.growth_schedule.lod_at(seen) == pytest.approx(lod, abs=1e-6)
    assert gan.growth_schedule.lod_at(seen - 1) > lod  # the first count that reaches it
    # generate() samples Gs at the stored lod (the official import script's uint8 conversion).
    index = int(np.flatnonzero(np.isclose(io["lods"], lod))[0])
    labels = io["labels"] if io["labels"].shape[1] else None
    expected = nhwc(io["Gs_images"][index])
    got = gan.generate(io["latents"], labels=labels, output="float")
    assert_parity(got, expected, np.abs(io["Gs_images"]).max(), "generate")
    uint8 = gan.generate(io["latents"], labels=labels)
    # In float64, as `generate` converts: float32 arithmetic rounds some pixels onto a .5 boundary (seen: -0.42352942
    # gives 73.5 in float32, 73.4999994 in float64).
    np.testing.assert_array_equal(uint8, np.clip(np.rint(got.astype("float64") * 127.5 + 127.5), 0, 255))
    assert np.abs(uint8.astype(int) - np.clip(np.rint(expected * 127.5 + 127.5), 0, 255)).max() <= 1


def test_from_preset_on_a_pickle_and_the_preset_round_trip(tmp_path):
    config = "progan_tiny64_cond"
    io = fixture_io(config)
    gan = ProGAN.from_preset(str(FIXTURE / f"{config}.pkl"), seed=5)
    assert isinstance(gan, ProGAN) and gan.seed == 5
    directory = convert_progan_tf_pickle_to_preset(FIXTURE / f"{config}.pkl", tmp_path / "preset")
    loaded = ProGAN.from_preset(str(directory))
    assert int(to_numpy(loaded.images_seen)) == int(to_numpy(gan.images_seen))
    assert loaded.generator.active_resolution == 32
    x = nhwc(io["images"])
    for a, b in zip(loaded.discriminator(x), gan.discriminator(x)):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    np.testing.assert_array_equal(
        loaded.generate(io["latents"], labels=io["labels"], output="float"),
        gan.generate(io["latents"], labels=io["labels"], output="float"),
    )
    with pytest.raises(ValueError, match="shapes differ"):  # the pickle's networks, not a changed architecture
        ProGAN.from_preset(str(FIXTURE / f"{config}.pkl"), fmap_base=64)
    with pytest.raises(FileNotFoundError, match="no such checkpoint file: .*missing.pkl"):
        ProGAN.from_preset(str(tmp_path / "missing.pkl"))


def test_schedule_position_of_a_stored_lod():
    schedule = ProGANSchedule(64, lod_training_kimg=0.01, lod_transition_kimg=0.01)  # 10 + 10 images per phase
    assert images_seen_for_lod(schedule, 4.0) == 0
    assert images_seen_for_lod(schedule, 1.3) == 2 * 20 + 10 + 7  # phase 2 stabilises lod 2, then fades 7/10
    assert images_seen_for_lod(schedule, 1.0) == 3 * 20
    assert images_seen_for_lod(schedule, 0.0) == 4 * 20
    with pytest.raises(ValueError, match="cannot reach the stored lod 2.5"):
        images_seen_for_lod(ProGANSchedule(64, lod_initial_resolution=16), 2.5)
    with pytest.raises(ValueError, match="reaches lod"):
        images_seen_for_lod(ProGANSchedule(64, lod_training_kimg=0.01, lod_transition_kimg=0.008), 1.3)


def test_errors_name_the_file_and_the_problem(tmp_path):
    path = FIXTURE / "progan_tiny32_uncond.pkl"
    assert is_progan_tf_pickle(path) and not is_progan_tf_pickle(FIXTURE / "config.json")
    assert not is_progan_tf_pickle(FIXTURE / "progan_tiny32_uncond_io.npz")
    # Arguments the official functions swallow in `**kwargs` are ignored (the Theano-converted releases give G a
    # `mbstd_group_size`); the ones they read are used.
    nets = read_progan_tf_pickle(path)
    expected = progan_tf_network_arguments(nets)
    for key in ("G", "Gs"):
        nets[key]["static_kwargs"].update(mbstd_group_size=16, use_gdrop=True)
    assert progan_tf_network_arguments(nets) == expected
    nets["D"]["static_kwargs"]["mbstd_group_size"] = 1  # networks.py adds the layer only for groups > 1
    assert progan_tf_network_arguments(nets)["discriminator"]["mbstd_group_size"] == 0
    nets = read_progan_tf_pickle(path)
    nets["D"]["static_kwargs"]["resolution"] = 64
    with pytest.raises(ValueError, match="G has resolution=32 but D has resolution=64"):
        progan_tf_network_arguments(nets, "x.pkl")
    nets = read_progan_tf_pickle(path)
    args = progan_tf_network_arguments(nets)
    d = keras_gans.ProGANDiscriminator(**args["discriminator"])
    variables = dict(nets["D"]["variables"])
    variables["4x4/Dense1/weight"] = variables["4x4/Dense1/weight"][:, :0]
    with pytest.raises(ValueError, match=r"4x4/Dense1/weight has shape \(32, 0\).*expects \(32, 1\)"):
        load_progan_tf_discriminator_weights(d, variables, "x.pkl (D)")
    variables = dict(nets["D"]["variables"])
    del variables["FromRGB_lod2/bias"]
    with pytest.raises(ValueError, match="x.pkl \\(D\\): missing variable 'FromRGB_lod2/bias'"):
        load_progan_tf_discriminator_weights(d, variables, "x.pkl (D)")
    variables = {**nets["D"]["variables"], "64x64/Conv0/weight": np.zeros((3, 3, 3, 3), "float32")}
    with pytest.raises(ValueError, match=r"variables the network does not have: \['64x64/Conv0/weight'\]"):
        load_progan_tf_discriminator_weights(d, variables, "x.pkl (D)")
    (tmp_path / "bad.pkl").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(ValueError, match="expected a tuple \\(G, D, Gs\\)"):
        convert_progan_tf_pickle(tmp_path / "bad.pkl")
