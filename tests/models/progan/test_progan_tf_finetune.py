"""Fine-tuning a converted official ProGAN network with `fit`: growing continues from the stored lod, and a run
interrupted by a checkpoint resumes exactly.

The network is config (b) of `tests/fixtures/progan_tf_official` (64x64, 5 labels, fused resampling, mbstd groups
of 2), stored mid-fade at lod 1.3. The schedule has 10 images per stabilisation and per fade-in, so the converted
model starts at images_seen = 2 * 20 + 10 + 7 = 57 (lod 1.3); with batch 4 the steps see lod 1.3, then 1.0 (the
32x32 stabilisation phase begins at 60 images: a phase boundary, Adam reset), then 1.0 again.
"""

import pathlib

import keras
import numpy as np
from keras import ops

from keras_gans.callbacks import restore_checkpoint
from keras_gans.callbacks import save_checkpoint
from keras_gans.models.progan import ProgressiveGrowing
from keras_gans.models.progan import convert_progan_tf_pickle

PICKLE = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "progan_tf_official" / "progan_tiny64_cond.pkl"
SCHEDULE = {"lod_training_kimg": 0.01, "lod_transition_kimg": 0.01, "minibatch_base": 4}
BATCH = 4


def _np(x):
    return np.asarray(ops.convert_to_numpy(x)).astype("float64")


def _converted():
    gan = convert_progan_tf_pickle(PICKLE, schedule=SCHEDULE, seed=3)
    # The recipe without the gradient penalty: its double backward makes the compiled step several times slower to
    # build, and it is tested with growing and resuming in test_progan_training.py.
    gan.compile(gp_weight=0.0)
    return gan


def _data(n):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, 64, 64, 1)).astype("uint8"), np.arange(n) % 5


def _state(gan):
    out = {}
    for role, variables in (
        ("g", gan.generator.weights),
        ("d", gan.discriminator.weights),
        ("ema", gan.ema_generator.weights),
        ("opt", gan.optimizer.variables),
    ):
        for i, v in enumerate(variables):
            out[f"{role}/{i}/{v.path.split('/')[-1]}"] = _np(v.value)
    out["images_seen"] = _np(gan.images_seen.value)
    return out


class StepLods(keras.callbacks.Callback):
    """The lod each step trained at (written inside the step) and the active resolution."""

    def __init__(self):
        super().__init__()
        self.records = []

    def on_train_batch_end(self, batch, logs=None):
        model = self.model  # syncs the JAX state
        self.records.append((round(float(_np(model.generator.lod.value)), 6), model.discriminator.active_resolution))


def test_fit_continues_growing_from_the_stored_lod_and_resumes_exactly(tmp_path):
    images, labels = _data(3 * BATCH)
    gan = _converted()
    assert int(_np(gan.images_seen.value)) == 57
    converted = _state(gan)
    lods, growth = StepLods(), ProgressiveGrowing()
    gan.fit(images[:BATCH], labels[:BATCH], batch_size=BATCH, shuffle=False, verbose=0, callbacks=[growth, lods])
    path = save_checkpoint(gan, str(tmp_path / "ckpt"))
    gan.fit(images[BATCH:], labels[BATCH:], batch_size=BATCH, shuffle=False, verbose=0, callbacks=[growth, lods])

    assert lods.records == [(1.3, 32), (1.0, 32), (1.0, 32)]
    assert growth.transitions == [(61, 1, 1, 32)]  # the 32x32 stabilisation phase: Adam reset
    trained = _state(gan)
    assert trained["images_seen"] == 57 + 3 * BATCH
    for role in ("g", "d", "ema"):
        moved = [
            k
            for k in converted
            if k.startswith(role) and "kernel" in k and not np.array_equal(converted[k], trained[k])
        ]
        assert moved, f"{role}: fine-tuning changed no weight"

    resumed = _converted()
    for v in resumed.generator.trainable_weights + resumed.discriminator.trainable_weights:
        v.assign(v * 0.5)  # everything must come from the checkpoint
    restore_checkpoint(resumed, path)
    resumed.fit(images[BATCH:], labels[BATCH:], batch_size=BATCH, shuffle=False, verbose=0)
    got = _state(resumed)
    assert sorted(got) == sorted(trained)
    for key in trained:
        np.testing.assert_allclose(got[key], trained[key], atol=1e-6, rtol=0, err_msg=key)
