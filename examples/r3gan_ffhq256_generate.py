"""
Title: Faces from the pretrained R3GAN FFHQ-256 model
Author: keras-gans contributors
Date created: 2026/11/23
Last modified: 2026/11/23
Description: Load the official R3GAN FFHQ-256 weights as a Keras preset, sample a grid and interpolate latents.
Accelerator: GPU
Extras: jax, hub
"""

"""
## Introduction

The authors of [R3GAN](https://arxiv.org/abs/2501.05441) published their trained models. `keras_gans` downloads
an official checkpoint from the authors' Hugging Face repository once, converts it as data (the pickled file is
read without executing any of its code), caches the converted Keras preset, and loads it on any backend.

This example samples faces from the FFHQ 256x256 model (23M parameters per network). `KERAS_GANS_SMOKE=1` swaps
the download for a tiny architecture with fresh weights, so the script runs offline in seconds (the test suite runs
it that way); its "faces" are noise.
"""

"""
## Setup
"""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # or "tensorflow", "torch"

import json
import pathlib

import numpy as np

import keras_gans
from keras_gans.callbacks import image_grid
from keras_gans.callbacks import save_png

SMOKE = os.environ.get("KERAS_GANS_SMOKE") == "1"
OUTPUT = pathlib.Path(os.environ.get("KERAS_GANS_OUTPUT", "runs/r3gan_ffhq256"))
OUTPUT.mkdir(parents=True, exist_ok=True)

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
if SMOKE:  # the small StackedMNIST model whose weights ship with the library (offline)
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
save_png(image_grid(faces, 4, 4), OUTPUT / "faces.png")
print("Wrote", OUTPUT / "faces.png")

"""
## Interpolating between two faces

`generate` also takes latents directly. A straight line between two latents gives a smooth morph from one face to
the other.
"""

endpoints = np.random.default_rng(1).standard_normal((2, gan.latent_dim)).astype("float32")
steps = np.linspace(0.0, 1.0, 8, dtype="float32")[:, None]
latents = (1.0 - steps) * endpoints[0] + steps * endpoints[1]
morph = gan.generate(latents, batch_size=8)
save_png(image_grid(morph, 1, 8), OUTPUT / "interpolation.png")
print("Wrote", OUTPUT / "interpolation.png")

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
