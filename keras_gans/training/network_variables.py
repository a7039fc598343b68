"""The variable lists of the networks a training step runs, taken once, and `stateless_call` over them.

Keras' `trainable_variables` and `non_trainable_variables` walk every sub-layer on each access, and
`Layer.stateless_call` reads both lists five times per call. An eager (PyTorch) step calls the networks a few
times per phase, so these walks were about a quarter of its Python calls. The lists are taken at the first step
after each `compile()`, which builds the optimizer for the same trainable variables: a network whose variables
change after that needs a new `compile()`, as the optimizer does (and as Keras asks after a change of `trainable`).
"""

import keras


class NetworkVariables:
    """A network's `trainable` and `non_trainable` variable lists (tuples), as the network had them when taken."""

    def __init__(self, network):
        self.network = network
        self.trainable = tuple(network.trainable_variables)
        self.non_trainable = tuple(network.non_trainable_variables)

    def stateless_call(self, trainable_values, non_trainable_values, *args, **kwargs):
        """`network.stateless_call(...)` over the stored lists: `(outputs, new non-trainable values)`.

        Like Keras' own it runs the network's `call` (not `__call__`) in a `StatelessScope` mapping each variable to
        its value. Networks with a quantized or rematerialised call, or values that do not match the stored lists,
        go through Keras' `stateless_call`, which handles them or says what is wrong.
        """
        network = self.network
        if (
            network.dtype_policy.quantization_mode is not None
            or getattr(network, "_remat_mode", None) is not None
            or len(trainable_values) != len(self.trainable)
            or len(non_trainable_values) != len(self.non_trainable)
        ):
            return network.stateless_call(trainable_values, non_trainable_values, *args, **kwargs)
        mapping = list(zip(self.trainable, trainable_values)) + list(zip(self.non_trainable, non_trainable_values))
        with keras.StatelessScope(state_mapping=mapping) as scope:
            outputs = network.call(*args, **kwargs)
        return outputs, [scope.get_current_value(v) for v in self.non_trainable]


class StepNetworks:
    """`NetworkVariables` of the generator, the discriminator and the augmentation pipeline (None without one)."""

    def __init__(self, model):
        self.generator = NetworkVariables(model.generator)
        self.discriminator = NetworkVariables(model.discriminator)
        pipeline = model.augment_pipeline
        self.augment_pipeline = None if pipeline is None else NetworkVariables(pipeline)

    def belong_to(self, model):
        """Whether these are still `model`'s networks (an attribute may have been replaced since)."""
        pipeline = None if self.augment_pipeline is None else self.augment_pipeline.network
        return (
            self.generator.network is model.generator
            and self.discriminator.network is model.discriminator
            and pipeline is model.augment_pipeline
        )
