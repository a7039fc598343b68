"""
Title: R3GAN on CIFAR-10
Author: keras-gans contributors
Date created: 2026/11/23
Last modified: 2026/11/23
Description: Train a class-conditional R3GAN on CIFAR-10 from TensorFlow Datasets with the paper's recipe.
Accelerator: GPU
Extras: jax, datasets
"""

"""
## Introduction

[R3GAN](https://arxiv.org/abs/2501.05441) (Huang et al., NeurIPS 2024) shows that a GAN needs no tricks once its
loss is well behaved: the relativistic pairing loss (RpGAN) with both zero-centred gradient penalties, R1 on real
images and R2 on generated ones, trains a plain modern ResNet stably. This example trains the paper's CIFAR-10
model (class-conditional, 32x32) with `keras_gans`:

* `keras_gans.datasets.load_dataset("tfds:cifar10", ...)` streams CIFAR-10 from TensorFlow Datasets;
* `keras_gans.R3GAN.from_preset("cifar10", load_weights=False)` builds the paper's networks with fresh weights;
* `compile()` with no arguments applies the official recipe: RpGAN + R1 + R2, Adam with `beta_1 = 0`, and
  half-cosine schedules of the learning rate, Adam's `beta_2`, gamma, the EMA half-life and the augmentation
  probability;
* plain `fit()` trains it, with callbacks that write sample grids and resumable checkpoints.

The same script runs on JAX, TensorFlow and PyTorch. Set `KERAS_GANS_SMOKE=1` to run a tiny version offline in
seconds (tiny networks, a few steps, on the MNIST digits shipped inside the package): that is how the test suite
runs this file.
"""

"""
## Setup
"""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # or "tensorflow", "torch"

import json
import pathlib

import keras
import numpy as np

import keras_gans
from keras_gans.callbacks import GANCheckpoint
from keras_gans.callbacks import SampleGrid
from keras_gans.callbacks import image_grid
from keras_gans.callbacks import save_png

SMOKE = os.environ.get("KERAS_GANS_SMOKE") == "1"
OUTPUT = pathlib.Path(os.environ.get("KERAS_GANS_OUTPUT", "runs/r3gan_cifar10"))
OUTPUT.mkdir(parents=True, exist_ok=True)
keras.utils.set_random_seed(0)

"""
## The data

`load_dataset` returns batches that `fit()` accepts on every backend, and a `DatasetInfo` with the image shape and
the number of classes. `labels=True` gives `(images, class_ids)` for class-conditional training; `mirror=True` adds
the x-flipped copy of every image, as the official runs do (`--mirror=1`).

R3GAN's generator step uses its own batch of real images (the anchor of the relativistic pairing), different from
the discriminator step's. So every `fit` batch holds two halves: `batch_size=2 * BATCH` trains with batch `BATCH`.
The paper used a global batch of 512 over several GPUs; 64 fits one GPU, and every schedule is measured in images
seen, so it stays the same.
"""

if SMOKE:
    BATCH, STEPS_PER_EPOCH, EPOCHS = 4, 2, 1
    # 10,000 real MNIST digits stored in the package: no download.
    data, info = keras_gans.datasets.load_dataset("embedded", resolution=32, labels=True, batch_size=2 * BATCH)
else:
    BATCH, STEPS_PER_EPOCH, EPOCHS = 64, None, 400
    data, info = keras_gans.datasets.load_dataset("tfds:cifar10", labels=True, mirror=True, batch_size=2 * BATCH)
print(info)

"""
## The model

`from_preset("cifar10", load_weights=False)` builds the official architecture (4 stages of width 768, grouped
convolutions of cardinality 96, 10 classes, about 21M parameters per network) with fresh weights. Keyword
arguments override the networks' constructor arguments; the smoke run uses it to shrink the widths.

The official code computes the three highest-resolution stages in bfloat16 (`bfloat16_stages`); the presets
reproduce that. Pass `bfloat16_stages=()` to compute everything in float32.
"""

tiny = dict(widths=[8] * 4, cardinalities=[2] * 4, blocks_per_stage=[1] * 4, bfloat16_stages=[]) if SMOKE else {}
gan = keras_gans.R3GAN.from_preset("cifar10", load_weights=False, **tiny)
print(f"Generator: {gan.generator.count_params():,} parameters, discriminator: {gan.discriminator.count_params():,}")

"""
## Training

`compile()` with no arguments uses the preset's recipe (`keras_gans.models.r3gan.preset_recipe("cifar10")`):
gamma 0.05 -> 0.005, learning rate 2e-4 -> 5e-5, Adam `beta_2` 0.9 -> 0.99, EMA half-life 0 -> 5M images and
augmentation probability 0 -> 0.55, each a half-cosine over the first 20M images. Any argument overrides it, e.g.
`gan.compile(gamma=0.1)`.

Two callbacks from `keras_gans.callbacks`:

* `SampleGrid` writes a PNG of samples from fixed latents (EMA generator) every `every_n_images` images; with
  `cols=10` every column is one class.
* `GANCheckpoint` saves the whole training state (both networks, the EMA generator, both optimizers, images seen,
  random-generator states). `resume(gan)` restores the newest checkpoint, so re-running this cell continues an
  interrupted run exactly where it stopped.
"""

# A smoke run takes a few tiny steps: TensorFlow runs them fastest eagerly, JAX compiled (PyTorch is always eager).
gan.compile(run_eagerly=SMOKE and keras.backend.backend() == "tensorflow")

every = 2 * BATCH if SMOKE else 500_000
sample_grid = SampleGrid(OUTPUT / "samples", every_n_images=every, rows=1 if SMOKE else 10, cols=10)
checkpoint = GANCheckpoint(OUTPUT / "checkpoints", every_n_images=every, keep=3)
restored = checkpoint.resume(gan)
print("Resumed from", restored["images_seen"] if restored else "scratch")

history = gan.fit(
    data,
    epochs=EPOCHS,
    steps_per_epoch=STEPS_PER_EPOCH,
    callbacks=[sample_grid, checkpoint],
    verbose=2,
)

"""
## Samples

`generate()` draws from the EMA generator and returns uint8 images. For a conditional model, `labels=None` cycles
through the classes, so a grid with 10 columns shows one class per column.
"""

samples = gan.generate(10 if SMOKE else 100, seed=1)
grid = image_grid(samples, len(samples) // 10, 10)
save_png(grid, OUTPUT / "final_samples.png")
print("Samples:", samples.shape, samples.dtype, "->", OUTPUT / "final_samples.png")

"""
## Saving and reloading

`save_to_preset` writes a KerasHub-style preset directory (`config.json`, `metadata.json`, `model.weights.h5`);
`from_preset` reloads it on any backend.
"""

gan.save_to_preset(OUTPUT / "preset")
reloaded = keras_gans.R3GAN.from_preset(str(OUTPUT / "preset"))
np.testing.assert_array_equal(reloaded.generate(10, seed=1), samples[:10])

"""
## Evaluation

FID of 50,000 samples against the 50,000 CIFAR-10 training images, as in the paper. `dataset_statistics` caches
the reference statistics; the FID Inception network's weights are downloaded once. The official CIFAR-10 weights
are available too: `keras_gans.R3GAN.from_preset("cifar10")` loads them, to compare with. The smoke run skips this
cell.
"""

results = {
    "images_seen": int(keras.ops.convert_to_numpy(gan.images_seen)),
    "d_loss": float(history.history["d_loss"][-1]),
    "g_loss": float(history.history["g_loss"][-1]),
}
if not SMOKE:
    from keras_gans.metrics import compute_fid
    from keras_gans.metrics import dataset_statistics

    reals, _ = keras_gans.datasets.load_dataset("tfds:cifar10", labels=True, batch_size=250, shuffle=False)
    real_statistics = dataset_statistics(
        (images for images, _ in reals.as_numpy_iterator()), "cifar10-train", num_images=50_000
    )
    results["fid50k"] = compute_fid(
        lambda n: gan.generate(n, seed=None), real_statistics, num_images=50_000, batch_size=250
    )
(OUTPUT / "metrics.json").write_text(json.dumps(results, indent=2))
print(results)
