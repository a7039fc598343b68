"""
Title: Growing ProGAN on CelebA-HQ
Author: keras-gans contributors
Date created: 2026/11/23
Last modified: 2026/11/23
Description: Progressive growing from 4x4 to 1024x1024 inside one fit(), and faces from a pretrained checkpoint.
Accelerator: GPU
Extras: jax
"""

"""
## Introduction

[ProGAN](https://arxiv.org/abs/1710.10196) (Karras et al., ICLR 2018) starts with 4x4 images and doubles the
resolution during training, fading every new block in smoothly. `keras_gans.ProGAN` runs the whole schedule inside
one `fit()`: each step computes the level of detail from the number of images seen, and at every phase boundary a
callback activates the next blocks, resets both Adam optimizers (as the official code does) and re-traces the
train function. All blocks exist from the start, so checkpoints resume anywhere, even in the middle of a fade-in.

This example:

1. trains the paper's CelebA-HQ configuration (`ProGAN.from_preset("celebahq_1024")`) on a folder of images;
2. generates faces from a pretrained pytorch_GAN_zoo checkpoint, converted to Keras without running pickled code.

`KERAS_GANS_SMOKE=1` runs it offline in seconds on a folder of 8x8 digit images (written from the MNIST digits
shipped with the package) with tiny networks and a schedule of a few images per phase; the test suite runs it so.
"""

"""
## Setup
"""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # or "tensorflow", "torch"

import json
import math
import pathlib

import keras
from PIL import Image

import keras_gans
from keras_gans.callbacks import GANCheckpoint
from keras_gans.callbacks import SampleGrid
from keras_gans.callbacks import image_grid
from keras_gans.callbacks import save_png

SMOKE = os.environ.get("KERAS_GANS_SMOKE") == "1"
OUTPUT = pathlib.Path(os.environ.get("KERAS_GANS_OUTPUT", "runs/progan_celebahq"))
OUTPUT.mkdir(parents=True, exist_ok=True)
keras.utils.set_random_seed(0)

"""
## Getting CelebA-HQ

CelebA-HQ (30,000 faces at 1024x1024) is not downloaded automatically anywhere: it is built from CelebA with the
`dataset_tool.py create_celebahq` command of the official ProGAN repository
([tkarras/progressive_growing_of_gans](https://github.com/tkarras/progressive_growing_of_gans)), or TensorFlow
Datasets' `celeb_a_hq` (which needs the same manual preparation). Put the 30,000 images (PNG or JPEG) in one folder
and point `CELEBAHQ_DIR` at it. Any folder of face photos works the same way: `load_dataset` centre-crops and
resizes them.

For a quicker run, train a smaller resolution of the same network: `RESOLUTION = 256` builds the
`celebahq_1024` networks with their 1024x1024 channel widths cut off at 256x256.
"""

if SMOKE:
    RESOLUTION, BATCH = 8, 8
    CELEBAHQ_DIR = OUTPUT / "smoke_images"
    digits, _ = keras_gans.datasets.load_embedded_digits(resolution=32)
    CELEBAHQ_DIR.mkdir(parents=True, exist_ok=True)
    for i, digit in enumerate(digits[:32]):
        Image.fromarray(digit).save(CELEBAHQ_DIR / f"{i:05d}.png")
else:
    RESOLUTION = 1024
    CELEBAHQ_DIR = pathlib.Path(os.environ.get("CELEBAHQ_DIR", "celebahq"))
    BATCH = None  # set from the schedule below

"""
## The model and its schedule

`ProGAN.from_preset("celebahq_1024")` builds the generator and discriminator of the official release with the
`v2_1gpu` schedule (600k images to stabilise each resolution, 600k to fade in the next, 12M in all) and the
recipe: WGAN-GP (lambda 10) plus the drift term, Adam(0, 0.99), an EMA generator with beta 0.999, and the
per-resolution learning rate. Keyword arguments override the networks' arguments (`resolution`, `fmap_base`,
`channels`, ...); `schedule=` overrides the schedule.

Keras `fit` uses one batch size throughout, while the official schedule shrinks the minibatch as the resolution
grows; we pick the final resolution's minibatch, which fits in memory at every phase.
"""

if SMOKE:
    gan = keras_gans.ProGAN.from_preset(
        "celebahq_1024",
        resolution=RESOLUTION,
        channels=[4, 4],
        schedule={"lod_training_kimg": 0.008, "lod_transition_kimg": 0.008},  # 8 images per phase
    )
else:
    gan = keras_gans.ProGAN.from_preset("celebahq_1024", resolution=RESOLUTION)
schedule = gan.growth_schedule
BATCH = BATCH or schedule.minibatch_for(RESOLUTION)
print(
    "Resolution",
    RESOLUTION,
    "batch",
    BATCH,
    "images per phase",
    schedule.training_images,
    "+",
    schedule.transition_images,
)

data, info = keras_gans.datasets.load_dataset(
    str(CELEBAHQ_DIR), resolution=RESOLUTION, batch_size=BATCH, mirror=not SMOKE
)
print(info)

"""
## Training: one fit through every resolution

`compile()` with no arguments applies the recipe. `ProGAN.fit` adds the `ProgressiveGrowing` callback itself; its
`transitions` list records every phase boundary. `GANCheckpoint.resume` makes the cell restartable: the number of
images seen determines the level of detail, the active resolution and the learning rate, so a resumed run
continues exactly where it stopped.
"""

# A smoke run takes a few tiny steps: TensorFlow runs them fastest eagerly, JAX compiled (PyTorch is always eager).
gan.compile(run_eagerly=SMOKE and keras.backend.backend() == "tensorflow")

total_images = 6 * BATCH if SMOKE else int(schedule.total_kimg * 1000)
steps_per_epoch = len(data)
epochs = math.ceil(total_images / (steps_per_epoch * BATCH))
if SMOKE:
    steps_per_epoch, epochs = 6, 1

every = 2 * BATCH if SMOKE else 300_000
checkpoint = GANCheckpoint(OUTPUT / "checkpoints", every_n_images=every, keep=2)
checkpoint.resume(gan)
history = gan.fit(
    data,
    epochs=epochs,
    steps_per_epoch=steps_per_epoch,
    callbacks=[SampleGrid(OUTPUT / "samples", every_n_images=every, rows=4, cols=4), checkpoint],
    verbose=2,
)

"""
After training, `generate()` samples the EMA generator at the active resolution.
"""

images_seen = int(keras.ops.convert_to_numpy(gan.images_seen))
active = gan.generator.active_resolution
samples = gan.generate(16, seed=0)
save_png(image_grid(samples, 4, 4), OUTPUT / "final_samples.png")
print(f"{images_seen} images seen, active resolution {active}, samples {samples.shape}")

"""
## Evaluation

ProGAN reports the sliced Wasserstein distance between Laplacian-pyramid patches of real and generated images
(`keras_gans.metrics.sliced_wasserstein_distance`, in units of 1e-3 per pyramid level) and MS-SSIM between pairs
of samples (`keras_gans.metrics.ms_ssim_diversity`). The paper uses 16,384 images for SWD; 2,048 give a quick
estimate. The smoke run's 8x8 images are too small for them and skip this cell.
"""

results = {"images_seen": images_seen, "active_resolution": int(active), "d_loss": float(history.history["d_loss"][-1])}
if not SMOKE:
    from keras_gans.metrics import sliced_wasserstein_distance

    reals, _ = keras_gans.datasets.load_dataset(str(CELEBAHQ_DIR), resolution=RESOLUTION, as_numpy=True)
    results.update(sliced_wasserstein_distance(reals[:2048], gan.generate(2048, seed=1, batch_size=8)))
(OUTPUT / "metrics.json").write_text(json.dumps(results, indent=2))
print(results)

"""
## Faces from a pretrained checkpoint

The [pytorch_GAN_zoo](https://github.com/facebookresearch/pytorch_GAN_zoo) project published ProGANs trained on
CelebA-HQ. `ProGAN.from_preset("pgz_celebahq_512")` downloads the 512x512 one once, reads the `.pth` file as data
(it never unpickles code), converts it and caches the Keras preset; `keras_gans.ProGAN.presets` lists the names.
A checkpoint file of your own is loaded the same way, `ProGAN.from_preset("path/to/checkpoint.pth")` (converted
once into the cache); `keras_gans.utils.read_pytorch_gan_zoo_checkpoint` and
`keras_gans.models.progan.progan_from_pgz` do the same step by step. The smoke run skips the download.
"""

if not SMOKE:
    pretrained = keras_gans.ProGAN.from_preset("pgz_celebahq_512")
    faces = pretrained.generate(16, seed=0, batch_size=4)
    save_png(image_grid(faces, 4, 4), OUTPUT / "pretrained_faces.png")
    print("Wrote", OUTPUT / "pretrained_faces.png")
