"""`ProGAN`: the trainable progressive-growing GAN with the paper's recipe as `compile()` defaults."""

import copy

import keras

from keras_gans import optimizers as optimizers_module
from keras_gans.models.gan import GAN
from keras_gans.models.progan.progan_schedule import ProGANLearningRate
from keras_gans.models.progan.progan_schedule import ProGANSchedule
from keras_gans.models.progan.progan_schedule import ProgressiveGrowing
from keras_gans.models.progan.progan_schedule import fade_reals

DEFAULT_RECIPE = {
    "loss": "wgan", "gp_weight": 10.0, "gp_target": 1.0, "drift_weight": 0.001, "acgan_weight": 1.0,
    "beta1": 0.0, "beta2": 0.99, "epsilon": 1e-8, "ema_beta": 0.999,
}


def _recipe(recipe):
    recipe = {**DEFAULT_RECIPE, **(recipe or {})}
    if recipe["loss"] in ("wgan_gp", "wgan-gp"):
        recipe["loss"] = "wgan"  # the engine's WGAN loss; the penalty comes from `gp_weight`
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

    Deviations: Keras `fit` uses one batch size, so the per-resolution minibatch of the official presets is not
    applied (pick one batch size, e.g. `schedule.minibatch_for(R)`, divisible by the minibatch-stddev group);
    `lod` advances every step rather than every 4 minibatches; the lower-resolution reals are box averages in
    float (the official dataset rounded each level to uint8); x-flip mirroring belongs in the data pipeline; the
    generator step of a conditional model reuses the minibatch's labels instead of drawing new ones.

    Args:
        generator: a `ProGANGenerator`.
        discriminator: a `ProGANDiscriminator` (same resolution).
        schedule: a `ProGANSchedule`, its config dict, or the name of a preset or of a `PROGAN_SCHEDULES` entry
            (default `"tf_default"`: 600/600 kimg).
        recipe: dict overriding `DEFAULT_RECIPE` (`gp_weight`, `gp_target`, `drift_weight`, `acgan_weight`,
            `beta1`, `beta2`, `epsilon`, `ema_beta`); preset recipes' extra keys are kept but unused.
        **kwargs: `GAN` arguments (`seed`, `augment_pipeline`, `ema_generator`, `name`, ...).

    Examples:

    ```python
    gan = keras_gans.ProGAN.from_preset("cifar10_32")   # networks, schedule and recipe of the paper's run
    gan.compile()                                        # WGAN-GP (gamma 750), drift, Adam(0, 0.99), EMA 0.999
    gan.fit(uint8_images, batch_size=16, epochs=...)     # grows 4x4 -> 32x32 inside this one fit
    samples = gan.generate(16, seed=0)                   # uint8 from the EMA generator
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
        # Resamplers of blocks that are inactive at a low resolution are never called, so they stay unbuilt, and
        # the JAX / PyTorch trainers would then re-build the whole model symbolically on image batches. They own
        # no weights (their build only validates shapes), so they are marked built here.
        for network in (self.generator, self.discriminator, self.ema_generator):
            for layer in network._flatten_layers():
                if not layer.built and not layer.weights:
                    layer.built = True
        self.growth_schedule = schedule
        self.recipe = _recipe(recipe)
        self._step_lod = None
        self._traced_active_resolution = None
        lod = schedule.lod_at(0)
        for network in (self.generator, self.discriminator, self.ema_generator):
            network.set_lod(lod)

    @classmethod
    def from_preset(cls, preset, load_weights=False, schedule=None, **network_overrides):
        """Builds a ProGAN from a `PROGAN_PRESETS` name: its networks, schedule and loss/optimizer recipe.

        Args:
            preset: e.g. `"celebahq_1024"` (v2 schedule), `"celebahq_1024_v1"`, `"lsun_256"`, `"celeba_128"`,
                `"cifar10_32"` (gamma 750), `"ablation_128"`.
            load_weights: must be False (pretrained checkpoints load through `progan_from_pgz`).
            schedule: optional schedule override (name, dict or `ProGANSchedule`).
            **network_overrides: arguments for both networks (e.g. `num_classes`, `fmap_base`).
        """
        from keras_gans.models.progan.progan_discriminator import ProGANDiscriminator
        from keras_gans.models.progan.progan_generator import ProGANGenerator
        from keras_gans.models.progan.progan_presets import preset_recipe

        if load_weights:
            raise ValueError("ProGAN.from_preset: pretrained weights are loaded with `progan_from_pgz`, not here.")
        generator = ProGANGenerator.from_preset(preset, **network_overrides)
        discriminator = ProGANDiscriminator.from_preset(preset, **network_overrides)
        return cls(generator, discriminator, schedule=schedule or preset, recipe=preset_recipe(preset))

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
            self._step_lod = None

    def _prepare_batch(self, data):
        images, labels = super()._prepare_batch(data)
        if self._step_lod is not None:
            images = fade_reals(images, self._step_lod, self.discriminator.active_resolution)
        return images, labels

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, **kwargs):
        """`GAN.fit` with a `ProgressiveGrowing` callback added when none is given (see the class docstring)."""
        if isinstance(callbacks, keras.callbacks.CallbackList):
            callbacks = callbacks.callbacks
        callbacks = list(callbacks or [])
        if not any(isinstance(c, ProgressiveGrowing) for c in callbacks):
            callbacks.insert(0, ProgressiveGrowing())
        return super().fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose, callbacks=callbacks,
                           **kwargs)

    # ------------------------------------------------------------------ serialization
    def get_config(self):
        config = super().get_config()
        config.update({"schedule": self.growth_schedule.get_config(), "recipe": copy.deepcopy(dict(self.recipe))})
        return config
