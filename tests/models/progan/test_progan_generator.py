import keras
import numpy as np
import progan_numpy_reference as ref
import pytest
from keras import ops
from progan_network_checks import SMALL
from progan_network_checks import randomize
from progan_network_checks import to_numpy

from keras_gans import ProGANGenerator
from keras_gans.backend.gradients import value_and_grad

RNG = np.random.default_rng(0)
Z = RNG.standard_normal((4, 8)).astype("float32")
LABELS = np.eye(3, dtype="float32")[[0, 2, 1, 2]]


def _generator(**kwargs):
    g = ProGANGenerator(**{**SMALL, "latent_dim": 8, "num_classes": 3, **kwargs})
    return g, randomize(g, seed=1)


def test_contract_attributes_and_symbolic_call():
    g, _ = _generator()
    assert (g.latent_dim, g.num_classes, g.image_shape) == (8, 3, (16, 16, 3))
    out = g(keras.KerasTensor((None, 8)), labels=keras.KerasTensor((None, 3)))
    assert tuple(out.shape) == (None, 16, 16, 3)
    assert tuple(g(Z, labels=LABELS).shape) == (4, 16, 16, 3)
    assert ProGANGenerator(resolution=8, fmap_base=64, fmap_max=16).latent_dim == 16  # default nf(0)


@pytest.mark.parametrize("lod", [0.0, 0.3, 1.0, 1.5, 2.0, 1.999])
@pytest.mark.parametrize("truncate", [False, True])
def test_matches_numpy_reference_at_every_lod(lod, truncate):
    """Official G_paper in NumPy (gains sqrt(2)/4, sqrt(2), 1; per-channel dense bias; linear fade structure)."""
    g, weights = _generator()
    if truncate:
        g.set_lod(lod)  # evaluates only the blocks up to 2^(4 - floor(lod))
        assert g.active_resolution == 2 ** (4 - int(np.floor(lod)))
    else:
        g.lod.assign(lod)
    expected = ref.generator_forward(weights, Z, LABELS, lod, 16)
    got = to_numpy(g(Z, labels=LABELS))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_fade_in_endpoints_and_nearest_output_upsampling():
    g, _ = _generator()
    g.set_lod(1.0)  # 8x8 stable: the 8x8 image, each pixel repeated 2x2
    out = to_numpy(g(Z, labels=LABELS))
    np.testing.assert_array_equal(out, ref.upsample(out[:, ::2, ::2]))
    g.set_lod(0.5, active_resolution=16)
    half = to_numpy(g(Z, labels=LABELS))
    g.set_lod(0.0)
    full = to_numpy(g(Z, labels=LABELS))
    np.testing.assert_allclose(half, 0.5 * full + 0.5 * out, rtol=1e-5, atol=1e-6)  # lerp(new, old, 0.5)
    g.set_lod(1.0, active_resolution=16)  # the new block faded out completely: exactly the 8x8 output
    np.testing.assert_allclose(to_numpy(g(Z, labels=LABELS)), out, atol=1e-6)


def test_resolution_4_and_unconditional_without_options():
    g = ProGANGenerator(resolution=4, latent_dim=8, fmap_base=64, fmap_max=16, fused_resample=False)
    weights = randomize(g, seed=2)
    np.testing.assert_allclose(to_numpy(g(Z)), ref.generator_forward(weights, Z, None, 0.0, 4), rtol=1e-5, atol=1e-5)


def test_fused_and_unfused_upsampling_are_the_same_function():
    fused, weights = _generator(fused_resample=True)
    unfused, _ = _generator(fused_resample=False)
    for src, dst in zip(fused.weights, unfused.weights):
        dst.assign(src.value)
    np.testing.assert_allclose(to_numpy(unfused(Z, labels=LABELS)), to_numpy(fused(Z, labels=LABELS)), atol=1e-5)


def test_lod_changes_under_jit_without_retracing():
    g = ProGANGenerator(**SMALL, latent_dim=8)
    weights = randomize(g, seed=3)
    g.compile(jit_compile=keras.backend.backend() != "torch")
    g.set_lod(0.5)
    np.testing.assert_allclose(g.predict_on_batch(Z), ref.generator_forward(weights, Z, None, 0.5, 16), atol=1e-4)
    function = g.predict_function
    g.lod.assign(0.2)  # fade-in moves on inside the same compiled function
    np.testing.assert_allclose(g.predict_on_batch(Z), ref.generator_forward(weights, Z, None, 0.2, 16), atol=1e-4)
    assert g.predict_function is function
    g.set_lod(1.25)  # new phase: fewer blocks, the trainer rebuilds its function
    g.make_predict_function(force=True)
    np.testing.assert_allclose(g.predict_on_batch(Z), ref.generator_forward(weights, Z, None, 1.25, 16), atol=1e-4)


def test_inactive_blocks_get_no_gradient():
    g, _ = _generator()
    g.set_lod(1.5)  # blocks up to 8x8 evaluated
    values = [v.value for v in g.trainable_variables]
    non_trainable = [v.value for v in g.non_trainable_variables]

    def loss(params):
        return ops.sum(ops.square(g.stateless_call(params, non_trainable, Z, labels=LABELS)[0]))

    _, grads = value_and_grad(loss)(values)
    for variable, grad in zip(g.trainable_variables, grads):
        grad = to_numpy(grad)
        assert np.isfinite(grad).all()
        if "16x16" in variable.path:
            np.testing.assert_array_equal(grad, 0.0, err_msg=variable.path)
        else:
            assert np.abs(grad).max() > 0, variable.path


def test_weights_do_not_change_when_growing_and_checkpoints_load_across_phases(tmp_path):
    g, _ = _generator()
    shapes = [(v.path, tuple(v.shape)) for v in g.weights]
    g.set_lod(2.0)
    assert [(v.path, tuple(v.shape)) for v in g.weights] == shapes
    g.save_weights(str(tmp_path / "g.weights.h5"))
    other = ProGANGenerator(**SMALL, latent_dim=8, num_classes=3)
    other.load_weights(str(tmp_path / "g.weights.h5"))
    assert float(to_numpy(other.lod)) == 2.0
    other.active_resolution = 4
    np.testing.assert_array_equal(to_numpy(other(Z, labels=LABELS)), to_numpy(g(Z, labels=LABELS)))


def test_config_round_trip_and_keras_file(tmp_path):
    g, _ = _generator(dense_bias="per_unit", wscale_convention="pytorch_gan_zoo", pixelnorm_epsilon=1e-4)
    g.set_lod(1.5)
    config = g.get_config()
    clone = ProGANGenerator.from_config(config)
    assert clone.get_config() == config and clone.active_resolution == 8
    path = str(tmp_path / "g.keras")
    g.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, ProGANGenerator) and loaded.active_resolution == 8
    assert float(to_numpy(loaded.lod)) == 1.5
    np.testing.assert_array_equal(to_numpy(loaded(Z, labels=LABELS)), to_numpy(g(Z, labels=LABELS)))


def test_bfloat16_policy_runs_and_stays_close():
    g32, _ = _generator()
    g16 = ProGANGenerator(**SMALL, latent_dim=8, num_classes=3, dtype="mixed_bfloat16")
    for src, dst in zip(g32.weights, g16.weights):
        dst.assign(src.value)
    out = g16(Z, labels=LABELS)
    assert "bfloat16" in str(out.dtype)
    expected = to_numpy(g32(Z, labels=LABELS))
    got = to_numpy(ops.cast(out, "float32"))
    rms = np.sqrt(np.mean(expected**2))
    assert np.sqrt(np.mean((got - expected) ** 2)) < 0.03 * rms


def test_bad_inputs_and_arguments_raise_value_errors():
    g, _ = _generator()
    with pytest.raises(ValueError, match="ProGANGenerator.*latents of shape \\(batch, 8\\)"):
        g(np.zeros((4, 9), "float32"), labels=LABELS)
    with pytest.raises(ValueError, match="ProGANGenerator.*needs one-hot labels"):
        g(Z)
    with pytest.raises(ValueError, match="ProGANGenerator.*labels of shape \\(batch, 3\\)"):
        g(Z, labels=LABELS[:, :2])
    with pytest.raises(ValueError, match="ProGANGenerator.*unconditional"):
        ProGANGenerator(**SMALL, latent_dim=8)(Z, labels=LABELS)
    with pytest.raises(ValueError, match="ProGANGenerator.*power of two"):
        ProGANGenerator(resolution=24)
    with pytest.raises(ValueError, match="ProGANGenerator.*active_resolution"):
        g.active_resolution = 32
    with pytest.raises(ValueError, match="ProGANGenerator.*lod"):
        g.set_lod(2.5)
    with pytest.raises(ValueError, match="ProGANGenerator.*channels"):
        ProGANGenerator(resolution=16, channels=[8, 8])
    with pytest.raises(ValueError, match="ProGANGenerator.*dense_bias"):
        ProGANGenerator(**SMALL, dense_bias="per_pixel")
    with pytest.raises(ValueError, match="ProGANGenerator.*wscale_convention"):
        ProGANGenerator(**SMALL, wscale_convention="stylegan")
