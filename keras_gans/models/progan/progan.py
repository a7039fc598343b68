"""`ProGAN`: the trainable progressive-growing GAN with the paper's recipe as `compile()` defaults."""

import copy
import inspect

import keras
from keras import ops

from keras_gans import optimizers as optimizers_module
from keras_gans.models.config_validation import check_model_networks
from keras_gans.models.gan import GAN
from keras_gans.models.progan.progan_data import count_images
from keras_gans.models.progan.progan_data import scheduled_batches
from keras_gans.models.progan.progan_discriminator import ProGANDiscriminator
from keras_gans.models.progan.progan_generator import ProGANGenerator
from keras_gans.models.progan.progan_presets import PRESET_FAMILY
from keras_gans.models.progan.progan_presets import preset_arguments
from keras_gans.models.progan.progan_presets import preset_recipe
from keras_gans.models.progan.progan_schedule import ProGANLearningRate
from keras_gans.models.progan.progan_schedule import ProGANSchedule
from keras_gans.models.progan.progan_schedule import ProgressiveGrowing
from keras_gans.models.progan.progan_schedule import fade_reals
from keras_gans.utils.images_seen import read_images_seen

DEFAULT_RECIPE = {
    "loss": "wgan",
    "gp_weight": 10.0,
    "gp_target": 1.0,
    "drift_weight": 0.001,
    "acgan_weight": 1.0,
    "beta1": 0.0,
    "beta2": 0.99,
    "epsilon": 1e-8,
    "ema_beta": 0.999,
}


def _recipe(recipe):
    given = dict(recipe or {})
    recipe = {**DEFAULT_RECIPE, **given}
    if recipe["loss"] in ("wgan_gp", "wgan-gp"):
        recipe["loss"] = "wgan"  # the engine's WGAN loss; the penalty comes from `gp_weight`
    if recipe["loss"] == "lsgan":
        # The Theano LSGAN configuration has no gradient penalty and no drift term.
        for key in ("gp_weight", "drift_weight"):
            if key not in given:
                recipe[key] = 0.0
    return recipe


@keras.saving.register_keras_serializable(package="keras_gans")
class ProGAN(GAN):
    """Progressive growing of GANs (Karras et al., ICLR 2018, https://arxiv.org/abs/1710.10196), trained by one
    `fit()` through every resolution.

    Recipe (the `compile()` defaults, from `recipe`): WGAN-GP with `lambda = 10` and target `gamma` (1; 750 for
    CIFAR-10), drift `0.001 * D(real)^2`, AC-GAN cross-entropy (weight 1) when the networks are conditional,
    Adam(beta1 0, beta2 0.99, eps 1e-8) for G and D with the schedule's per-resolution learning rate, EMA of G with
    `beta = 0.999` per step (one EMA generator holding every block), and `generate(output="uint8")` as
    `round(x * 127.5 + 127.5)` clipped to [0, 255].

    Growing inside `fit`:

    * every step computes `lod` from `images_seen` (the official `TrainingSchedule`, a pure function of images
      seen) and writes it into the generator's, the discriminator's and the EMA generator's `lod` variables;
    * the full-resolution reals are box-downsampled to the active resolution, blended with
      `nearest_up2(box_down2(x))` by `lod - floor(lod)` and nearest-upsampled back (`fade_reals`), inside the step;
    * at a phase boundary (`floor(lod)` or `ceil(lod)` changes) the `ProgressiveGrowing` callback (added by
      `fit`) sets `active_resolution` of the three networks, resets both Adams and rebuilds the train function so
      that the newly active blocks are traced. Weights are never re-created: every block exists from the start.
    * Resuming: `images_seen` (restored by `GANCheckpoint`) determines `lod`, the active resolution and the
      learning rate, so a run interrupted mid-fade continues where it stopped.
    * Minibatch per resolution: without a `batch_size`, `fit` feeds the data through `scheduled_batches`, which
      re-cuts the full-resolution images (NumPy arrays, `tf.data`, PyTorch `DataLoader`, `PyDataset`) into
      batches of the schedule's minibatch for the step that receives them (counted from `images_seen`). With a
      `batch_size`, or a Python generator as `x`, the batches are used as given.
    * Joint step (`recipe["joint_step"]`, the Theano CIFAR-10 run): the generator is updated from the same latents
      as the discriminator step, against the discriminator's weights from before its update.

    Deviations: `lod` and the minibatch advance every step rather than every 4 minibatches; the lower-resolution
    reals are box averages in
    float (the official dataset rounded each level to uint8); x-flip mirroring belongs in the data pipeline; the
    generator step of a conditional model reuses the minibatch's labels instead of drawing new ones.

    Args:
        generator: a `ProGANGenerator`.
        discriminator: a `ProGANDiscriminator` (same resolution).
        schedule: a `ProGANSchedule`, its config dict, or the name of a preset or of a `PROGAN_SCHEDULES` entry
            (default `"tf_default"`: 600/600 kimg).
        recipe: dict overriding `DEFAULT_RECIPE` (`gp_weight`, `gp_target`, `drift_weight`, `acgan_weight`,
            `beta1`, `beta2`, `epsilon`, `ema_beta`, `joint_step`); `loss="lsgan"` (Theano's LSGAN) defaults
            `gp_weight` and `drift_weight` to 0. The presets' `mirror`, `d_repeats` and
            `reset_optimizer_at_phase` are informational (mirroring belongs to the data pipeline).
        **kwargs: `GAN` arguments (`seed`, `augment_pipeline`, `ema_generator`, `name`, ...).

    Examples:

    ```python
    gan = keras_gans.ProGAN.from_preset("cifar10_32")   # networks, schedule and recipe of the paper's run
    gan.compile()                                        # WGAN-GP (gamma 750), drift, Adam(0, 0.99), EMA 0.999
    gan.fit(uint8_images, epochs=...)                    # grows 4x4 -> 32x32 inside this one fit
    samples = gan.generate(16, seed=0)                   # uint8 from the EMA generator

    # pytorch_GAN_zoo's CelebA-HQ 256x256 PGAN, downloaded and converted once, then cached.
    gan = keras_gans.ProGAN.from_preset("pgz_celebahq_256")
    faces = gan.generate(8, seed=0)

    # The paper's own CelebA-HQ 1024x1024 networks (G, D and Gs), or any official TensorFlow pickle.
    gan = keras_gans.ProGAN.from_preset("celebahq_1024_official")
    gan = keras_gans.ProGAN.from_preset("karras2018iclr-celebahq-1024x1024.pkl")
    ```
    """

    def __init__(self, generator, discriminator, schedule="tf_default", recipe=None, **kwargs):
        networks = {"generator": generator, "discriminator": discriminator}
        check_model_networks("ProGAN", PRESET_FAMILY, networks, required_attributes=("lod", "active_resolution"))
        kwargs.setdefault("uint8_offset", 127.5)
        kwargs.setdefault("uint8_rounding", "round")
        super().__init__(generator, discriminator, **kwargs)
        if isinstance(schedule, str):
            schedule = ProGANSchedule.from_preset(schedule, resolution=self.image_shape[0])
        elif isinstance(schedule, dict):
            schedule = ProGANSchedule.from_config({**schedule, "resolution": self.image_shape[0]})
        if not isinstance(schedule, ProGANSchedule) or schedule.resolution != self.image_shape[0]:
            raise ValueError(
                f"ProGAN: `schedule` must be a ProGANSchedule (or name/config) for resolution {self.image_shape[0]}."
            )
        self.growth_schedule = schedule
        self.recipe = _recipe(recipe)
        self._traced_active_resolution = None
        lod = schedule.lod_at(0)
        for network in (self.generator, self.discriminator, self.ema_generator):
            network.set_lod(lod)

    # ------------------------------------------------------------------ presets
    # `from_preset(preset, load_weights=None, schedule=None, **overrides)`, `save_to_preset` and `presets` come from
    # `GAN` (keras_gans.presets.PresetMixin): the architectures of `PROGAN_PRESETS` build networks, schedule and
    # recipe with fresh weights; the pytorch_GAN_zoo checkpoints (`PGZ_CHECKPOINTS`, or a `.pth` file of your own)
    # are read as data, converted once and cached under `keras_gans.utils.preset_utils.cache_root()`. Weights are
    # loaded whenever the preset has some. `schedule` overrides the schedule (name, dict or `ProGANSchedule`);
    # `recipe`, `seed`, `name` go to the model and everything else to the networks that take it (`latent_dim` to
    # the generator, `num_classes` and `fmap_base` to both).
    preset_family = PRESET_FAMILY
    preset_load_weights_default = None
    preset_model_arguments = ("recipe", "seed", "name", "uint8_offset", "uint8_rounding", "schedule")
    preset_network_classes = {"generator": ProGANGenerator, "discriminator": ProGANDiscriminator}

    @classmethod
    def from_preset_arguments(cls, name, schedule=None, **overrides):
        """Builds the registered architecture `name` (networks, schedule and recipe) with fresh weights."""
        model_args, network_args = cls.route_preset_overrides(overrides)
        generator = ProGANGenerator(**{**preset_arguments(name, "generator"), **network_args["generator"]})
        discriminator = ProGANDiscriminator(
            **{**preset_arguments(name, "discriminator"), **network_args["discriminator"]}
        )
        model_args.setdefault("recipe", preset_recipe(name))
        return cls(generator, discriminator, schedule=schedule or name, **model_args)

    @classmethod
    def apply_preset_options(cls, config, overrides):
        if overrides.get("schedule", ...) is None:
            overrides.pop("schedule")  # `schedule=None`: the stored schedule
        return overrides

    def preset_metadata(self):
        return {"images_seen": read_images_seen(self)}

    def load_weights(self, filepath, *args, **kwargs):
        """`keras.Model.load_weights`, then each network's `active_resolution` is set from its loaded `lod`
        (so `generate()` evaluates the blocks of the saved level of detail)."""
        result = super().load_weights(filepath, *args, **kwargs)
        for network in (self.generator, self.discriminator, self.ema_generator):
            network.set_lod(float(ops.convert_to_numpy(network.lod.value)))
        return result

    def compile(
        self,
        generator_optimizer=None,
        discriminator_optimizer=None,
        loss=None,
        gp_weight=None,
        gp_target=None,
        drift_weight=None,
        classification_weight=None,
        learning_rate=None,
        ema_beta=None,
        **kwargs,
    ):
        """`GAN.compile` with ProGAN's recipe as defaults (any argument may override it).

        Defaults: `loss="wgan"`, `gp_weight` 10, `gp_target` (1 or 750), `drift_weight` 0.001,
        `classification_weight` 1 (AC-GAN, conditional networks only), Adam(lr_base, beta_1 0, beta_2 0.99,
        eps 1e-8) for G and D, `learning_rate=ProGANLearningRate(schedule)` (per resolution), `ema_beta` 0.999.
        Other `GAN.compile` arguments pass through.
        """
        r = self.recipe

        def adam():
            return optimizers_module.Adam(
                self.growth_schedule.lr_base, beta_1=r["beta1"], beta_2=r["beta2"], epsilon=r["epsilon"]
            )

        if kwargs.get("ema_half_life_images") is None:
            kwargs.pop("ema_half_life_images", None)
            ema_beta = r["ema_beta"] if ema_beta is None else ema_beta
        super().compile(
            generator_optimizer=generator_optimizer or adam(),
            discriminator_optimizer=discriminator_optimizer or adam(),
            loss=r["loss"] if loss is None else loss,
            gp_weight=r["gp_weight"] if gp_weight is None else gp_weight,
            gp_target=r["gp_target"] if gp_target is None else gp_target,
            drift_weight=r["drift_weight"] if drift_weight is None else drift_weight,
            classification_weight=r["acgan_weight"] if classification_weight is None else classification_weight,
            learning_rate=ProGANLearningRate(self.growth_schedule) if learning_rate is None else learning_rate,
            ema_beta=ema_beta,
            **kwargs,
        )

    # ------------------------------------------------------------------ training (the GAN step's extension points)
    def _lod_variables(self):
        return [self.generator.lod, self.discriminator.lod, self.ema_generator.lod]

    @property
    def _joint_step(self):
        return bool(self.recipe.get("joint_step"))

    def before_step(self, state, images_seen):
        """Writes this step's `lod` (from `images_seen`) into the three networks."""
        lod = self.growth_schedule.lod(images_seen)
        self._traced_active_resolution = self.discriminator.active_resolution  # read by ProgressiveGrowing
        state.write(self._lod_variables(), [lod, lod, lod])

    def transform_reals(self, images, state):
        """Fades the full-resolution reals to this step's `lod` at the active resolution (`fade_reals`)."""
        lod = state.read([self.discriminator.lod])[0]
        return fade_reals(images, lod, self.discriminator.active_resolution)

    def latents_for_generator_phase(self, discriminator_latents, generator_latents):
        """Joint step: the generator phase reuses the discriminator phase's latents (both are drawn anyway, so
        the random stream is the same)."""
        return discriminator_latents if self._joint_step else generator_latents

    def discriminator_for_generator_phase(self, state):
        """Joint step: the generator trains against the discriminator's values from before its update."""
        if not self._joint_step:
            return None
        # Copies: PyTorch updates the variables in place.
        return [ops.copy(v) for v in state.read(self.step_networks.discriminator.trainable)]

    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        per_resolution_minibatch=None,
        shuffle=True,
        steps_per_epoch=None,
        **kwargs,
    ):
        """`GAN.fit` that grows the networks and follows the schedule's minibatch per resolution.

        A `ProgressiveGrowing` callback is added when none is given (see the class docstring).

        Args:
            x, y: full-resolution images (and labels): arrays, `tf.data.Dataset`, PyTorch `DataLoader`,
                `keras.utils.PyDataset`, or a Python generator of batches.
            batch_size: a fixed batch size for array inputs; giving one turns the per-resolution minibatch off.
            per_resolution_minibatch: re-cut the data into the schedule's minibatch for every step
                (`scheduled_batches`). Default: on unless `batch_size` is given or `x` is a Python generator.
            shuffle: shuffle array inputs (every pass with the per-resolution minibatch).
            steps_per_epoch: steps per epoch. With the per-resolution minibatch it defaults, for arrays and
                sized `DataLoader`s, to the steps that show the data once from the current `images_seen`
                (later epochs have the same number of steps; the stream itself never restarts at an epoch
                boundary); other datasets need it.
            **kwargs: other `keras.Model.fit` arguments.
        """
        if isinstance(callbacks, keras.callbacks.CallbackList):
            callbacks = callbacks.callbacks
        callbacks = list(callbacks or [])
        if not any(isinstance(c, ProgressiveGrowing) for c in callbacks):
            callbacks.insert(0, ProgressiveGrowing())
        if per_resolution_minibatch is None:
            per_resolution_minibatch = batch_size is None and not inspect.isgenerator(x)
        if per_resolution_minibatch:
            if batch_size is not None:
                raise ValueError("ProGAN.fit: `batch_size` and per_resolution_minibatch=True exclude each other.")
            if self.compiled and self.train_config.loss.generator_needs_reals:
                raise ValueError(
                    "ProGAN.fit: the per-resolution minibatch needs a loss whose step trains D on the whole batch "
                    "(wgan, lsgan); pass batch_size or per_resolution_minibatch=False."
                )
            images_seen = read_images_seen(self)
            if steps_per_epoch is None:
                count = count_images(x)
                if count is None:
                    raise ValueError(
                        "ProGAN.fit: give `steps_per_epoch` with a dataset of unknown size (the per-resolution "
                        "minibatch stream repeats the data without end)."
                    )
                steps_per_epoch = self.growth_schedule.steps_to_show(count, images_seen)
            x = scheduled_batches(
                x, y, schedule=self.growth_schedule, images_seen=images_seen, shuffle=shuffle, seed=self.seed
            )
            y, shuffle = None, False
        return super().fit(
            x,
            y,
            batch_size=batch_size,
            epochs=epochs,
            verbose=verbose,
            callbacks=callbacks,
            shuffle=shuffle,
            steps_per_epoch=steps_per_epoch,
            **kwargs,
        )

    # ------------------------------------------------------------------ serialization
    def get_config(self):
        config = super().get_config()
        config.update({"schedule": self.growth_schedule.get_config(), "recipe": copy.deepcopy(dict(self.recipe))})
        return config
