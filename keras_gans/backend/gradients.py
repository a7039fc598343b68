"""Gradients (and gradients of gradients) on TensorFlow, JAX and PyTorch.

Keras 3 has no backend-agnostic `grad`. GAN training needs two kinds of derivatives:

* parameter gradients of a loss, written functionally over a list of parameter *values* (not variables), and
* input gradients `d(sum f(x))/dx` that stay differentiable, so that a penalty built from them (R1, R2, WGAN-GP)
  can itself be differentiated with respect to the parameters ("double backprop").

This module is the only place in the package that calls a backend's autograd. Everything else (losses, penalties,
the training step) is written once with `keras.ops`.

How each backend does it:

* TensorFlow: `tf.GradientTape`. For double backprop the inner tape's `.gradient()` runs while the outer tape is
  still recording, so the gradient computation is itself recorded.
* JAX: `jax.value_and_grad`, nested freely.
* PyTorch: `torch.autograd.grad` (`create_graph=True` for input gradients). Parameter gradients are taken on fresh
  leaf tensors (`value.detach().requires_grad_()`), never with `.backward()`, so nothing accumulates in `.grad`.
"""

import contextlib

import keras
from keras import tree

_BACKEND = keras.backend.backend()

if _BACKEND == "jax":
    import jax
    import jax.numpy as jnp
elif _BACKEND == "tensorflow":
    import tensorflow as tf
elif _BACKEND == "torch":
    import torch
else:  # pragma: no cover - Keras only ships these three trainable backends.
    raise ImportError(f"keras_gans.backend supports tensorflow, jax and torch, not {_BACKEND!r}.")


def _split(out, has_aux):
    if has_aux:
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise ValueError(
                "keras_gans.backend: with `has_aux=True` the function must return a pair `(value, aux)`; "
                f"received {type(out).__name__}."
            )
        return out[0], out[1]
    return out, None


def value_and_grad(fn, has_aux=False):
    """Wraps `fn(params, *args, **kwargs)` to also return its gradient with respect to `params`.

    `params` is a list of tensors (parameter values, e.g. from `layer.stateless_call`'s point of view), not
    `keras.Variable`s. `fn` returns a scalar loss, or `(loss, aux)` when `has_aux=True`.

    Args:
        fn: the function to differentiate; its first argument is the list of parameter values.
        has_aux: whether `fn` returns `(loss, aux)` instead of a bare loss.

    Returns:
        A function with the signature of `fn` returning `(loss, grads)`, or `((loss, aux), grads)` with
        `has_aux=True` (the JAX convention). `grads` is a list matching `params`; parameters that do not
        influence the loss get zeros. On PyTorch the returned loss and aux are detached.

    Examples:

    >>> import keras
    >>> from keras_gans.backend import value_and_grad
    >>> f = value_and_grad(lambda p: keras.ops.sum(p[0] ** 2))
    >>> loss, (g,) = f([keras.ops.ones((2,))])
    >>> [float(x) for x in keras.ops.convert_to_numpy(g)]
    [2.0, 2.0]
    """
    if _BACKEND == "jax":
        if not has_aux:
            return jax.value_and_grad(fn)

        def checked(*args, **kwargs):
            out = fn(*args, **kwargs)
            _split(out, True)
            return tuple(out)

        return jax.value_and_grad(checked, has_aux=True)

    if _BACKEND == "tensorflow":

        def wrapped(params, *args, **kwargs):
            params = [tf.convert_to_tensor(p) for p in params]
            with tf.GradientTape() as tape:
                tape.watch(params)
                out = fn(params, *args, **kwargs)
                loss, _ = _split(out, has_aux)
            grads = tape.gradient(loss, params, unconnected_gradients=tf.UnconnectedGradients.ZERO)
            return out, list(grads)

        return wrapped

    def wrapped(params, *args, **kwargs):
        leaves = [p.detach().requires_grad_(True) for p in params]
        with torch.enable_grad():
            out = fn(leaves, *args, **kwargs)
            loss, _ = _split(out, has_aux)
            grads = torch.autograd.grad(loss, leaves, allow_unused=True)
        grads = [torch.zeros_like(p) if g is None else g for p, g in zip(leaves, grads)]
        out = tree.map_structure(lambda t: t.detach() if isinstance(t, torch.Tensor) else t, out)
        return out, grads

    return wrapped


def value_and_input_gradient(fn, x, has_aux=False):
    """Evaluates `fn(x)` and the gradient of `sum(fn(x))` with respect to `x`, keeping it differentiable.

    The sum runs over every element of the (first) output, in float32 (float64 stays float64). Because the gradient
    is recorded
    (TensorFlow: inside the caller's tape; JAX: traced; PyTorch: `create_graph=True`), a loss built from it can be
    differentiated again with respect to parameters that `fn` closes over. This is what R1, R2 and WGAN-GP need.

    Args:
        fn: function of one tensor. Returns a tensor, or `(tensor, aux)` with `has_aux=True`; only the first
            element is summed and differentiated, `aux` is passed through.
        x: the input tensor.
        has_aux: whether `fn` returns `(tensor, aux)`.

    Returns:
        `(fn(x), grad)` where `grad` has the shape and dtype of `x`.

    Examples:

    >>> import keras
    >>> from keras_gans.backend import value_and_input_gradient
    >>> y, g = value_and_input_gradient(lambda t: t ** 3, keras.ops.convert_to_tensor([1.0, 2.0]))
    >>> [float(v) for v in keras.ops.convert_to_numpy(g)]
    [3.0, 12.0]
    """
    if _BACKEND == "jax":

        def summed(t):
            out = fn(t)
            y, _ = _split(out, has_aux)
            return jnp.sum(y.astype(jnp.promote_types(y.dtype, jnp.float32))), out

        (_, out), grad = jax.value_and_grad(summed, has_aux=True)(x)
        return out, grad

    if _BACKEND == "tensorflow":
        x = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = fn(x)
            y, _ = _split(out, has_aux)
            total = tf.reduce_sum(y if y.dtype == tf.float64 else tf.cast(y, tf.float32))
        # Called inside any enclosing tape, so the enclosing tape records this gradient computation.
        grad = tape.gradient(total, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return out, grad

    if not isinstance(x, torch.Tensor):
        x = keras.ops.convert_to_tensor(x)
    if not x.requires_grad:
        x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        out = fn(x)
        y, _ = _split(out, has_aux)
        total = (y if y.dtype == torch.float64 else y.float()).sum()
        (grad,) = torch.autograd.grad(total, x, create_graph=True, allow_unused=True)
    if grad is None:
        grad = torch.zeros_like(x)
    return out, grad


def input_gradient(fn, x):
    """Gradient of `sum(fn(x))` with respect to `x`, differentiable again (see `value_and_input_gradient`).

    Args:
        fn: function of one tensor returning a tensor.
        x: the input tensor.

    Returns:
        A tensor shaped like `x`.

    Examples:

    >>> import keras
    >>> from keras_gans.backend import input_gradient
    >>> g = input_gradient(lambda t: keras.ops.sin(t), keras.ops.zeros((3,)))
    >>> [float(v) for v in keras.ops.convert_to_numpy(g)]
    [1.0, 1.0, 1.0]
    """
    return value_and_input_gradient(fn, x)[1]


def no_grad():
    """Context manager that stops gradient recording where the backend records eagerly (PyTorch).

    Used around in-place optimizer updates of parameters. On TensorFlow and JAX it does nothing.

    Examples:

    >>> from keras_gans.backend import no_grad
    >>> with no_grad():
    ...     pass
    """
    if _BACKEND == "torch":
        return torch.no_grad()
    return contextlib.nullcontext()
