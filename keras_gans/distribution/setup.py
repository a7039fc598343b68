"""`DataParallelSetup`: what one process needs to train data-parallel."""

import contextlib

import keras

from keras_gans.distribution import sharding


class DataParallelSetup:
    """What one process needs to train data-parallel: the engine object, the replica counts and a scope.

    Attributes:
        engine: the backend's object (`keras.distribution.Distribution`, `tf.distribute.Strategy`, or the
            `torch.distributed` module with its default group initialized).
        num_replicas: replicas over all processes (devices on JAX, TensorFlow replicas, PyTorch processes).
        num_processes: processes (hosts on JAX, workers on TensorFlow, ranks on PyTorch).
        process_index: this process's index.
        feed: what each process passes to `fit()`: `"global"` (the whole global batch, arranged so that the
            engine's contiguous split gives each replica its part of every half: TensorFlow), `"replica"` (its own
            replica's arranged share: PyTorch) or `"process"` (its contiguous share of the global batch, in order:
            JAX, whose global program splits the halves itself).
    """

    def __init__(self, engine, num_replicas, num_processes, process_index, feed, scope=None):
        self.engine = engine
        self.num_replicas = int(num_replicas)
        self.num_processes = int(num_processes)
        self.process_index = int(process_index)
        self.feed = feed
        self._scope = scope

    @property
    def is_chief(self):
        return self.process_index == 0

    def scope(self):
        """Context in which to create and compile the model (TensorFlow needs it; a no-op elsewhere)."""
        return self._scope() if self._scope is not None else contextlib.nullcontext()

    def fit_inputs(self, images, labels=None, batch_size=32, halves=1):
        """`fit()` arguments for this process (see `keras_gans.distribution.fit_inputs`)."""
        return sharding.fit_inputs(images, labels, batch_size, self, halves)

    def process_batch(self, batch, halves=1):
        """This process's part of one global batch (see `keras_gans.distribution.process_batch`)."""
        return sharding.process_batch(batch, self, halves)

    def __repr__(self):
        return (
            f"DataParallelSetup(backend={keras.backend.backend()!r}, replicas={self.num_replicas}, "
            f"processes={self.num_processes}, process_index={self.process_index})"
        )
