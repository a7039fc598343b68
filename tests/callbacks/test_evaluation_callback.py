"""GANEvaluation (keras_gans/callbacks/evaluation.py): evaluates at the right images_seen during fit, scores the EMA
generator (checked against an FID computed in the test from the EMA and the trained generator at that moment), puts
the latest results in History, and writes one JSON line per evaluation.
"""

import json

import keras
import numpy as np
import pytest
import scipy.linalg
from gan_testing import tiny_networks
from gan_testing import uint8_images

import keras_gans
from keras_gans.callbacks import GANEvaluation

SHAPE = (8, 8, 3)


class ProjectionFeatures:
    """Stand-in for FIDInceptionV3 (the real weights are not available offline): a fixed projection of pixels."""

    resize = "legacy_tf"

    def __init__(self):
        self.projection = np.random.default_rng(5).normal(size=(int(np.prod(SHAPE)), 4)) / 15.0

    def extract_features(self, images, batch_size=32):
        return (np.asarray(images, np.float64).reshape(len(images), -1) / 255.0 @ self.projection).astype("float32")


def _fid_of(model, use_ema, reals, extractor):
    """FID of 8 images from seed 0, from its definition (scipy sqrtm), with float32 8-bit quantization."""
    images = model.generate(8, seed=0, use_ema=use_ema, output="float", batch_size=4)
    pixels = np.clip(np.round(images.astype(np.float32) * np.float32(127.5) + np.float32(127.5)), 0, 255)
    r = extractor.extract_features(reals).astype(np.float64)
    f = extractor.extract_features(pixels.astype(np.uint8)).astype(np.float64)
    s1, s2 = np.cov(r, rowvar=False), np.cov(f, rowvar=False)
    return float(np.sum((r.mean(0) - f.mean(0)) ** 2) + np.trace(s1 + s2 - 2 * scipy.linalg.sqrtm(s1 @ s2).real))


class Spy(keras.callbacks.Callback):
    """Runs after GANEvaluation when a step begins: records each new evaluation, and the FID of both generators
    then (the evaluation runs at the start of the step after the crossing, before that step)."""

    def __init__(self, evaluation, reals, extractor):
        super().__init__()
        self.evaluation, self.reals, self.extractor, self.seen = evaluation, reals, extractor, []

    def on_train_batch_begin(self, batch, logs=None):
        if len(self.evaluation.history) > len(self.seen):
            model, entry = self.model, self.evaluation.history[-1]
            self.seen.append(
                (
                    entry["images_seen"],
                    entry["fid"],
                    _fid_of(model, True, self.reals, self.extractor),
                    _fid_of(model, False, self.reals, self.extractor),
                )
            )
            assert entry["images_seen"] == int(keras.ops.convert_to_numpy(model.images_seen))


def test_evaluates_the_ema_generator_every_n_images_and_logs(tmp_path):
    generator, discriminator = tiny_networks(image_shape=SHAPE)
    gan = keras_gans.GAN(generator, discriminator)
    # A slow EMA and a large learning rate: the EMA and the trained generator clearly differ after a few steps.
    gan.compile(loss="nonsaturating", ema_beta=0.9, learning_rate=0.02)
    reals = uint8_images(8, SHAPE, seed=3)
    extractor = ProjectionFeatures()
    evaluation = GANEvaluation(
        "fid",
        real=reals,
        every_n_images=8,
        num_images=8,
        batch_size=4,
        seed=0,
        inception=extractor,
        log_file=tmp_path / "eval" / "metrics.jsonl",
    )
    spy = Spy(evaluation, reals, extractor)
    history = gan.fit(
        uint8_images(20, SHAPE), batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[evaluation, spy]
    )
    # 4 images per step: evaluations at 8 and 16 (crossing multiples of 8), and at the end of training (20).
    assert [entry["images_seen"] for entry in evaluation.history] == [8, 16, 20]
    assert [seen[0] for seen in spy.seen] == [8, 16]
    for _, logged, ema_fid, raw_fid in spy.seen:
        assert logged == pytest.approx(ema_fid, rel=1e-5)
        assert abs(ema_fid - raw_fid) > 1e-3 * ema_fid  # so the match above identifies the EMA generator
    assert evaluation.history[-1]["fid"] == pytest.approx(_fid_of(gan, True, reals, extractor), rel=1e-5)
    # History gets the latest evaluation at the end of each epoch (here the one at 16 images).
    assert history.history["fid"] == [pytest.approx(spy.seen[-1][1])]
    lines = [json.loads(line) for line in (tmp_path / "eval" / "metrics.jsonl").read_text().splitlines()]
    assert [(line["images_seen"], line["fid"]) for line in lines] == [
        (entry["images_seen"], entry["fid"]) for entry in evaluation.history
    ]


def test_no_duplicate_evaluation_at_train_end_and_on_train_begin(tmp_path):
    generator, discriminator = tiny_networks(image_shape=SHAPE)
    gan = keras_gans.GAN(generator, discriminator)
    gan.compile(loss="nonsaturating")
    evaluation = GANEvaluation(
        ("fid", "kid"),
        real=uint8_images(8, SHAPE),
        every_n_images=8,
        num_images=8,
        batch_size=4,
        on_train_begin=True,
        prefix="val_",
        inception=ProjectionFeatures(),
        metric_options={"kid": {"num_subsets": 2}},
    )
    gan.fit(uint8_images(16, SHAPE), batch_size=4, epochs=1, verbose=0, callbacks=[evaluation])
    assert [entry["images_seen"] for entry in evaluation.history] == [0, 8, 16]
    assert set(evaluation.last_results) == {"val_fid", "val_kid", "val_kid_std"}
    with pytest.raises(ValueError, match="every_n_images"):
        GANEvaluation("ms_ssim", every_n_images=0)
    with pytest.raises(ValueError, match="known metrics"):
        GANEvaluation("fidd", every_n_images=10)
