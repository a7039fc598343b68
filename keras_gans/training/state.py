"""How the training step reads and writes variables: values in and out (JAX) or the variables themselves.

The step is written once over this interface:

* `ValueState`: on JAX inside `jax.jit`, over the trainer's state lists (values in, new values out);
* `VariableState`: on TensorFlow (graph or XLA) and PyTorch (eager), on the variables. Keras' TensorFlow
  optimizers refuse `stateless_apply` (tf.distribute needs real variables), so there the optimizer updates the
  variables in place; reading variables directly also avoids copying every weight each step.
"""

import contextlib

import keras
from keras import ops

from keras_gans.backend import no_grad


class ValueState:
    """Variable values for one functional (JAX) step, keyed by variable identity."""

    stateless = True

    def __init__(self, pairs):
        self._values = {id(v): value for v, value in pairs}

    @classmethod
    def from_trainer_state(cls, model, trainer_state):
        """The state of Keras' JAX trainer: `(trainable, non_trainable, optimizer, metrics)` value lists."""
        trainable, non_trainable, optimizer_values, metrics_values = trainer_state
        return cls(
            list(zip(model.trainable_variables, trainable))
            + list(zip(model.non_trainable_variables, non_trainable))
            + list(zip(model.optimizer.variables, optimizer_values))
            + list(zip(model.metrics_variables, metrics_values))
        )

    def trainer_state(self, model):
        """The new state in the trainer's layout (see `from_trainer_state`)."""
        return (
            self.read(model.trainable_variables),
            self.read(model.non_trainable_variables),
            self.read(model.optimizer.variables),
            self.read(model.metrics_variables),
        )

    def read(self, variables):
        return [self._values[id(v)] for v in variables]

    def write(self, variables, values):
        for v, value in zip(variables, values):
            self._values[id(v)] = value

    def apply(self, optimizer, grads, variables):
        new_values, new_optimizer_values = optimizer.stateless_apply(
            self.read(optimizer.variables), grads, self.read(variables)
        )
        self.write(variables, new_values)
        self.write(optimizer.variables, new_optimizer_values)

    @contextlib.contextmanager
    def scope(self, variables):
        """Runs stateful Keras code (seed generators, metrics) against these values, collecting its updates."""
        variables = list(variables)
        with keras.StatelessScope(state_mapping=list(zip(variables, self.read(variables)))) as scope:
            yield
        for v in variables:
            value = scope.get_current_value(v)
            if value is not None:
                self._values[id(v)] = value


class VariableState:
    """Direct access to the variables (TensorFlow graphs, PyTorch eager).

    On PyTorch a value read here shares storage with its variable: after writing a variable, read it again
    instead of reusing an earlier value (the step computes every new value before writing it).
    """

    stateless = False

    def read(self, variables):
        return [ops.stop_gradient(v.value) for v in variables]

    def write(self, variables, values):
        for v, value in zip(variables, values):
            v.assign(value)

    def apply(self, optimizer, grads, variables):
        with no_grad():
            optimizer.apply(grads, variables)

    def scope(self, variables):
        return contextlib.nullcontext()
