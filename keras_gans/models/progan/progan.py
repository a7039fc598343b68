"""`ProGAN`: the trainable progressive-growing GAN with the paper's recipe as `compile()` defaults."""

import copy
import inspect
import os

import keras
from keras import ops

from keras_gans import optimizers as optimizers_module
from keras_gans.callbacks.every_n_images import read_images_seen
from keras_gans.models.gan import GAN
from keras_gans.models.progan.progan_data import count_images
from keras_gans.models.progan.progan_data import scheduled_batches
from keras_gans.models.progan.progan_schedule import ProGANLearningRate
from keras_gans.models.progan.progan_schedule import ProGANSchedule
from keras_gans.models.progan.progan_schedule import ProgressiveGrowing
from keras_gans.models.progan.progan_schedule import fade_reals
from keras_gans.utils import preset_utils

DEFAULT_RECIPE = {
    "loss": "wgan", "gp_weight": 10.0, "gp_target": 1.0, "drift_weight": 0.001, "acgan_weight": 1.0,
    "beta1": 0.0, "beta2": 0.99, "epsilon": 1e-8, "ema_beta": 0.999,
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


# `ProGAN` constructor arguments accepted by `from_preset`; every other override goes to both networks.
_MODEL_ARGUMENTS = ("recipe", "seed", "name", "uint8_offset", "uint8_rounding")


def _split_overrides(overrides):
    model = {k: v for k, v in overrides.items() if k in _MODEL_ARGUMENTS}
    return model, {k: v for k, v in overrides.items() if k not in _MODEL_ARGUMENTS}


class _PreUpdateDiscriminator:
    """A training state whose reads of D's trainable variables return their values from before D's update (the
    joint G/D step of the Theano CIFAR-10 run); everything else goes to the wrapped state."""

    def __init__(self, state, variables, values):
        self._state = state
        self._values = {id(v): value for v, value in zip(variables, values)}

    def read(self, variables):
        if variables and all(id(v) in self._values for v in variables):
            return [self._values[id(v)] for v in variables]
        return self._state.read(variables)

    def __getattr__(self, name):
        return getattr(self._state, name)


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

    Deviations: `lod` and the minibatch advance every step rather than every 4 minibatches; the lower-resolution reals are box averages in
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
        kwargs.setdefault("uint8_offset", 127.5)
        kwargs.setdefault("uint8_rounding", "round")
        super().__init__(generator, discriminator, **kwargs)
        for role, network in (("generator", generator), ("discriminator", discriminator)):
            if not (hasattr(network, "lod") and hasattr(network, "active_resolution")):
                raise ValueError(f"ProGAN: the {role} must be a ProGAN network (with `lod` / `active_resolution`).")
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
        self._step_lod = None
        self._traced_active_resolution = None
        self._joint_latents = None
        self._pre_update_discriminator = None
        lod = schedule.lod_at(0)
        for network in (self.generator, self.discriminator, self.ema_generator):
            network.set_lod(lod)

    @classmethod
    def from_preset(cls, preset, load_weights=None, schedule=None, **overrides):
        """Builds a ProGAN from a preset name, a preset directory, or an `hf://` / `kaggle://` handle.

        Args:
            preset: an architecture of `PROGAN_PRESETS` (e.g. `"celebahq_1024"` (v2 schedule),
                `"celebahq_1024_v1"`, `"lsun_256"`, `"celeba_128"`, `"cifar10_32"` (gamma 750), `"ablation_128"`:
                networks, schedule and recipe, fresh weights); a pretrained pytorch_GAN_zoo checkpoint of
                `PGZ_CHECKPOINTS` (`"pgz_celebahq_256"`, `"pgz_celebahq_512"`, `"pgz_celeba_cropped_128"`,
                `"pgz_dtd_128"`: downloaded once, read as data, converted once and cached under
                `keras_gans.utils.preset_utils.cache_root()`); an official release of `PROGAN_TF_CHECKPOINTS`
                (`"celebahq_1024_official"`, `"lsun_<category>_256_official"`: the authors' TensorFlow pickles,
                fetched, checked, converted and cached the same way); the path of an official ProGAN TensorFlow
                pickle (`.pkl`, converted in memory by `convert_progan_tf_pickle`; `schedule` defaults to
                `"tf_default"`); or a directory written by `save_to_preset`.
            load_weights: load the preset's weights (default: whenever it has some). The architecture presets
                have none (`True` raises); `False` on a checkpoint or directory builds its architecture with fresh
                weights (a checkpoint is still fetched once to read its architecture).
            schedule: optional schedule override (name, dict or `ProGANSchedule`).
            **overrides: `ProGAN` arguments (`recipe`, `seed`, `name`) and, for everything else, arguments of
                both networks (e.g. `num_classes`, `fmap_base`).
        """
        from keras_gans.models.progan import progan_pgz_presets
        from keras_gans.models.progan.progan_presets import PROGAN_PRESETS

        from keras_gans.models.progan import progan_tf_presets

        name = str(preset)
        if name.lower().endswith(".pkl"):  # an official TF pickle: converted in memory
            from keras_gans.models.progan.progan_tf_convert import convert_progan_tf_pickle

            if not os.path.isfile(name):
                raise FileNotFoundError(f"ProGAN.from_preset: no such official ProGAN pickle: {name}.")

            model_args, network_args = _split_overrides(overrides)
            if network_args or load_weights is False:
                raise ValueError("ProGAN.from_preset: an official pickle is loaded as it is (weights included, no "
                                 f"network overrides); got {sorted(network_args) or 'load_weights=False'}.")
            return convert_progan_tf_pickle(name, cls, schedule=schedule or "tf_default", **model_args)
        if name in progan_tf_presets.PROGAN_TF_CHECKPOINTS:
            directory = progan_tf_presets.progan_tf_preset_dir(name)
            return cls._from_preset_dir(directory, load_weights is not False, schedule, overrides)
        if name in progan_pgz_presets.PGZ_CHECKPOINTS:
            directory = progan_pgz_presets.pgz_preset_dir(name)
            return cls._from_preset_dir(directory, load_weights is not False, schedule, overrides)
        if name in PROGAN_PRESETS:
            if load_weights:
                pretrained = sorted({**progan_pgz_presets.PGZ_CHECKPOINTS, **progan_tf_presets.PROGAN_TF_CHECKPOINTS})
                raise ValueError(
                    f"ProGAN.from_preset: the preset '{name}' is an architecture without published weights "
                    f"(pretrained: {', '.join(pretrained)}); pass load_weights=False or leave it out."
                )
            return cls._from_architecture(name, schedule, overrides)
        directory = preset_utils.resolve_handle(name)
        if directory is None:
            known = {**PROGAN_PRESETS, **progan_pgz_presets.PGZ_CHECKPOINTS, **progan_tf_presets.PROGAN_TF_CHECKPOINTS}
            preset_utils.check_preset_name(name, known, "ProGAN.from_preset")
        return cls._from_preset_dir(directory, load_weights is not False, schedule, overrides)

    @classmethod
    def _from_architecture(cls, name, schedule, overrides):
        from keras_gans.models.progan.progan_discriminator import ProGANDiscriminator
        from keras_gans.models.progan.progan_generator import ProGANGenerator
        from keras_gans.models.progan.progan_presets import preset_recipe

        model_args, network_args = _split_overrides(overrides)
        generator = ProGANGenerator.from_preset(name, **network_args)
        discriminator = ProGANDiscriminator.from_preset(name, **network_args)
        model_args.setdefault("recipe", preset_recipe(name))
        return cls(generator, discriminator, schedule=schedule or name, **model_args)

    @classmethod
    def _from_preset_dir(cls, directory, load_weights, schedule, overrides):
        model_args, network_args = _split_overrides(overrides)
        config = copy.deepcopy(preset_utils.load_preset_config(directory))
        inner = config.setdefault("config", {})
        for network in ("generator", "discriminator"):
            if network_args and isinstance(inner.get(network), dict):
                inner[network]["config"] = {**inner[network].get("config", {}), **network_args}
        if schedule is not None:
            model_args["schedule"] = schedule.get_config() if isinstance(schedule, ProGANSchedule) else schedule
        inner.update(model_args)
        model = keras.saving.deserialize_keras_object(config)
        if not isinstance(model, cls):
            raise ValueError(f"{directory} holds a {type(model).__name__}, not a {cls.__name__}.")
        if load_weights:
            weights = directory / preset_utils.WEIGHTS_FILE
            if not weights.is_file():
                raise ValueError(f"{directory}: no {preset_utils.WEIGHTS_FILE}; pass load_weights=False.")
            model.load_weights(str(weights))
        return model

    def save_to_preset(self, preset_dir, metadata=None):
        """Writes this model (G, D, the EMA generator, `lod` and `images_seen`) as a preset directory that
        `ProGAN.from_preset(preset_dir)` loads (`config.json`, `metadata.json`, `model.weights.h5`).

        Args:
            preset_dir: the directory to write.
            metadata: optional extra entries for `metadata.json` (provenance, metrics).
        """
        meta = {"images_seen": read_images_seen(self)}
        meta.update(metadata or {})
        return preset_utils.save_to_preset(self, preset_dir, metadata=meta)

    def load_weights(self, filepath, *args, **kwargs):
        """`keras.Model.load_weights`, then each network's `active_resolution` is set from its loaded `lod`
        (so `generate()` evaluates the blocks of the saved level of detail)."""
        result = super().load_weights(filepath, *args, **kwargs)
        for network in (self.generator, self.discriminator, self.ema_generator):
            network.set_lod(float(ops.convert_to_numpy(network.lod.value)))
        return result

    def compile(self, generator_optimizer=None, discriminator_optimizer=None, loss=None, gp_weight=None,
                gp_target=None, drift_weight=None, classification_weight=None, learning_rate=None, ema_beta=None,
                **kwargs):
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

    # ------------------------------------------------------------------ training
    def _lod_variables(self):
        return [self.generator.lod, self.discriminator.lod, self.ema_generator.lod]

    def _train_step_on_state(self, state, data):
        images_seen = state.read([self._images_seen])[0]
        lod = self.growth_schedule.lod(images_seen)
        self._traced_active_resolution = self.discriminator.active_resolution  # read by ProgressiveGrowing
        state.write(self._lod_variables(), [lod, lod, lod])
        self._step_lod = lod
        try:
            return super()._train_step_on_state(state, data)
        finally:
            self._step_lod = self._joint_latents = self._pre_update_discriminator = None

    @property
    def _joint_step(self):
        return bool(self.recipe.get("joint_step"))

    def sample_latents(self, batch_size, phase, seed):
        z = super().sample_latents(batch_size, phase, seed)  # always drawn: the random stream is the same
        if self._joint_step:
            if phase == "discriminator":
                self._joint_latents = z
            elif self._joint_latents is not None:
                z = self._joint_latents
        return z

    def _discriminator_phase(self, state, *args, **kwargs):
        if self._joint_step:
            # Copies: PyTorch updates the variables in place.
            values = [ops.copy(v) for v in state.read(self.discriminator.trainable_variables)]
            self._pre_update_discriminator = values
        return super()._discriminator_phase(state, *args, **kwargs)

    def _generator_phase(self, state, *args, **kwargs):
        if self._joint_step and self._pre_update_discriminator is not None:
            state = _PreUpdateDiscriminator(
                state, self.discriminator.trainable_variables, self._pre_update_discriminator
            )
        return super()._generator_phase(state, *args, **kwargs)

    def _prepare_batch(self, data):
        images, labels = super()._prepare_batch(data)
        if self._step_lod is not None:
            images = fade_reals(images, self._step_lod, self.discriminator.active_resolution)
        return images, labels

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            per_resolution_minibatch=None, shuffle=True, steps_per_epoch=None, **kwargs):
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
            if self.compiled and self._adversarial_loss.generator_needs_reals:
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
            x = scheduled_batches(x, y, schedule=self.growth_schedule, images_seen=images_seen, shuffle=shuffle,
                                  seed=self.seed)
            y, shuffle = None, False
        return super().fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose, callbacks=callbacks,
                           shuffle=shuffle, steps_per_epoch=steps_per_epoch, **kwargs)

    # ------------------------------------------------------------------ serialization
    def get_config(self):
        config = super().get_config()
        config.update({"schedule": self.growth_schedule.get_config(), "recipe": copy.deepcopy(dict(self.recipe))})
        return config
