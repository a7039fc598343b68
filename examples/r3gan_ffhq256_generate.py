"""
Title: Faces from the pretrained R3GAN FFHQ-256 model
Author: keras-gans contributors
Date created: 2026/11/23
Last modified: 2026/11/23
Description: Load the official R3GAN FFHQ-256 weights as a Keras preset, sample a grid and interpolate latents.
Accelerator: GPU
Extras: jax, hub, plot
"""

"""
## Introduction

The authors of [R3GAN](https://arxiv.org/abs/2501.05441) published their trained models. `keras_gans` downloads
an official checkpoint from the authors' Hugging Face repository once, converts it as data (the pickled file is
read without executing any of its code), caches the converted Keras preset, and loads it on any backend.

This example samples faces from the FFHQ 256x256 model (23M parameters per network).
"""

"""
## Quick run or full run

`QUICK = True` (the first code cell) uses the small StackedMNIST model whose weights ship with the library instead
of the FFHQ download, so it runs offline in seconds and draws coloured digits (the test suite runs it so).
`QUICK = False` downloads the official FFHQ-256 model once and draws faces. Nothing is trained, so any runtime
does:

| run | hardware | time | source |
|---|---|---|---|
| quick | any CPU | seconds | measured on 2 CPU cores (test suite) |
| full | 2 CPU cores | 8 s (TensorFlow), 31 s (PyTorch), 61 s (JAX) per 16 faces | measured (1) |
| full | any GPU (a Colab or Kaggle T4 included) | seconds | not measured |

(1) The same architecture with fresh weights on a loaded 2-core CPU. On top: the one-time download and
conversion, and on JAX about 4 minutes of compilation at the first call (the CPU compiles slowly; set
`KERAS_BACKEND` to `"tensorflow"` there).
"""

QUICK = True  # set False for the FFHQ faces (one download)

import os

if "KERAS_GANS_QUICK" in os.environ:  # scripts and the test suite choose with KERAS_GANS_QUICK=1 or 0
    QUICK = os.environ["KERAS_GANS_QUICK"] != "0"

"""
## Setup
"""

os.environ.setdefault("KERAS_BACKEND", "jax")  # or "tensorflow", "torch"

import json

import numpy as np

import keras_gans
from keras_gans.callbacks import image_grid
from keras_gans.callbacks import save_png
from keras_gans.utils.notebook import output_folder
from keras_gans.utils.notebook import show_image

"""
## Where the results go

A Colab or Kaggle runtime deletes its files when it ends. `output_folder` picks a folder that survives:

* **Colab**: `SAVE_TO_DRIVE = True` mounts your Google Drive (Colab asks for permission) and writes to
  `MyDrive/keras-gans/r3gan_ffhq256`. Otherwise the results go to `/content/runs/r3gan_ffhq256`, deleted with the
  runtime: download what you want to keep from the Files pane.
* **Kaggle**: `/kaggle/working/runs/r3gan_ffhq256`, kept as the notebook's output when you "Save Version".
* **Anywhere else**: `runs/r3gan_ffhq256` below the working directory.
"""

SAVE_TO_DRIVE = False  # Colab: True keeps the results in Google Drive
OUTPUT = output_folder("r3gan_ffhq256", drive=SAVE_TO_DRIVE)

"""
## Loading the preset

`R3GAN.from_preset("ffhq256")` returns the whole model: generator, discriminator and the EMA generator used for
sampling. `keras_gans.R3GAN.presets` lists every name, with a description and whether it has weights; the
presets without weights build the architecture with `load_weights=False`. A `network-snapshot-*.pkl` of the
official code is loaded the same way, `R3GAN.from_preset("path/to/network-snapshot-....pkl")` (converted once).

As in the official code, the four highest-resolution stages compute in bfloat16. `bfloat16_stages=()` computes
everything in float32 (slower, and useful on hardware without fast bfloat16).
"""

print("Presets with weights:", [name for name, preset in keras_gans.R3GAN.presets.items() if preset["weights"]])
if QUICK:  # the small StackedMNIST model whose weights ship with the library (offline)
    gan = keras_gans.R3GAN.from_preset("stacked_mnist_small")
else:
    gan = keras_gans.R3GAN.from_preset("ffhq256")
print("Image shape:", gan.image_shape, "latent size:", gan.latent_dim)

"""
## A grid of faces

`generate(n, seed=...)` draws `n` latents from `numpy.random.default_rng(seed)`, so a seed gives the same faces on
every backend, and returns uint8 images `(n, 256, 256, 3)` from the EMA generator.
"""

faces = gan.generate(16, seed=0, batch_size=8)
faces_grid = image_grid(faces, 4, 4)
save_png(faces_grid, OUTPUT / "faces.png")
print("Wrote", OUTPUT / "faces.png")
show_image(faces_grid)

"""
## Interpolating between two faces

`generate` also takes latents directly. A straight line between two latents gives a smooth morph from one face to
the other.
"""

endpoints = np.random.default_rng(1).standard_normal((2, gan.latent_dim)).astype("float32")
steps = np.linspace(0.0, 1.0, 8, dtype="float32")[:, None]
latents = (1.0 - steps) * endpoints[0] + steps * endpoints[1]
morph = gan.generate(latents, batch_size=8)
morph_grid = image_grid(morph, 1, 8)
save_png(morph_grid, OUTPUT / "interpolation.png")
print("Wrote", OUTPUT / "interpolation.png")
show_image(morph_grid)

"""
## EMA and raw generator

Samples come from the exponential moving average of the generator's weights (`use_ema=True`, the default), as in
the paper. `use_ema=False` samples from the trained generator itself; `output="float"` returns the raw [-1, 1]
output instead of uint8.
"""

raw = gan.generate(8, seed=0, output="float", batch_size=8)
print("Float output range:", float(raw.min()), float(raw.max()))
trained = gan.generate(8, seed=0, use_ema=False, batch_size=8)
summary = {
    "image_shape": list(gan.image_shape),
    "mean_pixel": float(faces.mean()),
    "ema_vs_trained_mean_abs_difference": float(np.abs(trained.astype("float32") - faces[:8].astype("float32")).mean()),
}
(OUTPUT / "summary.json").write_text(json.dumps(summary, indent=2))
print(summary)
