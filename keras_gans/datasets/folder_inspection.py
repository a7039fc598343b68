"""`inspect_image_folder`: what a folder of images holds, read from the file headers before any training.

It answers the questions a training configuration depends on: how many images there are, their sizes and aspect
ratios, whether they are all grayscale, and which files cannot be used (listed together, up front, as the
image-folder loader would refuse them). `keras_gans.models.r3gan.auto_config` turns the answer into an R3GAN
configuration.
"""

import dataclasses

import numpy as np
from PIL import Image

from keras_gans.datasets.image_folder import index_image_folder
from keras_gans.datasets.image_folder import unreadable_images

# Pillow modes whose pixels are shades of grey (1-bit, 8-bit, with or without alpha).
GRAYSCALE_MODES = ("1", "L", "LA", "La")


@dataclasses.dataclass(frozen=True)
class ImageFolderInfo:
    """What `inspect_image_folder` found.

    Attributes:
        path: the folder.
        num_images: usable image files.
        sizes: `{(width, height): count}` of the usable files.
        grayscale: `True` when every usable file is stored as grey (Pillow modes 1, L, LA).
        unreadable: `[(path, reason), ...]` of the files that cannot be used.
    """

    path: str
    num_images: int
    sizes: dict
    grayscale: bool
    unreadable: list

    @property
    def channels(self):
        """1 when every image is grayscale, else 3."""
        return 1 if self.grayscale else 3

    @property
    def typical_side(self):
        """The median of the images' shorter sides: the largest square a centre crop keeps of a typical image."""
        sides = np.repeat([min(size) for size in self.sizes], list(self.sizes.values()))
        return int(np.median(sides)) if len(sides) else 0

    @property
    def aspect_ratios(self):
        """`(smallest, largest)` width / height over the images."""
        ratios = [w / h for w, h in self.sizes]
        return (min(ratios), max(ratios)) if ratios else (None, None)

    def summary(self):
        """A few lines for people: counts, sizes, aspect ratios, channels and the unusable files."""
        lo, hi = self.aspect_ratios
        common = sorted(self.sizes.items(), key=lambda item: -item[1])[:3]
        lines = [
            f"{self.path}: {self.num_images} images",
            "  sizes (width x height): "
            + ", ".join(f"{w}x{h} ({n})" for (w, h), n in common)
            + (f", ... ({len(self.sizes)} sizes)" if len(self.sizes) > 3 else ""),
            f"  aspect ratio (w/h): {lo:.2f} to {hi:.2f}; typical shorter side {self.typical_side} px"
            if lo is not None
            else "  no usable images",
            f"  channels: {'grayscale (1)' if self.grayscale else 'colour (3)'}",
        ]
        if self.unreadable:
            lines.append(f"  {len(self.unreadable)} files cannot be read:")
            lines.extend(f"    {path}: {reason}" for path, reason in self.unreadable[:20])
        return "\n".join(lines)


def inspect_image_folder(path):
    """Counts and measures the images of a folder from their headers (no pixels are decoded).

    Args:
        path: a folder of PNG/JPEG/BMP/GIF/WebP files, at any depth (as `keras_gans.datasets.load_image_folder`
            reads it with `labels=None`).

    Returns:
        An `ImageFolderInfo`; `print(info.summary())` describes it.

    Raises:
        FileNotFoundError / ValueError: the folder does not exist, is a file or holds no image files.

    Examples:

    ```python
    info = keras_gans.datasets.inspect_image_folder("my_images")
    print(info.summary())
    config = keras_gans.models.r3gan.auto_config(info, device="cpu")
    ```
    """
    paths, _, _ = index_image_folder(path, labels=None, owner="inspect_image_folder")
    unreadable = unreadable_images(paths)
    bad = {p for p, _ in unreadable}
    sizes, grayscale = {}, True
    for file in paths:
        if file in bad:
            continue
        with Image.open(file) as image:
            size = image.size
            if image.getexif().get(0x0112) in (5, 6, 7, 8):  # EXIF orientations that swap width and height
                size = size[::-1]
            grayscale = grayscale and image.mode in GRAYSCALE_MODES
        sizes[size] = sizes.get(size, 0) + 1
    return ImageFolderInfo(str(path), len(paths) - len(bad), sizes, grayscale and bool(sizes), unreadable)
