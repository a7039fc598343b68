"""A network's forward pass for inference, compiled once per input shape (JAX, TensorFlow) or run in
`torch.inference_mode` (PyTorch).

`GAN.generate` pads each chunk of latents to a small family of batch sizes (`bucket_size`) so that the compiled
function is reused across calls with different image counts instead of being traced again for every count.
"""

import keras
import numpy as np

_BACKEND = keras.backend.backend()

if _BACKEND == "jax":
    import jax
elif _BACKEND == "tensorflow":
    import tensorflow as tf
elif _BACKEND == "torch":
    import torch


def bucket_size(n, batch_size):
    """The batch size a chunk of `n` inputs is padded to: the next power of two, at most `batch_size`.

    Calls with any number of images then use at most `log2(batch_size) + 2` distinct shapes.

    Examples:

    >>> bucket_size(5, 64), bucket_size(64, 64), bucket_size(3, 48), bucket_size(40, 48)
    (8, 64, 4, 48)
    """
    if n < 1 or batch_size < 1:
        raise ValueError(f"bucket_size: n and batch_size must be positive; got n={n}, batch_size={batch_size}.")
    return min(1 << (n - 1).bit_length(), batch_size)


class InferenceFunction:
    """`network(z, labels=labels, training=False)`, compiled on JAX (`jax.jit` of the stateless call, so weights
    are arguments and later weight updates are seen) and TensorFlow (`tf.function`), run in
    `torch.inference_mode` on PyTorch (no autograd recording, no version counting of the tensors it makes) once
    the network is built; a network built by this call runs under `torch.no_grad` instead, because weights created
    in inference mode could not be trained afterwards.

    On TensorFlow the first call of each input shape runs eagerly and the second traces the `tf.function`: an eager
    pass costs a fraction of a trace, so a single `generate` call (a CLI run, the first image of a session) is
    not held up by tracing, while repeated calls still run the traced graph.

    Args:
        network: a built Keras model called as `network(z, labels=..., training=False)`.

    Attributes:
        traces: how many times the Python forward pass was traced (JAX, TensorFlow) or run (PyTorch).
        eager_calls: TensorFlow calls that ran eagerly (the first of each input shape).

    Examples:

    >>> fn = InferenceFunction(generator)   # doctest: +SKIP
    >>> images = fn(z, None)                # doctest: +SKIP
    """

    def __init__(self, network):
        self.network = network
        self.traces = 0
        self.eager_calls = 0
        self._shapes_seen = set()
        # Only a compiled function gains from a few fixed shapes; eager PyTorch runs each chunk as it is.
        self.compiled = _BACKEND in ("jax", "tensorflow")
        if _BACKEND == "jax":
            self._compiled = jax.jit(self._stateless_forward)
        elif _BACKEND == "tensorflow":
            self._compiled = tf.function(self._forward, autograph=False)

    def _forward(self, z, labels):
        self.traces += 1
        return self.network(z, labels=labels, training=False)

    def _stateless_forward(self, trainable, non_trainable, z, labels):
        self.traces += 1
        out, _ = self.network.stateless_call(trainable, non_trainable, z, labels=labels, training=False)
        return out

    def __call__(self, z, labels=None):
        if _BACKEND == "jax":
            trainable = [v.value for v in self.network.trainable_variables]
            non_trainable = [v.value for v in self.network.non_trainable_variables]
            return self._compiled(trainable, non_trainable, z, labels)
        if _BACKEND == "tensorflow":
            z, labels = tf.convert_to_tensor(z), None if labels is None else tf.convert_to_tensor(labels)
            shape = (tuple(z.shape), None if labels is None else tuple(labels.shape))
            if shape not in self._shapes_seen:
                self._shapes_seen.add(shape)
                self.eager_calls += 1
                return self.network(z, labels=labels, training=False)
            return self._compiled(z, labels)
        if _BACKEND == "torch":
            with torch.inference_mode() if self.network.built else torch.no_grad():
                return self._forward(z, labels)
        return self._forward(z, labels)


def call_padded(function, z, labels, batch_size):
    """`function(z, labels)` on `z` padded with zero rows to `bucket_size(len(z), batch_size)` when `function` is
    compiled, as float32 NumPy with the padding rows removed. Each image depends only on its own latent and label,
    so padding changes the real rows by float32 round-off at most (other kernels for another batch size).
    """
    n = z.shape[0]
    size = bucket_size(n, batch_size) if getattr(function, "compiled", True) else n
    if size > n:
        z = np.concatenate([z, np.zeros((size - n,) + z.shape[1:], z.dtype)])
        if labels is not None:
            labels = np.concatenate([labels, np.zeros((size - n,) + labels.shape[1:], labels.dtype)])
    out = function(z, labels)
    return np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(out, "float32")))[:n]
