"""R1-style double backprop through a Keras layer, on every backend, with the package's gradient helpers.

`r1_penalty_gradients(layer, x, cotangent)` computes

    f(x)    = sum(cotangent * leaky_relu(layer(x), 0.2))
    g       = d f / d x                      (first order, kept differentiable)
    penalty = sum(g ** 2)
    grads   = d penalty / d theta            (second order, theta = layer.trainable_variables)

exactly as a discriminator step does for R1/R2.
"""

import keras
import numpy as np
from keras import ops

from keras_gans.backend import input_gradient
from keras_gans.backend import value_and_grad


def r1_penalty_gradients(layer, x, cotangent, xla=False):
    """Returns NumPy `(penalty, input_gradient, [param gradients])` in float64 (no param gradients for a layer
    without trainable weights).

    `xla=True` (TensorFlow only) runs the computation in `tf.function(jit_compile=True)`; on JAX it always runs
    under `jax.jit`, as in a training step.
    """
    x = ops.convert_to_tensor(x)
    cotangent = ops.convert_to_tensor(cotangent)
    non_trainable = [v.value for v in layer.non_trainable_variables]

    def penalty(params, x):
        def summed(t):
            return cotangent * ops.leaky_relu(layer.stateless_call(params, non_trainable, t)[0], 0.2)

        grad = input_gradient(summed, x)
        return ops.sum(grad * grad), grad

    def run(params, x):
        if not params:  # nothing to differentiate twice (a parameter-free layer): first order only
            return penalty(params, x), []
        return value_and_grad(penalty, has_aux=True)(params, x)

    if xla:
        import tensorflow as tf  # TensorFlow-only branch of the helper.

        run = tf.function(run, jit_compile=True)
    elif keras.backend.backend() == "jax":
        import jax  # JAX-only: one XLA compilation instead of compiling every eager op (speed only).

        run = jax.jit(run)
    (value, grad), grads = run([v.value for v in layer.trainable_variables], x)
    as_np = lambda t: np.asarray(keras.ops.convert_to_numpy(t), dtype=np.float64)  # noqa: E731
    return as_np(value), as_np(grad), [as_np(g) for g in grads]
