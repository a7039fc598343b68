import keras
import numpy as np
import pytest

from keras_gans import R3GANGenerator
from keras_gans.layers import ResidualBlock
from keras_gans.models.r3gan.r3gan_layers import residual_init_gain

TINY = {"widths": [8, 8, 4], "cardinalities": [2, 2, 1], "blocks_per_stage": [1, 2, 1], "latent_dim": 6}


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(x, "float32")), dtype=np.float64)


def test_contract_attributes_and_shapes():
    generator = R3GANGenerator(**TINY)
    assert generator.latent_dim == 6 and generator.num_classes == 0
    assert generator.image_shape == (16, 16, 3)
    images = generator(np.random.default_rng(0).normal(size=(2, 6)).astype("float32"))
    assert images.shape == (2, 16, 16, 3)
    assert keras.backend.standardize_dtype(images.dtype) == "float32"
    assert generator(keras.Input((6,))).shape == (None, 16, 16, 3)
    assert R3GANGenerator([8], 2, 1, latent_dim=4).image_shape == (4, 4, 3)  # a single 4x4 stage


def test_structure_and_fixup_depth():
    generator = R3GANGenerator(**TINY)
    generator.build()
    blocks = [layer for stage in generator.stages for layer in stage if isinstance(layer, ResidualBlock)]
    assert len(blocks) == 4
    assert all(block.total_blocks == 4 for block in blocks)  # L = blocks in the whole network
    assert [len(stage) for stage in generator.stages] == [2, 3, 2]
    assert generator.stages[1][0].linear is None and generator.stages[2][0].linear is not None
    assert residual_init_gain(4) == pytest.approx(1.3867505 * 4**-0.25, rel=1e-6)
    assert not generator.non_trainable_weights  # the resampling filter is a constant, not a weight


def test_generator_is_linear_at_initialisation():
    """With every residual branch zero-initialised and no biases elsewhere, the initial G is a linear map of z."""
    generator = R3GANGenerator(**TINY)
    rng = np.random.default_rng(1)
    z1, z2 = rng.normal(size=(2, 6)).astype("float32"), rng.normal(size=(2, 6)).astype("float32")
    combined = _np(generator(1.5 * z1 - 0.5 * z2))
    np.testing.assert_allclose(combined, 1.5 * _np(generator(z1)) - 0.5 * _np(generator(z2)), atol=1e-5)


def test_conditional_generator():
    generator = R3GANGenerator(**TINY, num_classes=5)
    assert generator.embedding_dim == 6  # defaults to latent_dim, as in the presets
    labels = np.eye(5, dtype="float32")[[0, 4]]
    z = np.zeros((2, 6), "float32")
    images = generator(z, labels)
    assert images.shape == (2, 16, 16, 3)
    assert tuple(generator.stages[0][0].linear.kernel.shape) == (12, 8)
    assert tuple(generator.class_embedding.kernel.shape) == (5, 6)
    # With z = 0 the image depends on the label only.
    assert not np.allclose(_np(images[0]), _np(images[1]))
    with pytest.raises(ValueError, match="R3GANGenerator .* class-conditional .* labels=None"):
        generator(z)
    with pytest.raises(ValueError, match="one-hot labels of shape \\(batch, 5\\)"):
        generator(z, np.eye(4, dtype="float32")[:2])


def test_bad_inputs_and_arguments_raise():
    generator = R3GANGenerator(**TINY, name="gen")
    with pytest.raises(ValueError, match="R3GANGenerator 'gen' expects latents of shape \\(batch, 6\\)"):
        generator(np.zeros((2, 7), "float32"))
    with pytest.raises(ValueError, match="unconditional"):
        generator(np.zeros((2, 6), "float32"), np.eye(3, dtype="float32")[:2])
    generator(np.zeros((2, 6), "float32"), None)
    with pytest.raises(ValueError, match="`cardinalities` must have one entry per stage"):
        R3GANGenerator([8, 8], [2, 2, 2])
    with pytest.raises(ValueError, match="stage 1 .* not divisible by its cardinality 3"):
        R3GANGenerator([8, 8], [2, 3])
    with pytest.raises(ValueError, match="bfloat16_stages"):
        R3GANGenerator([8, 8], 2, bfloat16_stages=[2])
    with pytest.raises(ValueError, match="embedding_dim"):
        R3GANGenerator([8, 8], 2, embedding_dim=4)
    with pytest.raises(ValueError, match="latent_dim"):
        R3GANGenerator([8, 8], 2, latent_dim=0)


def test_bfloat16_stages_use_mixed_policies():
    generator = R3GANGenerator(**TINY, bfloat16_stages=[-1, 1])
    images = generator(np.ones((2, 6), "float32"))
    policies = [{layer.dtype_policy.name for layer in stage} for stage in generator.stages]
    assert policies == [{"float32"}, {"mixed_bfloat16"}, {"mixed_bfloat16"}]
    block = generator.stages[1][1]
    assert block.grouped_conv.dtype_policy.name == "mixed_bfloat16"  # inner layers follow the block
    assert generator.aggregation.dtype_policy.name == "mixed_bfloat16"  # runs in the last stage's dtype
    assert keras.backend.standardize_dtype(images.dtype) == "bfloat16"
    assert all(keras.backend.standardize_dtype(v.dtype) == "float32" for v in generator.weights)


def test_config_round_trip_and_keras_saving(tmp_path):
    generator = R3GANGenerator(
        **TINY, num_classes=3, embedding_dim=5, bfloat16_stages=[-1], conv_implementation="split", name="g"
    )
    z, labels = np.random.default_rng(2).normal(size=(2, 6)).astype("float32"), np.eye(3, dtype="float32")[:2]
    generator(z, labels)
    for variable in generator.trainable_variables:  # non-trivial residual branches
        variable.assign(np.random.default_rng(3).normal(size=variable.shape).astype("float32") * 0.1)
    expected = _np(generator(z, labels))
    config = generator.get_config()
    assert config["embedding_dim"] == 5 and config["bfloat16_stages"] == [-1]
    clone = R3GANGenerator.from_config(config)
    clone.build()
    clone.set_weights(generator.get_weights())
    np.testing.assert_array_equal(_np(clone(z, labels)), expected)
    path = str(tmp_path / "generator.keras")
    generator.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, R3GANGenerator) and loaded.get_config() == config
    np.testing.assert_array_equal(_np(loaded(z, labels)), expected)
