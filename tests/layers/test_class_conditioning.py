import math

import keras
import numpy as np
import pytest

from keras_gans.layers import ClassEmbedding
from keras_gans.layers import ProjectionHead


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x), dtype=np.float64)


def test_class_embedding_is_a_bias_free_linear_map_of_one_hot_labels():
    rng = np.random.default_rng(0)
    weight = rng.normal(size=(4, 5))  # official Linear layout [embedding_dim, num_classes]
    layer = ClassEmbedding(4)
    labels = np.eye(5, dtype="float32")[[3, 0, 4]]
    layer.build(labels.shape)
    assert tuple(layer.kernel.shape) == (5, 4)
    layer.kernel.assign(weight.T.astype("float32"))
    np.testing.assert_allclose(_np(layer(labels)), labels @ weight.T, atol=1e-6)
    np.testing.assert_allclose(_np(layer(labels)), weight[:, [3, 0, 4]].T, atol=1e-6)  # picks columns
    np.testing.assert_allclose(_np(layer(labels.astype("int32"))), labels @ weight.T, atol=1e-6)


def test_initialisation_std():
    layer = ClassEmbedding(512, gain=2.0)
    layer.build((None, 100))
    assert np.std(_np(layer.kernel)) == pytest.approx(2.0 / 10.0, rel=0.05)
    head = ProjectionHead(400)
    head.build((None, 400), (None, 100))
    # (1 / sqrt(E_d)) / sqrt(c_dim), as the official conditional discriminator.
    assert np.std(_np(head.embedding.kernel)) == pytest.approx(1 / math.sqrt(400) / 10.0, rel=0.05)


def test_projection_head():
    rng = np.random.default_rng(1)
    features, weight = rng.normal(size=(3, 6)), rng.normal(size=(6, 4))
    labels = np.eye(4, dtype="float32")[[1, 3, 1]]
    head = ProjectionHead(6)
    logits = head(features.astype("float32"), labels)
    head.embedding.kernel.assign(weight.T.astype("float32"))
    logits = head(features.astype("float32"), labels)
    assert logits.shape == (3,)
    np.testing.assert_allclose(_np(logits), np.sum(features * (labels @ weight.T), axis=-1), atol=1e-5)


def test_config_and_errors():
    layer = ClassEmbedding(8, gain=0.5, name="emb")
    assert ClassEmbedding.from_config(layer.get_config()).get_config() == layer.get_config()
    head = ProjectionHead(8, name="proj")
    assert ProjectionHead.from_config(head.get_config()).get_config() == head.get_config()
    layer(np.eye(3, dtype="float32"))
    with pytest.raises(ValueError, match="ClassEmbedding 'emb'.*3 classes"):
        layer(np.eye(4, dtype="float32"))
    with pytest.raises(ValueError, match="ClassEmbedding 'emb2'.*rank-2"):
        ClassEmbedding(8, name="emb2")(np.zeros((2, 3, 1), "float32"))
    with pytest.raises(ValueError, match="ProjectionHead 'proj'.*8"):
        head(np.zeros((2, 5), "float32"), np.eye(2, dtype="float32"))
