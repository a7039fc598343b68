"""Keras serialization on JAX and PyTorch does not import TensorFlow (`keras_gans.backend.serialization`).

Keras' serializer imports TensorFlow, wherever it is installed, to check whether an object is a TensorFlow
object. Each case runs in a fresh interpreter, since TensorFlow may already be imported in this one.
"""

import json
import os
import subprocess
import sys

import keras
import pytest

from keras_gans.backend.serialization import tensorflow_objects_impossible

_BUILD_FIT_SAVE = """
import json, sys
import numpy as np
import keras
import keras_gans
from keras.src.utils import module_utils

arch = dict(widths=[8, 8], cardinalities=2, blocks_per_stage=1, image_channels=1)
gan = keras_gans.GAN(keras_gans.R3GANGenerator(**arch, latent_dim=4), keras_gans.R3GANDiscriminator(**arch))
gan.compile(loss="rpgan", r1_gamma=1.0, r2_gamma=1.0)
gan.fit(np.zeros((4, 8, 8, 1), "uint8"), batch_size=4, epochs=1, verbose=0)
gan.save_to_preset(sys.argv[1])
reloaded = keras_gans.GAN.from_preset(sys.argv[1])
print(json.dumps({
    "tensorflow_imported": "tensorflow" in sys.modules,
    "answer_reset": vars(module_utils.tensorflow).get("_available", "absent") is None,
    "reloaded": type(reloaded).__name__,
}))
"""


@pytest.mark.skipif(keras.backend.backend() == "tensorflow", reason="TensorFlow is the backend: it is imported")
def test_build_fit_save_and_load_leave_tensorflow_unimported(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", _BUILD_FIT_SAVE, str(tmp_path / "preset")],
        env=dict(os.environ, KERAS_GANS_CACHE=str(tmp_path / "cache")),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report == {"tensorflow_imported": False, "answer_reset": True, "reloaded": "GAN"}


def test_configs_inside_the_context_are_those_outside():
    layer = keras.layers.Dense(3, dtype="mixed_bfloat16", name="d")
    with tensorflow_objects_impossible():
        inside = keras.saving.serialize_keras_object(layer)
    assert inside == keras.saving.serialize_keras_object(layer)
