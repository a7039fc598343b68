import keras
import numpy as np
import pytest

from keras_gans import R3GANDiscriminator
from keras_gans.layers import DiscriminativeBasis
from keras_gans.layers import DownsampleTransition

TINY = {"widths": [8, 8, 4], "cardinalities": [2, 2, 1], "blocks_per_stage": [1, 2, 1]}


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(x, "float32")), dtype=np.float64)


def _images(n=2, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 16, 16, 3)).astype("float32")


def test_contract_attributes_and_shapes():
    discriminator = R3GANDiscriminator(**TINY)
    assert discriminator.num_classes == 0 and discriminator.image_shape == (16, 16, 3)
    logits = discriminator(_images(2))
    assert logits.shape == (2,)
    assert keras.backend.standardize_dtype(logits.dtype) == "float32"
    assert discriminator(keras.Input((16, 16, 3))).shape == (None,)


def test_stages_run_from_high_to_low_resolution():
    """Lists are in generator order; internally stage 0 is the 16x16 stage (generator stage 2)."""
    discriminator = R3GANDiscriminator(**TINY)
    discriminator.build()
    assert tuple(discriminator.extraction.kernel.shape) == (3, 4)  # 3 -> widths[-1]
    assert [len(stage) for stage in discriminator.stages] == [2, 3, 2]  # blocks [1, 2, 1] reversed, + transition
    first, second, last = (stage[-1] for stage in discriminator.stages)
    assert isinstance(first, DownsampleTransition) and tuple(first.linear.kernel.shape) == (4, 8)
    assert isinstance(second, DownsampleTransition) and second.linear is None
    assert isinstance(last, DiscriminativeBasis) and tuple(last.depthwise_kernel.shape) == (4, 4, 8, 1)
    assert discriminator.stages[0][0].cardinality == 1 and discriminator.stages[0][0].total_blocks == 4
    assert discriminator.stages[0][0].name == "stage2_block0"


def test_discriminator_is_linear_at_initialisation():
    discriminator = R3GANDiscriminator(**TINY)
    x1, x2 = _images(seed=1), _images(seed=2)
    np.testing.assert_allclose(
        _np(discriminator(2.0 * x1 + 0.25 * x2)),
        2.0 * _np(discriminator(x1)) + 0.25 * _np(discriminator(x2)),
        atol=1e-5,
    )


def test_projection_head():
    discriminator = R3GANDiscriminator(**TINY, num_classes=4)
    assert discriminator.embedding_dim == 8  # widths[0], the 4x4 stage width, as in the presets
    discriminator.build()
    assert tuple(discriminator.stages[-1][-1].linear.kernel.shape) == (8, 8)
    assert tuple(discriminator.projection.embedding.kernel.shape) == (4, 8)
    images, labels = _images(), np.eye(4, dtype="float32")[[1, 3]]
    logits = _np(discriminator(images, labels))
    # Pure projection, no unconditional term: the logit is linear in the one-hot label.
    halves = _np(discriminator(images, 0.5 * labels))
    np.testing.assert_allclose(halves, 0.5 * logits, atol=1e-6)
    # And equals <head features, embedding of the label>.
    x = discriminator.extraction(images)
    for stage in discriminator.stages:
        for layer in stage:
            x = layer(x)
    embedding = _np(discriminator.projection.embedding.kernel)[[1, 3]]
    np.testing.assert_allclose(logits, np.sum(_np(x) * embedding, axis=-1), atol=1e-5)
    with pytest.raises(ValueError, match="labels=None"):
        discriminator(images)


def test_bad_inputs_raise():
    discriminator = R3GANDiscriminator(**TINY, name="disc")
    with pytest.raises(ValueError, match="R3GANDiscriminator .disc. expects NHWC images of shape \\(batch, 16, 16, 3"):
        discriminator(np.zeros((2, 32, 32, 3), "float32"))
    with pytest.raises(ValueError, match="'disc' expects NHWC images"):
        discriminator(np.zeros((2, 16, 16, 1), "float32"))
    with pytest.raises(ValueError, match="unconditional"):
        discriminator(_images(), np.eye(2, dtype="float32"))
    with pytest.raises(ValueError, match="must have one entry per stage"):
        R3GANDiscriminator([8, 8], 2, [1, 1, 1])


def test_bfloat16_stages_and_float32_logits():
    discriminator = R3GANDiscriminator(**TINY, num_classes=2, bfloat16_stages=[-1, -2])
    logits = discriminator(_images(), np.eye(2, dtype="float32"))
    assert keras.backend.standardize_dtype(logits.dtype) == "float32"
    assert discriminator.extraction.dtype_policy.name == "mixed_bfloat16"  # runs in the 16x16 stage's dtype
    names = [{layer.dtype_policy.name for layer in stage} for stage in discriminator.stages]
    assert names == [{"mixed_bfloat16"}, {"mixed_bfloat16"}, {"float32"}]


def test_config_round_trip_and_keras_saving(tmp_path):
    discriminator = R3GANDiscriminator(
        **TINY, num_classes=3, embedding_dim=6, image_channels=1, conv_implementation="native", name="d"
    )
    images, labels = np.random.default_rng(3).normal(size=(2, 16, 16, 1)).astype("float32"), np.eye(3)[:2]
    labels = labels.astype("float32")
    discriminator.build()
    for variable in discriminator.trainable_variables:
        variable.assign(np.random.default_rng(4).normal(size=variable.shape).astype("float32") * 0.1)
    expected = _np(discriminator(images, labels))
    config = discriminator.get_config()
    clone = R3GANDiscriminator.from_config(config)
    clone.build()
    clone.set_weights(discriminator.get_weights())
    np.testing.assert_array_equal(_np(clone(images, labels)), expected)
    path = str(tmp_path / "discriminator.keras")
    discriminator.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, R3GANDiscriminator) and loaded.get_config() == config
    np.testing.assert_array_equal(_np(loaded(images, labels)), expected)
