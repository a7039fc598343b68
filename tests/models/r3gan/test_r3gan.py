"""`R3GAN`: presets, the paper's compile() recipe, preset directories and serialization."""

import json
import math

import keras
import numpy as np
import pytest

from keras_gans import schedules
from keras_gans.layers.augment import DifferentiableAugment
from keras_gans.models.r3gan import R3GAN
from keras_gans.models.r3gan import R3GAN_PRESETS
from keras_gans.models.r3gan import R3GANDiscriminator
from keras_gans.models.r3gan import R3GANGenerator
from keras_gans.models.r3gan import preset_recipe
from keras_gans.utils.preset_utils import PresetNotFoundError


def _weights(network):
    return [np.asarray(keras.ops.convert_to_numpy(v)) for v in network.weights]


def _cosine(base, final, n, decay):
    """R3GAN's half-cosine, written from its formula."""
    d = 0.5 * (1 + math.cos(math.pi * min(n / decay, 1.0)))
    return base + (1 - d) * (final - base)


@pytest.mark.parametrize("preset", ["fixture_unconditional", "fixture_conditional"])
def test_from_preset_without_weights_builds_the_paper_architecture(preset):
    model = R3GAN.from_preset(preset, load_weights=False)
    expected = R3GAN_PRESETS[preset]["official_parameters"]
    assert isinstance(model.generator, R3GANGenerator) and isinstance(model.discriminator, R3GANDiscriminator)
    assert sum(int(np.prod(v.shape)) for v in model.generator.trainable_variables) == expected["generator"]
    assert sum(int(np.prod(v.shape)) for v in model.discriminator.trainable_variables) == expected["discriminator"]
    assert model.recipe == preset_recipe(preset)
    assert isinstance(model.augment_pipeline, DifferentiableAugment)  # the recipe trains with augmentation
    assert model.generator.bfloat16_stages == tuple(R3GAN_PRESETS[preset]["generator"]["bfloat16_stages"])
    for g, e in zip(_weights(model.generator), _weights(model.ema_generator)):
        np.testing.assert_array_equal(g, e)
    plain = R3GAN.from_preset(preset, load_weights=False, augment=False, bfloat16_stages=(), seed=3)
    assert plain.augment_pipeline is None and plain.seed == 3
    assert plain.generator.bfloat16_stages == () and plain.discriminator.bfloat16_stages == ()


def test_unknown_presets_and_presets_without_weights_raise():
    with pytest.raises(PresetNotFoundError, match="unknown preset 'ffhq1024'.*bench32.*ffhq256.*imagenet64"):
        R3GAN.from_preset("ffhq1024")
    with pytest.raises(ValueError, match="'bench32' has no published weights.*load_weights=False"):
        R3GAN.from_preset("bench32")


def test_compile_defaults_follow_the_recipe_schedules():
    """After one step at images_seen = n, the scheduled values are the recipe's half-cosines at n."""
    model = R3GAN.from_preset("fixture_conditional", load_weights=False, bfloat16_stages=())
    recipe = model.recipe
    n = 7_000_000
    model.images_seen.assign(n)
    model.compile()
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (4, 16, 16, 3)).astype("float32")
    model.fit(images, np.array([0, 1, 2, 3]), batch_size=4, epochs=1, verbose=0)
    hp = {k: float(keras.ops.convert_to_numpy(v)) for k, v in model.hyperparameters.items()}
    decay = recipe["decay_nimg"]
    gamma = _cosine(recipe["gamma_base"], recipe["gamma_final"], n, decay)
    np.testing.assert_allclose([hp["r1_gamma"], hp["r2_gamma"]], [gamma, gamma], rtol=1e-6)
    np.testing.assert_allclose(hp["augment_probability"], _cosine(0, recipe["aug_p_final"], n, decay), rtol=1e-6)
    half_life = _cosine(0, recipe["ema_half_life_nimg_final"], n, decay)
    np.testing.assert_allclose(hp["ema_half_life_images"], half_life, rtol=1e-6)
    np.testing.assert_allclose(hp["ema_beta"], 0.5 ** (2 / half_life), rtol=1e-7)  # D batch: half of 4
    for opt in model.optimizer.optimizers:
        assert float(opt.beta_1) == recipe["beta1"] == 0.0 and float(opt.epsilon) == recipe["adam_epsilon"]
        np.testing.assert_allclose(
            float(keras.ops.convert_to_numpy(opt.learning_rate)), _cosine(2e-4, 5e-5, n, decay), rtol=1e-6
        )
        np.testing.assert_allclose(
            float(keras.ops.convert_to_numpy(opt.beta_2)), _cosine(0.9, 0.99, n, decay), rtol=1e-6
        )
    assert model.get_compile_config()["loss"]["class_name"].lower().find("relativistic") >= 0


def test_compile_without_a_recipe_needs_gamma():
    base = R3GAN.from_preset("fixture_unconditional", load_weights=False, augment=False)
    model = R3GAN(base.generator, base.discriminator)
    with pytest.raises(ValueError, match="R3GAN.compile: this model has no recipe; pass `gamma`"):
        model.compile()
    model.compile(gamma=0.05)
    assert model.get_compile_config()["r1_gamma"] == model.get_compile_config()["r2_gamma"]


def test_bad_recipe_raises():
    base = R3GAN.from_preset("fixture_unconditional", load_weights=False, augment=False)
    with pytest.raises(ValueError, match="R3GAN: the recipe lacks"):
        R3GAN(base.generator, base.discriminator, recipe={"gamma_base": 1.0})


def test_save_to_preset_round_trip(tmp_path):
    model = R3GAN.from_preset("fixture_conditional", load_weights=False)
    # Make the EMA generator differ from the generator, so that the test sees which one is restored.
    for v in model.ema_generator.weights:
        v.assign(np.full(v.shape, 0.25, dtype="float32"))
    model.images_seen.assign(123)
    path = model.save_to_preset(tmp_path / "preset")
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "metadata.json", "model.weights.h5"]
    metadata = json.loads((path / "metadata.json").read_text())
    assert metadata["class_name"] == "R3GAN" and metadata["preset"] == "fixture_conditional"
    assert metadata["images_seen"] == 123
    loaded = R3GAN.from_preset(str(path))
    assert type(loaded) is R3GAN and loaded.recipe == model.recipe
    assert isinstance(loaded.augment_pipeline, DifferentiableAugment)
    for a, b in (("generator", "generator"), ("discriminator", "discriminator"), ("ema_generator", "ema_generator")):
        for x, y in zip(_weights(getattr(model, a)), _weights(getattr(loaded, b))):
            np.testing.assert_array_equal(x, y)
    z = np.random.default_rng(0).standard_normal((2, 16)).astype("float32")
    np.testing.assert_array_equal(model.generate(z, labels=[1, 4]), loaded.generate(z, labels=[1, 4]))
    fresh = R3GAN.from_preset(str(path), load_weights=False, augment=False)
    assert fresh.augment_pipeline is None


def test_config_round_trip_keeps_the_recipe():
    model = R3GAN.from_preset("fixture_unconditional", load_weights=False, augment=False)
    config = keras.saving.serialize_keras_object(model)
    clone = keras.saving.deserialize_keras_object(json.loads(json.dumps(config)))
    assert type(clone) is R3GAN and clone.recipe == model.recipe and clone.preset == "fixture_unconditional"
    clone.compile(ema_beta=schedules.Constant(0.999))
    assert clone.get_compile_config()["ema_half_life_images"] is None
