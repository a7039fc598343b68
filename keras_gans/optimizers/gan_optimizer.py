"""One optimizer object holding the generator's and the discriminator's optimizers."""

import warnings

import keras


class _NetworkSelector:
    """Maps a variable to the generator's or the discriminator's optimizer by identity (not by name/path)."""

    def __init__(self, generator_optimizer, discriminator_optimizer):
        self.generator_optimizer = generator_optimizer
        self.discriminator_optimizer = discriminator_optimizer
        self.generator_variables = None
        self.discriminator_variables = None

    def values(self):
        return [self.generator_optimizer, self.discriminator_optimizer]

    def __call__(self, variable):
        if self.generator_variables is None:
            raise ValueError(
                "GANOptimizer: call `assign_variables(generator_variables, discriminator_variables)` before "
                "building it (GAN.compile does this)."
            )
        key = id(variable)
        if key in self._generator_ids:
            return self.generator_optimizer
        if key in self._discriminator_ids:
            return self.discriminator_optimizer
        raise ValueError(
            f"GANOptimizer: variable {getattr(variable, 'path', variable)} belongs to neither the generator nor "
            "the discriminator. Only the generator's and the discriminator's weights may be trainable."
        )

    def assign(self, generator_variables, discriminator_variables):
        self.generator_variables = list(generator_variables)
        self.discriminator_variables = list(discriminator_variables)
        self._generator_ids = {id(v) for v in self.generator_variables}
        self._discriminator_ids = {id(v) for v in self.discriminator_variables}
        if self._generator_ids & self._discriminator_ids:
            raise ValueError("GANOptimizer: the generator and the discriminator share trainable variables.")


@keras.saving.register_keras_serializable(package="keras_gans", name="GANOptimizer")
class GANOptimizer(keras.optimizers.MultiOptimizer):
    """A `keras.optimizers.MultiOptimizer` over exactly two optimizers: the generator's and the discriminator's.

    `GAN.compile` sets it as `model.optimizer`, so that (a) Keras' JAX trainer threads both optimizers' state
    through the compiled step (it only threads `model.optimizer.variables`), (b) callbacks that understand
    `MultiOptimizer` (`LearningRateScheduler`, `ReduceLROnPlateau`, `TensorBoard`) see both, and (c) no unused
    default optimizer is built over all weights. Variables are assigned to an optimizer by identity, so layer
    names do not matter. The inner optimizers are built on the generator's and the discriminator's trainable
    variables *in the networks' own order*, which the training step relies on. `iterations` counts training steps
    (one generator and one discriminator update each).

    Args:
        generator_optimizer: a Keras optimizer for the generator.
        discriminator_optimizer: a different Keras optimizer instance for the discriminator.
        name: optional name.

    Examples:

    >>> from keras_gans.optimizers import Adam, GANOptimizer
    >>> opt = GANOptimizer(Adam(2e-4, beta_1=0.0), Adam(2e-4, beta_1=0.0))
    >>> [type(o).__name__ for o in opt.optimizers]
    ['Adam', 'Adam']
    """

    def __init__(self, generator_optimizer, discriminator_optimizer, name=None):
        generator_optimizer = keras.optimizers.get(generator_optimizer)
        discriminator_optimizer = keras.optimizers.get(discriminator_optimizer)
        if generator_optimizer is discriminator_optimizer:
            raise ValueError(
                "GANOptimizer: the generator and the discriminator need two different optimizer instances."
            )
        for opt in (generator_optimizer, discriminator_optimizer):
            if isinstance(opt, (keras.optimizers.LossScaleOptimizer, keras.optimizers.MultiOptimizer)):
                raise ValueError(
                    f"GANOptimizer: {type(opt).__name__} cannot be nested; GAN.compile does its own loss scaling."
                )
            if opt.use_ema:
                raise ValueError(
                    "GANOptimizer: optimizer `use_ema=True` would copy the average into the network at the end of "
                    "fit(); the GAN keeps its own EMA generator (`ema_half_life_images` / `ema_beta`)."
                )
        selector = _NetworkSelector(generator_optimizer, discriminator_optimizer)
        super().__init__(selector, name=name)

    @property
    def generator_optimizer(self):
        return self._optimizer_map.generator_optimizer

    @property
    def discriminator_optimizer(self):
        return self._optimizer_map.discriminator_optimizer

    def assign_variables(self, generator_variables, discriminator_variables):
        """Declares which trainable variables each inner optimizer updates (before `build`)."""
        self._optimizer_map.assign(generator_variables, discriminator_variables)

    def build(self, var_list):
        if self.built:
            return
        selector = self._optimizer_map
        self._var_to_optimizer_idx = {}
        for variable in var_list:
            self._var_to_optimizer_idx[self._var_key(variable)] = 0 if selector(variable) is selector.values()[0] else 1
        expected = len(selector.generator_variables) + len(selector.discriminator_variables)
        if len(var_list) != expected:
            raise ValueError(
                f"GANOptimizer.build: got {len(var_list)} trainable variables, but the generator and the "
                f"discriminator have {expected}."
            )
        self.generator_optimizer.build(selector.generator_variables)
        self.discriminator_optimizer.build(selector.discriminator_variables)
        keras.optimizers.Optimizer.build(self, var_list)

    def save_own_variables(self, store):
        # `variables` also lists the inner optimizers' state, which they save themselves as tracked children.
        for i, variable in enumerate(self._variables):
            store[str(i)] = keras.ops.convert_to_numpy(variable)

    def load_own_variables(self, store):
        """Loads `iterations` and the learning rate; the inner optimizers load their own state.

        Files of earlier development versions also hold the inner optimizers' state here, after the own variables
        (as in `variables`); those copies are skipped.
        """
        own = self._variables
        inner = sum(len(opt.variables) for opt in self.optimizers)
        if len(store.keys()) not in (len(own), len(own) + inner):
            warnings.warn(
                f"Skipping variable loading for optimizer '{self.name}': it has {len(own)} own variables (plus "
                f"{inner} of its two optimizers), the saved optimizer has {len(store.keys())}.",
                stacklevel=2,
            )
            return
        for i, variable in enumerate(own):
            variable.assign(store[str(i)])

    def get_config(self):
        return {
            "generator_optimizer": keras.saving.serialize_keras_object(self.generator_optimizer),
            "discriminator_optimizer": keras.saving.serialize_keras_object(self.discriminator_optimizer),
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("generator_optimizer", "discriminator_optimizer"):
            config[key] = keras.saving.deserialize_keras_object(config[key], custom_objects=custom_objects)
        return cls(**config)
