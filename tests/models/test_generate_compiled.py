"""`GAN.generate` compiles the generator once per padded batch size (JAX) or once for any batch size (TensorFlow)
and reuses it: calls with other image counts do not trace again, a new batch size on JAX first runs in chunks of
a compiled one, and the compiled calls give the same images as calling the generator on each chunk directly, which
is what `generate` did before it was compiled."""

import keras
import numpy as np
import pytest

from keras_gans.backend.inference import bucket_size
from keras_gans.models.r3gan import R3GAN

BACKEND = keras.backend.backend()


def _unbucketed(network, z, labels, batch_size):
    """The reference: the network called eagerly on each chunk, unpadded."""
    chunks = []
    for start in range(0, len(z), batch_size):
        batch_labels = None if labels is None else labels[start : start + batch_size]
        out = network(z[start : start + batch_size], labels=batch_labels, training=False)
        chunks.append(np.asarray(keras.ops.convert_to_numpy(out), dtype="float32"))
    return np.concatenate(chunks)


def test_bucket_sizes_are_powers_of_two_capped_by_the_batch_size():
    assert [bucket_size(n, 8) for n in range(1, 10)] == [1, 2, 4, 4, 8, 8, 8, 8, 8]
    assert bucket_size(33, 48) == 48
    with pytest.raises(ValueError, match="positive"):
        bucket_size(0, 8)


@pytest.mark.parametrize("preset", ["fixture_unconditional", "fixture_conditional"])
def test_generate_reuses_its_compiled_function_and_matches_the_unbucketed_path(preset):
    model = R3GAN.from_preset(preset, load_weights=False, augment=False, bfloat16_stages=(), seed=1)
    first = model.generate(3, seed=5, output="float", batch_size=4)  # JAX pads 3 -> 4
    forward = model._inference_function(model.ema_generator)
    traces = forward.traces
    second = model.generate(4, seed=6, output="float", batch_size=4)  # 4: the same shape
    third = model.generate(7, seed=7, output="float", batch_size=4)  # 4 + 3 padded to 4
    if BACKEND == "jax":
        assert traces == 1, "the first call traces the generator once"
        assert forward.traces == traces, "other image counts of the same bucket must not trace again"
    elif BACKEND == "tensorflow":
        assert (traces, forward.eager_calls) == (0, 1), "the first call runs eagerly, without tracing"
        # The second call (4 rows) traces once; the third's chunks of 4 and 3 rows reuse that graph unpadded.
        assert (forward.traces, forward.eager_calls) == (1, 1), "one trace serves every batch size"
    else:  # PyTorch runs eagerly, unpadded: one forward pass per chunk, nothing is traced.
        assert forward.traces == traces + 1 + 2
    assert model._inference_function(model.ema_generator) is forward
    # The reference: the same latents and labels, the generator called on the chunks without padding.
    for n, seed, images in [(3, 5, first), (4, 6, second), (7, 7, third)]:
        z = np.random.default_rng(seed).standard_normal((n, model.latent_dim)).astype("float32")
        labels = None
        if model.num_classes:
            labels = np.eye(model.num_classes, dtype="float32")[np.arange(n) % model.num_classes]
        expected = _unbucketed(model.ema_generator, z, labels, 4)
        assert images.shape == expected.shape
        # Compiled vs eager kernels on other batch sizes: float32 rounding only.
        np.testing.assert_allclose(images, expected, rtol=0, atol=1e-5)


def test_a_new_batch_size_first_runs_in_chunks_of_a_compiled_one():
    """JAX runs the first call of a new batch size with the program of a smaller size already compiled, chunk by
    chunk (labels too), and compiles the new size on its second call; the images are the same either way."""
    model = R3GAN.from_preset("fixture_conditional", load_weights=False, augment=False, bfloat16_stages=(), seed=3)
    model.generate(2, seed=1, output="float", batch_size=8)  # JAX compiles batch size 2
    forward = model._inference_function(model.ema_generator)
    traces = forward.traces
    first = model.generate(7, seed=2, output="float", batch_size=8)  # JAX: padded to 8, run as 4 chunks of 2
    chunked = (forward.traces, forward.chunked_calls)
    second = model.generate(7, seed=2, output="float", batch_size=8)
    if BACKEND == "jax":
        assert chunked == (traces, 1), "the first call of size 8 must reuse the compiled size 2"
        assert (forward.traces, forward.chunked_calls) == (traces + 1, 1), "the second call compiles size 8"
    else:
        assert forward.chunked_calls == 0
    z = np.random.default_rng(2).standard_normal((7, model.latent_dim)).astype("float32")
    labels = np.eye(model.num_classes, dtype="float32")[np.arange(7) % model.num_classes]
    expected = _unbucketed(model.ema_generator, z, labels, 8)
    np.testing.assert_allclose(first, expected, rtol=0, atol=1e-5)
    np.testing.assert_allclose(second, expected, rtol=0, atol=1e-5)


def test_generate_sees_weight_updates_after_compiling():
    model = R3GAN.from_preset("fixture_unconditional", load_weights=False, augment=False, bfloat16_stages=(), seed=2)
    before = model.generate(2, seed=0, output="float")
    rng = np.random.default_rng(3)
    for variable in model.ema_generator.weights:
        noise = rng.standard_normal(tuple(variable.shape)).astype("float32")
        variable.assign(keras.ops.convert_to_numpy(variable) + 0.1 * noise)
    after = model.generate(2, seed=0, output="float")
    z = np.random.default_rng(0).standard_normal((2, model.latent_dim)).astype("float32")
    np.testing.assert_allclose(after, _unbucketed(model.ema_generator, z, None, 64), rtol=0, atol=1e-5)
    assert not np.allclose(before, after)


def test_a_model_trains_after_generating():
    """`generate` runs the generator in `torch.inference_mode` on PyTorch: what it caches (the FIR resampling
    matrices) must still be usable by a training step's backward pass afterwards, and the step must change the
    images."""
    model = R3GAN.from_preset("fixture_unconditional", load_weights=False, augment=False, bfloat16_stages=(), seed=4)
    model.compile()
    before = model.generate(2, seed=0, output="float", use_ema=False)
    images = np.random.default_rng(5).integers(0, 256, (2 * 2,) + model.image_shape, dtype=np.uint8)
    logs = model.train_on_batch(images, return_dict=True)
    assert np.isfinite(float(logs["d_loss"])) and np.isfinite(float(logs["g_loss"]))
    after = model.generate(2, seed=0, output="float", use_ema=False)
    assert not np.allclose(before, after)
