"""Adam with PyTorch's update rule, and learning rate and beta_2 held in variables."""

import keras
from keras import ops

from keras_gans.backend import fused_updates


@keras.saving.register_keras_serializable(package="keras_gans", name="TorchStyleAdam")
class Adam(keras.optimizers.Optimizer):
    """Adam with PyTorch's update rule (epsilon added after bias correction).

    For every parameter, with step `t` counted from 1 since the last `reset()`:

    ```
    m = m + (1 - beta_1) * (g - m)
    v = beta_2 * v + (1 - beta_2) * g^2
    p = p - (lr / (1 - beta_1^t)) * m / (sqrt(v) / sqrt(1 - beta_2^t) + epsilon)
    ```

    This is `torch.optim.Adam`. Keras' own `Adam` adds epsilon to `sqrt(v)` before the bias correction of the
    second moment, i.e. it uses an effective epsilon of `epsilon * sqrt(1 - beta_2^t)`, which changes the first
    steps for small gradients (R3GAN and ProGAN use `beta_1 = 0`, where the first step is about `lr * sign(g)`).

    `learning_rate` and `beta_2` live in optimizer variables, so a training step can set them from a schedule
    (`GAN.compile(learning_rate=..., beta_2=...)`) inside compiled code, including JAX's stateless
    `stateless_apply`. The bias correction uses the current `beta_2`, as PyTorch does when the beta of a parameter
    group is changed between steps.

    Args:
        learning_rate: float (or a Keras learning-rate schedule over optimizer iterations).
        beta_1: decay of the first moment; 0 is allowed (R3GAN, ProGAN).
        beta_2: decay of the second moment (float, stored in a variable).
        epsilon: added to the bias-corrected `sqrt(v)`.
        name: optimizer name.
        **kwargs: other `keras.optimizers.Optimizer` arguments (`clipnorm`, `clipvalue`, `global_clipnorm`,
            `loss_scale_factor`, `gradient_accumulation_steps`). Note that `weight_decay` is Keras' decoupled
            decay, not PyTorch Adam's L2 term.

    Examples:

    >>> from keras_gans.optimizers import Adam
    >>> opt = Adam(learning_rate=2e-4, beta_1=0.0, beta_2=0.99, epsilon=1e-8)
    >>> _ = opt.beta_2.assign(0.9)  # e.g. from a schedule
    >>> round(float(opt.beta_2), 6)
    0.9
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8, name=None, **kwargs):
        if isinstance(learning_rate, int):
            learning_rate = float(learning_rate)
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0.0 <= beta_1 < 1.0:
            raise ValueError(f"keras_gans Adam: `beta_1` must be in [0, 1), got {beta_1}.")
        if not 0.0 <= beta_2 < 1.0:
            raise ValueError(f"keras_gans Adam: `beta_2` must be in [0, 1), got {beta_2}.")
        self.beta_1 = float(beta_1)
        self.epsilon = float(epsilon)
        self._beta_2 = self.add_variable(
            shape=(),
            initializer=keras.initializers.Constant(float(beta_2)),
            dtype="float32",
            aggregation="only_first_replica",
            name="beta_2",
        )

    @property
    def beta_2(self):
        """The `beta_2` variable (assign to it to change beta_2)."""
        return self._beta_2

    @beta_2.setter
    def beta_2(self, value):
        self._beta_2.assign(value)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(var_list, ["momentum", "velocity"])

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        # PyTorch runs eagerly: one multi-tensor update instead of ~15 small ops per variable.
        if fused_updates.fused_updates_available():
            indices = [self._get_variable_index(v) for v in trainable_variables]
            fused_updates.adam_update(
                trainable_variables,
                grads,
                [self._momentums[i] for i in indices],
                [self._velocities[i] for i in indices],
                learning_rate=ops.convert_to_tensor(learning_rate),
                beta_1=self.beta_1,
                beta_2=self._beta_2.value,
                epsilon=self.epsilon,
                step=self.iterations.value + 1,
            )
            return
        super()._backend_update_step(grads, trainable_variables, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        step = ops.cast(self.iterations + 1, dtype)
        beta_1 = ops.cast(self.beta_1, dtype)
        beta_2 = ops.cast(self._beta_2, dtype)
        index = self._get_variable_index(variable)
        m = self._momentums[index]
        v = self._velocities[index]

        new_m = m + (gradient - m) * (1.0 - beta_1)
        new_v = v * beta_2 + (1.0 - beta_2) * ops.square(gradient)
        bias_correction_1 = 1.0 - ops.power(beta_1, step)
        bias_correction_2 = 1.0 - ops.power(beta_2, step)
        denominator = ops.sqrt(new_v) / ops.sqrt(bias_correction_2) + ops.cast(self.epsilon, dtype)
        self.assign(m, new_m)
        self.assign(v, new_v)
        self.assign_sub(variable, (lr / bias_correction_1) * new_m / denominator)

    def reset(self):
        """Zeros the moment estimates and the step counter, like creating a fresh Adam (ProGAN, every phase).

        Call it outside the compiled step (e.g. from a callback); on JAX, read `callback.model` (which syncs
        the training state into the variables) before calling it.

        Examples:

        >>> import keras
        >>> from keras_gans.optimizers import Adam
        >>> opt = Adam()
        >>> w = keras.Variable([1.0])
        >>> opt.apply([keras.ops.ones((1,))], [w])
        >>> opt.reset()
        >>> int(opt.iterations)
        0
        """
        self._iterations.assign(0)
        if self.built:
            for variable in list(self._momentums) + list(self._velocities):
                if variable is not None:
                    variable.assign(ops.zeros(variable.shape, dtype=variable.dtype))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": float(ops.convert_to_numpy(self._beta_2)),
                "epsilon": self.epsilon,
            }
        )
        return config
