"""`TrainConfig`: everything `GAN.compile()` configures, as one typed object."""

import dataclasses

import keras

from keras_gans import losses
from keras_gans import optimizers
from keras_gans import schedules

# The hyperparameters that may be scheduled over `images_seen` (floats become `schedules.Constant`).
SCHEDULED = (
    "r1_gamma",
    "r2_gamma",
    "augment_probability",
    "ema_half_life_images",
    "ema_beta",
    "learning_rate",
    "beta_2",
)
_SERIALIZED_OBJECTS = ("generator_optimizer", "discriminator_optimizer", "loss")


def _default_adam():
    return optimizers.Adam(2e-4, beta_1=0.0, beta_2=0.99)


def _is_zero(schedule):
    return isinstance(schedule, schedules.Constant) and schedule.value == 0.0


@dataclasses.dataclass
class TrainConfig:
    """The training configuration of a `GAN` (`gan.train_config` after `compile()`).

    Built by `GAN.compile(**arguments)`, which takes these fields as keyword arguments. Floats given for a
    scheduled hyperparameter become `keras_gans.schedules.Constant`. `get_config()` is the model's compile config
    (saved with the model) and `from_config()` reads it back.

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
        dynamic_loss_scaling: whether the step scales its losses (`loss_scaling` resolved by `GAN.compile`).

    Examples:

    >>> from keras_gans.training import TrainConfig
    >>> config = TrainConfig(loss="wgan", gp_weight=10.0, ema_beta=0.999)
    >>> config.use_gp, config.ema_mode, config.get_config()["gp_weight"]
    (True, 'beta', 10.0)
    """

    generator_optimizer: object = None
    discriminator_optimizer: object = None
    loss: object = "rpgan"
    r1_gamma: object = 0.0
    r2_gamma: object = 0.0
    penalty_interval: int = 1
    gp_weight: float = 0.0
    gp_target: float = 1.0
    drift_weight: float = 0.0
    classification_weight: float = 1.0
    learning_rate: object = None
    beta_2: object = None
    ema_half_life_images: object = None
    ema_beta: object = None
    ema_rampup: object = None
    augment_probability: object = None
    loss_scaling: object = "auto"
    jit_compile: object = "auto"
    run_eagerly: bool = False
    steps_per_execution: int = 1
    dynamic_loss_scaling: bool = False

    def __post_init__(self):
        if self.penalty_interval < 1 or int(self.penalty_interval) != self.penalty_interval:
            raise ValueError(f"GAN.compile: `penalty_interval` must be an integer >= 1, got {self.penalty_interval}.")
        if self.ema_half_life_images is not None and self.ema_beta is not None:
            raise ValueError("GAN.compile: give `ema_half_life_images` or `ema_beta`, not both.")
        if self.ema_half_life_images is None and self.ema_beta is None:
            self.ema_half_life_images = 10_000.0
        if self.loss_scaling not in ("auto", True, False):
            raise ValueError(f"GAN.compile: `loss_scaling` must be 'auto', True or False, got {self.loss_scaling!r}.")
        self.loss = losses.get(self.loss)
        for name in SCHEDULED:
            setattr(self, name, schedules.get(getattr(self, name)))
        for name in ("gp_weight", "gp_target", "drift_weight", "classification_weight"):
            setattr(self, name, float(getattr(self, name)))
        self.penalty_interval = int(self.penalty_interval)
        self.ema_rampup = None if self.ema_rampup is None else float(self.ema_rampup)
        self.generator_optimizer = self.generator_optimizer or _default_adam()
        self.discriminator_optimizer = self.discriminator_optimizer or _default_adam()
        for opt in (self.generator_optimizer, self.discriminator_optimizer):
            if self.beta_2 is not None and not isinstance(getattr(opt, "beta_2", None), keras.Variable):
                raise ValueError(
                    f"GAN.compile: a `beta_2` schedule needs optimizers with a beta_2 variable "
                    f"(keras_gans.optimizers.Adam); {type(opt).__name__} has none."
                )
            if self.learning_rate is not None and not isinstance(opt._learning_rate, keras.Variable):
                raise ValueError(
                    "GAN.compile: a `learning_rate` schedule needs optimizers created with a float learning rate."
                )

    # ------------------------------------------------------------------ what the step computes
    @property
    def use_r1(self):
        return not _is_zero(self.r1_gamma)

    @property
    def use_r2(self):
        return not _is_zero(self.r2_gamma)

    @property
    def use_gp(self):
        return self.gp_weight > 0.0

    @property
    def use_drift(self):
        return self.drift_weight > 0.0

    @property
    def ema_mode(self):
        """`"beta"` (a per-step beta) or `"half_life"` (beta from a half-life in images)."""
        return "beta" if self.ema_beta is not None else "half_life"

    @property
    def schedules(self):
        """`{name: Schedule or None}` of the scheduled hyperparameters."""
        return {name: getattr(self, name) for name in SCHEDULED}

    # ------------------------------------------------------------------ serialization
    def compile_arguments(self):
        """The `GAN.compile` keyword arguments that rebuild this configuration."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "dynamic_loss_scaling"}

    def get_config(self):
        """A JSON-serialisable dict (the model's compile config)."""
        config = self.compile_arguments()
        for name in _SERIALIZED_OBJECTS:
            config[name] = keras.saving.serialize_keras_object(config[name])
        for name in SCHEDULED:
            config[name] = schedules.serialize(config[name])
        return config

    @classmethod
    def from_config(cls, config):
        """Reads a compile config written by `get_config` (or by earlier versions, which wrote the same keys)."""
        config = dict(config)
        for name in _SERIALIZED_OBJECTS:
            if config.get(name) is not None:
                config[name] = keras.saving.deserialize_keras_object(config[name])
        for name in SCHEDULED:
            config[name] = schedules.get(config.get(name))
        if config.get("ema_half_life_images") is not None and config.get("ema_beta") is not None:
            config["ema_half_life_images"] = None
        return cls(**config)
