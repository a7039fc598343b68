"""`GAN`: a generator, a discriminator and an EMA generator trained with one `fit()` on any Keras backend."""

import warnings

import keras
import numpy as np

from keras_gans import losses as losses_module
from keras_gans import optimizers as optimizers_module
from keras_gans import schedules as schedules_module
from keras_gans.backend.data import peek_first_batch
from keras_gans.backend.distribution import synchronize_variables
from keras_gans.models import gan_inputs
from keras_gans.models.gan_step import GANTrainStep
from keras_gans.models.gan_step import ValueState
from keras_gans.models.gan_step import VariableState

_TRACKED = (
    "d_loss", "g_loss", "d_adversarial", "r1", "r2", "gp", "drift", "d_classification", "g_classification", "real_score", "fake_score",
)
_HYPERPARAMETERS = ("r1_gamma", "r2_gamma", "augment_probability", "ema_half_life_images", "ema_beta")


class _EMAPairs:
    """`(generator variable, EMA variable, averaged)` triples.

    A plain object rather than a list, so that Keras does not track these variables a second time as the GAN's own
    (its weights file would then store the generator and the EMA generator again under the GAN's `vars`).
    """

    def __init__(self, triples):
        self.triples = tuple(triples)

    def __iter__(self):
        return iter(self.triples)

    def __len__(self):
        return len(self.triples)


def _clone_network(network):
    try:
        if isinstance(network, keras.Sequential) or getattr(network, "_is_graph_network", False):
            return keras.models.clone_model(network)
        return type(network).from_config(network.get_config())
    except Exception as error:  # noqa: BLE001 - re-raised with guidance
        raise ValueError(
            f"GAN: could not copy the generator {network.name!r} for the EMA generator ({error}). Give the "
            "generator a complete get_config(), or pass `ema_generator=` (an identically built network)."
        ) from error


@keras.saving.register_keras_serializable(package="keras_gans")
class GAN(GANTrainStep, keras.Model):
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
    `(images, labels)`. The first batch is checked for shape, dtype and value range before training starts.

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
        if uint8_rounding not in ("floor", "round"):
            raise ValueError(f"GAN: `uint8_rounding` must be 'floor' or 'round', got {uint8_rounding!r}.")
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
        self._discriminator_has_classifier = self._check_discriminator_output(d_out)
        if augment_pipeline is not None:
            images = keras.KerasTensor((None,) + self.image_shape, dtype="float32")
            augmented = augment_pipeline(images, probability=0.0, training=True)
            if tuple(augmented.shape[1:]) != self.image_shape:
                raise ValueError(
                    f"GAN: the augment pipeline changes the image shape {self.image_shape} to "
                    f"{tuple(augmented.shape[1:])}."
                )
        if ema_generator is None:
            ema_generator = _clone_network(generator)
        self._build_network(ema_generator, "ema_generator")
        self.ema_generator = ema_generator
        self.ema_generator.trainable = False
        g_vars, e_vars = self.generator.variables, self.ema_generator.variables
        if [tuple(v.shape) for v in g_vars] != [tuple(v.shape) for v in e_vars]:
            raise ValueError("GAN: `ema_generator` does not have the generator's variables (shapes differ).")
        self._ema_pairs = _EMAPairs(
            (g, e, bool(g.trainable) and "float" in keras.backend.standardize_dtype(g.dtype))
            for g, e in zip(g_vars, e_vars)
        )
        for g, e in zip(g_vars, e_vars):
            e.assign(keras.ops.copy(g.value))  # a copy: JAX must never see one buffer in two variables

        self._seed_generator = keras.random.SeedGenerator(seed, name="gan_seed_generator")
        self._images_seen = self.add_weight(
            shape=(), dtype="int32", initializer="zeros", trainable=False, name="images_seen"
        )
        self._hyperparameter_variables = {
            name: self.add_weight(shape=(), dtype="float32", initializer="zeros", trainable=False, name=name)
            for name in _HYPERPARAMETERS
        }
        self._loss_scale_variables = {
            which: (
                self.add_weight(shape=(), dtype="float32", initializer=keras.initializers.Constant(2.0**15),
                                trainable=False, name=f"{which}_loss_scale"),
                self.add_weight(shape=(), dtype="int32", initializer="zeros", trainable=False,
                                name=f"{which}_loss_scale_good_steps"),
            )
            for which in ("g", "d")
        }
        self._trackers = {name: keras.metrics.Mean(name=name) for name in _TRACKED}
        self.diverged = None
        self._host_images_seen = None  # see GANTrainStep._count_images_on_host
        self.built = True

    def load_own_variables(self, store):
        """Loads the GAN's own state (images seen, hyperparameter values, loss scales).

        Weights files of earlier development versions also hold a copy of the generator and EMA generator variables
        first (they were tracked twice); those copies are skipped, the networks load from their own entries.
        """
        own = len(self._trainable_variables) + len(self._non_trainable_variables)
        duplicated = 2 * len(self._ema_pairs)
        if len(store.keys()) == own + duplicated:
            store = {str(i): store[str(duplicated + i)] for i in range(own)}
        super().load_own_variables(store)
        self._host_images_seen = None

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

    # ------------------------------------------------------------------ state accessors
    @property
    def images_seen(self):
        """Variable: real images the discriminator has trained on (int32: exact up to 2**31 - 1 images)."""
        return self._images_seen

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
    def real_batches_per_step(self):
        """2 when every fit batch is split into a D half and a G half (`loss="rpgan"`), else 1 (after compile)."""
        if not getattr(self, "_train_config", None):
            raise ValueError("GAN.real_batches_per_step: call compile() first.")
        return 2 if self._adversarial_loss.generator_needs_reals else 1

    # ------------------------------------------------------------------ compile
    def compile(
        self,
        generator_optimizer=None,
        discriminator_optimizer=None,
        loss="rpgan",
        r1_gamma=0.0,
        r2_gamma=0.0,
        penalty_interval=1,
        gp_weight=0.0,
        gp_target=1.0,
        drift_weight=0.0,
        classification_weight=1.0,
        learning_rate=None,
        beta_2=None,
        ema_half_life_images=None,
        ema_beta=None,
        ema_rampup=None,
        augment_probability=None,
        loss_scaling="auto",
        jit_compile="auto",
        run_eagerly=False,
        steps_per_execution=1,
    ):
        """Configures training.

        Args:
            generator_optimizer: optimizer of G. Default: `keras_gans.optimizers.Adam(2e-4, beta_1=0,
                beta_2=0.99, epsilon=1e-8)` (PyTorch-style Adam).
            discriminator_optimizer: optimizer of D (a different instance). Same default.
            loss: adversarial loss name (`"rpgan"`, `"nonsaturating"`, `"wgan"`, `"lsgan"`, `"lsgan_standard"`,
                `"hinge"`) or an `AdversarialLoss`.
            r1_gamma: gamma of R1 (weight `gamma / 2` on the per-sample squared gradient norm at reals); float or
                `Schedule`. R3GAN uses the same gamma for R1 and R2 (0.05 on CIFAR-10 ... 150 on FFHQ-256).
            r2_gamma: gamma of R2 (at detached fakes); float or `Schedule`.
            penalty_interval: evaluate R1/R2/WGAN-GP every this many steps with their weight multiplied by it
                (StyleGAN2 lazy regularisation); 1 = every step (R3GAN, ProGAN).
            gp_weight: WGAN-GP lambda (ProGAN: 10); 0 disables it.
            gp_target: WGAN-GP target norm gamma (1, or 750 for ProGAN's CIFAR-10); penalty
                `(lambda / target^2) * (||grad|| - target)^2`.
            drift_weight: ProGAN's epsilon_drift on `D(real)^2` (0.001); 0 disables it.
            classification_weight: weight of the AC-GAN cross-entropy (only for discriminators returning class
                logits).
            learning_rate: optional float or `Schedule` written into both optimizers' learning-rate variables
                every step. `None` leaves the optimizers' own learning rates (e.g. for LR callbacks).
            beta_2: optional float or `Schedule` for both optimizers' `beta_2` variable (needs optimizers with a
                `beta_2` variable, like `keras_gans.optimizers.Adam`).
            ema_half_life_images: EMA half-life in images (float or `Schedule`, R3GAN/StyleGAN style):
                `beta = 0.5 ** (B / max(half_life, 1e-8))` with `B` the discriminator batch. Default 10,000 when
                `ema_beta` is not given.
            ema_beta: per-step EMA beta instead (float or `Schedule`; ProGAN: 0.999).
            ema_rampup: optional StyleGAN ramp-up: the half-life is at most `ema_rampup * images_seen`.
            augment_probability: float or `Schedule` for the augmentation probability; `None` reads the
                `augment_probability` variable, which a callback may set (e.g. adaptive augmentation).
            loss_scaling: `"auto"` (dynamic loss scaling when G or D computes in float16), `True` or `False`.
                Scales start at 2**15, halve on a non-finite gradient (the update is skipped) and double after
                2000 finite steps.
            jit_compile: `"auto"`, `True` or `False`. PyTorch always runs eagerly (torch.compile cannot do the
                double backward of R1/R2/WGAN-GP).
            run_eagerly: run the step eagerly (debugging).
            steps_per_execution: Keras `steps_per_execution` (TensorFlow, JAX).
        """
        if keras.backend.backend() == "torch" and jit_compile is True:
            warnings.warn(
                "GAN.compile: jit_compile=True is ignored on the PyTorch backend: torch.compile cannot "
                "differentiate through the gradient penalties (double backward). Training runs eagerly.",
                stacklevel=2,
            )
        if keras.backend.backend() == "torch":
            jit_compile = False
        if penalty_interval < 1 or int(penalty_interval) != penalty_interval:
            raise ValueError(f"GAN.compile: `penalty_interval` must be an integer >= 1, got {penalty_interval}.")
        if ema_half_life_images is not None and ema_beta is not None:
            raise ValueError("GAN.compile: give `ema_half_life_images` or `ema_beta`, not both.")
        if ema_half_life_images is None and ema_beta is None:
            ema_half_life_images = 10_000.0
        self._adversarial_loss = losses_module.get(loss)
        schedules = {
            "r1_gamma": schedules_module.get(r1_gamma),
            "r2_gamma": schedules_module.get(r2_gamma),
            "augment_probability": schedules_module.get(augment_probability),
            "ema_half_life_images": schedules_module.get(ema_half_life_images),
            "ema_beta": schedules_module.get(ema_beta),
            "learning_rate": schedules_module.get(learning_rate),
            "beta_2": schedules_module.get(beta_2),
        }
        use = {name: not (isinstance(schedules[name], schedules_module.Constant) and schedules[name].value == 0.0)
               for name in ("r1_gamma", "r2_gamma")}
        if isinstance(self._adversarial_loss, losses_module.RelativisticPairingLoss) and not any(use.values()):
            warnings.warn(
                "GAN.compile: loss='rpgan' without R1/R2 (r1_gamma = r2_gamma = 0) is unstable; R3GAN uses both "
                "with one gamma (e.g. 0.05 for CIFAR-10, 2 for FFHQ-64).",
                stacklevel=2,
            )
        generator_optimizer = generator_optimizer or optimizers_module.Adam(2e-4, beta_1=0.0, beta_2=0.99)
        discriminator_optimizer = discriminator_optimizer or optimizers_module.Adam(2e-4, beta_1=0.0, beta_2=0.99)
        optimizer = optimizers_module.GANOptimizer(generator_optimizer, discriminator_optimizer)
        for opt in optimizer.optimizers:
            if schedules["beta_2"] is not None and not isinstance(getattr(opt, "beta_2", None), keras.Variable):
                raise ValueError(
                    f"GAN.compile: a `beta_2` schedule needs optimizers with a beta_2 variable "
                    f"(keras_gans.optimizers.Adam); {type(opt).__name__} has none."
                )
            if schedules["learning_rate"] is not None and not isinstance(opt._learning_rate, keras.Variable):
                raise ValueError(
                    "GAN.compile: a `learning_rate` schedule needs optimizers created with a float learning rate."
                )
        self._check_trainable_variables()
        optimizer.assign_variables(self.generator.trainable_variables, self.discriminator.trainable_variables)

        self._loss_scaling = self._resolve_loss_scaling(loss_scaling)
        self._train_config = {
            "schedules": schedules,
            "use_r1": use["r1_gamma"],
            "use_r2": use["r2_gamma"],
            "use_gp": float(gp_weight) > 0.0,
            "gp_weight": float(gp_weight),
            "gp_target": float(gp_target),
            "use_drift": float(drift_weight) > 0.0,
            "drift_weight": float(drift_weight),
            "classification_weight": float(classification_weight),
            "penalty_interval": int(penalty_interval),
            "ema_mode": "beta" if ema_beta is not None else "half_life",
            "ema_rampup": None if ema_rampup is None else float(ema_rampup),
        }
        self._gan_compile_config = {
            "generator_optimizer": keras.saving.serialize_keras_object(generator_optimizer),
            "discriminator_optimizer": keras.saving.serialize_keras_object(discriminator_optimizer),
            "loss": keras.saving.serialize_keras_object(self._adversarial_loss),
            "r1_gamma": schedules_module.serialize(schedules["r1_gamma"]),
            "r2_gamma": schedules_module.serialize(schedules["r2_gamma"]),
            "penalty_interval": int(penalty_interval),
            "gp_weight": float(gp_weight),
            "gp_target": float(gp_target),
            "drift_weight": float(drift_weight),
            "classification_weight": float(classification_weight),
            "learning_rate": schedules_module.serialize(schedules["learning_rate"]),
            "beta_2": schedules_module.serialize(schedules["beta_2"]),
            "ema_half_life_images": schedules_module.serialize(schedules["ema_half_life_images"]),
            "ema_beta": schedules_module.serialize(schedules["ema_beta"]),
            "ema_rampup": ema_rampup,
            "augment_probability": schedules_module.serialize(schedules["augment_probability"]),
            "loss_scaling": loss_scaling,
            "jit_compile": jit_compile,
            "run_eagerly": run_eagerly,
            "steps_per_execution": steps_per_execution,
        }
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

    def _resolve_loss_scaling(self, loss_scaling):
        float16 = any(
            net.dtype_policy.compute_dtype == "float16" for net in (self.generator, self.discriminator)
        )
        if loss_scaling == "auto":
            return float16
        if loss_scaling not in (True, False):
            raise ValueError(f"GAN.compile: `loss_scaling` must be 'auto', True or False, got {loss_scaling!r}.")
        return bool(loss_scaling)

    def get_compile_config(self):
        return dict(getattr(self, "_gan_compile_config", {}))

    def compile_from_config(self, config):
        config = dict(config)
        for key in ("generator_optimizer", "discriminator_optimizer", "loss"):
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        for key in ("r1_gamma", "r2_gamma", "learning_rate", "beta_2", "ema_half_life_images", "ema_beta",
                    "augment_probability"):
            config[key] = schedules_module.get(config.get(key))
        if config.get("ema_half_life_images") is not None and config.get("ema_beta") is not None:
            config["ema_half_life_images"] = None
        self.compile(**config)

    # ------------------------------------------------------------------ training
    def train_step(self, *args):
        """One R3GAN/ProGAN iteration; `(state, data)` on JAX (stateless), `(data)` on TensorFlow and PyTorch."""
        if keras.backend.backend() == "jax":
            state, data = args
            trainable, non_trainable, optimizer_values, metrics_values = state
            pairs = (
                list(zip(self.trainable_variables, trainable))
                + list(zip(self.non_trainable_variables, non_trainable))
                + list(zip(self.optimizer.variables, optimizer_values))
                + list(zip(self.metrics_variables, metrics_values))
            )
            values = ValueState(pairs)
            logs = self._train_step_on_state(values, data)
            new_state = (
                values.read(self.trainable_variables),
                values.read(self.non_trainable_variables),
                values.read(self.optimizer.variables),
                values.read(self.metrics_variables),
            )
            return logs, new_state
        (data,) = args
        return self._train_step_on_state(VariableState(), data)

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

    def test_step(self, *args):
        raise NotImplementedError("GAN: evaluate() is not defined; use keras_gans.metrics.evaluate_generator(gan, ...).")

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, **kwargs):
        """`keras.Model.fit` after checking the first batch; adds a `TerminateOnNonFinite` callback.

        See the class docstring for the data format and how batches are split. Raises `ValueError` for images
        of the wrong shape, dtype or value range and for bad labels before any training step.
        """
        from keras_gans.callbacks.nonfinite import TerminateOnNonFinite

        if not self.compiled:
            raise ValueError("GAN.fit: call compile() first.")
        images, labels, x = peek_first_batch(x, y, batch_size)
        if images is not None:
            gan_inputs.check_batch_values(images, labels, self.image_shape, self.num_classes)
        if isinstance(callbacks, keras.callbacks.CallbackList):
            callbacks = callbacks.callbacks
        callbacks = list(callbacks or [])
        if not any(isinstance(c, TerminateOnNonFinite) for c in callbacks):
            callbacks.insert(0, TerminateOnNonFinite())
        self.diverged = None
        self._host_images_seen = None  # callbacks or a restore may have changed images_seen
        # One process per device (PyTorch): every process starts from the first one's state, as with DDP.
        synchronize_variables(self.variables + self.optimizer.variables)
        return super().fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose, callbacks=callbacks,
                           **kwargs)

    # ------------------------------------------------------------------ inference
    def _one_hot(self, labels, n):
        if self.num_classes == 0:
            if labels is not None:
                raise ValueError("GAN.generate: the networks are unconditional; do not pass labels.")
            return None
        if labels is None:
            labels = np.arange(n) % self.num_classes
        labels = np.asarray(labels)
        if labels.ndim == 0:
            labels = np.full((n,), int(labels))
        if labels.ndim == 1:
            if labels.shape[0] != n or labels.min() < 0 or labels.max() >= self.num_classes:
                raise ValueError(
                    f"GAN.generate: labels must be {n} class ids in [0, {self.num_classes}); got {labels}."
                )
            return np.eye(self.num_classes, dtype="float32")[labels.astype("int64")]
        if labels.shape != (n, self.num_classes):
            raise ValueError(f"GAN.generate: one-hot labels must have shape ({n}, {self.num_classes}).")
        return labels.astype("float32")

    def generate(self, n_or_z, labels=None, use_ema=True, seed=None, output="uint8", batch_size=64,
                 uint8_offset=None, uint8_rounding=None, truncation_psi=1.0):
        """Generates images as a NumPy array `(N, H, W, C)`.

        Args:
            n_or_z: number of images (latents drawn with `np.random.default_rng(seed)`, identical on every
                backend) or latents `(N, latent_dim)`.
            labels: for conditional models: class ids `(N,)`, one id for all, one-hot `(N, K)`, or `None` to
                cycle through the classes (0, 1, ..., K-1, 0, ...).
            use_ema: use the EMA generator (default) or the trained generator.
            seed: seed of the latents when `n_or_z` is a count.
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
        if isinstance(n_or_z, (int, np.integer)):
            z = np.random.default_rng(seed).standard_normal((int(n_or_z), self.latent_dim)).astype("float32")
        else:
            z = np.asarray(keras.ops.convert_to_numpy(n_or_z), dtype="float32")
            if z.ndim != 2 or z.shape[1] != self.latent_dim:
                raise ValueError(f"GAN.generate: latents must have shape (N, {self.latent_dim}); got {z.shape}.")
        if truncation_psi != 1.0:
            z = truncate_latents(z, truncation_psi)
        n = z.shape[0]
        onehot = self._one_hot(labels, n)
        network = self.ema_generator if use_ema else self.generator
        chunks = []
        for start in range(0, n, batch_size):
            batch_labels = None if onehot is None else onehot[start:start + batch_size]
            out = network(z[start:start + batch_size], labels=batch_labels, training=False)
            chunks.append(np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(out, "float32"))))
        images = np.concatenate(chunks, axis=0) if chunks else np.zeros((0,) + self.image_shape, "float32")
        if output == "float":
            return images
        offset = self.uint8_offset if uint8_offset is None else float(uint8_offset)
        rounding = uint8_rounding or self.uint8_rounding
        values = images.astype("float64") * 127.5 + offset
        values = np.floor(values) if rounding == "floor" else np.round(values)
        return np.clip(values, 0, 255).astype("uint8")

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
        for key in ("generator", "discriminator", "augment_pipeline"):
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(config[key], custom_objects=custom_objects)
        return cls(**config)
