"""Minibatch standard deviation (ProGAN's discriminator feature)."""

import keras
from keras import ops

from keras_gans.layers.shape_validation import check_image_shape

_MODES = ("official", "pytorch_gan_zoo")


@keras.saving.register_keras_serializable(package="keras_gans")
class MinibatchStdDev(keras.layers.Layer):
    """Appends one channel holding the average standard deviation of the features over a group of samples.

    ProGAN, https://arxiv.org/abs/1710.10196, section 3. Input NHWC `(N, H, W, C)`, output `(N, H, W, C + 1)`.
    Statistics are computed in float32 (also under a mixed-precision policy) and cast back.

    `mode="official"` (the TF release): `G = min(group_size, N)` and `N` must be divisible by `G`. The batch is
    viewed as `(G, M)` with `M = N / G`, so sample `n` belongs to group `n mod M` (strided groups). Per group:
    biased variance over the `G` members, `sqrt(var + 1e-8)`, mean over H, W, C: one scalar, broadcast to every
    pixel of the group's samples. With a static batch size a non-divisible batch raises a `ValueError`; with an
    unknown (dynamic) batch size, e.g. a TensorFlow graph traced with `None` batch, the group size is computed at
    run time as `min(group_size, N)` and a non-divisible batch fails inside the backend's reshape.

    `mode="pytorch_gan_zoo"`: groups are contiguous (`n // G`) with `G = min(group_size, N)`, the variance is
    unbiased (divides by `G - 1`), and a batch not divisible by `G` is treated as one group of `N`; a group of
    one sample gives a zero channel. With a dynamic batch size the same rules are applied at run time.

    Args:
        group_size: int >= 1, samples per group (4 in ProGAN's TF release; 16 in its v1 preset).
        mode: `"official"` or `"pytorch_gan_zoo"`.
        epsilon: float, added to the variance inside the square root.
        **kwargs: base `keras.layers.Layer` arguments.

    Examples:

    ```python
    y = keras_gans.layers.MinibatchStdDev(group_size=4)(np.random.randn(8, 4, 4, 16).astype("float32"))
    # y.shape == (8, 4, 4, 17)
    ```
    """

    def __init__(self, group_size=4, mode="official", epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        if int(group_size) < 1:
            raise ValueError(f"MinibatchStdDev '{self.name}': `group_size` must be >= 1, got {group_size}.")
        if mode not in _MODES:
            raise ValueError(f"MinibatchStdDev '{self.name}': `mode` must be one of {_MODES}, got {mode!r}.")
        self.group_size = int(group_size)
        self.mode = mode
        self.epsilon = float(epsilon)
        self.built = True

    def _check_shape(self, shape):
        return check_image_shape(self, shape)

    def call(self, inputs):
        self._check_shape(inputs.shape)
        batch = inputs.shape[0]
        x = ops.cast(inputs, "float32")
        if self.mode == "official":
            stat = self._official(x, batch)
        else:
            stat = self._pytorch_gan_zoo(x, batch)
        return ops.concatenate([inputs, ops.cast(stat, inputs.dtype)], axis=-1)

    def _official(self, x, batch):
        _, height, width, channels = x.shape
        if batch is not None:
            group = min(self.group_size, batch)
            if batch % group:
                raise ValueError(
                    f"MinibatchStdDev '{self.name}' (mode='official') expects a batch size divisible by "
                    f"min(group_size={self.group_size}, batch), got batch {batch}."
                )
        else:
            group = ops.minimum(self.group_size, ops.shape(x)[0])
        # (G, M, H, W, C): sample n = g * M + m belongs to group m.
        y = ops.reshape(x, (group, -1, height, width, channels))
        centered = y - ops.mean(y, axis=0, keepdims=True)
        std = ops.sqrt(ops.mean(ops.square(centered), axis=0) + self.epsilon)
        per_group = ops.mean(std, axis=(1, 2, 3))  # (M,)
        stat = ops.zeros_like(y[..., :1]) + ops.reshape(per_group, (1, -1, 1, 1, 1))
        return ops.reshape(stat, (-1, height, width, 1))

    def _pytorch_gan_zoo(self, x, batch):
        _, height, width, channels = x.shape
        dynamic = batch is None  # unknown until run time (a TensorFlow graph traced with a `None` batch)
        if dynamic:
            batch = ops.shape(x)[0]
            group = ops.minimum(self.group_size, batch)
            group = ops.where(ops.equal(batch % group, 0), group, batch)
        else:
            group = min(self.group_size, batch)
            if batch % group:
                group = batch
            if group == 1:
                return ops.zeros_like(x[..., :1])
        # (N / G, G, H, W, C): contiguous groups.
        y = ops.reshape(x, (-1, group, height, width, channels))
        centered = y - ops.mean(y, axis=1, keepdims=True)
        denominator = ops.cast(ops.maximum(group - 1, 1), x.dtype) if dynamic else group - 1
        var = ops.sum(ops.square(centered), axis=1) / denominator
        per_group = ops.mean(ops.sqrt(var + self.epsilon), axis=(1, 2, 3))  # (N / G,)
        if dynamic:  # a group of one sample gives zeros
            per_group = ops.where(ops.greater(group, 1), per_group, ops.zeros_like(per_group))
        stat = ops.zeros_like(y[..., :1]) + ops.reshape(per_group, (-1, 1, 1, 1, 1))
        return ops.reshape(stat, (-1, height, width, 1))

    def compute_output_shape(self, input_shape):
        self._check_shape(input_shape)
        return tuple(input_shape[:-1]) + (input_shape[-1] + 1,)

    def get_config(self):
        config = super().get_config()
        config.update(group_size=self.group_size, mode=self.mode, epsilon=self.epsilon)
        return config
