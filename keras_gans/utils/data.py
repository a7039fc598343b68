"""Input-pipeline helpers that work on plain arrays (NumPy; no `tf.data` needed)."""

import numpy as np


def mirror_images(images, labels=None):
    """Doubles an image dataset with its horizontally mirrored copies (the `--mirror=1` of StyleGAN/R3GAN).

    The originals come first, then their x-flipped copies in the same order, so item `i + N` is the mirror of
    item `i` and keeps its label. This is the dataset-level mirroring R3GAN uses in all its training commands;
    it is separate from the random x-flip of `keras_gans.layers.DifferentiableAugment`.

    Args:
        images: array-like of NHWC images, shape `(N, height, width, channels)`, any dtype (uint8 or float).
        labels: optional array-like with `N` rows (class ids or one-hot rows), repeated for the mirrored half.

    Returns:
        A NumPy array of shape `(2N, height, width, channels)` with the input dtype, or `(images, labels)` with
        `labels` of length `2N` when labels are given.

    Examples:

    ```python
    from keras_gans.utils.data import mirror_images

    images = np.zeros((10, 32, 32, 3), "uint8")
    doubled = mirror_images(images)  # shape (20, 32, 32, 3)
    doubled, doubled_labels = mirror_images(images, np.arange(10))
    ```
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(
            f"mirror_images: expected NHWC images of rank 4 (N, height, width, channels), got shape {images.shape}."
        )
    mirrored = np.concatenate([images, images[:, :, ::-1, :]], axis=0)
    if labels is None:
        return mirrored
    labels = np.asarray(labels)
    if labels.ndim == 0 or labels.shape[0] != images.shape[0]:
        raise ValueError(
            f"mirror_images: expected {images.shape[0]} labels (one per image), got labels of shape {labels.shape}."
        )
    return mirrored, np.concatenate([labels, labels], axis=0)
