import math

import progan_numpy_reference as ref
import pytest

from keras_gans import ProGANDiscriminator
from keras_gans import ProGANGenerator
from keras_gans.models.progan import PROGAN_PRESETS
from keras_gans.models.progan import PROGAN_SCHEDULES
from keras_gans.models.progan import preset_recipe
from keras_gans.models.progan import preset_schedule
from keras_gans.models.progan import progan_feature_maps


def trainable_params(model):
    return sum(math.prod(v.shape) for v in model.trainable_weights)


def test_feature_map_formula_matches_the_spec_table():
    # Spec §1: channels 512 x4, 256, 128, 64, 32, 16 for resolutions 4 ... 1024.
    assert [progan_feature_maps(r - 1) for r in range(2, 11)] == [512, 512, 512, 512, 256, 128, 64, 32, 16]
    assert [progan_feature_maps(s, 4096, 1.0, 128) for s in range(6)] == [128] * 6  # CIFAR-10: 128 everywhere


@pytest.fixture
def networks_1024():
    return ProGANGenerator.from_preset("celebahq_1024"), ProGANDiscriminator.from_preset("celebahq_1024")


def test_parameter_counts_at_1024(networks_1024):
    g, d = networks_1024
    expected_g = ref.expected_generator_params(1024, 3, 512, 0, 8192, 1.0, 512)
    expected_d = ref.expected_discriminator_params(1024, 3, 0, 8192, 1.0, 512)
    assert trainable_params(g) == expected_g
    assert trainable_params(d) == expected_d
    # Spec §1: G 23.08 M, D 23.09 M (paper: 23.1 M each).
    assert round(expected_g / 1e6, 2) == 23.08 and round(expected_d / 1e6, 2) == 23.09
    assert g.latent_dim == 512 and len(g.non_trainable_weights) == 1  # lod


def test_parameter_counts_cifar10():
    g, d = ProGANGenerator.from_preset("cifar10_32"), ProGANDiscriminator.from_preset("cifar10_32")
    assert g.latent_dim == 128
    expected_g = ref.expected_generator_params(32, 3, 128, 0, 4096, 1.0, 128)
    expected_d = ref.expected_discriminator_params(32, 3, 0, 4096, 1.0, 128)
    assert trainable_params(g) == expected_g and trainable_params(d) == expected_d
    assert round(expected_g / 1e6, 2) == 1.30 and round(expected_d / 1e6, 2) == 1.30  # spec §1
    # An AC-GAN head adds latent inputs to G's dense layer and outputs to D's last dense layer.
    g10 = ProGANGenerator.from_preset("cifar10_32", num_classes=10)
    d10 = ProGANDiscriminator.from_preset("cifar10_32", num_classes=10)
    assert trainable_params(g10) - expected_g == 10 * 16 * 128
    assert trainable_params(d10) - expected_d == 10 * 128 + 10


def test_schedules_reach_full_resolution_as_in_the_spec():
    def full_resolution_kimg(schedule, resolution):
        phases = int(math.log2(resolution)) - int(math.log2(schedule["lod_initial_resolution"]))
        return phases * (schedule["lod_training_kimg"] + schedule["lod_transition_kimg"])

    assert full_resolution_kimg(PROGAN_SCHEDULES["v2_1gpu"], 1024) == 9600
    assert full_resolution_kimg(PROGAN_SCHEDULES["v1_1gpu"], 1024) == 12800
    for name, schedule in PROGAN_SCHEDULES.items():
        assert schedule["total_kimg"] > 0 and schedule["lr_base"] == 0.001, name


def test_minibatch_per_resolution_matches_the_spec_table():
    """Global minibatch at 4, 8, ..., 1024 (PROGAN.md section 5: minibatch_dict, else the base, with the fp32 caps
    {256: 16, 512: 8, 1024: 4} per GPU)."""
    from keras_gans.models.progan import ProGANSchedule

    expected = {
        "v1_1gpu": [16, 16, 16, 16, 16, 16, 14, 6, 3],
        "v2_1gpu": [128, 128, 128, 64, 32, 16, 8, 4, 4],
        "v2_2gpus": [256, 256, 128, 64, 32, 16, 8, 8, 8],
        "v2_4gpus": [512, 256, 128, 64, 32, 16, 16, 16, 16],
        "v2_8gpus": [512, 256, 128, 64, 32, 32, 32, 32, 32],
        "theano_cifar10": [16, 16, 16, 16, 16, 16, 16, 16, 16],
    }
    for name, sizes in expected.items():
        schedule = ProGANSchedule.from_preset(name, resolution=1024)
        assert [schedule.minibatch_for(2**r) for r in range(2, 11)] == sizes, name


def test_preset_contents():
    assert preset_schedule("celebahq_1024")["minibatch_dict"][512] == 4
    assert preset_schedule("v2_8gpus")["lr_dict"] == {128: 0.0015, 256: 0.002, 512: 0.003, 1024: 0.003}
    assert preset_schedule("celebahq_1024_v1")["minibatch_dict"] == {256: 14, 512: 6, 1024: 3}
    assert PROGAN_PRESETS["celebahq_1024_v1"]["discriminator"]["mbstd_group_size"] == 16
    cifar = preset_recipe("cifar10_32")
    assert (cifar["gp_target"], cifar["gp_weight"], cifar["mirror"], cifar["joint_step"]) == (750.0, 10.0, False, True)
    assert preset_schedule("cifar10_32")["lod_training_kimg"] == 400
    recipe = preset_recipe("celebahq_1024")
    assert (recipe["beta1"], recipe["beta2"], recipe["epsilon"], recipe["ema_beta"]) == (0.0, 0.99, 1e-8, 0.999)
    assert recipe["drift_weight"] == 0.001
    preset_recipe("celebahq_1024")["gp_target"] = 5.0  # copies: the registry is not modified
    assert PROGAN_PRESETS["celebahq_1024"]["recipe"]["gp_target"] == 1.0


def test_unknown_preset():
    with pytest.raises(ValueError, match="unknown preset 'celeba_64'"):
        ProGANGenerator.from_preset("celeba_64")
