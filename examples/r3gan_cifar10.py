"""
Title: R3GAN on CIFAR-10
Author: keras-gans contributors
Date created: 2026/11/23
Last modified: 2026/11/23
Description: Train a class-conditional R3GAN on CIFAR-10 from TensorFlow Datasets with the paper's recipe.
Accelerator: GPU
Extras: jax, datasets, plot
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

The same script runs on JAX, TensorFlow and PyTorch.
"""

"""
## Quick run or full run

`QUICK = True` (the first code cell) runs a tiny version offline: tiny networks, a few steps, on the MNIST digits
shipped inside the package. It shows that everything works (its samples are noise); on 2 CPU cores it takes a few
seconds on PyTorch and TensorFlow and about a minute on JAX, which compiles first (measured with the test suite,
which runs it so). `QUICK = False` trains the paper's network on CIFAR-10 for 20M images seen (20,000 kimg, the
length of the recipe's schedules: 401 epochs of 49,984 images seen), at batch 64:

| hardware | backend | images/s | full run (20,000 kimg) | source |
|---|---|---:|---:|---|
| NVIDIA H100 | JAX, preset bf16 stages | 760 | 7.3 hours | measured (1) |
| NVIDIA H100 | JAX, float32 | 281 | 20 hours | measured (1) |
| NVIDIA H100 | PyTorch, preset bf16 stages | 158-178 | 31-35 hours | measured (1) |
| NVIDIA T4 (Colab free, Kaggle) | JAX, float32 | ~28 | ~200 hours | **estimate** (2) |
| 2 CPU cores | any | < 7 | months | measured (3) |

(1) `benchmarks/RESULTS.md`: the training step at batch 64 without data loading, on one H100.
(2) Not measured: the H100 float32 rate times 0.1, the T4/H100 ratio of float32 peak (8.1 / 67 TFLOPS) and of
memory bandwidth (320 / 3350 GB/s).
(3) The 19x smaller `bench32` network trains at 6.4-6.9 images/s on 2 cores (`benchmarks/RESULTS.md`).

TensorFlow has no GPU measurement. The T4 has no bfloat16 units: pass `bfloat16_stages=()` to `from_preset` there.
The times count the training steps only (data loading and the sample grids add to them).

**The full run does not fit in one Colab or Kaggle session** (12 hours at most, often less on Colab). It is
built to run over several: a checkpoint is written every 200,000 images and when a session's time budget
(`SESSION_HOURS`) runs out, and the next session resumes from the newest checkpoint:

* **Colab**: set `SAVE_TO_DRIVE = True`, so that the checkpoints go to Google Drive; in the next session run all
  cells again, and training continues where it stopped.
* **Kaggle**: run the notebook with "Save Version" ("Save & Run All"), which keeps `/kaggle/working` as the
  version's output; in the next session add that output as input ("Add Input", "Notebook Output Files") and set
  `RESUME_FROM` to its run folder (e.g. `"/kaggle/input/<your-notebook>/runs/r3gan_cifar10"`): its files are copied
  into `/kaggle/working` and training resumes from its newest checkpoint.
"""

QUICK = True  # set False for the full run (hardware and time: the table above)

import os

if "KERAS_GANS_QUICK" in os.environ:  # scripts and the test suite choose with KERAS_GANS_QUICK=1 or 0
    QUICK = os.environ["KERAS_GANS_QUICK"] != "0"

"""
## Setup
"""

os.environ.setdefault("KERAS_BACKEND", "jax")  # or "tensorflow", "torch"

import json
import math

import keras
import numpy as np

import keras_gans
from keras_gans.callbacks import GANCheckpoint
from keras_gans.callbacks import SampleGrid
from keras_gans.callbacks import TimeLimit
from keras_gans.callbacks import image_grid
from keras_gans.callbacks import save_png
from keras_gans.utils.notebook import output_folder
from keras_gans.utils.notebook import show_image
from keras_gans.utils.notebook import show_losses

keras.utils.set_random_seed(0)

"""
## Where the results go

A Colab or Kaggle runtime deletes its files when it ends. `output_folder` picks a folder that survives:

* **Colab**: `SAVE_TO_DRIVE = True` mounts your Google Drive (Colab asks for permission) and writes to
  `MyDrive/keras-gans/r3gan_cifar10`. Otherwise the results go to `/content/runs/r3gan_cifar10`, deleted with the
  runtime: download what you want to keep from the Files pane.
* **Kaggle**: `/kaggle/working/runs/r3gan_cifar10`, kept as the notebook's output when you "Save Version".
* **Anywhere else**: `runs/r3gan_cifar10` below the working directory.

`RESUME_FROM` names an earlier run's folder whose checkpoints are copied in first (Kaggle, see above).
"""

SAVE_TO_DRIVE = False  # Colab: True keeps the results (and checkpoints) in Google Drive
RESUME_FROM = None  # Kaggle: e.g. "/kaggle/input/<your-notebook>/runs/r3gan_cifar10"
OUTPUT = output_folder("r3gan_cifar10", drive=SAVE_TO_DRIVE, copy_from=RESUME_FROM)

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

if QUICK:
    BATCH, STEPS_PER_EPOCH, EPOCHS = 4, 1, 2
    # 10,000 real MNIST digits stored in the package: no download.
    data, info = keras_gans.datasets.load_dataset("embedded", resolution=32, labels=True, batch_size=2 * BATCH)
else:
    BATCH, STEPS_PER_EPOCH, TOTAL_IMAGES = 64, None, 20_000_000
    data, info = keras_gans.datasets.load_dataset("tfds:cifar10", labels=True, mirror=True, batch_size=2 * BATCH)
    EPOCHS = math.ceil(TOTAL_IMAGES / (info.num_images // (2 * BATCH) * BATCH))  # 401
# Images seen per epoch: a step sees BATCH images (one half of its batch for D, the other for G).
IMAGES_PER_EPOCH = (STEPS_PER_EPOCH or info.num_images // (2 * BATCH)) * BATCH
print(info)

"""
## The model

`from_preset("cifar10", load_weights=False)` builds the official architecture (4 stages of width 768, grouped
convolutions of cardinality 96, 10 classes, about 21M parameters per network) with fresh weights. Keyword
arguments override the networks' constructor arguments; the quick run uses it to shrink the widths.

The official code computes the three highest-resolution stages in bfloat16 (`bfloat16_stages`); the presets
reproduce that. Pass `bfloat16_stages=()` to compute everything in float32.
"""

tiny = dict(widths=[8] * 4, cardinalities=[2] * 4, blocks_per_stage=[1] * 4, bfloat16_stages=[]) if QUICK else {}
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
  random-generator states). `resume(gan)` restores the newest checkpoint, so re-running this cell (or the notebook,
  in a new session) continues an interrupted run where it stopped; `initial_epoch` skips the epochs done.

`TimeLimit(SESSION_HOURS)` ends `fit` before the session does, and `GANCheckpoint` then writes a last checkpoint.
"""

# A quick run takes a few tiny steps: TensorFlow runs them fastest eagerly, JAX compiled (PyTorch is always eager).
gan.compile(run_eagerly=QUICK and keras.backend.backend() == "tensorflow")

SESSION_HOURS = 11.5  # Kaggle and Colab end a session after at most 12 hours
every = 2 * BATCH if QUICK else 200_000
sample_grid = SampleGrid(OUTPUT / "samples", every_n_images=every, rows=1 if QUICK else 10, cols=10)
checkpoint = GANCheckpoint(OUTPUT / "checkpoints", every_n_images=every, keep=3)
restored = checkpoint.resume(gan)
print("Resumed from", restored["images_seen"] if restored else "scratch")
initial_epoch = restored["images_seen"] // IMAGES_PER_EPOCH if restored else 0

history = gan.fit(
    data,
    epochs=EPOCHS,
    initial_epoch=initial_epoch,
    steps_per_epoch=STEPS_PER_EPOCH,
    callbacks=[sample_grid, checkpoint, TimeLimit(SESSION_HOURS)],
    verbose=2,
)
show_losses(history, OUTPUT / "losses.png")

"""
## Samples

`generate()` draws from the EMA generator and returns uint8 images. For a conditional model, `labels=None` cycles
through the classes, so a grid with 10 columns shows one class per column.
"""

samples = gan.generate(10 if QUICK else 100, seed=1)
grid = image_grid(samples, len(samples) // 10, 10)
save_png(grid, OUTPUT / "final_samples.png")
print("Samples:", samples.shape, samples.dtype, "->", OUTPUT / "final_samples.png")
show_image(grid)

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
are available too: `keras_gans.R3GAN.from_preset("cifar10")` loads them, to compare with. The quick run skips this
cell.
"""

results = {
    "images_seen": int(keras.ops.convert_to_numpy(gan.images_seen)),
    # None when this fit had no epoch left to run (a finished run started again)
    "d_loss": float(history.history["d_loss"][-1]) if history.history else None,
    "g_loss": float(history.history["g_loss"][-1]) if history.history else None,
}
if not QUICK:
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
