"""`GAN`: a generator, a discriminator and an EMA generator trained with one `fit()` on any Keras backend."""

import dataclasses
import warnings

import keras
import numpy as np

from keras_gans import losses as losses_module
from keras_gans import optimizers as optimizers_module
from keras_gans.backend.data import peek_first_batch
from keras_gans.backend.distribution import synchronize_variables
from keras_gans.backend.inference import InferenceFunction
from keras_gans.backend.inference import call_padded
from keras_gans.backend.serialization import tensorflow_objects_impossible
from keras_gans.backend.trainer_state import variables_kept_on_error
from keras_gans.presets.preset_loader import PresetMixin
from keras_gans.training import inputs as gan_inputs
from keras_gans.training.config import TrainConfig
from keras_gans.training.ema import ExponentialMovingAverage
from keras_gans.training.generate_arguments import check_generation_size
from keras_gans.training.generate_arguments import check_seed
from keras_gans.training.generate_arguments import check_uint8_rounding
from keras_gans.training.loss_scaling import DynamicLossScale
from keras_gans.training.network_variables import StepNetworks
from keras_gans.training.state import ValueState
from keras_gans.training.state import VariableState
from keras_gans.training.step import TrainStep
from keras_gans.utils.weight_loading import weights_loaded_next

_TRACKED = (
    "d_loss",
    "g_loss",
    "d_adversarial",
    "r1",
    "r2",
    "gp",
    "drift",
    "d_classification",
    "g_classification",
    "real_score",
    "fake_score",
)
_NO_EVALUATE = "GAN: evaluate() is not defined; use keras_gans.metrics.evaluate_generator(gan, ...)."
_HYPERPARAMETERS = ("r1_gamma", "r2_gamma", "augment_probability", "ema_half_life_images", "ema_beta")


def _clone_network(network):
    try:
        with tensorflow_objects_impossible():  # get_config() would import TensorFlow on the other backends
            if isinstance(network, keras.Sequential) or getattr(network, "_is_graph_network", False):
                return keras.models.clone_model(network)
            return type(network).from_config(network.get_config())
    except Exception as error:  # noqa: BLE001 - re-raised with guidance
        raise ValueError(
            f"GAN: could not copy the generator {network.name!r} for the EMA generator ({error}). Give the "
            "generator a complete get_config(), or pass `ema_generator=` (an identically built network)."
        ) from error


@keras.saving.register_keras_serializable(package="keras_gans")
class GAN(PresetMixin, keras.Model):
    """A GAN trained with `fit()`: generator, discriminator and a non-trainable EMA copy of the generator.

    Network contract. The generator has attributes `latent_dim`, `num_classes` (0 = unconditional) and
    `image_shape` `(H, W, C)`, and `call(z, labels=None, training=None)` returns float NHWC images. The
    discriminator has `num_classes` and `image_shape` and `call(images, labels=None, training=None)` returns logits
    `(N,)`, or `(scores (N,), class_logits (N, K))` for an AC-GAN discriminator (ProGAN's conditional loss). Labels
    reaching the networks are one-hot float32. A discriminator whose samples do not interact (no minibatch
    statistics) may set `batch_independent = True`: the step then scores a real and a fake batch of the same dtype
    in one call instead of two (same values, half the calls).

    Data. `fit()` takes images `(N, H, W, C)` (uint8 in [0, 255], mapped by `x / 127.5 - 1`, or float in [-1, 1])
    and, for conditional networks, labels (class ids `(N,)` or one-hot `(N, K)`): NumPy arrays (`fit(x, y)`),
    `tf.data`, a PyTorch `DataLoader`, a Keras `PyDataset` or a Python generator of `images` or
    `(images, labels)`. The first batch is checked for shape, dtype and value range before training starts, every
    batch for labels that are not a class and for a size below `min_batch_size`.

    Two real batches per iteration. R3GAN's generator step uses its own real batch (the relativistic pairing
    anchor), different from the discriminator step's. With a loss that needs it (`"rpgan"`), every fit batch is
    split in two halves: the first half trains D, the second half is the G phase's real batch. So
    `fit(batch_size=2 * B)` runs R3GAN's loop with batch `B`, and `images_seen` (which drives every schedule and
    the EMA half-life) grows by `B` per step, exactly like R3GAN's `cur_nimg`. With the other losses the whole fit
    batch trains D, the G phase needs no reals, and `images_seen` grows by the fit batch size. Fakes are generated
    with the labels of the real half they are paired with.

    Several devices. Batch sizes are global (all replicas together) and a run on several devices reproduces a
    single-device run; see `keras_gans.distribution` for the set-up on each backend and how batches are sharded.

    EMA. `ema_generator` follows `p_ema = p + beta * (p_ema - p)` for trainable weights after every step; other
    state (buffers, seeds) is copied. `generate()` and `call()` use it.

    Training. `compile()` builds a `keras_gans.training.TrainConfig`; every step runs
    `keras_gans.training.TrainStep`. A subclass changes the step through the methods it calls:
    `sample_latents`, `sample_interpolation_weights`, `before_step`, `transform_reals`,
    `latents_for_generator_phase` and `discriminator_for_generator_phase` (ProGAN uses the last four).

    Args:
        generator: the generator network.
        discriminator: the discriminator network.
        augment_pipeline: optional layer applied inside every discriminator call, `D(aug(x))`, as
            `augment_pipeline(images, probability=p, training=True)`; penalties are taken with respect to the
            un-augmented images. It must not have trainable weights.
        ema_generator: optional network identical to `generator` to hold the EMA (default: a clone built from
            `generator.get_config()`); its weights are overwritten with the generator's.
        seed: seed of the step's random numbers (latents, WGAN-GP interpolation).
        uint8_offset: offset of `generate(output="uint8")`: `x * 127.5 + offset` (128 in R3GAN/StyleGAN, 127.5 in
            ProGAN).
        uint8_rounding: `"floor"` (R3GAN: truncation after clamping) or `"round"` (ProGAN).
        **kwargs: `keras.Model` arguments (`name`, ...).

    Examples:

    ```python
    gan = keras_gans.GAN(generator, discriminator)
    gan.compile(
        loss="rpgan", r1_gamma=0.05, r2_gamma=0.05,
        learning_rate=keras_gans.schedules.CosineDecay(2e-4, 5e-5, 20_000_000),
        beta_2=keras_gans.schedules.CosineDecay(0.9, 0.99, 20_000_000),
        ema_half_life_images=keras_gans.schedules.CosineDecay(0, 5e6, 20_000_000),
    )
    gan.fit(uint8_images, batch_size=2 * 64, epochs=10)   # two real halves of 64 per step
    samples = gan.generate(16, seed=0)                    # (16, H, W, C) uint8, from the EMA generator
    ```
    """

    def __init__(
        self,
        generator,
        discriminator,
        augment_pipeline=None,
        ema_generator=None,
        seed=None,
        uint8_offset=128.0,
        uint8_rounding="floor",
        **kwargs,
    ):
        super().__init__(**kwargs)
        for attr in ("latent_dim", "num_classes", "image_shape"):
            if not hasattr(generator, attr):
                raise ValueError(f"GAN: the generator must have an attribute `{attr}` (see the GAN docstring).")
        for attr in ("num_classes", "image_shape"):
            if not hasattr(discriminator, attr):
                raise ValueError(f"GAN: the discriminator must have an attribute `{attr}`.")
        if tuple(generator.image_shape) != tuple(discriminator.image_shape):
            raise ValueError(
                f"GAN: generator.image_shape {tuple(generator.image_shape)} != discriminator.image_shape "
                f"{tuple(discriminator.image_shape)}."
            )
        if int(generator.num_classes) != int(discriminator.num_classes):
            raise ValueError(
                f"GAN: generator.num_classes ({generator.num_classes}) != discriminator.num_classes "
                f"({discriminator.num_classes})."
            )
        check_uint8_rounding(uint8_rounding, "GAN")
        self.seed = seed
        self.uint8_offset = float(uint8_offset)
        self.uint8_rounding = uint8_rounding
        self.num_classes = int(generator.num_classes)
        self.image_shape = tuple(int(d) for d in generator.image_shape)
        self.latent_dim = int(generator.latent_dim)

        self.generator = generator
        self.discriminator = discriminator
        self.augment_pipeline = augment_pipeline
        self._build_network(self.generator, "generator")
        d_out = self._build_network(self.discriminator, "discriminator")
        self._check_discriminator_output(d_out)
        if augment_pipeline is not None:
            images = keras.KerasTensor((None,) + self.image_shape, dtype="float32")
            augmented = augment_pipeline(images, probability=0.0, training=True)
            if tuple(augmented.shape[1:]) != self.image_shape:
                raise ValueError(
                    f"GAN: the augment pipeline changes the image shape {self.image_shape} to "
                    f"{tuple(augmented.shape[1:])}."
                )
        with weights_loaded_next():  # the EMA generator's initial values are the generator's, copied below
            if ema_generator is None:
                ema_generator = _clone_network(generator)
            self._build_network(ema_generator, "ema_generator")
        self.ema_generator = ema_generator
        self.ema_generator.trainable = False
        self._ema = ExponentialMovingAverage(self.generator, self.ema_generator)

        self._seed_generator = keras.random.SeedGenerator(seed, name="gan_seed_generator")
        self._images_seen = self.add_weight(
            shape=(), dtype="int32", initializer="zeros", trainable=False, name="images_seen"
        )
        self._hyperparameter_variables = {
            name: self.add_weight(shape=(), dtype="float32", initializer="zeros", trainable=False, name=name)
            for name in _HYPERPARAMETERS
        }
        self._loss_scales = {which: DynamicLossScale.create(self, which) for which in ("g", "d")}
        self._trackers = {name: keras.metrics.Mean(name=name) for name in _TRACKED}
        # Running sums over the epoch of the step's batch checks (see `StopOnInvalidBatch`); not saved.
        self._batch_checks = {name: keras.metrics.Sum(name=name) for name in gan_inputs.BATCH_CHECKS}
        self.invalid_batch = None
        self._train_config = None
        self._step_networks = None  # see `step_networks`
        self.diverged = None
        self._images_seen_host = None  # see `images_seen_host`
        self.built = True

    def load_own_variables(self, store):
        """Loads the GAN's own state (images seen, hyperparameter values, loss scales).

        Weights files in the earlier layout also hold a copy of the generator and EMA generator variables first
        (they were tracked twice); those copies are skipped, the networks load from their own entries.
        """
        own = len(self._trainable_variables) + len(self._non_trainable_variables)
        duplicated = 2 * len(self._ema)
        if len(store.keys()) == own + duplicated:
            store = {str(i): store[str(duplicated + i)] for i in range(own)}
        super().load_own_variables(store)
        self._images_seen_host = None

    # ------------------------------------------------------------------ construction helpers
    def _label_spec(self, batch=None):
        if self.num_classes == 0:
            return None
        return keras.KerasTensor((batch, self.num_classes), dtype="float32")

    def _build_network(self, network, role):
        if role == "discriminator":
            x = keras.KerasTensor((None,) + self.image_shape, dtype="float32")
        else:
            x = keras.KerasTensor((None, self.latent_dim), dtype="float32")
        out = network(x, labels=self._label_spec(), training=False)
        if role != "discriminator":
            shape = tuple(out.shape[1:])
            if shape != self.image_shape:
                raise ValueError(f"GAN: the {role} outputs images of shape {shape}, expected {self.image_shape}.")
        return out

    def _check_discriminator_output(self, out):
        def is_scores(t):
            return len(t.shape) == 1 or (len(t.shape) == 2 and t.shape[1] == 1)

        if isinstance(out, (tuple, list)):
            if len(out) != 2 or not is_scores(out[0]) or len(out[1].shape) != 2:
                raise ValueError(
                    "GAN: a discriminator returning a tuple must return (scores (N,), class_logits (N, K)); got "
                    f"shapes {[tuple(t.shape) for t in out]}."
                )
            if self.num_classes and out[1].shape[1] != self.num_classes:
                raise ValueError(
                    f"GAN: class_logits have {out[1].shape[1]} classes, expected num_classes={self.num_classes}."
                )
            return True
        if not is_scores(out):
            raise ValueError(f"GAN: the discriminator must return logits of shape (N,); got {tuple(out.shape)}.")
        return False

    # ------------------------------------------------------------------ state
    @property
    def images_seen(self):
        """Variable: real images the discriminator has trained on (int32: exact up to 2**31 - 1 images)."""
        return self._images_seen

    @property
    def images_seen_host(self):
        """`images_seen` as a Python int kept on the host while the step runs eagerly (PyTorch, `run_eagerly`).

        Reading it costs no device synchronisation (callbacks use it, see `keras_gans.callbacks.EveryNImages`).
        `None` when the step is traced (jit, tf.function: its Python code runs once) or before the first step of a
        `fit()`; then read `images_seen`.
        """
        return self._images_seen_host

    @property
    def hyperparameters(self):
        """Dict of the current scheduled values (variables): gammas, augmentation p, EMA half-life and beta."""
        return dict(self._hyperparameter_variables)

    @property
    def augment_probability(self):
        return self._hyperparameter_variables["augment_probability"]

    @property
    def seed_generator(self):
        return self._seed_generator

    @property
    def train_config(self):
        """The `keras_gans.training.TrainConfig` built by `compile()` (None before)."""
        return self._train_config

    @property
    def step_networks(self):
        """The networks' variable lists as the training step reads them (`keras_gans.training.StepNetworks`), taken
        once per `compile()`."""
        if self._step_networks is None or not self._step_networks.belong_to(self):
            self._step_networks = StepNetworks(self)
        return self._step_networks

    @property
    def ema(self):
        """The `keras_gans.training.ExponentialMovingAverage` that updates `ema_generator` after every step."""
        return self._ema

    @property
    def loss_scales(self):
        """`{"g": DynamicLossScale, "d": DynamicLossScale}` (used when `train_config.dynamic_loss_scaling`)."""
        return dict(self._loss_scales)

    @property
    def loss_trackers(self):
        """`{name: keras.metrics.Mean}` of the logged loss terms (running means over the epoch)."""
        return self._trackers

    @property
    def batch_check_trackers(self):
        """`{name: keras.metrics.Sum}` of the step's batch checks (`"invalid_labels"`: label rows that are not a
        class; `"small_batches"`: batches below `min_batch_size`), summed over the epoch and logged."""
        return self._batch_checks

    @property
    def min_batch_size(self):
        """The smallest batch the step accepts: 2 when every batch is split into a D half and a G half
        (`loss="rpgan"`), else 1 (after compile)."""
        return self.real_batches_per_step

    @property
    def real_batches_per_step(self):
        """2 when every fit batch is split into a D half and a G half (`loss="rpgan"`), else 1 (after compile)."""
        if self._train_config is None:
            raise ValueError("GAN.real_batches_per_step: call compile() first.")
        return 2 if self._train_config.loss.generator_needs_reals else 1

    # ------------------------------------------------------------------ extension points of the step
    def sample_latents(self, batch_size, phase, seed):
        """Latents of one phase (`"discriminator"` or `"generator"`): `N(0, 1)` of shape `(batch, latent_dim)`.

        Override to change the latent distribution; `seed` is the model's `SeedGenerator` (use it for every
        random draw so that checkpoints resume the same stream). `batch_size` counts every replica's samples; with
        several replicas each keeps its own slice.
        """
        return keras.random.normal((batch_size, self.generator.latent_dim), dtype="float32", seed=seed)

    def sample_interpolation_weights(self, batch_size, seed):
        """WGAN-GP interpolation weights `U(0, 1)` of shape `(batch, 1, 1, 1)` (one per sample, all replicas)."""
        return keras.random.uniform((batch_size, 1, 1, 1), dtype="float32", seed=seed)

    def before_step(self, state, images_seen):
        """Called first in every step, with the images seen before it; may write variables through `state`.

        Default: nothing. ProGAN writes the level of detail of this step into its networks here.
        """

    def transform_reals(self, images, state):
        """The real batch (float, in [-1, 1], before the split into D and G halves) as the step uses it.

        Default: unchanged. ProGAN fades the reals to the level of detail that `before_step` wrote.
        """
        return images

    def latents_for_generator_phase(self, discriminator_latents, generator_latents):
        """The latents of the generator phase, given both phases' draws. Default: the generator phase's own."""
        return generator_latents

    def discriminator_for_generator_phase(self, state):
        """Called before the discriminator update: the discriminator's trainable values for the generator phase.

        Default `None`: the generator trains against the updated discriminator. ProGAN's joint step returns
        copies of the values from before the update.
        """
        return None

    # ------------------------------------------------------------------ compile
    def compile(
        self,
        generator_optimizer=None,
        discriminator_optimizer=None,
        loss="rpgan",
        jit_compile="auto",
        run_eagerly=False,
        steps_per_execution=1,
        **train_options,
    ):
        """Configures training: builds `train_config`, a `keras_gans.training.TrainConfig`.

        Args:
            generator_optimizer: optimizer of G. Default: `keras_gans.optimizers.Adam(2e-4, beta_1=0,
                beta_2=0.99, epsilon=1e-8)` (PyTorch-style Adam).
            discriminator_optimizer: optimizer of D (a different instance). Same default.
            loss: adversarial loss name (`"rpgan"`, `"nonsaturating"`, `"wgan"`, `"lsgan"`, `"lsgan_standard"`,
                `"hinge"`) or an `AdversarialLoss`.
            jit_compile: `"auto"`, `True` or `False`. PyTorch always runs eagerly (torch.compile cannot do the
                double backward of R1/R2/WGAN-GP).
            run_eagerly: run the step eagerly (debugging).
            steps_per_execution: Keras `steps_per_execution` (TensorFlow, JAX).
            **train_options: the other `TrainConfig` fields (see its docstring): the penalties (`r1_gamma`,
                `r2_gamma`, `penalty_interval`, `gp_weight`, `gp_target`, `drift_weight`,
                `classification_weight`), the schedules (`learning_rate`, `beta_2`, `augment_probability`), the
                EMA (`ema_half_life_images`, `ema_beta`, `ema_rampup`) and `loss_scaling`.
        """
        if keras.backend.backend() == "torch":
            if jit_compile is True:
                warnings.warn(
                    "GAN.compile: jit_compile=True is ignored on the PyTorch backend: torch.compile cannot "
                    "differentiate through the gradient penalties (double backward). Training runs eagerly.",
                    stacklevel=2,
                )
            jit_compile = False
        unknown = sorted(set(train_options) - {f.name for f in dataclasses.fields(TrainConfig)})
        if unknown:
            raise TypeError(f"GAN.compile: unknown arguments {unknown} (see keras_gans.training.TrainConfig).")
        config = TrainConfig(
            generator_optimizer=generator_optimizer,
            discriminator_optimizer=discriminator_optimizer,
            loss=loss,
            jit_compile=jit_compile,
            run_eagerly=run_eagerly,
            steps_per_execution=steps_per_execution,
            **train_options,
        )
        if isinstance(config.loss, losses_module.RelativisticPairingLoss) and not (config.use_r1 or config.use_r2):
            warnings.warn(
                "GAN.compile: loss='rpgan' without R1/R2 (r1_gamma = r2_gamma = 0) is unstable; R3GAN uses both "
                "with one gamma (e.g. 0.05 for CIFAR-10, 2 for FFHQ-64).",
                stacklevel=2,
            )
        optimizer = optimizers_module.GANOptimizer(config.generator_optimizer, config.discriminator_optimizer)
        self._check_trainable_variables()
        optimizer.assign_variables(self.generator.trainable_variables, self.discriminator.trainable_variables)
        config.dynamic_loss_scaling = config.loss_scaling is True or (
            config.loss_scaling == "auto"
            and any(net.dtype_policy.compute_dtype == "float16" for net in (self.generator, self.discriminator))
        )
        self._train_config = config
        self._step_networks = None
        super().compile(
            optimizer=optimizer,
            jit_compile=jit_compile,
            run_eagerly=run_eagerly,
            steps_per_execution=steps_per_execution,
            auto_scale_loss=False,
        )
        self.optimizer.build(self.trainable_variables)

    def _check_trainable_variables(self):
        owned = {id(v) for v in self.generator.trainable_variables + self.discriminator.trainable_variables}
        stray = [v.path for v in self.trainable_variables if id(v) not in owned]
        if stray:
            raise ValueError(
                "GAN.compile: only the generator and the discriminator may have trainable weights (the augmentation "
                f"pipeline and the EMA generator must not); found {stray}."
            )

    def get_compile_config(self):
        return {} if self._train_config is None else self._train_config.get_config()

    def compile_from_config(self, config):
        self.compile(**TrainConfig.from_config(config).compile_arguments())

    # ------------------------------------------------------------------ training
    train_step_class = TrainStep  # the step's orchestration (`keras_gans.training.TrainStep`); may be replaced

    def train_step(self, *args):
        """One training iteration (`keras_gans.training.step`); `(state, data)` on JAX (stateless), `(data)` else."""
        if keras.backend.backend() == "jax":
            trainer_state, data = args
            state = ValueState.from_trainer_state(self, trainer_state)
            logs = self._run_step(state, data)
            return logs, state.trainer_state(self)
        (data,) = args
        return self._run_step(VariableState(), data)

    def _run_step(self, state, data):
        step = self.train_step_class(self)
        logs = step(state, data)
        # The host copy of images_seen (see `images_seen_host`): kept only while each step runs in Python.
        added = step.images_added
        if not (step.eager and isinstance(added, int)) or step.replicas.share_one_model:
            self._images_seen_host = None
        elif self._images_seen_host is None:
            # Once per fit(). Not from the value read before the update: PyTorch variables update in place.
            self._images_seen_host = int(keras.ops.convert_to_numpy(step.images_seen))
        else:
            self._images_seen_host += added
        return logs

    def reset_optimizer_states(self):
        """Resets both optimizers (moments and step counters), as ProGAN does at every phase.

        Needs optimizers with a `reset()` method (`keras_gans.optimizers.Adam`). Call it outside the compiled step,
        e.g. from a callback through `callback.model` (which, on JAX, syncs the training state first).
        """
        for opt in self.optimizer.optimizers:
            if not hasattr(opt, "reset"):
                raise ValueError(f"GAN.reset_optimizer_states: {type(opt).__name__} has no reset() method.")
            opt.reset()

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Called by Keras' TensorFlow trainer only. The networks and optimizers are built by __init__ / compile()
        # and there are no compiled losses or metrics, so there is nothing to build; the trainer would otherwise
        # reduce the first distributed batch, which MultiWorkerMirroredStrategy cannot do.
        if self.built and self.optimizer is not None and self.optimizer.built:
            return None
        return super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def evaluate(self, *args, **kwargs):
        """Not defined for a GAN (it has no test loss): raises `NotImplementedError` pointing at
        `keras_gans.metrics.evaluate_generator`, compiled or not, on every backend."""
        raise NotImplementedError(_NO_EVALUATE)

    def test_step(self, *args):
        raise NotImplementedError(_NO_EVALUATE)

    def predict(self, *args, **kwargs):
        """`keras.Model.predict` (the EMA generator, see `call`); an error leaves the model's weights as they were."""
        with variables_kept_on_error(self):
            return super().predict(*args, **kwargs)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, **kwargs):
        """`keras.Model.fit` after checking the first batch; adds `TerminateOnNonFinite` and `StopOnInvalidBatch`.

        See the class docstring for the data format and how batches are split. Raises `ValueError` for images
        of the wrong shape, dtype or value range, for bad labels and for a batch smaller than `min_batch_size`
        before any training step. An array input whose last batch would be smaller than `min_batch_size` loses
        those images, with a warning. Every later batch is checked on the device (labels that are not a class, a
        batch below the minimum); a failed check stops training and raises `ValueError` after it (see
        `keras_gans.training.inputs`). With `initial_epoch`, data with `set_epoch` (`keras_gans.datasets`
        batches) starts at that epoch's order. An exception that escapes `fit` leaves the variables with the values
        of the last step that completed (see `keras_gans.backend.trainer_state`).
        """
        from keras_gans.callbacks.batch_checks import StopOnInvalidBatch
        from keras_gans.callbacks.nonfinite import TerminateOnNonFinite

        if not self.compiled:
            raise ValueError("GAN.fit: call compile() first.")
        minimum = self.min_batch_size
        if batch_size is not None and batch_size < minimum:
            raise ValueError(gan_inputs.small_batch_message(batch_size, minimum))
        x, y = self._drop_small_remainder(x, y, batch_size, minimum)
        # `keras_gans.datasets` batches: a resumed run sees the order of the epoch it starts at, not epoch 0's.
        if kwargs.get("initial_epoch") and hasattr(x, "set_epoch"):
            x.set_epoch(kwargs["initial_epoch"])
        images, labels, x = peek_first_batch(x, y, batch_size)
        if images is not None:
            gan_inputs.check_batch_values(images, labels, self.image_shape, self.num_classes)
            if images.ndim and images.shape[0] < minimum:
                raise ValueError(gan_inputs.small_batch_message(images.shape[0], minimum))
        if isinstance(callbacks, keras.callbacks.CallbackList):
            callbacks = callbacks.callbacks
        callbacks = list(callbacks or [])
        if not any(isinstance(c, TerminateOnNonFinite) for c in callbacks):
            callbacks.insert(0, TerminateOnNonFinite())
        callbacks = [StopOnInvalidBatch()] + [c for c in callbacks if not isinstance(c, StopOnInvalidBatch)]
        self.diverged = None
        self.invalid_batch = None
        self._images_seen_host = None  # callbacks or a restore may have changed images_seen
        # One process per device (PyTorch): every process starts from the first one's state, as with DDP.
        synchronize_variables(self.variables + self.optimizer.variables)
        with variables_kept_on_error(self):
            history = super().fit(
                x, y, batch_size=batch_size, epochs=epochs, verbose=verbose, callbacks=callbacks, **kwargs
            )
        if self.invalid_batch is not None:
            raise ValueError(self._invalid_batch_message(self.invalid_batch))
        return history

    def _drop_small_remainder(self, x, y, batch_size, minimum):
        """Arrays whose last batch would be smaller than `minimum` lose those last images, with a warning."""
        if not (hasattr(x, "shape") and hasattr(x, "__getitem__") and len(getattr(x, "shape", ())) == 4):
            return x, y
        count, size = int(x.shape[0]), batch_size or 32
        if count and count < minimum:
            raise ValueError(gan_inputs.small_batch_message(count, minimum))
        remainder = count % size
        if 0 < remainder < minimum:
            warnings.warn(
                f"GAN.fit: the last batch would hold {remainder} of {count} images, fewer than the step's minimum "
                f"of {minimum}; those images are left out of each epoch.",
                stacklevel=3,
            )
            x, y = x[: count - remainder], None if y is None else y[: count - remainder]
        return x, y

    def _invalid_batch_message(self, found):
        where = f"epoch {found['epoch'] + 1}" + (f", batch {found['batch']}" if found["batch"] is not None else "")
        if found.get("small_batches"):
            problem = gan_inputs.small_batch_message("fewer than " + str(self.min_batch_size), self.min_batch_size)
            problem = problem.replace("GAN.fit: ", "")
        else:
            problem = (
                f"{int(found['invalid_labels'])} label(s) in this epoch were not a class: class ids must be in "
                f"[0, {self.num_classes}) and one-hot rows must sum to 1. Check the labels of the dataset."
            )
        return (
            f"GAN.fit: training stopped at {where} (checks of every batch, read with the logs): {problem} The "
            "batch that failed the check has already updated the weights; restore the last checkpoint."
        )

    # ------------------------------------------------------------------ inference
    def generate(
        self,
        n_or_z,
        labels=None,
        use_ema=True,
        seed=None,
        output="uint8",
        batch_size=64,
        uint8_offset=None,
        uint8_rounding=None,
        truncation_psi=1.0,
    ):
        """Generates images as a NumPy array `(N, H, W, C)`.

        Args:
            n_or_z: number of images (latents drawn with `np.random.default_rng(seed)`, identical on every
                backend) or latents `(N, latent_dim)`.
            labels: for conditional models: integer class ids `(N,)`, one id for all, one-hot `(N, K)` (any finite
                rows: soft rows blend classes), or `None` to cycle through the classes (0, 1, ..., K-1, 0, ...).
            use_ema: use the EMA generator (default) or the trained generator.
            seed: seed of the latents when `n_or_z` is a count: `None` or an integer >= 0.
            output: `"uint8"` (`x * 127.5 + offset`, rounded, clipped to [0, 255]) or `"float"` (raw output).
            batch_size: images per generator call.
            uint8_offset: override of the model's `uint8_offset` (128 R3GAN, 127.5 ProGAN).
            uint8_rounding: override of the model's `uint8_rounding` (`"floor"` or `"round"`).
            truncation_psi: scales the latents toward the mean of their N(0, I) prior, `z * psi` (1: no
                truncation; 0: every image is that of z = 0). Input-space truncation, not StyleGAN's truncation of
                the mapped latent w (these generators have no mapping network); see
                `keras_gans.explore.truncate_latents`.

        Returns:
            `np.ndarray` of uint8 or float32, NHWC.
        """
        from keras_gans.explore.latents import truncate_latents

        if output not in ("uint8", "float"):
            raise ValueError(f"GAN.generate: `output` must be 'uint8' or 'float', got {output!r}.")
        if isinstance(batch_size, (bool, np.bool_)) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"GAN.generate: `batch_size` must be an integer >= 1, got {batch_size!r}.")
        if uint8_rounding is not None:
            check_uint8_rounding(uint8_rounding, "GAN.generate")
        check_seed(seed, "GAN.generate")
        count = not isinstance(n_or_z, (bool, np.bool_)) and isinstance(n_or_z, (int, np.integer))
        if count and n_or_z < 0:
            raise ValueError(f"GAN.generate: the number of images must be >= 0, got {n_or_z}.")
        if count:
            check_generation_size(n_or_z, self.latent_dim, self.image_shape, output, "GAN.generate")
            z = np.random.default_rng(seed).standard_normal((int(n_or_z), self.latent_dim)).astype("float32")
        else:
            z = np.asarray(keras.ops.convert_to_numpy(n_or_z), dtype="float32")
            if z.ndim != 2 or z.shape[1] != self.latent_dim:
                raise ValueError(
                    f"GAN.generate: `n_or_z` must be a number of images (an integer) or latents of shape "
                    f"(N, {self.latent_dim}); got a {type(n_or_z).__name__} of shape {z.shape}."
                )
            bad_rows = np.flatnonzero(~np.isfinite(z).all(axis=1))
            if bad_rows.size:
                rows = bad_rows[:10].tolist()
                raise ValueError(f"GAN.generate: latents must be finite; rows {rows} hold NaN or Inf.")
        if truncation_psi != 1.0:
            z = truncate_latents(z, truncation_psi)
        n = z.shape[0]
        if n == 0:
            return np.zeros((0,) + tuple(self.image_shape), "float32" if output == "float" else "uint8")
        onehot = gan_inputs.generation_labels(labels, n, self.num_classes)
        network = self.ema_generator if use_ema else self.generator
        forward = self._inference_function(network)
        chunks = []
        for start in range(0, n, batch_size):
            batch_labels = None if onehot is None else onehot[start : start + batch_size]
            out = call_padded(forward, z[start : start + batch_size], batch_labels, batch_size)
            chunks.append(out)
        images = np.concatenate(chunks, axis=0) if chunks else np.zeros((0,) + self.image_shape, "float32")
        if output == "float":
            return images
        offset = self.uint8_offset if uint8_offset is None else float(uint8_offset)
        rounding = self.uint8_rounding if uint8_rounding is None else uint8_rounding
        values = images.astype("float64") * 127.5 + offset
        values = np.floor(values) if rounding == "floor" else np.round(values)
        return np.clip(values, 0, 255).astype("uint8")

    def export_generator(self, path, format="tf_saved_model", output="uint8", use_ema=True, batch_size=None):
        """Exports the (EMA) generator as a TF SavedModel, ONNX or LiteRT file with named inputs `latents`
        (and integer `labels`) and output `images`; see `keras_gans.export.export_generator`."""
        from keras_gans.export import export_generator

        return export_generator(self, path, format=format, output=output, use_ema=use_ema, batch_size=batch_size)

    def _inference_function(self, network):
        """The compiled forward pass of `network`, made once and reused by every `generate` call.

        A network whose Python-level structure changes (ProGAN's `active_resolution` while it grows) names that
        state in `trace_key`; a new key compiles a new function, since a traced graph keeps the old structure.
        """
        cache = self.__dict__.setdefault("_inference_cache", {})
        key = (id(network), getattr(network, "trace_key", None))
        if key not in cache or cache[key].network is not network:
            cache[key] = InferenceFunction(network)
        return cache[key]

    def call(self, inputs, training=False):
        """EMA generator on `z` or `(z, labels)` (labels as class ids or one-hot)."""
        if isinstance(inputs, (tuple, list)):
            z, labels = inputs
        else:
            z, labels = inputs, None
        labels = gan_inputs.labels_to_one_hot(labels, self.num_classes)
        return self.ema_generator(z, labels=labels, training=training)

    # ------------------------------------------------------------------ serialization
    def get_config(self):
        def serialize(network):
            if network is None:
                return None
            config = keras.saving.serialize_keras_object(network)
            # GAN.__init__ builds the networks itself; their build configs would only trigger warnings.
            config.pop("build_config", None)
            return config

        config = super().get_config()
        config.update(
            {
                "generator": serialize(self.generator),
                "discriminator": serialize(self.discriminator),
                "augment_pipeline": serialize(self.augment_pipeline),
                "seed": self.seed,
                "uint8_offset": self.uint8_offset,
                "uint8_rounding": self.uint8_rounding,
            }
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if config.get("generator") is not None and config.get("ema_generator") is None:
            # The EMA copy from the same config: cloning via get_config would serialize it again (which, in Keras,
            # imports TensorFlow when it is installed, whatever the backend).
            config["ema_generator"] = config["generator"]
        for key in ("generator", "discriminator", "augment_pipeline", "ema_generator"):
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(config[key], custom_objects=custom_objects)
        return cls(**config)
