import json

import keras
import pytest

from keras_gans import R3GANDiscriminator
from keras_gans import R3GANGenerator
from keras_gans.models.r3gan import R3GAN_PRESETS
from keras_gans.models.r3gan import preset_arguments
from keras_gans.models.r3gan import preset_recipe

OFFICIAL = sorted(name for name, preset in R3GAN_PRESETS.items() if "official_parameters" in preset)


def _block_params(width, cardinality, expansion=2, kernel=3):
    hidden = expansion * width
    return hidden * width + hidden * (hidden // cardinality) * kernel * kernel + width * hidden + 2 * hidden


def _analytic_counts(g, d):
    """Parameter counts written from the official layer shapes (spec section 2), independent of the Keras code."""
    widths, cards, blocks = g["widths"], g["cardinalities"], g["blocks_per_stage"]
    embed_g = (g["embedding_dim"] or g["latent_dim"]) if g["num_classes"] else 0
    n_g = embed_g * g["num_classes"] + widths[0] * 16 + widths[0] * (g["latent_dim"] + embed_g) + widths[-1] * 3
    n_g += sum(widths[s - 1] * widths[s] for s in range(1, len(widths)) if widths[s - 1] != widths[s])
    n_g += sum(b * _block_params(w, c) for w, c, b in zip(widths, cards, blocks))
    embed_d = (d["embedding_dim"] or widths[0]) if d["num_classes"] else 0
    n_d = 3 * widths[-1] + 16 * widths[0] + widths[0] * (embed_d or 1) + embed_d * d["num_classes"]
    n_d += sum(widths[s - 1] * widths[s] for s in range(1, len(widths)) if widths[s - 1] != widths[s])
    n_d += sum(b * _block_params(w, c) for w, c, b in zip(widths, cards, blocks))
    return n_g, n_d


@pytest.mark.parametrize("name", OFFICIAL)
def test_parameter_counts_equal_the_official_ones(name):
    """Builds both networks of every published configuration and counts their weights. The variables are created
    inside a `StatelessScope` without initialisation (shapes only), so that the 100M-parameter ImageNet networks
    cost neither memory nor random-number generation; the session is cleared afterwards."""
    official = R3GAN_PRESETS[name]["official_parameters"]
    try:
        with keras.StatelessScope(initialize_variables=False):
            generator = R3GANGenerator.from_preset(name, load_weights=False)
            generator.build()
            discriminator = R3GANDiscriminator.from_preset(name, load_weights=False)
            discriminator.build()
        assert generator.count_params() == official["generator"]
        assert discriminator.count_params() == official["discriminator"]
        assert not generator.non_trainable_weights and not discriminator.non_trainable_weights
    finally:
        keras.backend.clear_session()
    assert _analytic_counts(preset_arguments(name, "generator"), preset_arguments(name, "discriminator")) == (
        official["generator"],
        official["discriminator"],
    )


@pytest.mark.parametrize("name", ["fixture_unconditional", "fixture_conditional", "bench32"])
def test_small_presets_build_and_count(name):
    generator = R3GANGenerator.from_preset(name, load_weights=False)
    discriminator = R3GANDiscriminator.from_preset(name, load_weights=False)
    generator.build()
    discriminator.build()
    assert generator.image_shape == discriminator.image_shape
    expected = R3GAN_PRESETS[name].get("official_parameters") or dict(
        zip(
            ("generator", "discriminator"),
            _analytic_counts(preset_arguments(name, "generator"), preset_arguments(name, "discriminator")),
        )
    )
    assert {"generator": generator.count_params(), "discriminator": discriminator.count_params()} == expected


def test_a_preset_runs_with_its_bfloat16_layout():
    """Batch 4 as in the parity tests (the fixture weights run there; here the preset's own initialisation)."""
    generator = R3GANGenerator.from_preset("fixture_conditional", load_weights=False)
    discriminator = R3GANDiscriminator.from_preset("fixture_conditional", load_weights=False)
    labels = keras.ops.one_hot([0, 3, 1, 4], generator.num_classes)
    images = generator(keras.random.normal((4, generator.latent_dim)), labels)
    assert images.shape == (4, 16, 16, 3)
    logits = discriminator(images, labels)
    assert logits.shape == (4,) and keras.backend.standardize_dtype(logits.dtype) == "float32"


def test_fixture_presets_match_the_fixture_configuration(fixtures_dir):
    configs = json.loads((fixtures_dir / "r3gan_official" / "config.json").read_text())["configs"]
    for name, key in (("fixture_unconditional", "uncond"), ("fixture_conditional", "cond")):
        g, official = preset_arguments(name, "generator"), configs[key]["inner_G_kwargs"]
        assert g["widths"] == official["WidthPerStage"]
        assert g["cardinalities"] == official["CardinalityPerStage"]
        assert g["blocks_per_stage"] == official["BlocksPerStage"]
        assert g["latent_dim"] == official["NoiseDimension"]
        assert g["num_classes"] == configs[key]["G_kwargs"]["c_dim"]
        assert g["bfloat16_stages"] == configs[key]["G_kwargs"]["FP16Stages"]
        assert R3GAN_PRESETS[name]["official_parameters"] == {
            "generator": configs[key]["n_params"]["G"],
            "discriminator": configs[key]["n_params"]["D"],
        }


def test_architectures_follow_the_spec_table():
    expected = {  # name: (G widths, cardinalities, classes, bf16 stages)
        "cifar10": ([768] * 4, [96] * 4, 10, [-1, -2, -3]),
        "cifar10_unconditional": ([768] * 4, [96] * 4, 0, [-1, -2, -3]),
        "ffhq64": ([768, 768, 768, 768, 384], [96, 96, 96, 96, 48], 0, [-1, -2, -3, -4]),
        "ffhq256": ([768, 768, 768, 768, 384, 192, 96], [96, 96, 96, 96, 48, 24, 12], 0, [-1, -2, -3, -4]),
        "imagenet32": ([1536] * 4, [96] * 4, 1000, [-1, -2, -3]),
        "imagenet64": ([1536] * 5, [96] * 5, 1000, [-1, -2, -3, -4]),
        "stacked_mnist": ([768] * 4, [96] * 4, 0, [-1, -2, -3]),
        "bench32": ([128] * 4, [8] * 4, 0, []),
    }
    for name, (widths, cards, classes, bf16) in expected.items():
        for network in ("generator", "discriminator"):
            args = preset_arguments(name, network)
            assert (args["widths"], args["cardinalities"], args["num_classes"], args["bfloat16_stages"]) == (
                widths,
                cards,
                classes,
                bf16,
            ), (name, network)
            assert args["blocks_per_stage"] == [2] * len(widths) and args["expansion_factor"] == 2
        assert preset_arguments(name, "generator")["latent_dim"] == 64
    assert "no StackedMNIST preset" in R3GAN_PRESETS["stacked_mnist"]["description"]
    assert R3GANGenerator.from_preset("ffhq256", load_weights=False).image_shape == (256, 256, 3)
    assert R3GANDiscriminator.from_preset("imagenet64", load_weights=False).embedding_dim == 1536
    assert R3GANGenerator.from_preset("cifar10", load_weights=False).embedding_dim == 64


def test_recipes_follow_the_spec_table():
    table = {  # gamma base/final, aug p, EMA half-life (images), decay_nimg, batch
        "cifar10": (0.05, 0.005, 0.55, 5e6, 2e7, 512),
        "cifar10_unconditional": (0.05, 0.005, 0.55, 5e6, 2e7, 512),
        "stacked_mnist": (0.05, 0.005, 0.55, 5e6, 2e7, 512),
        "ffhq64": (2.0, 0.2, 0.3, 5e5, 2e7, 256),
        "ffhq256": (150.0, 15.0, 0.3, 5e5, 2e7, 256),
        "imagenet32": (0.5, 0.05, 0.5, 5e7, 2e8, 4096),
        "imagenet64": (1.0, 0.1, 0.4, 5e7, 2e8, 4096),
    }
    for name, values in table.items():
        recipe = preset_recipe(name)
        assert (
            recipe["gamma_base"],
            recipe["gamma_final"],
            recipe["aug_p_final"],
            recipe["ema_half_life_nimg_final"],
            recipe["decay_nimg"],
            recipe["batch_size"],
        ) == values, name
        assert (
            recipe["lr_base"],
            recipe["lr_final"],
            recipe["beta1"],
            recipe["beta2_base"],
            recipe["beta2_final"],
            recipe["adam_epsilon"],
        ) == (2e-4, 5e-5, 0.0, 0.9, 0.99, 1e-8)
        assert recipe["mirror"] is True
    for name in R3GAN_PRESETS:
        assert preset_recipe(name) is not R3GAN_PRESETS[name]["recipe"]


def test_overrides_and_unknown_names():
    generator = R3GANGenerator.from_preset("cifar10", load_weights=False, bfloat16_stages=(), name="g")
    assert generator.bfloat16_stages == () and generator.name == "g"
    with pytest.raises(ValueError, match="Unknown R3GAN preset 'cifar100'"):
        R3GANGenerator.from_preset("cifar100")
    with pytest.raises(ValueError, match="network"):
        preset_arguments("cifar10", "critic")
