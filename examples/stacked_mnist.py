"""
Title: Mode coverage on StackedMNIST with R3GAN
Author: keras-gans contributors
Date created: 2026/11/23
Last modified: 2026/11/23
Description: Train R3GAN (RpGAN + R1 + R2) on the 1000-mode StackedMNIST and count the modes it covers.
Accelerator: GPU
Extras: jax, plot
"""

"""
## Introduction

StackedMNIST stacks three random MNIST digits as the red, green and blue channels of one 32x32 image, so it has
10^3 = 1000 modes (digit triples). A generator that collapses covers few of them. The protocol of VEEGAN and
PacGAN, also reported by [R3GAN](https://arxiv.org/abs/2501.05441) (Table 2), draws 26,000 samples, classifies each
channel with a pretrained MNIST classifier and reports

* **modes**: how many of the 1000 triples appear among the samples;
* **KL**: the KL divergence from the samples' mode histogram to the uniform distribution (0 is perfect).

R3GAN's claim is that the relativistic pairing loss with R1 and R2 covers all modes. This example trains the
`stacked_mnist` preset (the CIFAR-10 unconditional architecture and recipe at 32x32; the official code has no
StackedMNIST configuration) and measures both numbers with `keras_gans.metrics`.

"""

"""
## Quick run or full run

`QUICK = True` (the first code cell) runs a tiny version offline: StackedMNIST built from the MNIST digits shipped
inside the package, tiny networks, two steps, 200 samples. It shows that everything works (its samples are noise);
on 2 CPU cores it takes a few seconds on PyTorch and TensorFlow and about a minute on JAX, which compiles first
(measured with the test suite, which runs it so). `QUICK = False` trains the `stacked_mnist` preset for 6M images
seen (6,000 kimg: 201 epochs of 29,952 images, a batch of 64 per step from 60,000 stacked images) and
counts modes over 26,000 samples:

| hardware | backend | images/s | full run (6,000 kimg) | source |
|---|---|---:|---:|---|
| NVIDIA H100 | JAX, preset bf16 stages | 760 | 2.2 hours | measured (1) |
| NVIDIA H100 | PyTorch, preset bf16 stages | 158-178 | 9.4-10.5 hours | measured (1) |
| NVIDIA T4 (Colab free, Kaggle) | JAX, float32 | ~28 | ~60 hours | **estimate** (2) |
| 2 CPU cores | any | < 7 | weeks | measured (3) |

(1) `benchmarks/RESULTS.md`: the training step of the CIFAR-10 network (this one but for its class input) at
batch 64 without data loading, on one H100.
(2) Not measured: the H100 float32 rate (281 images/s) times 0.1, the T4/H100 ratio of float32 peak
(8.1 / 67 TFLOPS) and of memory bandwidth (320 / 3350 GB/s).
(3) The 19x smaller `bench32` network trains at 6.4-6.9 images/s on 2 cores (`benchmarks/RESULTS.md`).

TensorFlow has no GPU measurement. The T4 has no bfloat16 units: pass `bfloat16_stages=()` to `from_preset` there.

On a T4 the full run takes several Colab or Kaggle sessions (12 hours at most each). Checkpoints make that work:
one every 200,000 images and one when `SESSION_HOURS` run out; the next session resumes from the newest. On
Colab, set `SAVE_TO_DRIVE = True` and run all cells again in the next session. On Kaggle, run with "Save Version",
add that version's output as input in the next session and set `RESUME_FROM` to its run folder (e.g.
`"/kaggle/input/<your-notebook>/runs/stacked_mnist"`).
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

import keras_gans
from keras_gans.callbacks import GANCheckpoint
from keras_gans.callbacks import SampleGrid
from keras_gans.callbacks import TimeLimit
from keras_gans.callbacks import image_grid
from keras_gans.callbacks import save_png
from keras_gans.metrics import stacked_mnist_modes
from keras_gans.utils.notebook import output_folder
from keras_gans.utils.notebook import show_image
from keras_gans.utils.notebook import show_losses

keras.utils.set_random_seed(0)

"""
## Where the results go

A Colab or Kaggle runtime deletes its files when it ends. `output_folder` picks a folder that survives:

* **Colab**: `SAVE_TO_DRIVE = True` mounts your Google Drive (Colab asks for permission) and writes to
  `MyDrive/keras-gans/stacked_mnist`. Otherwise the results go to `/content/runs/stacked_mnist`, deleted with the
  runtime: download what you want to keep from the Files pane.
* **Kaggle**: `/kaggle/working/runs/stacked_mnist`, kept as the notebook's output when you "Save Version".
* **Anywhere else**: `runs/stacked_mnist` below the working directory.
"""

SAVE_TO_DRIVE = False  # Colab: True keeps the results (and checkpoints) in Google Drive
RESUME_FROM = None  # Kaggle: e.g. "/kaggle/input/<your-notebook>/runs/stacked_mnist"
OUTPUT = output_folder("stacked_mnist", drive=SAVE_TO_DRIVE, copy_from=RESUME_FROM)

"""
## The data

`load_dataset("stacked_mnist")` builds the dataset from real MNIST (downloaded once by
`keras.datasets.mnist`): each image draws three digits at random, and the digits are padded from 28x28 to 32x32.
`keras_gans.datasets.stack_digits` does the same from any set of digits; the quick run uses it on the 10,000
digits shipped with the package.

As for every R3GAN model, a `fit` batch of `2 * BATCH` images holds the discriminator's and the generator's real
halves.
"""

if QUICK:
    BATCH, STEPS_PER_EPOCH, EPOCHS, NUM_EVAL = 4, 1, 2, 200
    padded, digit_labels = keras_gans.datasets.load_embedded_digits(resolution=32, as_rgb=False)
    digits = padded[:, 2:30, 2:30, 0]  # undo the 2-pixel border: (10000, 28, 28)
    images, modes = keras_gans.datasets.stack_digits(digits, digit_labels, num_samples=256, seed=0)
    data = keras_gans.datasets.ArrayBatches(images, batch_size=2 * BATCH, seed=0)
else:
    BATCH, STEPS_PER_EPOCH, TOTAL_IMAGES, NUM_EVAL = 64, None, 6_000_000, 26_000
    data, info = keras_gans.datasets.load_dataset("stacked_mnist", batch_size=2 * BATCH)
    print(info)
    EPOCHS = math.ceil(TOTAL_IMAGES / (len(data) * BATCH))
# Images seen per epoch: a step sees BATCH images (one half of its batch for D, the other for G).
IMAGES_PER_EPOCH = (STEPS_PER_EPOCH or len(data)) * BATCH
real_batch = data[0]
real_grid = image_grid(real_batch[:8], 1, 8)
save_png(real_grid, OUTPUT / "real_examples.png")
show_image(real_grid)

"""
## Model and training

`from_preset("stacked_mnist", load_weights=False)` builds the networks; `compile()` sets the recipe: the RpGAN
loss with R1 and R2 (gamma 0.05 -> 0.005), Adam with `beta_1 = 0`, an EMA generator and cosine schedules. The
quick run shrinks the widths with keyword overrides.

`GANCheckpoint.resume` restores the newest checkpoint of an interrupted run (`initial_epoch` skips the epochs
done), and `TimeLimit(SESSION_HOURS)` ends `fit`, with a last checkpoint, before a hosted session ends.
"""

tiny = dict(widths=[8] * 4, cardinalities=[2] * 4, blocks_per_stage=[1] * 4, bfloat16_stages=[]) if QUICK else {}
gan = keras_gans.R3GAN.from_preset("stacked_mnist", load_weights=False, **tiny)
# A quick run takes a few tiny steps: TensorFlow runs them fastest eagerly, JAX compiled (PyTorch is always eager).
gan.compile(run_eagerly=QUICK and keras.backend.backend() == "tensorflow")

SESSION_HOURS = 11.5  # Kaggle and Colab end a session after at most 12 hours
checkpoint = GANCheckpoint(OUTPUT / "checkpoints", every_n_images=2 * BATCH if QUICK else 200_000, keep=3)
restored = checkpoint.resume(gan)
initial_epoch = restored["images_seen"] // IMAGES_PER_EPOCH if restored else 0
history = gan.fit(
    data,
    epochs=EPOCHS,
    initial_epoch=initial_epoch,
    steps_per_epoch=STEPS_PER_EPOCH,
    callbacks=[
        SampleGrid(OUTPUT / "samples", every_n_images=2 * BATCH if QUICK else 1_000_000, rows=4, cols=8),
        checkpoint,
        TimeLimit(SESSION_HOURS),
    ],
    verbose=2,
)
show_losses(history, OUTPUT / "losses.png")

"""
## Counting modes

`stacked_mnist_modes(images)` classifies the three channels of every image with the MNIST classifier shipped with
the library (`keras_gans.metrics.load_mnist_classifier`, no download) and returns the number of modes, the KL to
uniform and the histogram. `keras_gans.metrics.StackedMNISTModeCoverage` does the same in batches, for very many
samples.

Real StackedMNIST images are the reference: with 26,000 of them all 1000 modes appear and the KL is a few
hundredths, from finite-sample noise and MNIST's slightly uneven class frequencies.
"""

samples = gan.generate(NUM_EVAL, seed=1, batch_size=500)
final_grid = image_grid(samples[:32], 4, 8)
save_png(final_grid, OUTPUT / "final_samples.png")
show_image(final_grid)
generated = stacked_mnist_modes(samples)
if QUICK:
    reference = stacked_mnist_modes(images[:NUM_EVAL])
else:
    real_images, _ = keras_gans.datasets.load_stacked_mnist("test", num_samples=NUM_EVAL, seed=0)
    reference = stacked_mnist_modes(real_images)

results = {
    "num_samples": NUM_EVAL,
    "generated": {"modes": generated["modes"], "kl": generated["kl"]},
    "real": {"modes": reference["modes"], "kl": reference["kl"]},
    "images_seen": int(keras.ops.convert_to_numpy(gan.images_seen)),
}
(OUTPUT / "metrics.json").write_text(json.dumps(results, indent=2))
print(json.dumps(results, indent=2))
