"""Tiny generator / discriminator networks following the GAN network contract, for the training-engine tests.

Plain `Dense` / `Conv2D` layers only (no grouped convolution, so TensorFlow on CPU can differentiate them without
XLA), channels_last. `activation="tanh"` gives smooth networks for finite-difference checks of second-order
gradients; the default leaky ReLU is the usual GAN nonlinearity.
"""

import keras
import numpy as np
from keras import layers
from keras import ops


def _act(x, activation):
    if activation == "tanh":
        # tanh written with sigmoid: Keras' JAX `ops.tanh` returns float32 for float64 inputs (x64 mode).
        return 2.0 * ops.sigmoid(2.0 * x) - 1.0
    return ops.leaky_relu(x, 0.2)


@keras.saving.register_keras_serializable(package="keras_gans_tests")
class TinyGenerator(keras.Model):
    """z (+ one-hot labels) -> Dense -> 4x4 -> nearest 2x upsampling -> Conv2D -> Conv2D -> NHWC image."""

    def __init__(
        self,
        latent_dim=8,
        num_classes=0,
        image_shape=(8, 8, 3),
        width=8,
        activation="leaky_relu",
        with_buffer=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.with_buffer = with_buffer
        self.latent_dim = latent_dim
        self.num_classes = num_classes
        self.image_shape = tuple(image_shape)
        self.width = width
        self.activation = activation
        self.dense = layers.Dense(4 * 4 * width, name="dense")
        self.embed = layers.Dense(latent_dim, use_bias=False, name="embed") if num_classes else None
        self.conv1 = layers.Conv2D(width, 3, padding="same", name="conv1")
        self.to_rgb = layers.Conv2D(self.image_shape[-1], 3, padding="same", name="to_rgb")
        if with_buffer:
            # A non-trainable float buffer (like ProGAN's lod): the EMA copies it instead of averaging it.
            self.gain = self.add_weight(shape=(), initializer="ones", trainable=False, name="gain")

    def call(self, z, labels=None, training=None):
        h = z
        if self.embed is not None:
            h = ops.concatenate([z, self.embed(labels)], axis=-1)
        x = _act(ops.reshape(self.dense(h), (-1, 4, 4, self.width)), self.activation)
        size = 4
        while size < self.image_shape[0]:
            x = ops.repeat(ops.repeat(x, 2, axis=1), 2, axis=2)
            size *= 2
        x = _act(self.conv1(x), self.activation)
        x = self.to_rgb(x)
        return x * ops.cast(self.gain, x.dtype) if self.with_buffer else x

    def get_config(self):
        config = super().get_config()
        config.update(
            latent_dim=self.latent_dim,
            num_classes=self.num_classes,
            image_shape=self.image_shape,
            width=self.width,
            activation=self.activation,
            with_buffer=self.with_buffer,
        )
        return config


@keras.saving.register_keras_serializable(package="keras_gans_tests")
class TinyDiscriminator(keras.Model):
    """NHWC image -> Conv2D -> avg-pool -> Conv2D -> Dense -> logits (N,); projection or AC-GAN head if conditional."""

    def __init__(self, num_classes=0, image_shape=(8, 8, 3), width=8, activation="leaky_relu", ac_gan=False, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.image_shape = tuple(image_shape)
        self.width = width
        self.activation = activation
        self.ac_gan = ac_gan
        self.conv1 = layers.Conv2D(width, 3, padding="same", name="conv1")
        self.conv2 = layers.Conv2D(width, 3, padding="same", name="conv2")
        self.head = layers.Dense(1, name="head")
        self.project = None
        self.classifier = None
        if num_classes and ac_gan:
            self.classifier = layers.Dense(num_classes, name="classifier")
        elif num_classes:
            self.project = layers.Dense(width, use_bias=False, name="project")

    def call(self, images, labels=None, training=None):
        x = _act(self.conv1(images), self.activation)
        x = ops.average_pool(x, 2, 2)
        x = _act(self.conv2(x), self.activation)
        # sum / count rather than ops.mean, which on JAX accumulates float64 inputs in float32.
        features = ops.sum(x, axis=(1, 2)) / float(x.shape[1] * x.shape[2])
        scores = ops.reshape(self.head(features), (-1,))
        if self.project is not None:
            scores = scores + ops.sum(self.project(labels) * features, axis=-1)
        if self.classifier is not None:
            return scores, self.classifier(features)
        return scores

    def get_config(self):
        config = super().get_config()
        config.update(
            num_classes=self.num_classes,
            image_shape=self.image_shape,
            width=self.width,
            activation=self.activation,
            ac_gan=self.ac_gan,
        )
        return config


@keras.saving.register_keras_serializable(package="keras_gans_tests")
class RandomFlip(layers.Layer):
    """Stand-in augmentation pipeline: flips each image horizontally with probability `probability`."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, probability=0.0, training=True):
        if not training:
            return images
        n = ops.shape(images)[0]
        u = keras.random.uniform((n, 1, 1, 1), seed=self.seed_generator)
        flip = ops.cast(u < ops.cast(probability, "float32"), images.dtype)
        return flip * ops.flip(images, axis=2) + (1 - flip) * images

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def tiny_networks(num_classes=0, image_shape=(8, 8, 3), latent_dim=8, width=8, activation="leaky_relu", ac_gan=False):
    generator = TinyGenerator(latent_dim, num_classes, image_shape, width, activation)
    discriminator = TinyDiscriminator(num_classes, image_shape, width, activation, ac_gan)
    return generator, discriminator


def fixed_weights(model, seed):
    """Deterministic float weights from NumPy (identical on every backend)."""
    rng = np.random.default_rng(seed)
    for v in model.weights:
        scale = 0.3 if len(v.shape) > 1 else 0.05
        v.assign(rng.normal(0.0, scale, size=tuple(v.shape)).astype(keras.backend.standardize_dtype(v.dtype)))


def uint8_images(n, image_shape=(8, 8, 3), seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(n,) + tuple(image_shape), dtype=np.uint8)
