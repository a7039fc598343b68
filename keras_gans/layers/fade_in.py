"""Fade-in blend of a new (higher-resolution) path with an old one, for progressive growing."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gans")
class FadeIn(keras.layers.Layer):
    """Blends two tensors of equal shape: `(1 - alpha) * new + alpha * old`.

    `alpha` is the weight of the OLD (lower-resolution) path, as ProGAN's `lod - floor(lod)`
    (https://arxiv.org/abs/1710.10196, section 3 and appendix A): it goes from 1 to 0 while a new block is faded
    in. It is read at call time from a non-trainable scalar `keras.Variable`, so it can change between steps of a
    compiled (jit) training function without retracing, and is clipped to [0, 1]. A value passed to `call` as
    `alpha=` overrides the variable (used by networks that derive several alphas from one `lod`).

    Args:
        alpha: initial value (float) of the layer's own non-trainable variable, an existing scalar
            `keras.Variable` to share (e.g. one variable for the generator and discriminator fades), or `None`
            for no variable (then `alpha` must be given to `call`). A shared variable is serialised by its value
            at `get_config` time.
        **kwargs: base `keras.layers.Layer` arguments.

    Call arguments:
        new: tensor, output of the new (higher-resolution) path.
        old: tensor of the same shape, the old path (already resampled to the new resolution).
        alpha: optional scalar overriding the variable.

    Examples:

    ```python
    fade = keras_gans.layers.FadeIn(alpha=1.0)
    y = fade(new, old)  # == old
    fade.alpha.assign(0.25)  # 0.75 * new + 0.25 * old, no retracing
    ```
    """

    def __init__(self, alpha=0.0, **kwargs):
        super().__init__(**kwargs)
        if alpha is None or isinstance(alpha, keras.Variable):
            self.alpha = alpha
        else:
            self.alpha = self.add_weight(
                name="alpha",
                shape=(),
                dtype="float32",
                initializer=keras.initializers.Constant(float(alpha)),
                trainable=False,
                autocast=False,
            )
        if self.alpha is not None and tuple(self.alpha.shape) != ():
            raise ValueError(f"FadeIn '{self.name}' expects a scalar `alpha` variable, got shape {self.alpha.shape}.")
        self.built = True

    def _check_shapes(self, new_shape, old_shape):
        if len(new_shape) != len(old_shape) or any(
            a is not None and b is not None and a != b for a, b in zip(new_shape, old_shape)
        ):
            raise ValueError(
                f"FadeIn '{self.name}' expects `new` and `old` of the same shape, got {tuple(new_shape)} and "
                f"{tuple(old_shape)}."
            )

    def call(self, new, old, alpha=None):
        self._check_shapes(new.shape, old.shape)
        if alpha is None:
            if self.alpha is None:
                raise ValueError(f"FadeIn '{self.name}' has no alpha variable: pass `alpha` to the call.")
            alpha = self.alpha
        alpha = ops.cast(ops.clip(ops.cast(alpha, "float32"), 0.0, 1.0), new.dtype)
        return (1.0 - alpha) * new + alpha * ops.cast(old, new.dtype)

    def compute_output_shape(self, new_shape, old_shape):
        self._check_shapes(new_shape, old_shape)
        return new_shape

    def get_config(self):
        config = super().get_config()
        alpha = None if self.alpha is None else float(ops.convert_to_numpy(self.alpha))
        config.update(alpha=alpha)
        return config
