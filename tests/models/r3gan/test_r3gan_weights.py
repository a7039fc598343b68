import json

import keras
import numpy as np
import pytest

from keras_gans import R3GANDiscriminator
from keras_gans import R3GANGenerator
from keras_gans.models.r3gan import export_official_weights
from keras_gans.models.r3gan import infer_official_arguments
from keras_gans.models.r3gan import load_official_weights
from keras_gans.models.r3gan import r3gan_from_official


def _states(fixtures_dir, config):
    folder = fixtures_dir / "r3gan_official"
    meta = json.loads((folder / "config.json").read_text())["configs"][config]
    return (dict(np.load(folder / f"{config}_G_state.npz")), dict(np.load(folder / f"{config}_D_state.npz")), meta)


@pytest.mark.parametrize("config", ["uncond", "cond"])
def test_round_trip_is_exact_and_in_official_order(fixtures_dir, config):
    for state in _states(fixtures_dir, config)[:2]:
        model = r3gan_from_official(state)
        exported = export_official_weights(model)
        assert list(exported) == list(state)  # same names, same (official state-dict) order
        for name, value in state.items():
            assert exported[name].dtype == np.float32
            np.testing.assert_array_equal(exported[name], value, err_msg=name)
        assert model.count_params() == sum(v.size for k, v in state.items() if not k.endswith("Kernel"))


@pytest.mark.parametrize("config", ["uncond", "cond"])
def test_inferred_arguments_match_the_official_constructor_arguments(fixtures_dir, config):
    g_state, d_state, meta = _states(fixtures_dir, config)
    g_kwargs, d_kwargs = meta["inner_G_kwargs"], meta["inner_D_kwargs"]
    network, args = infer_official_arguments(g_state)
    assert network == "generator"
    assert args["widths"] == g_kwargs["WidthPerStage"]
    assert args["cardinalities"] == g_kwargs["CardinalityPerStage"]
    assert args["blocks_per_stage"] == g_kwargs["BlocksPerStage"]
    assert args["expansion_factor"] == g_kwargs["ExpansionFactor"]
    assert args["kernel_size"] == g_kwargs["KernelSize"]
    assert args["latent_dim"] == g_kwargs["NoiseDimension"]
    assert args["num_classes"] == g_kwargs.get("ConditionDimension", 0)
    assert (args["embedding_dim"] or 0) == g_kwargs.get("ConditionEmbeddingDimension", 0)
    network, args = infer_official_arguments(d_state)
    assert network == "discriminator"
    # R3GANDiscriminator takes generator-order lists: the reverse of the official discriminator's.
    assert args["widths"] == d_kwargs["WidthPerStage"][::-1]
    assert args["cardinalities"] == d_kwargs["CardinalityPerStage"][::-1]
    assert args["blocks_per_stage"] == d_kwargs["BlocksPerStage"][::-1]
    assert args["num_classes"] == d_kwargs.get("ConditionDimension", 0)
    assert (args["embedding_dim"] or 0) == d_kwargs.get("ConditionEmbeddingDimension", 0)
    generator = r3gan_from_official(g_state)
    assert generator.image_shape == (meta["G_kwargs"]["img_resolution"],) * 2 + (3,)


def test_transposes_on_a_known_tensor(fixtures_dir):
    g_state, d_state, _ = _states(fixtures_dir, "cond")
    generator, discriminator = r3gan_from_official(g_state), r3gan_from_official(d_state)
    conv = g_state["Model.MainLayers.1.Layers.1.LinearLayer2.Layer.weight"]  # [32, 16, 3, 3], 2 groups
    kernel = keras.ops.convert_to_numpy(generator.stages[1][1].grouped_conv.kernel)
    assert kernel.shape == (3, 3, 16, 32)
    assert kernel[2, 0, 5, 17] == conv[17, 5, 2, 0]
    basis = g_state["Model.MainLayers.0.Layers.0.Basis"]
    assert keras.ops.convert_to_numpy(generator.stages[0][0].basis)[1, 3, 7] == basis[7, 1, 3]
    head = d_state["Model.MainLayers.2.Layers.1.Basis.weight"]  # [24, 1, 4, 4]
    assert keras.ops.convert_to_numpy(discriminator.stages[-1][-1].depthwise_kernel)[3, 2, 9, 0] == head[9, 0, 3, 2]
    linear = d_state["Model.EmbeddingLayer.weight"]  # [24, 5]
    assert keras.ops.convert_to_numpy(discriminator.projection.embedding.kernel)[4, 11] == linear[11, 4]


def test_fresh_models_export_and_reload(fixtures_dir):
    generator = R3GANGenerator([8, 8, 4], 2, [1, 1, 1], latent_dim=6, num_classes=3)
    generator.build()
    for variable in generator.trainable_variables:  # make every weight non-trivial
        variable.assign(np.random.default_rng(0).normal(size=variable.shape).astype("float32") * 0.1)
    state = export_official_weights(generator)
    assert state["Model.EmbeddingLayer.weight"].shape == (6, 3)
    assert state["Model.MainLayers.0.Layers.0.LinearLayer.weight"].shape == (8, 12)
    clone = r3gan_from_official(state)
    z, labels = np.ones((2, 6), "float32"), np.eye(3, dtype="float32")[[0, 2]]
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(clone(z, labels)), keras.ops.convert_to_numpy(generator(z, labels))
    )
    discriminator = R3GANDiscriminator([8, 8, 4], 2, [1, 1, 1], image_channels=1)
    state = export_official_weights(discriminator)
    assert state["Model.ExtractionLayer.Layer.weight"].shape == (4, 1, 1, 1)
    assert state["Model.MainLayers.0.Layers.1.LinearLayer.Layer.weight"].shape == (8, 4, 1, 1)
    assert infer_official_arguments(state)[1]["image_channels"] == 1


def test_strict_loading_lists_every_problem(fixtures_dir):
    g_state, d_state, _ = _states(fixtures_dir, "uncond")
    model = r3gan_from_official(g_state)
    bad = dict(g_state)
    del bad["Model.MainLayers.1.Layers.2.NonLinearity2.Bias"]
    bad["Model.Extra.weight"] = np.zeros(3, "float32")
    bad["Model.AggregationLayer.Layer.weight"] = np.zeros((3, 13, 1, 1), "float32")
    with pytest.raises(ValueError) as error:
        load_official_weights(model, bad)
    message = str(error.value)
    for expected in (
        "missing 1: Model.MainLayers.1.Layers.2.NonLinearity2.Bias",
        "unexpected 1: Model.Extra.weight",
        "Model.AggregationLayer.Layer.weight (3, 13, 1, 1) (expected (3, 12, 1, 1))",
    ):
        assert expected in message
    bad = dict(g_state)
    bad["Model.MainLayers.1.Layers.0.Resampler.Kernel"] = np.full((4, 4), 1 / 16, "float32")
    with pytest.raises(ValueError, match="resampling kernels other than.*MainLayers.1.Layers.0.Resampler.Kernel"):
        load_official_weights(model, bad)
    no_buffers = {k: v for k, v in g_state.items() if not k.endswith("Resampler.Kernel")}
    assert infer_official_arguments(no_buffers) == infer_official_arguments(g_state)
    with pytest.raises(ValueError, match="missing 3: .*Resampler.Kernel"):
        r3gan_from_official(no_buffers)
    with pytest.raises(ValueError, match="missing"):  # a discriminator state dict into a generator
        load_official_weights(model, d_state)
    with pytest.raises(ValueError, match="neither"):
        r3gan_from_official({"foo": np.zeros(1)})
    with pytest.raises(ValueError, match="unexpected"):
        load_official_weights(r3gan_from_official(d_state), {"G." + k: v for k, v in d_state.items()})


def test_prefix_and_overrides(fixtures_dir):
    _, d_state, _ = _states(fixtures_dir, "uncond")
    unprefixed = {k[len("Model.") :]: v for k, v in d_state.items()}
    model = r3gan_from_official(unprefixed, prefix="", name="d_loaded", conv_implementation="split")
    assert model.name == "d_loaded" and model.conv_implementation == "split"
    assert set(export_official_weights(model, prefix="")) == set(unprefixed)
