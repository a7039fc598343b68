"""A network's forward pass for inference: compiled once per input shape (JAX), traced once for any batch size
(TensorFlow), or run in `torch.inference_mode` (PyTorch).

On JAX `GAN.generate` pads each chunk of latents to a small family of batch sizes (`bucket_size`), so that the
compiled programs are reused across calls with different image counts instead of being compiled again for every
count. TensorFlow's graph leaves the batch size unknown and needs no padding.
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


def _pad_rows(x, size):
    """NumPy `x` with zero rows appended up to `size` rows."""
    if len(x) >= size:
        return x
    return np.concatenate([x, np.zeros((size - len(x),) + x.shape[1:], x.dtype)])


class InferenceFunction:
    """`network(z, labels=labels, training=False)`, compiled on JAX (`jax.jit` of the stateless call, so weights
    are arguments and later weight updates are seen) and TensorFlow (`tf.function`), run in
    `torch.inference_mode` on PyTorch (no autograd recording, no version counting of the tensors it makes) once
    the network is built; a network built by this call runs under `torch.no_grad` instead, because weights created
    in inference mode could not be trained afterwards.

    On JAX the first call of a new batch size runs the largest smaller batch size already compiled, chunk by chunk,
    and the second call of that size compiles it: XLA's compilation of a new size costs many runs of a compiled
    program, so a new image count shows its first images without waiting for it, while repeated calls run the
    program compiled for their size.

    On TensorFlow the first call runs eagerly and the second traces a `tf.function` whose batch size is unknown,
    which then serves every batch size: an eager pass costs a fraction of a trace, so a single `generate` call (a
    CLI run, the first image of a session) is not held up by tracing, while repeated calls run the graph, and a
    new image count neither traces again nor pads. Inputs of another dtype or per-image shape start over with an
    eager call.

    Args:
        network: a built Keras model called as `network(z, labels=..., training=False)`.

    Attributes:
        traces: how many times the Python forward pass was traced (JAX, TensorFlow) or run (PyTorch).
        eager_calls: TensorFlow calls that ran eagerly (the first of each input signature).
        chunked_calls: JAX calls that ran in chunks of a batch size already compiled.
        pads_batches: whether inputs should be padded to `bucket_size` rows (JAX: XLA compiles one program per
            input shape).

    Examples:

    ```python
    fn = InferenceFunction(generator)
    images = fn(z, None)
    ```
    """

    def __init__(self, network):
        self.network = network
        self.traces = 0
        self.eager_calls = 0
        self.chunked_calls = 0
        self.pads_batches = _BACKEND == "jax"
        if _BACKEND == "jax":
            self._compiled = jax.jit(self._stateless_forward)
            self._batch_sizes = {}  # per-image input shapes -> {batch size: compiled (True) or run in chunks (False)}
        elif _BACKEND == "tensorflow":
            self._graphs = {}  # input signature without the batch size -> tf.function

    def _forward(self, z, labels):
        self.traces += 1
        return self.network(z, labels=labels, training=False)

    def _stateless_forward(self, trainable, non_trainable, z, labels):
        self.traces += 1
        out, _ = self.network.stateless_call(trainable, non_trainable, z, labels=labels, training=False)
        return out

    def _jax_call(self, z, labels):
        trainable = [v.value for v in self.network.trainable_variables]
        non_trainable = [v.value for v in self.network.non_trainable_variables]
        sizes = self._batch_sizes.setdefault((z.shape[1:], None if labels is None else labels.shape[1:]), {})
        n = z.shape[0]
        compiled = [size for size, done in sizes.items() if done and size < n]
        if n in sizes or not compiled:
            sizes[n] = True
            return self._compiled(trainable, non_trainable, z, labels)
        sizes[n] = False  # the next call of this size compiles it
        self.chunked_calls += 1
        size = max(compiled)
        # Sliced and padded in NumPy: each eager JAX op would compile a small program of its own.
        inputs = [np.asarray(x) for x in (z, labels) if x is not None]
        outputs = []
        for start in range(0, n, size):
            chunk = [_pad_rows(x[start : start + size], size) for x in inputs]
            out = self._compiled(trainable, non_trainable, chunk[0], chunk[1] if len(chunk) > 1 else None)
            outputs.append(np.asarray(out))
        return np.concatenate(outputs)[:n]

    def _tensorflow_call(self, z, labels):
        z = tf.convert_to_tensor(z)
        labels = None if labels is None else tf.convert_to_tensor(labels)
        inputs = (z,) if labels is None else (z, labels)
        specs = tuple(tf.TensorSpec((None,) + tuple(x.shape[1:]), x.dtype) for x in inputs)
        graph = self._graphs.get(specs)
        if graph is None:
            forward = (lambda z: self._forward(z, None)) if labels is None else self._forward
            self._graphs[specs] = tf.function(forward, autograph=False, input_signature=specs)
            self.eager_calls += 1
            return self.network(z, labels=labels, training=False)
        return graph(*inputs)

    def __call__(self, z, labels=None):
        if _BACKEND == "jax":
            return self._jax_call(z, labels)
        if _BACKEND == "tensorflow":
            return self._tensorflow_call(z, labels)
        if _BACKEND == "torch":
            with torch.inference_mode() if self.network.built else torch.no_grad():
                return self._forward(z, labels)
        return self._forward(z, labels)


def call_padded(function, z, labels, batch_size):
    """`function(z, labels)` on `z` padded with zero rows to `bucket_size(len(z), batch_size)` when `function`
    compiles one program per shape (`pads_batches`), as float32 NumPy with the padding rows removed. Each image
    depends only on its own latent and label, so padding changes the real rows by float32 round-off at most (other
    kernels for another batch size).
    """
    n = z.shape[0]
    size = bucket_size(n, batch_size) if getattr(function, "pads_batches", True) else n
    z = _pad_rows(z, size)
    labels = None if labels is None else _pad_rows(labels, size)
    out = function(z, labels)
    return np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(out, "float32")))[:n]
