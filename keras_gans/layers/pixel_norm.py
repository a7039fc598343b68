"""Pixelwise feature-vector normalisation (ProGAN)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gans")
class PixelNorm(keras.layers.Layer):
    """Normalises each feature vector (the last axis) to unit root-mean-square.

    `y = x / sqrt(mean(x², axis=-1) + epsilon)`, applied at every pixel of an NHWC feature map and to latent
    vectors (ProGAN, https://arxiv.org/abs/1710.10196, section 4.2). The mean of squares is computed in float32
    even under a float16/bfloat16 compute policy. No weights.

    Args:
        epsilon: float, added inside the square root (1e-8 in ProGAN; its fp16 preset used 1e-4).
        **kwargs: base `keras.layers.Layer` arguments.

    Examples:

    ```python
    y = keras_gans.layers.PixelNorm()(np.ones((2, 4, 4, 8), "float32"))  # all ones: already unit RMS
    ```
    """

    def __init__(self, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        if not epsilon >= 0:
            raise ValueError(f"PixelNorm '{self.name}': `epsilon` must be >= 0, got {epsilon}.")
        self.epsilon = float(epsilon)
        self.built = True

    def call(self, inputs):
        if len(inputs.shape) < 2 or inputs.shape[-1] is None:
            raise ValueError(
                f"PixelNorm '{self.name}' expects an input of rank >= 2 whose last axis (channels) is known, "
                f"got shape {tuple(inputs.shape)}."
            )
        mean_square = ops.mean(ops.square(ops.cast(inputs, "float32")), axis=-1, keepdims=True)
        return inputs * ops.cast(ops.rsqrt(mean_square + self.epsilon), inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(epsilon=self.epsilon)
        return config
