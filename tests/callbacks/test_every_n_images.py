"""Callbacks that act every N images (keras_gans/callbacks/every_n_images.py) act at the exact crossing steps, with
the weights of that moment, without making `fit` read every step's logs: Keras then dispatches the logs
asynchronously (on the backends it allows to), and the host copy of `images_seen` that an eager step keeps equals
the device value.
"""

import os
import threading

import keras
import numpy as np
import pytest
from gan_testing import tiny_networks
from gan_testing import uint8_images

import keras_gans
from keras_gans.callbacks import GANCheckpoint
from keras_gans.callbacks import GANEvaluation
from keras_gans.callbacks import SampleGrid
from keras_gans.callbacks import TerminateOnNonFinite
from keras_gans.callbacks import list_checkpoints
from keras_gans.callbacks.every_n_images import EveryNImages
from keras_gans.models.progan.progan_schedule import ProgressiveGrowing


def _device_images_seen(model):
    return int(keras.ops.convert_to_numpy(model.images_seen))


class Recorder(EveryNImages):
    def __init__(self, every_n_images):
        super().__init__(every_n_images, "Recorder")
        self.calls = []

    def on_images(self, images_seen):
        model = self.model
        self.calls.append(
            (
                images_seen,
                _device_images_seen(model),
                keras.ops.convert_to_numpy(model.generator.weights[0].value).copy(),
            )
        )


class WeightsAfterEachStep(keras.callbacks.Callback):
    """Records (images_seen, first generator kernel) after every step; reads the logs, so it syncs every step."""

    def __init__(self):
        super().__init__()
        self.after = {}

    def on_train_batch_end(self, batch, logs=None):
        self.after[int(logs["images_seen"])] = keras.ops.convert_to_numpy(self.model.generator.weights[0].value).copy()


def test_on_images_runs_at_each_crossing_with_the_weights_after_that_step():
    keras.utils.set_random_seed(1)
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d)
    gan.compile(loss="nonsaturating")
    recorder, reference = Recorder(6), WeightsAfterEachStep()
    # 22 images in batches of 4: steps add 4, 4, 4, 4, 4, 2 -> images_seen 4, 8, 12, 16, 20, 22. Multiples of 6
    # are crossed by the steps ending at 8 (6), 12 (12) and 20 (18); the last step crosses none.
    gan.fit(uint8_images(22), batch_size=4, shuffle=False, verbose=0, callbacks=[recorder, reference])
    assert [(seen, device) for seen, device, _ in recorder.calls] == [(8, 8), (12, 12), (20, 20)]
    for seen, _, kernel in recorder.calls:
        np.testing.assert_array_equal(kernel, reference.after[seen])
    # A second fit continues the count; a crossing made by the last step is acted on at the end of training.
    recorder.calls.clear()
    gan.fit(uint8_images(8), batch_size=4, shuffle=False, verbose=0, callbacks=[recorder])
    assert [(seen, device) for seen, device, _ in recorder.calls] == [(26, 26), (30, 30)]


def test_the_host_count_follows_the_device_when_the_step_runs_eagerly():
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d)
    gan.compile(loss="rpgan", r1_gamma=0.1, r2_gamma=0.1, run_eagerly=True)
    gan.fit(uint8_images(20), batch_size=8, shuffle=False, verbose=0)  # D halves of 4, 4 and 2
    assert gan.images_seen_host == _device_images_seen(gan) == 10
    gan.images_seen.assign(100)
    gan.fit(uint8_images(8), batch_size=8, shuffle=False, verbose=0)  # fit() re-reads the device count
    assert gan.images_seen_host == _device_images_seen(gan) == 104


def test_a_compiled_step_keeps_a_host_count_only_on_pytorch():
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d)
    gan.compile(loss="nonsaturating")
    gan.fit(uint8_images(8), batch_size=4, shuffle=False, verbose=0)
    # PyTorch steps run eagerly (no torch.compile); a jitted (JAX) or tf.function step runs its Python code only
    # while tracing, so there the count stays on the device.
    expected = 8 if keras.backend.backend() == "torch" else None
    assert gan.images_seen_host == expected
    recorder = Recorder(4)
    gan.fit(uint8_images(8), batch_size=4, shuffle=False, verbose=0, callbacks=[recorder])
    assert [(seen, device) for seen, device, _ in recorder.calls] == [(12, 12), (16, 16)]


class ThreadProbe(keras.callbacks.Callback):
    async_safe = True

    def __init__(self):
        super().__init__()
        self.threads = set()

    def on_train_batch_end(self, batch, logs=None):
        self.threads.add(threading.current_thread() is threading.main_thread())


def test_the_package_callbacks_leave_keras_asynchronous_log_dispatch_on(tmp_path):
    for callback in (EveryNImages, GANCheckpoint, SampleGrid, GANEvaluation, ProgressiveGrowing):
        assert callback.on_train_batch_end is keras.callbacks.Callback.on_train_batch_end, callback
        assert callback.on_batch_end is keras.callbacks.Callback.on_batch_end, callback
    assert TerminateOnNonFinite.async_safe
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d)
    gan.compile(loss="nonsaturating")
    probe = ThreadProbe()
    callbacks = [GANCheckpoint(tmp_path / "ckpt", 8), SampleGrid(tmp_path / "grids", 8, rows=1, cols=2), probe]
    gan.fit(uint8_images(16), batch_size=4, shuffle=False, verbose=0, callbacks=callbacks)
    # Keras' TensorFlow backend is not marked thread-safe: it always dispatches callbacks on the main thread.
    on_main_thread = keras.backend.backend() == "tensorflow"
    assert probe.threads == {on_main_thread}
    assert [os.path.basename(p) for p in list_checkpoints(tmp_path / "ckpt")] == [
        "ckpt-000000000008",
        "ckpt-000000000016",
    ]
    assert sorted(os.listdir(tmp_path / "grids")) == [
        "samples-000000000.png",
        "samples-000000008.png",
        "samples-000000016.png",
    ]


def test_every_n_images_must_be_a_positive_whole_number():
    assert Recorder(5e4).every_n_images == 50_000
    for bad in (0, -8, 2.5, True, "8"):
        with pytest.raises(ValueError, match="Recorder: `every_n_images` must be a positive whole number"):
            Recorder(bad)
