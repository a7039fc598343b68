"""The R3GAN discriminator (Huang et al., NeurIPS 2024, https://arxiv.org/abs/2501.05441)."""

import keras
from keras import ops

from keras_gans.layers.shape_validation import check_labels
from keras_gans.models.r3gan.r3gan_architecture import StageArguments
from keras_gans.models.r3gan.r3gan_conditioning import ProjectionHead
from keras_gans.models.r3gan.r3gan_layers import DiscriminativeBasis
from keras_gans.models.r3gan.r3gan_layers import DownsampleTransition
from keras_gans.models.r3gan.r3gan_layers import ResidualBlock
from keras_gans.models.r3gan.r3gan_layers import pointwise_conv
from keras_gans.models.r3gan.r3gan_layers import run_sublayer
from keras_gans.models.r3gan.r3gan_presets import PRESET_FAMILY
from keras_gans.presets.preset_loader import NetworkPresetMixin


@keras.saving.register_keras_serializable(package="keras_gans")
class R3GANDiscriminator(StageArguments, NetworkPresetMixin, keras.Model):
    """R3GAN discriminator: a 1x1 conv from RGB, stages of residual blocks from the image resolution down to 4x4
    (the [1,3,3,1] interpolative downsampler between stages), then a depthwise 4x4 conv and a linear head.

    The per-stage lists are given in the **same order as the generator's** (from the 4x4 stage up), so a preset's
    lists serve both networks; the discriminator runs them from the highest resolution down (the official
    `Discriminator` receives them reversed). Unconditional: one logit per image. Conditional (`num_classes > 0`): a
    projection head, `logit = <head features, ClassEmbedding(labels)>`, with no unconditional term.

    Mixed precision: `bfloat16_stages` uses generator-order indices too (`(-1, -2, -3)` = the three
    highest-resolution stages, as in the official layout); the input 1x1 conv runs in the policy of the
    highest-resolution stage. Logits are always float32.

    No statistic crosses samples (`batch_independent = True`), so `GAN` scores the real and fake batches of a
    step in one call.

    Args:
        widths: channels per stage, from the 4x4 stage up.
        cardinalities: groups of the residual blocks' 3x3 conv, per stage (or one int for all).
        blocks_per_stage: residual blocks per stage (or one int for all).
        expansion_factor: inverted-bottleneck expansion of the residual blocks.
        num_classes: number of classes; 0 for an unconditional discriminator.
        embedding_dim: head size of a conditional discriminator; defaults to `widths[0]` (the 4x4 stage width),
            as in the presets. Unconditional discriminators have a head of size 1.
        image_channels: input channels.
        kernel_size: kernel size of the grouped convolutions.
        bfloat16_stages: stage indices (generator order) that compute in bfloat16.
        conv_implementation: `GroupedConv2D` implementation (`"auto"`, `"native"`, `"split"`, `"matmul"`).
        allow_large: lifts the size limits checked before building (at most 2e9 parameters, 256 blocks per stage,
            8192x8192 images; see `keras_gans.models.config_validation`).
        **kwargs: standard `keras.Model` arguments.

    Call arguments:
        images: NHWC images `(batch, *image_shape)`.
        labels: one-hot float labels `(batch, num_classes)` (conditional) or `None`.
        training: unused.

    Returns:
        float32 logits of shape `(batch,)`.

    Examples:
    ```python
    d = keras_gans.R3GANDiscriminator(widths=[64, 64, 32], cardinalities=4, blocks_per_stage=1)
    logits = d(np.zeros((2, 16, 16, 3), "float32"))  # (2,)
    ```
    """

    # Presets: `from_preset(name)` is the discriminator of `R3GAN.from_preset(name)` (keras_gans.presets).
    preset_family = PRESET_FAMILY
    preset_role = "discriminator"
    preset_weights_attribute = "discriminator"

    batch_independent = True

    def __init__(
        self,
        widths,
        cardinalities,
        blocks_per_stage=2,
        expansion_factor=2,
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
        owner = f"R3GANDiscriminator '{self.name}'"
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
        )
        num_stages = len(self.widths)
        total_blocks = sum(self.blocks_per_stage)

        # Internally the stages run from the highest resolution (generator stage S-1) down to 4x4 (stage 0);
        # layer names keep the generator-order stage index so that a name identifies a resolution.
        self.extraction = pointwise_conv(self.widths[-1], name="extraction", dtype=policies[-1])
        self.stages = []
        for s in reversed(range(num_stages)):
            residual_blocks = [
                ResidualBlock(
                    self.cardinalities[s],
                    total_blocks,
                    expansion_factor,
                    kernel_size,
                    conv_implementation,
                    name=f"stage{s}_block{j}",
                    dtype=policies[s],
                )
                for j in range(self.blocks_per_stage[s])
            ]
            if s > 0:
                transition = DownsampleTransition(self.widths[s - 1], name=f"stage{s}_downsample", dtype=policies[s])
            else:
                transition = DiscriminativeBasis(self.embedding_dim or 1, name="stage0_basis", dtype=policies[s])
            self.stages.append(residual_blocks + [transition])
        self.projection = (
            ProjectionHead(self.embedding_dim, name="projection", dtype=self.dtype_policy) if self.num_classes else None
        )

    def _check_images(self, images_shape):
        if tuple(images_shape[1:]) != self.image_shape or len(images_shape) != 4:
            raise ValueError(
                f"R3GANDiscriminator '{self.name}' expects NHWC images of shape "
                f"(batch, {', '.join(map(str, self.image_shape))}), got {tuple(images_shape)}."
            )

    def build(self, images_shape=None, labels_shape=None):
        if images_shape is not None:
            self._check_images(images_shape)
        shape = (None,) + self.image_shape
        self.extraction.build(shape)
        shape = self.extraction.compute_output_shape(shape)
        for stage in self.stages:
            for layer in stage:
                layer.build(shape)
                shape = layer.compute_output_shape(shape)
        if self.projection is not None:
            self.projection.build(shape, (None, self.num_classes))

    def build_from_config(self, config):
        self.build()

    def feature_maps(self, images):
        """The discriminator's spatial features, highest resolution first: the extraction conv's output and the
        output of every stage's residual blocks (before its transition). Each image's maps depend on that image
        alone; `keras_gans.explore.project` compares them as a perceptual distance.

        Args:
            images: NHWC images `(batch, H, W, C)` in [-1, 1].

        Returns:
            A list of `1 + len(widths)` NHWC tensors.
        """
        self._check_images(images.shape)
        if not self.built:  # called directly rather than through __call__
            self.build(images.shape)
        if not ops.is_tensor(images) or keras.backend.standardize_dtype(images.dtype) != self.compute_dtype:
            images = ops.cast(images, self.compute_dtype)
        x = run_sublayer(self.extraction, images, self)
        maps = [x]
        for i, stage in enumerate(self.stages):
            if i:
                x = run_sublayer(self.stages[i - 1][-1], x, self)  # the previous stage's downsampling transition
            for layer in stage[:-1]:
                x = run_sublayer(layer, x, self)
            maps.append(x)
        return maps

    def call(self, images, labels=None, training=None):
        labels = check_labels(f"R3GANDiscriminator '{self.name}'", self.num_classes, labels, images.shape[0])
        x = run_sublayer(self.stages[-1][-1], self.feature_maps(images)[-1], self)
        x = ops.cast(x, "float32")
        if self.projection is None:
            return x[:, 0]
        return ops.cast(self.projection(x, labels), "float32")

    def compute_output_shape(self, images_shape, labels_shape=None):
        return (images_shape[0],)

    def get_config(self):
        return {**super().get_config(), **self.stage_config()}
