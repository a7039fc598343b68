"""Reading a GAN's `images_seen` counter on the host."""

import keras
import numpy as np


def read_images_seen(model):
    """The device value of `model.images_seen` as a Python int (works inside a `tf.distribute` scope too).

    Args:
        model: a `keras_gans.GAN` (anything with an `images_seen` variable).

    Returns:
        int.
    """
    return int(np.asarray(keras.ops.convert_to_numpy(model.images_seen)).reshape(-1)[0])
