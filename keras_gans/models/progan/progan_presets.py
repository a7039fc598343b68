"""ProGAN presets: architectures, training schedules and loss/optimizer recipes of the published runs, as data.

Sources: the official TF `config.py` / `train.py` (tkarras/progressive_growing_of_gans) and the Theano branch that
produced the paper's CIFAR-10, LSUN and ablation numbers (Karras et al., ICLR 2018,
https://arxiv.org/abs/1710.10196). A trainer consumes these; nothing here runs code.

`PROGAN_SCHEDULES` (the TF `TrainingSchedule` arguments; resolutions are the *new* resolution during a fade-in):
`lod_initial_resolution`, `lod_training_kimg` (stabilise), `lod_transition_kimg` (fade in), `total_kimg`,
`minibatch_base` (default batch), `minibatch_dict` ({resolution: batch}), `max_minibatch_per_gpu` (the TF config's
fp32 memory caps times the preset's GPU count, i.e. caps of the global minibatch), `lr_base`, `lr_dict`
({resolution: lr}, same for G and D), `lr_rampup_kimg` (Theano's
`exp(-5 (1 - t)^2)` ramp; 0 = none), `minibatch_repeats` (schedule re-evaluated every 4 minibatches).

`PROGAN_PRESETS[name]`: `description`, `generator` / `discriminator` (constructor arguments), `schedule` (a key of
`PROGAN_SCHEDULES`) and `recipe`: WGAN-GP `gp_weight` (lambda), `gp_target` (gamma; the penalty is
`lambda / gamma^2 (|grad| - gamma)^2`), `drift_weight`, `acgan_weight`, Adam `beta1`, `beta2`, `epsilon`,
`ema_beta` (per iteration), `d_repeats`, `mirror` (x-flip augmentation), `joint_step` (Theano CIFAR-10 updated G and
D in one compiled step), `reset_optimizer_at_phase` (Adam state reset at each phase boundary).
"""

import copy

from keras_gans.presets import registry
from keras_gans.utils.preset_utils import PresetNotFoundError
from keras_gans.utils.preset_utils import check_preset_name

PRESET_FAMILY = "progan"

_TF_LR = {"lr_base": 0.001, "lr_dict": {}, "lr_rampup_kimg": 0, "minibatch_repeats": 4}
_FP32_CAPS = {256: 16, 512: 8, 1024: 4}


def _caps(num_gpus):
    # The TF code caps the global minibatch at `max_minibatch_per_gpu[res] * num_gpus`; one device runs the global
    # minibatch here, so the multi-GPU presets store the caps times their GPU count.
    return {res: cap * num_gpus for res, cap in _FP32_CAPS.items()}


PROGAN_SCHEDULES = {
    "tf_default": {
        "lod_initial_resolution": 4,
        "lod_training_kimg": 600,
        "lod_transition_kimg": 600,
        "total_kimg": 15000,
        "minibatch_base": 16,
        "minibatch_dict": {},
        "max_minibatch_per_gpu": {},
        **_TF_LR,
    },
    "v1_1gpu": {
        "lod_initial_resolution": 4,
        "lod_training_kimg": 800,
        "lod_transition_kimg": 800,
        "total_kimg": 19000,
        "minibatch_base": 16,
        "minibatch_dict": {256: 14, 512: 6, 1024: 3},
        "max_minibatch_per_gpu": _FP32_CAPS,
        **_TF_LR,
    },
    "v2_1gpu": {
        "lod_initial_resolution": 4,
        "lod_training_kimg": 600,
        "lod_transition_kimg": 600,
        "total_kimg": 12000,
        "minibatch_base": 4,
        "minibatch_dict": {4: 128, 8: 128, 16: 128, 32: 64, 64: 32, 128: 16, 256: 8, 512: 4},
        "max_minibatch_per_gpu": _FP32_CAPS,
        **_TF_LR,
        "lr_dict": {1024: 0.0015},
    },
    "v2_2gpus": {
        "lod_initial_resolution": 4,
        "lod_training_kimg": 600,
        "lod_transition_kimg": 600,
        "total_kimg": 12000,
        "minibatch_base": 8,
        "minibatch_dict": {4: 256, 8: 256, 16: 128, 32: 64, 64: 32, 128: 16, 256: 8},
        "max_minibatch_per_gpu": _caps(2),
        **_TF_LR,
        "lr_dict": {512: 0.0015, 1024: 0.002},
    },
    "v2_4gpus": {
        "lod_initial_resolution": 4,
        "lod_training_kimg": 600,
        "lod_transition_kimg": 600,
        "total_kimg": 12000,
        "minibatch_base": 16,
        "minibatch_dict": {4: 512, 8: 256, 16: 128, 32: 64, 64: 32, 128: 16},
        "max_minibatch_per_gpu": _caps(4),
        **_TF_LR,
        "lr_dict": {256: 0.0015, 512: 0.002, 1024: 0.003},
    },
    "v2_8gpus": {
        "lod_initial_resolution": 4,
        "lod_training_kimg": 600,
        "lod_transition_kimg": 600,
        "total_kimg": 12000,
        "minibatch_base": 32,
        "minibatch_dict": {4: 512, 8: 256, 16: 128, 32: 64, 64: 32},
        "max_minibatch_per_gpu": _caps(8),
        **_TF_LR,
        "lr_dict": {128: 0.0015, 256: 0.002, 512: 0.003, 1024: 0.003},
    },
    "theano_celebahq": {
        "lod_initial_resolution": 4,
        "lod_training_kimg": 800,
        "lod_transition_kimg": 800,
        "total_kimg": 19000,
        "minibatch_base": 16,
        "minibatch_dict": {256: 14, 512: 6, 1024: 3},
        "max_minibatch_per_gpu": {},
        **_TF_LR,
        "lr_rampup_kimg": 40,
    },
    "theano_lsun": {
        "lod_initial_resolution": 4,
        "lod_training_kimg": 800,
        "lod_transition_kimg": 800,
        "total_kimg": 20000,
        "minibatch_base": 16,
        "minibatch_dict": {},
        "max_minibatch_per_gpu": {},
        **_TF_LR,
        "lr_rampup_kimg": 40,
    },
    "theano_cifar10": {
        "lod_initial_resolution": 4,
        "lod_training_kimg": 400,
        "lod_transition_kimg": 400,
        "total_kimg": 20000,
        "minibatch_base": 16,
        "minibatch_dict": {},
        "max_minibatch_per_gpu": {},
        **_TF_LR,
    },
    "theano_ablation_128": {
        "lod_initial_resolution": 4,
        "lod_training_kimg": 800,
        "lod_transition_kimg": 800,
        "total_kimg": 10000,
        "minibatch_base": 16,
        "minibatch_dict": {},
        "max_minibatch_per_gpu": {},
        **_TF_LR,
    },
}

_RECIPE = {
    "loss": "wgan_gp",
    "gp_weight": 10.0,
    "gp_target": 1.0,
    "drift_weight": 0.001,
    "acgan_weight": 1.0,
    "beta1": 0.0,
    "beta2": 0.99,
    "epsilon": 1e-8,
    "ema_beta": 0.999,
    "d_repeats": 1,
    "mirror": True,
    "joint_step": False,
    "reset_optimizer_at_phase": True,
}

# The Theano networks pooled after the activation (fused_scale=False) and used one minibatch statistic over the
# whole minibatch of 16 ("Tstdeps", averaging "all"): the official layer with group size 16.
_THEANO_D = {"downsample_order": "conv_bias_act_pool", "mbstd_group_size": 16}


def _nets(resolution, generator=None, discriminator=None, **shared):
    return {
        "generator": {"resolution": resolution, **shared, **(generator or {})},
        "discriminator": {"resolution": resolution, **shared, **(discriminator or {})},
    }


_PUBLISHED_PRESETS = {
    "celebahq_1024": {
        "description": "CelebA-HQ 1024x1024, official TF release (repository default preset-v2-1gpu schedule).",
        **_nets(1024),
        "schedule": "v2_1gpu",
        "recipe": _RECIPE,
    },
    "celebahq_1024_v1": {
        "description": "CelebA-HQ 1024x1024, the paper's TF run (preset-v1-1gpu: 800/800 kimg, mbstd group 16).",
        **_nets(1024, discriminator={"mbstd_group_size": 16}),
        "schedule": "v1_1gpu",
        "recipe": _RECIPE,
    },
    "lsun_256": {
        "description": "LSUN categories 256x256 (paper section 6.4, Theano setup: 800/800 kimg, 20000 kimg).",
        **_nets(256, discriminator=_THEANO_D),
        "schedule": "theano_lsun",
        "recipe": _RECIPE,
    },
    "celeba_128": {
        "description": "CelebA 128x128 centre crops (TF config, default schedule, mirror augmentation).",
        **_nets(128),
        "schedule": "tf_default",
        "recipe": _RECIPE,
    },
    "cifar10_32": {
        "description": "CIFAR-10 32x32, the paper's unconditional Theano run (fmap_base 4096, fmap_max 128, "
        "latent 128, WGAN-GP target gamma 750, G and D updated in one step, no mirroring).",
        **_nets(32, discriminator=_THEANO_D, fmap_base=4096, fmap_max=128),
        "schedule": "theano_cifar10",
        "recipe": {**_RECIPE, "gp_target": 750.0, "mirror": False, "joint_step": True},
    },
    "ablation_128": {
        "description": "The paper's Table 1 ablation networks at 128x128 (Theano, fmap_base 2048).",
        **_nets(128, discriminator=_THEANO_D, fmap_base=2048),
        "schedule": "theano_ablation_128",
        "recipe": _RECIPE,
    },
}

registry.register_presets(PRESET_FAMILY, _PUBLISHED_PRESETS)
# Every registered ProGAN architecture: the published ones above and any registered later (a live view).
PROGAN_PRESETS = registry.presets_table(PRESET_FAMILY)

# The pretrained pytorch_GAN_zoo checkpoints, converted by `keras_gans.converters.progan_pgz`.
PGZ_BASE_URL = "https://dl.fbaipublicfiles.com/gan_zoo/PGAN/"

# Registered names -> the released file (torch.hub names end in the first hex digits of the file's SHA-256).
PGZ_CHECKPOINTS = {
    "pgz_celebahq_256": {
        "file": "celebaHQ_s6_i80000-6196db68.pth",
        "description": "pytorch_GAN_zoo PGAN, CelebA-HQ 256x256 (7 scales), unconditional.",
    },
    "pgz_celebahq_512": {
        "file": "celebaHQ16_december_s7_i96000-9c72988c.pth",
        "description": "pytorch_GAN_zoo PGAN, CelebA-HQ 512x512 (8 scales), unconditional.",
    },
    "pgz_celeba_cropped_128": {
        "file": "celebaCropped_s5_i83000-2b0acc76.pth",
        "description": "pytorch_GAN_zoo PGAN, CelebA cropped 128x128 (6 scales), unconditional.",
    },
    "pgz_dtd_128": {
        "file": "testDTD_s5_i96000-04efa39f.pth",
        "description": "pytorch_GAN_zoo PGAN, DTD textures 128x128, AC-GAN (class-conditional; the classes are "
        "read from the checkpoint).",
    },
}


def preset_arguments(preset, network):
    """Constructor arguments of `network` (`"generator"` or `"discriminator"`) for a preset name (a copy)."""
    check_preset_name(preset, PROGAN_PRESETS, "ProGAN")
    if network not in ("generator", "discriminator"):
        raise ValueError(f"ProGAN presets: `network` must be 'generator' or 'discriminator', got {network!r}.")
    return copy.deepcopy(PROGAN_PRESETS[preset][network])


def preset_schedule(preset):
    """The training schedule of a preset (or a schedule name), a copy."""
    if preset in PROGAN_SCHEDULES:
        return copy.deepcopy(PROGAN_SCHEDULES[preset])
    if preset not in PROGAN_PRESETS:
        raise PresetNotFoundError(
            f"ProGAN: unknown schedule {preset!r}. A schedule is a ProGANSchedule, its config dict, or the name of "
            f"a schedule ({', '.join(sorted(PROGAN_SCHEDULES))}) or of a ProGAN preset "
            f"({', '.join(sorted(PROGAN_PRESETS))})."
        )
    return copy.deepcopy(PROGAN_SCHEDULES[PROGAN_PRESETS[preset]["schedule"]])


def preset_recipe(preset):
    """The loss / optimizer recipe of a preset, a copy."""
    check_preset_name(preset, PROGAN_PRESETS, "ProGAN")
    return copy.deepcopy(PROGAN_PRESETS[preset]["recipe"])
