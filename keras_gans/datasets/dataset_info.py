"""What a loaded dataset gives `fit()`: a small record for the CLI and for building matching networks."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """Metadata of a dataset returned by `load_dataset` / `load_tfds(..., with_info=True)`.

    Attributes:
        name: the dataset spec (`"embedded"`, `"tfds:cifar10"`, a path, ...).
        num_images: images per epoch, mirrored copies included (`None` when the source does not say).
        resolution: height and width of the images.
        channels: 1 (grey) or 3 (RGB).
        num_classes: classes in the labels that `fit()` receives; 0 when it receives images only.
        class_names: names of the classes when known (image-folder sub-folders, TFDS class labels), else `None`.
        mirrored: whether x-flipped copies were added.
    """

    name: str
    num_images: int | None
    resolution: int
    channels: int
    num_classes: int = 0
    class_names: tuple | None = None
    mirrored: bool = False

    @property
    def image_shape(self):
        """`(resolution, resolution, channels)`, the `image_shape` of matching networks."""
        return (self.resolution, self.resolution, self.channels)
