"""TensorBoard: SampleGrid's image summaries and Keras' own `TensorBoard` callback with `GAN.fit`, read back with
TensorBoard's `EventAccumulator` (the reader of `tensorboard --logdir`).

References: the PNG grids SampleGrid writes next to the summaries (the summaries must decode to the same pixels),
and the `History` of the same `fit` (the logged epoch losses must equal it).
"""

import io
import os
import subprocess
import sys

import keras
import numpy as np
from gan_testing import tiny_networks
from gan_testing import uint8_images
from PIL import Image
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.util import tensor_util

import keras_gans
from keras_gans.callbacks import SampleGrid


def _accumulate(logdir):
    accumulator = event_accumulator.EventAccumulator(
        str(logdir), size_guidance={"images": 0, "scalars": 0, "tensors": 0}
    )
    accumulator.Reload()
    return accumulator


def test_sample_grid_writes_tensorboard_images(tmp_path):
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d)
    gan.compile(loss="nonsaturating")
    callback = SampleGrid(tmp_path / "png", every_n_images=8, rows=1, cols=3, tensorboard_dir=tmp_path / "tb")
    gan.fit(uint8_images(16), batch_size=4, verbose=0, callbacks=[callback])
    images = _accumulate(tmp_path / "tb").Images("samples")
    assert [event.step for event in images] == [0, 8, 16]
    for event, path in zip(images, callback.written):
        assert (event.height, event.width) == (8, 24)
        png = np.asarray(Image.open(io.BytesIO(event.encoded_image_string)))
        np.testing.assert_array_equal(png, np.asarray(Image.open(path)))


def test_image_writer_does_not_import_tensorflow(tmp_path):
    """On JAX and PyTorch, writing summaries must not pull TensorFlow into the training process (checked in a
    fresh PyTorch process from the TensorFlow backend's run, whose own process has TensorFlow anyway)."""
    backend = "torch" if keras.backend.backend() == "tensorflow" else keras.backend.backend()
    code = (
        "import sys, numpy as np; from keras_gans.callbacks import TensorBoardImageWriter; "
        f"w = TensorBoardImageWriter({str(tmp_path)!r}); w.add_image('x', np.zeros((2, 2, 3), 'uint8'), 1); "
        "w.close(); print('tensorflow' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ, KERAS_BACKEND=backend),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "False"
    assert [e.step for e in _accumulate(tmp_path).Images("x")] == [1]


def test_keras_tensorboard_callback_logs_gan_losses(tmp_path):
    g, d = tiny_networks()
    gan = keras_gans.GAN(g, d)
    gan.compile(loss="nonsaturating")
    history = gan.fit(
        uint8_images(16),
        batch_size=4,
        epochs=2,
        verbose=0,
        callbacks=[keras.callbacks.TensorBoard(str(tmp_path), update_freq="epoch")],
    )
    accumulator = _accumulate(tmp_path / "train")
    for name in ("d_loss", "g_loss"):
        events = accumulator.Tensors(f"epoch_{name}")  # tf.summary.scalar stores scalars as tensors
        assert [e.step for e in events] == [0, 1]
        logged = [float(tensor_util.make_ndarray(e.tensor_proto)) for e in events]
        np.testing.assert_allclose(logged, history.history[name], rtol=1e-6)
