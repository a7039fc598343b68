"""Class conditioning for GANs: a bias-free class embedding and the projection discriminator head."""

import math

import keras
from keras import ops

from keras_gans.layers.shape_validation import check_positive_int
from keras_gans.layers.shape_validation import check_vector_shape
from keras_gans.models.r3gan.r3gan_layers import MSRInitializer


@keras.saving.register_keras_serializable(package="keras_gans")
class ClassEmbedding(keras.layers.Layer):
    """Bias-free linear embedding of one-hot (or soft) class labels: `labels @ W`, `W` of shape
    `(num_classes, embedding_dim)` with std `gain / sqrt(num_classes)`.

    Args:
        embedding_dim: size of the embedding.
        gain: init gain (`MSRInitializer`).
        **kwargs: standard `keras.layers.Layer` arguments.

    Examples:
    ```python
    e = keras_gans.layers.ClassEmbedding(64)(np.eye(10, dtype="float32")[[3, 7]])  # (2, 64)
    ```
    """

    def __init__(self, embedding_dim, gain=1.0, **kwargs):
        super().__init__(**kwargs)
        self.embedding_dim = check_positive_int(self, "embedding_dim", embedding_dim)
        self.gain = float(gain)

    def build(self, input_shape):
        num_classes = check_vector_shape(self, input_shape, what="classes (one-hot labels)")
        self.kernel = self.add_weight(
            name="kernel", shape=(num_classes, self.embedding_dim), initializer=MSRInitializer(self.gain)
        )

    def call(self, labels):
        check_vector_shape(self, labels.shape, self.kernel.shape[0], what="classes (one-hot labels)")
        labels = ops.cast(labels, self.compute_dtype)  # integer one-hot labels are accepted too
        return ops.matmul(labels, ops.cast(self.kernel, labels.dtype))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.embedding_dim)

    def get_config(self):
        return {**super().get_config(), "embedding_dim": self.embedding_dim, "gain": self.gain}


@keras.saving.register_keras_serializable(package="keras_gans")
class ProjectionHead(keras.layers.Layer):
    """Projection discriminator output (Miyato & Koyama, ICLR 2018, https://arxiv.org/abs/1802.05637) as R3GAN
    uses it: `logit = sum_k features[:, k] * ClassEmbedding(labels)[:, k]`, with no unconditional term.

    The embedding is initialised with std `(1 / sqrt(embedding_dim)) / sqrt(num_classes)`.

    Args:
        embedding_dim: feature / embedding size.
        **kwargs: standard `keras.layers.Layer` arguments.

    Examples:
    ```python
    head = keras_gans.layers.ProjectionHead(32)
    logits = head(np.zeros((2, 32), "float32"), np.eye(10, dtype="float32")[[3, 7]])  # (2,)
    ```
    """

    def __init__(self, embedding_dim, **kwargs):
        super().__init__(**kwargs)
        self.embedding_dim = check_positive_int(self, "embedding_dim", embedding_dim)
        self.embedding = ClassEmbedding(
            embedding_dim, gain=1.0 / math.sqrt(embedding_dim), name="embedding", dtype=self.dtype_policy
        )

    def build(self, features_shape, labels_shape):
        check_vector_shape(self, features_shape, self.embedding_dim)
        self.embedding.build(labels_shape)

    def call(self, features, labels):
        check_vector_shape(self, features.shape, self.embedding_dim)
        embedded = self.embedding(labels)
        return ops.sum(features * ops.cast(embedded, features.dtype), axis=-1)

    def compute_output_shape(self, features_shape, labels_shape):
        return (features_shape[0],)

    def get_config(self):
        return {**super().get_config(), "embedding_dim": self.embedding_dim}
