"""The per-resolution minibatch: `scheduled_batches` on NumPy, tf.data, PyTorch `DataLoader` and iterator inputs, and
one `ProGAN.fit` whose steps take the schedule's minibatch across a phase boundary.

Schedule (resolution 8): stabilise 4x4 for 8 images, fade in 8x8 over 16 images; minibatch 8 at 4x4 and 4 at 8x8
(the *new* resolution during a fade-in, PROGAN.md section 5). The step after n images is at 4x4 while
n <= 8 (the fade starts once more than `lod_training_kimg` images were shown), so the minibatches are 8, 8, 4, 4, ...
"""

import keras
import numpy as np
import pytest

import keras_gans
from keras_gans.models.progan import ProGAN
from keras_gans.models.progan import ProGANSchedule
from keras_gans.models.progan import ProgressiveGrowing
from keras_gans.models.progan import scheduled_batches

SCHEDULE = dict(lod_training_kimg=0.008, lod_transition_kimg=0.016, minibatch_dict={4: 8, 8: 4})


def expected_sizes(start, steps):
    """From the spec: resolution of the step after n images = 4 until more than 8 images were shown in phase 0,
    then 8; minibatch 8 at 4x4, 4 at 8x8."""
    sizes, n = [], start
    for _ in range(steps):
        size = 8 if n <= 8 else 4
        sizes.append(size)
        n += size
    return sizes


def _images(n):
    return np.arange(n * 8 * 8 * 3, dtype="int64").reshape(n, 8, 8, 3) % 251


def test_array_stream_follows_the_schedule_and_covers_every_image_once_per_pass():
    schedule = ProGANSchedule(8, **SCHEDULE)
    assert expected_sizes(0, 6) == [8, 8, 4, 4, 4, 4]
    images, labels = _images(20), np.arange(20) % 3
    stream = scheduled_batches(images, labels, schedule=schedule, shuffle=False)
    batches = [next(stream) for _ in range(6)]
    assert [len(b[0]) for b in batches] == expected_sizes(0, 6)
    shown = np.concatenate([b[0] for b in batches])  # 32 images: one pass of 20, then 12 of the next
    np.testing.assert_array_equal(shown, np.concatenate([images, images[:12]]))
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), np.concatenate([labels, labels[:12]]))
    # Shuffled passes are permutations; resuming after 16 images continues with the 8x8 minibatch and with the
    # images the uninterrupted stream shows from its 17th image on (the rest of pass 0, then pass 1).
    stream = scheduled_batches(images, schedule=schedule, shuffle=True, seed=0)
    uninterrupted = np.concatenate([next(stream)[0] for _ in range(8)])  # 8 + 8 + 6 * 4 = 40 images, two passes
    for one_pass in (uninterrupted[:20], uninterrupted[20:]):
        assert sorted(one_pass[:, 0, 0, 0].tolist()) == sorted(images[:, 0, 0, 0].tolist())
    assert not np.array_equal(uninterrupted[:20], uninterrupted[20:])  # a new order every pass
    stream = scheduled_batches(images, schedule=schedule, images_seen=16, shuffle=True, seed=0)
    batches = [next(stream) for _ in range(6)]
    assert [len(b) for b in batches] == [1] * 6 and [len(b[0]) for b in batches] == expected_sizes(16, 6)
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), uninterrupted[16:40])
    assert schedule.steps_to_show(20) == 3 and schedule.steps_to_show(20, images_seen=16) == 5


def test_dataset_loader_and_iterator_streams_are_rebatched():
    import tensorflow as tf
    import torch

    schedule = ProGANSchedule(8, **SCHEDULE)
    images, labels = _images(10), np.arange(10)
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(3)  # batches 3, 3, 3, 1 per pass
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(images), torch.from_numpy(labels)), batch_size=3
    )
    for source in (dataset, loader):
        stream = scheduled_batches(source, schedule=schedule)
        batches = [next(stream) for _ in range(5)]  # 28 images: the source is iterated again after 10 and 20
        assert [len(b[0]) for b in batches] == [len(b[1]) for b in batches] == expected_sizes(0, 5)
        np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), np.arange(28) % 10)
        np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), images[np.arange(28) % 10])
    one_shot = scheduled_batches(iter([images[:5], images[5:]]), schedule=schedule)
    assert [len(b[0]) for b in one_shot] == [8]  # an iterator ends the stream; the 2 left over are dropped
    with pytest.raises(ValueError, match="labels inside the batches"):
        next(scheduled_batches(dataset, labels, schedule=schedule))


class StepImages(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.images_seen = []

    def on_train_batch_end(self, batch, logs=None):
        self.images_seen.append(int(np.asarray(keras.ops.convert_to_numpy(logs["images_seen"])).reshape(-1)[0]))


def test_fit_takes_the_schedule_minibatch_across_a_phase_change():
    keras.utils.set_random_seed(3)
    g = keras_gans.ProGANGenerator(resolution=8, channels=[4, 4])
    d = keras_gans.ProGANDiscriminator(resolution=8, channels=[4, 4])
    gan = ProGAN(g, d, schedule=ProGANSchedule(8, **SCHEDULE), seed=1)
    gan.compile()
    images = np.random.default_rng(0).integers(0, 256, (24, 8, 8, 3)).astype("uint8")
    steps, growth = StepImages(), ProgressiveGrowing()
    gan.fit(images, verbose=0, callbacks=[growth, steps])  # one pass of 24 images: minibatches 8, 8, 4, 4
    assert steps.images_seen == [8, 16, 20, 24]
    assert growth.transitions == [(16, 0, 1, 8), (24, 0, 0, 8)]  # fade-in starts; fade-in ends (lod 0)
    assert gan.discriminator.active_resolution == 8
    with pytest.raises(ValueError, match="exclude each other"):
        gan.fit(images, batch_size=4, per_resolution_minibatch=True, verbose=0)


def test_fit_on_arrays_resumed_from_a_checkpoint_continues_the_run_exactly(tmp_path):
    from keras_gans.callbacks import GANCheckpoint

    def build():
        gan = ProGAN(
            keras_gans.ProGANGenerator(resolution=8, channels=[4, 4]),
            keras_gans.ProGANDiscriminator(resolution=8, channels=[4, 4]),
            schedule=ProGANSchedule(8, **SCHEDULE),
            seed=1,
        )
        gan.compile()
        return gan

    images = np.random.default_rng(0).integers(0, 256, (24, 8, 8, 3)).astype("uint8")
    keras.utils.set_random_seed(0)
    uninterrupted = build()
    # Two epochs of 4 steps (minibatches 8, 8, 4, 4, then 4 x 4): 40 images, a checkpoint after 16 and 32.
    uninterrupted.fit(images, epochs=2, verbose=0, callbacks=[GANCheckpoint(tmp_path / "a", every_n_images=16)])
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "ckpt-000000000016").rename(tmp_path / "b" / "ckpt-000000000016")
    resumed = build()
    checkpoint = GANCheckpoint(tmp_path / "b", every_n_images=16)
    assert checkpoint.resume(resumed)["images_seen"] == 16
    resumed.fit(images, verbose=0, callbacks=[checkpoint])  # 24 images from 16: 6 steps of 4, to 40
    for network in ("generator", "discriminator", "ema_generator"):
        ours, theirs = getattr(resumed, network).weights, getattr(uninterrupted, network).weights
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b), a.path)
