import keras
import numpy as np
import pytest
from keras import ops
from progan_layer_checks import check_bfloat16_close
from progan_layer_checks import check_config_round_trip
from progan_layer_checks import check_derivatives
from progan_layer_checks import check_keras_file_round_trip
from progan_numpy_reference import mbstd_official as np_mbstd_official

from keras_gans.layers import MinibatchStdDev


def np_mbstd_pgz(x, group_size, eps=1e-8):
    """pytorch_GAN_zoo: contiguous groups, unbiased variance, one group of N if N % G != 0, zeros if G == 1."""
    x = np.asarray(x, np.float64)
    n = x.shape[0]
    g = min(group_size, n)
    if n % g:
        g = n
    stat = np.zeros(n)
    if g > 1:
        for start in range(0, n, g):
            members = list(range(start, start + g))
            stat[members] = np.sqrt(np.var(x[members], axis=0, ddof=1) + eps).mean()
    return np.concatenate([x, np.broadcast_to(stat[:, None, None, None], x.shape[:3] + (1,))], axis=-1)


def _x(n, seed=0, shape=(3, 3, 5)):
    rng = np.random.default_rng(seed)
    # Different scales per sample so that every grouping gives different statistics.
    return (rng.standard_normal((n,) + shape) * rng.uniform(0.5, 3, (n, 1, 1, 1))).astype("float32")


@pytest.mark.parametrize("n, group_size", [(8, 4), (8, 2), (4, 4), (2, 4), (6, 3), (8, 8), (1, 4), (3, 1)])
def test_official_matches_numpy(n, group_size):
    x = _x(n)
    y = MinibatchStdDev(group_size=group_size)(x)
    assert tuple(y.shape) == (n, 3, 3, 6)
    np.testing.assert_allclose(ops.convert_to_numpy(y), np_mbstd_official(x, group_size), rtol=1e-5, atol=1e-6)


def test_official_groups_are_strided():
    # Batch 8, group 4 -> groups {0,2,4,6}, {1,3,5,7}: the even samples share one value, the odd another.
    x = _x(8)
    stat = ops.convert_to_numpy(MinibatchStdDev(4)(x))[:, 0, 0, -1]
    assert np.allclose(stat[0::2], stat[0]) and np.allclose(stat[1::2], stat[1]) and abs(stat[0] - stat[1]) > 1e-3


@pytest.mark.parametrize("n, group_size", [(8, 4), (6, 4), (4, 4), (2, 4), (12, 4), (1, 4), (9, 3)])
def test_pytorch_gan_zoo_matches_numpy(n, group_size):
    x = _x(n, seed=1)
    y = MinibatchStdDev(group_size=group_size, mode="pytorch_gan_zoo")(x)
    np.testing.assert_allclose(ops.convert_to_numpy(y), np_mbstd_pgz(x, group_size), rtol=1e-5, atol=1e-6)


def test_dynamic_batch_in_a_functional_model():
    """A functional model built on a `None` batch computes the group size from the real batch at run time."""
    inputs = keras.Input((3, 3, 5))
    model = keras.Model(inputs, MinibatchStdDev(4)(inputs))
    assert model.output.shape == (None, 3, 3, 6)
    for n in (8, 2):
        x = _x(n, seed=n)
        got = model.predict(x, batch_size=n, verbose=0)
        np.testing.assert_allclose(got, np_mbstd_official(x, 4), rtol=1e-5, atol=1e-6)


def test_pytorch_gan_zoo_with_a_dynamic_batch():
    """The group rules (divisible, not divisible, one sample) hold when the batch size is known only at run time.

    Only TensorFlow runs a layer with an unknown batch (a graph traced with a `None` batch); JAX and PyTorch trace
    with the concrete batch, so there this checks the functional-model path with the static code.
    """
    layer = MinibatchStdDev(4, mode="pytorch_gan_zoo")
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        run = tf.function(layer, input_signature=[tf.TensorSpec((None, 3, 3, 5), "float32")])
    else:
        inputs = keras.Input((3, 3, 5))
        model = keras.Model(inputs, layer(inputs))
        run = model
    for n in (8, 12, 6, 9, 1):
        x = _x(n, seed=10 + n)
        got = ops.convert_to_numpy(run(x))
        np.testing.assert_allclose(got, np_mbstd_pgz(x, 4), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", ["official", "pytorch_gan_zoo"])
def test_derivatives_first_and_second_order(mode):
    check_derivatives(MinibatchStdDev(2, mode=mode), _x(4, seed=2, shape=(2, 2, 3)), check_weights=False)


def test_config_round_trip_and_keras_file(tmp_path):
    clone = check_config_round_trip(MinibatchStdDev(group_size=16, mode="pytorch_gan_zoo", epsilon=1e-6))
    assert (clone.group_size, clone.mode, clone.epsilon) == (16, "pytorch_gan_zoo", 1e-6)
    inputs = keras.Input((3, 3, 5), batch_size=4)
    model = keras.Model(inputs, keras.layers.Flatten()(MinibatchStdDev(2)(inputs)))
    check_keras_file_round_trip(model, _x(4), str(tmp_path / "m.keras"))


@pytest.mark.parametrize("mode", ["official", "pytorch_gan_zoo"])
def test_bfloat16(mode):
    check_bfloat16_close(lambda dtype: MinibatchStdDev(4, mode=mode, dtype=dtype), (_x(8),))


def test_bad_inputs_raise_value_errors():
    with pytest.raises(ValueError, match="MinibatchStdDev.*divisible by min\\(group_size=4, batch\\), got batch 6"):
        MinibatchStdDev(4)(_x(6))
    with pytest.raises(ValueError, match="MinibatchStdDev.*rank 4"):
        MinibatchStdDev(4)(np.ones((4, 3, 5), "float32"))
    with pytest.raises(ValueError, match="MinibatchStdDev.*mode"):
        MinibatchStdDev(4, mode="strided")
    with pytest.raises(ValueError, match="MinibatchStdDev.*group_size"):
        MinibatchStdDev(0)
