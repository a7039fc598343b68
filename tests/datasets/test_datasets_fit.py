"""What the loaders return trains a (trivial) Keras model with `fit()` on the current backend.

uint8 NHWC batches go through `Rescaling` like the GAN's `x / 127.5 - 1`; labels are int32 class ids. Each test
runs in every backend pass (TensorFlow, JAX, PyTorch); the TFDS `tf.data` path is in test_datasets_tfds.py.
"""

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gans.datasets import ArrayBatches
from keras_gans.datasets import load_dataset
from keras_gans.datasets import load_image_folder


def classifier(shape, num_classes):
    inputs = keras.Input(shape)
    hidden = keras.layers.Rescaling(1 / 127.5, offset=-1.0)(inputs)
    hidden = keras.layers.GlobalAveragePooling2D()(hidden)
    model = keras.Model(inputs, keras.layers.Dense(num_classes)(hidden))
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def assert_trained(history, epochs):
    losses = history.history["loss"]
    assert len(losses) == epochs and np.all(np.isfinite(losses))


@pytest.fixture
def folder(tmp_path):
    for class_id in range(2):
        (tmp_path / f"class_{class_id}").mkdir()
        for i in range(4):
            pixels = np.random.default_rng(class_id * 10 + i).integers(0, 256, (12, 10, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / f"class_{class_id}" / f"{i}.png")
    return tmp_path


def test_fit_on_embedded_pydataset_and_numpy():
    data, info = load_dataset("embedded", resolution=28, labels=True, batch_size=64, as_rgb=False)
    model = classifier(info.image_shape, info.num_classes)
    history = model.fit(data, epochs=1, steps_per_epoch=3, verbose=0)
    assert_trained(history, 1)
    (images, labels), _ = load_dataset("embedded", resolution=28, labels=True, as_numpy=True, as_rgb=False)
    assert_trained(model.fit(images[:256], labels[:256], batch_size=64, epochs=1, verbose=0), 1)


def test_fit_on_image_folder_with_worker_threads(folder):
    data = load_image_folder(folder, 8, mirror=True, batch_size=4, workers=2)
    model = classifier((8, 8, 3), 2)
    start_epoch = data.epoch
    history = model.fit(data, epochs=2, verbose=0)
    assert_trained(history, 2)
    assert data.epoch >= start_epoch + 2  # Keras called on_epoch_end, so each epoch had its own order


def test_predict_on_image_only_batches_keeps_the_order(folder):
    images, _ = load_image_folder(folder, 8, labels=None, as_numpy=True)
    data = ArrayBatches(images, batch_size=4, shuffle=False)
    model = classifier((8, 8, 3), 2)
    predicted = model.predict(data, verbose=0)
    direct = keras.ops.convert_to_numpy(model(images.astype("float32")))
    np.testing.assert_allclose(predicted, direct, rtol=1e-5, atol=1e-6)
