"""Gradient penalties and the drift term, written with `keras.ops` over a discriminator callable.

The penalties take `d_fn(images) -> logits` (shape `(N,)`; a tuple whose first element is the logits is also
accepted, e.g. an AC-GAN discriminator) and return per-sample values of shape `(N,)`. The gradient is that of
`sum_k D(x_k)` with respect to the images, taken with `keras_gans.backend.value_and_input_gradient`, so it stays
differentiable: adding a penalty to a loss and differentiating with respect to D's parameters is double backprop.

* R1 / R2: zero-centred penalties `||dD/dx_i||^2` at real (R1) or fake (R2, fakes detached) samples. R3GAN uses
  `gamma / 2 * (R1 + R2)` every step; StyleGAN2-style lazy regularisation evaluates them every `k` steps and
  multiplies the weight by `k` (`lazy_penalty_weight`).
* WGAN-GP: `(weight / target^2) * (||dD/dx_hat|| - target)^2` at `x_hat = x + u (x~ - x)`, `u ~ U(0, 1)` per sample
  (ProGAN: weight 10, target 1, or 750 for CIFAR-10).
* Drift: `epsilon * D(x)^2` (ProGAN, epsilon = 0.001).

`gradient_scale` supports float16 loss scaling: the summed logits are multiplied by it before differentiation and
the gradient is divided by it afterwards (in float32), which avoids float16 underflow in the input gradient.
"""

import keras
from keras import ops

from keras_gans.backend import value_and_input_gradient

# Added under the square root of the WGAN-GP norm so that its derivative stays finite at a zero gradient.
_NORM_EPSILON = 1e-12


def _at_least_float32(x):
    """float16/bfloat16 -> float32; float32 and float64 unchanged (float64 keeps finite-difference checks exact)."""
    x = ops.convert_to_tensor(x)
    if keras.backend.standardize_dtype(x.dtype) in ("float16", "bfloat16"):
        return ops.cast(x, "float32")
    return x


def _first(output):
    return output[0] if isinstance(output, (tuple, list)) else output


def _input_gradient(d_fn, images, gradient_scale):
    """`(d_fn(images), d(sum of the logits)/d images)`, the gradient differentiable and in float32 (or float64).

    With a `gradient_scale` the summed logits are multiplied by it and the gradient divided by it (the loss-scaling
    rule of `keras_gans.training.loss_scaling`).
    """

    def scaled_logits(x):
        output = d_fn(x)
        logits = _first(output)
        if gradient_scale is not None:
            logits = _at_least_float32(logits) * gradient_scale
        return logits, output

    (_, output), grad = value_and_input_gradient(scaled_logits, images, has_aux=True)
    grad = _at_least_float32(grad)
    if gradient_scale is not None:
        grad = grad / gradient_scale
    return output, grad


def squared_gradient_norm(grad):
    """Per-sample squared L2 norm of a gradient, summed over every non-batch axis, in float32 (or float64).

    Args:
        grad: tensor `(N, ...)`.

    Returns:
        Float32 tensor `(N,)`.

    Examples:

    >>> import keras
    >>> from keras_gans.losses import squared_gradient_norm
    >>> [float(v) for v in keras.ops.convert_to_numpy(squared_gradient_norm(keras.ops.ones((2, 3, 3, 1))))]
    [9.0, 9.0]
    """
    grad = _at_least_float32(grad)
    return ops.sum(ops.square(grad), axis=tuple(range(1, len(grad.shape))))


def zero_centered_gradient_penalty(d_fn, images, gradient_scale=None, return_output=False):
    """`||d(sum_k D(x_k))/dx_i||^2` per sample at `images` (differentiable w.r.t. D's parameters).

    Args:
        d_fn: callable `images -> logits (N,)`, or `images -> (logits, aux)` (only the logits are differentiated).
        images: `(N, H, W, C)` images at which the gradient is taken.
        gradient_scale: optional loss scale (float16 training), see the module docstring.
        return_output: also return `d_fn(images)`, computed in the same pass (a training step uses the logits of
            that pass for its adversarial loss).

    Returns:
        Float32 tensor `(N,)`, or `(penalty, d_fn(images))` with `return_output=True`.

    Examples:

    >>> import keras
    >>> from keras_gans.losses import zero_centered_gradient_penalty
    >>> d_fn = lambda x: keras.ops.sum(3.0 * x, axis=(1, 2, 3))
    >>> p = zero_centered_gradient_penalty(d_fn, keras.ops.zeros((1, 2, 2, 1)))
    >>> float(p[0])  # four pixels, gradient 3 each
    36.0
    """
    output, grad = _input_gradient(d_fn, images, gradient_scale)
    penalty = squared_gradient_norm(grad)
    return (penalty, output) if return_output else penalty


def r1_penalty(d_fn, real_images, gradient_scale=None, return_output=False):
    """R1: zero-centred gradient penalty at real images, per sample (weight it by `gamma / 2`).

    Reference: [Mescheder et al., 2018](https://arxiv.org/abs/1801.04406).

    Args:
        d_fn: callable `images -> logits (N,)` or `images -> (logits, aux)`.
        real_images: `(N, H, W, C)` real images.
        gradient_scale: optional loss scale (float16 training).
        return_output: also return `d_fn(real_images)` from the same pass.

    Returns:
        Float32 tensor `(N,)`, or `(penalty, d_fn(real_images))` with `return_output=True`.

    Examples:

    >>> import keras
    >>> from keras_gans.losses import r1_penalty
    >>> d_fn = lambda x: keras.ops.sum(x ** 2, axis=(1, 2, 3))
    >>> float(r1_penalty(d_fn, keras.ops.ones((1, 1, 1, 2)))[0])  # gradient 2 at two pixels
    8.0
    """
    return zero_centered_gradient_penalty(d_fn, real_images, gradient_scale, return_output)


def r2_penalty(d_fn, fake_images, gradient_scale=None, return_output=False):
    """R2: zero-centred gradient penalty at (detached) fake images, per sample (weight it by `gamma / 2`).

    Reference: [Mescheder et al., 2018](https://arxiv.org/abs/1801.04406); R3GAN uses R1 + R2.

    Args:
        d_fn: callable `images -> logits (N,)` or `images -> (logits, aux)`.
        fake_images: `(N, H, W, C)` generated images; no gradient flows back to the generator.
        gradient_scale: optional loss scale (float16 training).
        return_output: also return `d_fn(fake_images)` from the same pass.

    Returns:
        Float32 tensor `(N,)`, or `(penalty, d_fn(fake_images))` with `return_output=True`.

    Examples:

    >>> import keras
    >>> from keras_gans.losses import r2_penalty
    >>> d_fn = lambda x: keras.ops.sum(x, axis=(1, 2, 3))
    >>> float(r2_penalty(d_fn, keras.ops.zeros((1, 2, 2, 3)))[0])
    12.0
    """
    return zero_centered_gradient_penalty(d_fn, ops.stop_gradient(fake_images), gradient_scale, return_output)


def interpolate(real_images, fake_images, alpha):
    """`real + alpha * (fake - real)` with the fakes detached; `alpha` broadcasts per sample, e.g. `(N, 1, 1, 1)`.

    Args:
        real_images: `(N, H, W, C)`.
        fake_images: `(N, H, W, C)`.
        alpha: interpolation weights, typically `U(0, 1)` of shape `(N, 1, 1, 1)`.

    Returns:
        The interpolated images, in the dtype of `real_images`.

    Examples:

    >>> import keras
    >>> from keras_gans.losses import interpolate
    >>> x = interpolate(keras.ops.zeros((1, 1, 1, 1)), keras.ops.ones((1, 1, 1, 1)), keras.ops.full((1, 1, 1, 1), 0.25))
    >>> float(x[0, 0, 0, 0])
    0.25
    """
    real = ops.convert_to_tensor(real_images)
    fake = ops.cast(ops.stop_gradient(fake_images), real.dtype)
    return real + ops.cast(alpha, real.dtype) * (fake - real)


def wgan_gp_from_gradient(grad, target=1.0, weight=10.0):
    """The WGAN-GP term `(weight / target^2) * (||grad_i|| - target)^2` per sample, from a gradient.

    Args:
        grad: `(N, ...)` gradient of the summed logits at the interpolated images.
        target: target gradient norm (ProGAN: 1, or 750 for CIFAR-10).
        weight: lambda (ProGAN: 10).

    Returns:
        Float32 tensor `(N,)`.

    Examples:

    >>> import keras
    >>> from keras_gans.losses import wgan_gp_from_gradient
    >>> float(wgan_gp_from_gradient(keras.ops.full((1, 2, 2, 1), 1.5))[0])  # 10 * (3 - 1)^2
    40.0
    """
    norm = ops.sqrt(squared_gradient_norm(grad) + _NORM_EPSILON)
    return (float(weight) / float(target) ** 2) * ops.square(norm - float(target))


def wgan_gp_penalty(
    d_fn, real_images, fake_images, alpha=None, seed=None, target=1.0, weight=10.0, gradient_scale=None
):
    """WGAN-GP at per-sample uniform interpolations between real and (detached) fake images.

    Reference: [Gulrajani et al., 2017](https://arxiv.org/abs/1704.00028); the `weight / target^2` scaling with a
    configurable target is ProGAN's ([Karras et al., 2018](https://arxiv.org/abs/1710.10196)).

    Args:
        d_fn: callable `images -> logits (N,)` or `images -> (logits, aux)`.
        real_images: `(N, H, W, C)`.
        fake_images: `(N, H, W, C)`.
        alpha: optional `(N, 1, 1, 1)` interpolation weights; drawn from `U(0, 1)` with `seed` when omitted.
        seed: seed for `alpha` (int or `keras.random.SeedGenerator`).
        target: target gradient norm.
        weight: lambda.
        gradient_scale: optional loss scale (float16 training).

    Returns:
        Float32 tensor `(N,)`.

    Examples:

    >>> import keras
    >>> from keras_gans.losses import wgan_gp_penalty
    >>> d_fn = lambda x: keras.ops.sum(x, axis=(1, 2, 3))  # gradient norm 2 on 4 pixels
    >>> x = keras.ops.zeros((1, 2, 2, 1))
    >>> float(wgan_gp_penalty(d_fn, x, x, seed=0)[0])
    10.0
    """
    real = ops.convert_to_tensor(real_images)
    if alpha is None:
        alpha = keras.random.uniform((ops.shape(real)[0], 1, 1, 1), dtype="float32", seed=seed)
    mixed = interpolate(real, fake_images, alpha)
    _, grad = _input_gradient(d_fn, mixed, gradient_scale)
    return wgan_gp_from_gradient(grad, target=target, weight=weight)


def drift_penalty(real_logits, weight=0.001):
    """ProGAN's drift term `weight * D(x)^2` per sample, keeping real logits near zero.

    Args:
        real_logits: `(N,)` discriminator logits on real images.
        weight: epsilon_drift (ProGAN: 0.001).

    Returns:
        Float32 tensor `(N,)`.

    Examples:

    >>> import keras
    >>> from keras_gans.losses import drift_penalty
    >>> round(float(drift_penalty(keras.ops.full((1,), 10.0))[0]), 6)
    0.1
    """
    return float(weight) * ops.square(_at_least_float32(real_logits))


def lazy_penalty_weight(weight, interval, step):
    """Weight of a lazily evaluated penalty at training step `step` (StyleGAN2 lazy regularisation).

    The penalty is used on steps where `step % interval == 0` with its weight multiplied by `interval`, so that its
    average contribution matches an every-step penalty; on other steps the weight is zero.

    Args:
        weight: the every-step weight (e.g. `gamma / 2`), a float or scalar tensor.
        interval: evaluate every `interval` steps (1 = every step).
        step: the current step (scalar integer tensor or int), counted from 0.

    Returns:
        Float32 scalar tensor.

    Examples:

    >>> from keras_gans.losses import lazy_penalty_weight
    >>> [float(lazy_penalty_weight(0.5, 4, s)) for s in range(5)]
    [2.0, 0.0, 0.0, 0.0, 2.0]
    """
    weight = ops.cast(weight, "float32")
    interval = int(interval)
    if interval < 1:
        raise ValueError(f"lazy_penalty_weight: `interval` must be >= 1, got {interval}.")
    if interval == 1:
        return weight
    active = ops.equal(ops.mod(ops.cast(step, "int32"), interval), 0)
    return ops.where(active, weight * float(interval), ops.zeros_like(weight))
