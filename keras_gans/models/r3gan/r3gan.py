"""`R3GAN`: the R3GAN model (generator, discriminator, EMA generator) with the paper's training recipe."""

import keras

from keras_gans import schedules as schedules_module
from keras_gans.layers.augment import DifferentiableAugment
from keras_gans.models.config_validation import check_model_networks
from keras_gans.models.gan import GAN
from keras_gans.models.r3gan.r3gan_discriminator import R3GANDiscriminator
from keras_gans.models.r3gan.r3gan_generator import R3GANGenerator
from keras_gans.models.r3gan.r3gan_presets import PRESET_FAMILY
from keras_gans.models.r3gan.r3gan_presets import preset_arguments
from keras_gans.models.r3gan.r3gan_presets import preset_recipe
from keras_gans.presets.preset_overrides import check_optional_flag
from keras_gans.utils.images_seen import read_images_seen

_RECIPE_KEYS = (
    "gamma_base",
    "gamma_final",
    "decay_nimg",
    "lr_base",
    "lr_final",
    "beta1",
    "beta2_base",
    "beta2_final",
    "adam_epsilon",
    "ema_half_life_nimg_final",
    "aug_p_final",
)


def _augment_option(overrides):
    """Pops `from_preset`'s `augment` (True, False or None: the preset's choice) from `overrides`."""
    return check_optional_flag("R3GAN.from_preset", "augment", overrides.pop("augment", None))


@keras.saving.register_keras_serializable(package="keras_gans")
class R3GAN(GAN):
    """R3GAN: a relativistic-pairing GAN with R1 + R2 and a modernized ResNet, trained with the paper's recipe.

    Reference: [Huang et al., "The GAN is dead; long live the GAN! A Modern GAN Baseline", NeurIPS 2024](
    https://arxiv.org/abs/2501.05441).

    A `GAN` whose `compile()` defaults are the official recipe of the preset it was built from: RpGAN loss,
    R1 = R2 with one gamma (weight `gamma / 2` on each squared gradient norm, i.e. `gamma / 2 * (R1 + R2)`), Adam
    with `beta_1 = 0`, `epsilon = 1e-8`, and half-cosine schedules over `decay_nimg` images of the learning rate
    (2e-4 -> 5e-5), Adam `beta_2` (0.9 -> 0.99), gamma (preset base -> final), the EMA half-life (0 -> final) and
    the augmentation probability (0 -> final). As in `GAN`, every fit batch is split into the discriminator's
    and the generator's real halves: `fit(batch_size=2 * B)` is R3GAN's loop with batch `B`.

    Args:
        generator: an `R3GANGenerator` (or a network of your own meeting the `GAN` contract; not a network of
            another model such as a `ProGANGenerator`).
        discriminator: an `R3GANDiscriminator` (or compatible, as for `generator`).
        augment_pipeline: optional augmentation layer (e.g. `keras_gans.layers.DifferentiableAugment`).
        recipe: the training recipe (a dict with the keys of `preset_recipe()`, or a preset name); `None` means
            `compile()` needs an explicit `gamma` and takes the other schedules from the FFHQ-64 recipe.
        preset: name of the preset the model was built from (informational; kept in the config).
        **kwargs: `GAN` arguments (`ema_generator`, `seed`, `uint8_offset`, `uint8_rounding`, `name`).

    Examples:

    ```python
    # The paper's FFHQ-256 model with the published weights (downloaded and converted once, then cached).
    model = keras_gans.R3GAN.from_preset("ffhq256")
    images = model.generate(8, seed=0)                      # (8, 256, 256, 3) uint8

    # Fresh weights, the official recipe, trained on your own images.
    model = keras_gans.R3GAN.from_preset("cifar10", load_weights=False)
    model.compile()                                         # RpGAN + R1/R2, cosine schedules, augmentation
    model.fit(images, labels, batch_size=2 * 64, epochs=1)
    model.save_to_preset("my_r3gan")
    model = keras_gans.R3GAN.from_preset("my_r3gan")

    # Every registered name, with its description and whether it has weights; a checkpoint of the official code.
    print(keras_gans.R3GAN.presets)
    model = keras_gans.R3GAN.from_preset("network-snapshot-010000.pkl")   # converted once into the cache
    ```
    """

    def __init__(self, generator, discriminator, augment_pipeline=None, recipe=None, preset=None, **kwargs):
        check_model_networks("R3GAN", PRESET_FAMILY, {"generator": generator, "discriminator": discriminator})
        super().__init__(generator, discriminator, augment_pipeline=augment_pipeline, **kwargs)
        if isinstance(recipe, str):
            recipe = preset_recipe(recipe)
        if recipe is not None:
            missing = [k for k in _RECIPE_KEYS if k not in recipe]
            if missing:
                raise ValueError(f"R3GAN: the recipe lacks {missing}; expected the keys of preset_recipe().")
            recipe = dict(recipe)
        self.recipe = recipe
        self.preset = preset

    # ------------------------------------------------------------------ presets
    # `from_preset`, `save_to_preset` and `presets` come from `GAN` (keras_gans.presets.PresetMixin): a registered
    # name loads its shipped or official weights (default `load_weights=True`: a name without weights needs
    # `load_weights=False`), a `network-snapshot-*.pkl` is converted once into the cache, and overrides other
    # than the model's own arguments and `augment` (bool: add or drop the default augmentation) go to the networks
    # that take them (e.g. `latent_dim` to the generator, `bfloat16_stages=()` to both).
    preset_family = PRESET_FAMILY
    preset_load_weights_default = True
    preset_model_arguments = ("augment_pipeline", "seed", "uint8_offset", "uint8_rounding", "name", "recipe", "preset")
    preset_options = ("augment",)
    preset_network_classes = {"generator": R3GANGenerator, "discriminator": R3GANDiscriminator}

    @classmethod
    def from_preset_arguments(cls, name, **overrides):
        """Builds the registered architecture `name` with fresh weights and its recipe (see `from_preset`)."""
        model_args, network_args = cls.route_preset_overrides(overrides)
        augment = _augment_option(model_args)
        generator = R3GANGenerator(**{**preset_arguments(name, "generator"), **network_args["generator"]})
        discriminator = R3GANDiscriminator(
            **{**preset_arguments(name, "discriminator"), **network_args["discriminator"]}
        )
        recipe = model_args.pop("recipe", preset_recipe(name))
        if augment is None:
            augment = bool(recipe and recipe.get("augment"))
        if "augment_pipeline" not in model_args and augment:
            model_args["augment_pipeline"] = DifferentiableAugment()
        model_args.setdefault("name", f"r3gan_{name}")
        model_args.setdefault("preset", name)
        return cls(generator, discriminator, recipe=recipe, **model_args)

    @classmethod
    def apply_preset_options(cls, config, overrides):
        """`augment=False` drops a stored augmentation pipeline, `augment=True` adds the default one."""
        augment = _augment_option(overrides)
        if augment is False:
            config["augment_pipeline"] = None
        elif augment and not config.get("augment_pipeline"):
            config["augment_pipeline"] = keras.saving.serialize_keras_object(DifferentiableAugment())
        return overrides

    def preset_metadata(self):
        return {"preset": self.preset, "images_seen": read_images_seen(self)}

    # ------------------------------------------------------------------ compile
    def compile(
        self,
        gamma=None,
        r1_gamma=None,
        r2_gamma=None,
        learning_rate=None,
        beta_2=None,
        ema_half_life_images=None,
        ema_beta=None,
        augment_probability=None,
        generator_optimizer=None,
        discriminator_optimizer=None,
        loss="rpgan",
        **kwargs,
    ):
        """Configures training with the recipe's defaults; every argument may override them.

        Args:
            gamma: R1 and R2 gamma (float or `Schedule`); default: the recipe's cosine `gamma_base -> gamma_final`.
                Applied as `gamma / 2 * (R1 + R2)`.
            r1_gamma, r2_gamma: separate gammas instead of `gamma`.
            learning_rate, beta_2: default: the recipe's cosines (2e-4 -> 5e-5, 0.9 -> 0.99).
            ema_half_life_images: default: cosine from 0 to the recipe's final half-life (unless `ema_beta`).
            ema_beta: a per-step EMA beta instead of the half-life.
            augment_probability: default: cosine from 0 to the recipe's final probability when the model has an
                augmentation pipeline.
            generator_optimizer, discriminator_optimizer: default: PyTorch-style Adam with the recipe's betas
                and epsilon.
            loss: adversarial loss (default `"rpgan"`).
            **kwargs: other `GAN.compile` arguments (`jit_compile`, `loss_scaling`, ...).
        """
        recipe = self.recipe or preset_recipe("ffhq64")
        decay = recipe["decay_nimg"]

        def cosine(base, final):
            return schedules_module.CosineDecay(base, final, decay)

        if gamma is None and self.recipe is not None:
            gamma = cosine(recipe["gamma_base"], recipe["gamma_final"])
        r1_gamma = gamma if r1_gamma is None else r1_gamma
        r2_gamma = gamma if r2_gamma is None else r2_gamma
        if r1_gamma is None or r2_gamma is None:
            raise ValueError(
                "R3GAN.compile: this model has no recipe; pass `gamma` (R3GAN: 0.05 for CIFAR-10, "
                "2 for FFHQ-64, 150 for FFHQ-256)."
            )
        if learning_rate is None:
            learning_rate = cosine(recipe["lr_base"], recipe["lr_final"])
        if beta_2 is None:
            beta_2 = cosine(recipe["beta2_base"], recipe["beta2_final"])
        if ema_half_life_images is None and ema_beta is None:
            ema_half_life_images = cosine(0.0, recipe["ema_half_life_nimg_final"])
        if augment_probability is None and self.augment_pipeline is not None:
            augment_probability = cosine(0.0, recipe["aug_p_final"])

        def adam():
            from keras_gans.optimizers import Adam

            return Adam(
                recipe["lr_base"], beta_1=recipe["beta1"], beta_2=recipe["beta2_base"], epsilon=recipe["adam_epsilon"]
            )

        super().compile(
            generator_optimizer=generator_optimizer or adam(),
            discriminator_optimizer=discriminator_optimizer or adam(),
            loss=loss,
            r1_gamma=r1_gamma,
            r2_gamma=r2_gamma,
            learning_rate=learning_rate,
            beta_2=beta_2,
            ema_half_life_images=ema_half_life_images,
            ema_beta=ema_beta,
            augment_probability=augment_probability,
            **kwargs,
        )

    # ------------------------------------------------------------------ serialization
    def get_config(self):
        config = super().get_config()
        config.update({"recipe": None if self.recipe is None else dict(self.recipe), "preset": self.preset})
        return config
