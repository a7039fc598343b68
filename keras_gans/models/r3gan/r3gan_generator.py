"""The R3GAN generator (Huang et al., NeurIPS 2024, https://arxiv.org/abs/2501.05441)."""

import keras
from keras import ops

from keras_gans.layers.shape_validation import check_labels
from keras_gans.layers.shape_validation import check_positive_int
from keras_gans.models.r3gan.r3gan_architecture import StageArguments
from keras_gans.models.r3gan.r3gan_conditioning import ClassEmbedding
from keras_gans.models.r3gan.r3gan_layers import GenerativeBasis
from keras_gans.models.r3gan.r3gan_layers import ResidualBlock
from keras_gans.models.r3gan.r3gan_layers import UpsampleTransition
from keras_gans.models.r3gan.r3gan_layers import pointwise_conv
from keras_gans.models.r3gan.r3gan_layers import run_sublayer
from keras_gans.models.r3gan.r3gan_presets import PRESET_FAMILY
from keras_gans.presets.preset_loader import NetworkPresetMixin


@keras.saving.register_keras_serializable(package="keras_gans")
class R3GANGenerator(StageArguments, NetworkPresetMixin, keras.Model):
    """R3GAN generator: a learned 4x4 basis modulated by z, then stages of residual blocks, each stage doubling
    the resolution with the [1,3,3,1] interpolative upsampler, and a final 1x1 conv to RGB.

    Stage 0 works at 4x4 and stage `i` at `4 * 2^i`, so the output is `4 * 2^(len(widths) - 1)` pixels square.
    There is no mapping network, noise input, normalisation or output nonlinearity: images are not clamped.
    A conditional generator concatenates `ClassEmbedding(labels)` (size `embedding_dim`) to z.

    Mixed precision: the stages listed in `bfloat16_stages` (official layout: the high-resolution stages) use the
    `"mixed_bfloat16"` policy (float32 weights, bfloat16 compute); the output conv runs in the last stage's
    policy, so with a bfloat16 last stage the images are bfloat16, as in the official training.

    Args:
        widths: channels per stage, from the 4x4 stage up.
        cardinalities: groups of the residual blocks' 3x3 conv, per stage (or one int for all).
        blocks_per_stage: residual blocks per stage (or one int for all).
        expansion_factor: inverted-bottleneck expansion of the residual blocks.
        latent_dim: size of z.
        num_classes: number of classes; 0 for an unconditional generator.
        embedding_dim: class-embedding size (conditional only); defaults to `latent_dim` as in the presets.
        image_channels: output channels.
        kernel_size: kernel size of the grouped convolutions.
        bfloat16_stages: stage indices (4x4 stage = 0, negatives from the top) that compute in bfloat16.
        conv_implementation: `GroupedConv2D` implementation (`"auto"`, `"native"`, `"split"`, `"matmul"`).
        allow_large: lifts the size limits checked before building (at most 2e9 parameters, 256 blocks per stage,
            8192x8192 images; see `keras_gans.models.config_validation`).
        **kwargs: standard `keras.Model` arguments (`name`, `dtype`, ...).

    Call arguments:
        z: float latents `(batch, latent_dim)`.
        labels: one-hot float labels `(batch, num_classes)` (conditional) or `None`.
        training: unused (the network has no train/inference difference).

    Returns:
        Images `(batch, H, W, image_channels)`, NHWC, nominally in [-1, 1] but not clamped.

    Examples:
    ```python
    g = keras_gans.R3GANGenerator(widths=[64, 64, 32], cardinalities=4, blocks_per_stage=1, latent_dim=16)
    images = g(np.random.normal(size=(2, 16)).astype("float32"))  # (2, 16, 16, 3)
    g = keras_gans.R3GANGenerator.from_preset("cifar10", load_weights=False)  # the architecture, fresh weights
    g = keras_gans.R3GANGenerator.from_preset("stacked_mnist_small")  # the trained EMA generator (ships)
    ```
    """

    # Presets: `from_preset(name)` is the EMA generator of `R3GAN.from_preset(name)` (keras_gans.presets).
    preset_family = PRESET_FAMILY
    preset_role = "generator"
    preset_weights_attribute = "ema_generator"

    def __init__(
        self,
        widths,
        cardinalities,
        blocks_per_stage=2,
        expansion_factor=2,
        latent_dim=64,
        num_classes=0,
        embedding_dim=None,
        image_channels=3,
        kernel_size=3,
        bfloat16_stages=(),
        conv_implementation="auto",
        allow_large=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        owner = f"R3GANGenerator '{self.name}'"
        self.latent_dim = check_positive_int(owner, "latent_dim", latent_dim)
        policies = self.set_stage_arguments(
            owner,
            widths,
            cardinalities,
            blocks_per_stage,
            expansion_factor,
            num_classes,
            embedding_dim,
            image_channels,
            kernel_size,
            bfloat16_stages,
            conv_implementation,
            allow_large,
            latent_dim=self.latent_dim,
        )
        total_blocks = sum(self.blocks_per_stage)

        self.class_embedding = (
            ClassEmbedding(self.embedding_dim, name="class_embedding", dtype=self.dtype_policy)
            if self.num_classes
            else None
        )
        self.stages = []
        for s, (width, cardinality, blocks) in enumerate(zip(self.widths, self.cardinalities, self.blocks_per_stage)):
            if s == 0:
                transition = GenerativeBasis(width, name="stage0_basis", dtype=policies[s])
            else:
                transition = UpsampleTransition(width, name=f"stage{s}_upsample", dtype=policies[s])
            residual_blocks = [
                ResidualBlock(
                    cardinality,
                    total_blocks,
                    expansion_factor,
                    kernel_size,
                    conv_implementation,
                    name=f"stage{s}_block{j}",
                    dtype=policies[s],
                )
                for j in range(1, blocks + 1)
            ]
            self.stages.append([transition] + residual_blocks)
        self.aggregation = pointwise_conv(self.image_channels, name="aggregation", dtype=policies[-1])

    def _check_latents(self, z_shape):
        if len(z_shape) != 2 or z_shape[-1] != self.latent_dim:
            raise ValueError(
                f"R3GANGenerator '{self.name}' expects latents of shape (batch, {self.latent_dim}), "
                f"got {tuple(z_shape)}."
            )

    def build(self, z_shape=None, labels_shape=None):
        if z_shape is not None:
            self._check_latents(z_shape)
        if self.class_embedding is not None:
            self.class_embedding.build((None, self.num_classes))
        shape = (None, self.latent_dim + self.embedding_dim)
        for stage in self.stages:
            for layer in stage:
                layer.build(shape)
                shape = layer.compute_output_shape(shape)
        self.aggregation.build(shape)

    def build_from_config(self, config):
        self.build()

    def call(self, z, labels=None, training=None):
        self._check_latents(z.shape)
        labels = check_labels(f"R3GANGenerator '{self.name}'", self.num_classes, labels, z.shape[0])
        x = z
        if labels is not None:
            x = ops.concatenate([z, ops.cast(self.class_embedding(labels), z.dtype)], axis=-1)
        for stage in self.stages:
            for layer in stage:
                x = run_sublayer(layer, x, self)
        return run_sublayer(self.aggregation, x, self)

    def compute_output_shape(self, z_shape, labels_shape=None):
        return (z_shape[0],) + self.image_shape

    def get_config(self):
        return {**super().get_config(), **self.stage_config(), "latent_dim": self.latent_dim}
