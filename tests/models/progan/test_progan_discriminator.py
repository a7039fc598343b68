import keras
import numpy as np
import progan_numpy_reference as ref
import pytest
from keras import ops
from progan_network_checks import SMALL
from progan_network_checks import randomize
from progan_network_checks import to_numpy

from keras_gans import ProGANDiscriminator
from keras_gans.backend.gradients import input_gradient
from keras_gans.backend.gradients import value_and_grad

IMAGES = np.clip(np.random.default_rng(0).standard_normal((4, 16, 16, 3)), -1, 1).astype("float32")


def _discriminator(**kwargs):
    d = ProGANDiscriminator(**{**SMALL, "num_classes": 3, **kwargs})
    return d, randomize(d, seed=1)


def test_contract_attributes_and_symbolic_call():
    d, _ = _discriminator()
    assert (d.num_classes, d.image_shape) == (3, (16, 16, 3))
    scores, logits = d(keras.KerasTensor((None, 16, 16, 3)), labels=keras.KerasTensor((None, 3)))
    assert tuple(scores.shape) == (None,) and tuple(logits.shape) == (None, 3)
    scores, logits = d(IMAGES)
    assert tuple(scores.shape) == (4,) and tuple(logits.shape) == (4, 3)
    plain = ProGANDiscriminator(**SMALL)
    assert tuple(plain(IMAGES).shape) == (4,)
    assert tuple(plain(keras.KerasTensor((None, 16, 16, 3))).shape) == (None,)


@pytest.mark.parametrize("lod", [0.0, 0.4, 1.0, 1.5, 2.0])
@pytest.mark.parametrize("truncate", [False, True])
def test_matches_numpy_reference_at_every_lod(lod, truncate):
    """Official D_paper in NumPy: conv -> pool -> bias -> lrelu, strided minibatch stddev, AC-GAN head."""
    d, weights = _discriminator()
    if truncate:
        d.set_lod(lod)
    else:
        d.lod.assign(lod)
    expected, features = ref.discriminator_forward(weights, IMAGES, lod, 16, mbstd_group=4)
    scores, logits = d(IMAGES)
    scale = np.abs(expected).max()
    np.testing.assert_allclose(to_numpy(scores), expected[:, 0], rtol=1e-5, atol=1e-5 * scale)
    np.testing.assert_allclose(to_numpy(logits), expected[:, 1:], rtol=1e-5, atol=1e-5 * scale)
    np.testing.assert_allclose(to_numpy(d.features(IMAGES)), features, rtol=1e-5, atol=1e-5 * np.abs(features).max())


@pytest.mark.parametrize("fused", [False, True])
def test_downsample_orders(fused):
    official, weights = _discriminator(num_classes=0, mbstd_group_size=2, fused_resample=fused)
    pgz_order = ProGANDiscriminator(**SMALL, mbstd_group_size=2, downsample_order="conv_bias_act_pool")
    for src, dst in zip(official.weights, pgz_order.weights):
        dst.assign(src.value)
    a, _ = ref.discriminator_forward(weights, IMAGES, 0.0, 16, mbstd_group=2, pool_before_activation=True)
    b, _ = ref.discriminator_forward(weights, IMAGES, 0.0, 16, mbstd_group=2, pool_before_activation=False)
    assert np.abs(a - b).max() > 1e-3  # lrelu and pooling do not commute: different functions
    np.testing.assert_allclose(to_numpy(official(IMAGES)), a[:, 0], rtol=1e-5, atol=1e-5 * np.abs(a).max())
    np.testing.assert_allclose(to_numpy(pgz_order(IMAGES)), b[:, 0], rtol=1e-5, atol=1e-5 * np.abs(b).max())


def test_without_minibatch_stddev_and_at_resolution_4():
    d = ProGANDiscriminator(resolution=4, fmap_base=64, fmap_max=16, mbstd_group_size=0)
    weights = randomize(d, seed=2)
    expected, _ = ref.discriminator_forward(weights, IMAGES[:, :4, :4], 0.0, 4, mbstd_group=0)
    np.testing.assert_allclose(to_numpy(d(IMAGES[:, :4, :4])), expected[:, 0], rtol=1e-5, atol=1e-5)


def test_lod_changes_under_jit_without_retracing():
    d = ProGANDiscriminator(**SMALL)
    weights = randomize(d, seed=3)
    d.compile(jit_compile=keras.backend.backend() != "torch")
    d.set_lod(0.5)

    def expected(lod):
        return ref.discriminator_forward(weights, IMAGES, lod, 16)[0][:, 0]

    np.testing.assert_allclose(d.predict_on_batch(IMAGES), expected(0.5), rtol=1e-4, atol=1e-5)
    function = d.predict_function
    d.lod.assign(0.9)
    np.testing.assert_allclose(d.predict_on_batch(IMAGES), expected(0.9), rtol=1e-4, atol=1e-5)
    assert d.predict_function is function


def test_wgan_gp_penalty_gradients_reach_only_active_blocks():
    """Gradient of the gradient-norm penalty w.r.t. D's weights: finite, non-zero for the evaluated kernels and
    exactly zero for the 16x16 block when only blocks up to 8x8 are active. (With piecewise-linear activations the
    input gradient depends on most biases only through the minibatch-stddev layer, so biases are only checked
    for finiteness.)"""
    d, _ = _discriminator(num_classes=0)
    d.set_lod(1.5)
    values = [v.value for v in d.trainable_variables]
    non_trainable = [v.value for v in d.non_trainable_variables]
    x = ops.convert_to_tensor(IMAGES)

    def penalty(params):
        grad = input_gradient(lambda t: d.stateless_call(params, non_trainable, t)[0], x)
        return ops.sum(ops.square(grad))

    value, grads = value_and_grad(penalty)(values)
    assert np.isfinite(float(value)) and float(value) > 0
    for variable, grad in zip(d.trainable_variables, grads):
        grad = to_numpy(grad)
        assert np.isfinite(grad).all(), variable.path
        if "16x16" in variable.path:
            np.testing.assert_array_equal(grad, 0.0, err_msg=variable.path)
        elif variable.path.endswith("kernel"):
            assert np.abs(grad).max() > 0, variable.path


def test_config_round_trip_and_keras_file(tmp_path):
    d, _ = _discriminator(mbstd_group_size=2, mbstd_mode="pytorch_gan_zoo", downsample_order="conv_bias_act_pool")
    d.set_lod(0.25)
    config = d.get_config()
    clone = ProGANDiscriminator.from_config(config)
    assert clone.get_config() == config and clone.active_resolution == 16
    path = str(tmp_path / "d.keras")
    d.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, ProGANDiscriminator) and float(to_numpy(loaded.lod)) == 0.25
    for a, b in zip(d(IMAGES), loaded(IMAGES)):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))


def test_bfloat16_policy_runs_and_stays_close():
    d32, _ = _discriminator(num_classes=0)
    d16 = ProGANDiscriminator(**SMALL, dtype="mixed_bfloat16")
    for src, dst in zip(d32.weights, d16.weights):
        dst.assign(src.value)
    out = d16(IMAGES)
    assert "bfloat16" in str(out.dtype)
    expected = to_numpy(d32(IMAGES))
    got = to_numpy(ops.cast(out, "float32"))
    assert np.abs(got - expected).max() < 0.05 * np.abs(expected).max()


def test_bad_inputs_and_arguments_raise_value_errors():
    d, _ = _discriminator()
    with pytest.raises(ValueError, match="ProGANDiscriminator.*spatial size of \\(16, 16\\)"):
        d(IMAGES[:, :8, :8])
    with pytest.raises(ValueError, match="ProGANDiscriminator.*expects 3 input channels"):
        d(IMAGES[..., :1])
    with pytest.raises(ValueError, match="ProGANDiscriminator.*rank 4"):
        d(IMAGES[0])
    with pytest.raises(ValueError, match="MinibatchStdDev.*divisible"):
        d(np.concatenate([IMAGES, IMAGES[:2]]))
    with pytest.raises(ValueError, match="ProGANDiscriminator.*downsample_order"):
        ProGANDiscriminator(**SMALL, downsample_order="pool_first")
    with pytest.raises(ValueError, match="ProGANDiscriminator.*resolution"):
        ProGANDiscriminator(resolution=2)
    with pytest.raises(ValueError, match="ProGANDiscriminator.*active_resolution"):
        d.active_resolution = 12
