"""`feature_maps` of the R3GAN and ProGAN discriminators (the features of the projection's perceptual distance).

References: the discriminators' own outputs (the logits are the remaining layers applied to the last map) and
per-image evaluation (each image's maps do not depend on the rest of the batch).
"""

import numpy as np
from keras import ops

import keras_gans
from keras_gans.models.r3gan.r3gan_layers import run_sublayer


def _images(n, size, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size, 3)).astype("float32")


def test_r3gan_feature_maps():
    d = keras_gans.R3GANDiscriminator(widths=[8, 6, 4], cardinalities=2, blocks_per_stage=1)
    images = _images(3, 16)
    maps = d.feature_maps(images)
    assert [tuple(m.shape) for m in maps] == [(3, 16, 16, 4), (3, 16, 16, 4), (3, 8, 8, 6), (3, 4, 4, 8)]
    # The logits are the last stage's transition (the basis) applied to the last map.
    logits = ops.convert_to_numpy(run_sublayer(d.stages[-1][-1], maps[-1], d))[:, 0]
    np.testing.assert_allclose(logits, ops.convert_to_numpy(d(images)), rtol=1e-5, atol=1e-6)
    single = d.feature_maps(images[1:2])
    for batched, alone in zip(maps, single):
        np.testing.assert_allclose(
            ops.convert_to_numpy(batched)[1:2], ops.convert_to_numpy(alone), rtol=1e-5, atol=1e-6
        )


def test_progan_feature_maps_come_before_the_minibatch_statistics():
    d = keras_gans.ProGANDiscriminator(resolution=16, channels=[8, 8, 8], mbstd_group_size=2)
    d.set_lod(0.5)  # fading in the 16x16 block
    images = _images(4, 16)
    maps = d.feature_maps(images)
    assert [tuple(m.shape) for m in maps] == [(4, 16, 16, 8), (4, 8, 8, 8), (4, 4, 4, 8)]
    single = d.feature_maps(images[2:3])
    for batched, alone in zip(maps, single):
        np.testing.assert_allclose(
            ops.convert_to_numpy(batched)[2:3], ops.convert_to_numpy(alone), rtol=1e-5, atol=1e-6
        )
    # features() continues from the last map (minibatch stddev, 4x4 conv, dense).
    x = d.mbstd(maps[-1])
    x = ops.reshape(d._act(d.conv_4x4(x)), (4, -1))
    np.testing.assert_allclose(
        ops.convert_to_numpy(d._act(d.dense0(x))), ops.convert_to_numpy(d.features(images)), rtol=1e-5, atol=1e-6
    )
