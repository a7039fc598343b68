"""
Title: Growing ProGAN on CelebA-HQ
Author: keras-gans contributors
Date created: 2026/11/23
Last modified: 2026/11/23
Description: Progressive growing from 4x4 to 1024x1024 inside one fit(), and faces from a pretrained checkpoint.
Accelerator: GPU
Extras: jax, plot
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

"""

"""
## Quick run or full run

`QUICK = True` (the first code cell) runs a tiny version offline on a folder of 8x8 digit images (written from the
MNIST digits shipped with the package), with tiny networks and a schedule of a few images per phase. It shows that
everything works (its samples are noise); on 2 CPU cores it takes a few seconds on PyTorch and TensorFlow and
about a minute on JAX, which compiles first (measured with the test suite, which runs it so). `QUICK = False` trains
the `celebahq_1024` networks on your CelebA-HQ folder with the official schedule: 12M images (12,000 kimg)
at batch 4, growing from 4x4 to 1024x1024, then generates faces from a pretrained checkpoint.

| run | hardware | time | source |
|---|---|---|---|
| quick | any CPU | 5 s (PyTorch, TensorFlow) to 1 minute (JAX) | measured on 2 CPU cores (test suite) |
| full, 1024x1024, 12,000 kimg | one GPU with 16 GB or more | days | **not measured** (1) |
| full, `RESOLUTION = 256` | one GPU | less: the last resolutions cost the most | not measured |
| the pretrained faces only | any GPU or CPU | minutes (one download) | |

(1) keras-gans' ProGAN training speed has no GPU measurement yet. For scale, the paper trained its CelebA-HQ
network (19,000 kimg) for 4 days on 8 Tesla V100 GPUs.

**The full run does not fit in one Colab or Kaggle session** (12 hours at most). Checkpoints carry it over: one
every 300,000 images and one when `SESSION_HOURS` run out; the next session resumes from the newest (the number
of images seen fixes the resolution, the fade-in and the learning rate). On Colab, set `SAVE_TO_DRIVE = True` and
run all cells again in the next session. On Kaggle, run with "Save Version", add that version's output as input in
the next session and set `RESUME_FROM` to its run folder (e.g.
`"/kaggle/input/<your-notebook>/runs/progan_celebahq"`).
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
import pathlib

import keras
from PIL import Image

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
  `MyDrive/keras-gans/progan_celebahq`. Otherwise the results go to `/content/runs/progan_celebahq`, deleted with
  the runtime: download what you want to keep from the Files pane.
* **Kaggle**: `/kaggle/working/runs/progan_celebahq`, kept as the notebook's output when you "Save Version".
* **Anywhere else**: `runs/progan_celebahq` below the working directory.
"""

SAVE_TO_DRIVE = False  # Colab: True keeps the results (and checkpoints) in Google Drive
RESUME_FROM = None  # Kaggle: e.g. "/kaggle/input/<your-notebook>/runs/progan_celebahq"
OUTPUT = output_folder("progan_celebahq", drive=SAVE_TO_DRIVE, copy_from=RESUME_FROM)

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

if QUICK:
    RESOLUTION, BATCH = 8, 8
    CELEBAHQ_DIR = OUTPUT / "quick_images"
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

if QUICK:
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
    str(CELEBAHQ_DIR), resolution=RESOLUTION, batch_size=BATCH, mirror=not QUICK
)
print(info)

"""
## Training: one fit through every resolution

`compile()` with no arguments applies the recipe. `ProGAN.fit` adds the `ProgressiveGrowing` callback itself; its
`transitions` list records every phase boundary. `GANCheckpoint.resume` makes the cell restartable: the number of
images seen determines the level of detail, the active resolution and the learning rate, so a resumed run
continues exactly where it stopped (`initial_epoch` skips the epochs done). `TimeLimit(SESSION_HOURS)` ends `fit`,
with a last checkpoint, before a hosted session ends.
"""

# A quick run takes a few tiny steps: TensorFlow runs them fastest eagerly, JAX compiled (PyTorch is always eager).
gan.compile(run_eagerly=QUICK and keras.backend.backend() == "tensorflow")

total_images = 6 * BATCH if QUICK else int(schedule.total_kimg * 1000)
steps_per_epoch = len(data)
epochs = math.ceil(total_images / (steps_per_epoch * BATCH))
if QUICK:
    steps_per_epoch, epochs = 3, 2

SESSION_HOURS = 11.5  # Kaggle and Colab end a session after at most 12 hours
every = 2 * BATCH if QUICK else 300_000
checkpoint = GANCheckpoint(OUTPUT / "checkpoints", every_n_images=every, keep=2)
restored = checkpoint.resume(gan)
history = gan.fit(
    data,
    epochs=epochs,
    initial_epoch=restored["images_seen"] // (steps_per_epoch * BATCH) if restored else 0,
    steps_per_epoch=steps_per_epoch,
    callbacks=[
        SampleGrid(OUTPUT / "samples", every_n_images=every, rows=4, cols=4),
        checkpoint,
        TimeLimit(SESSION_HOURS),
    ],
    verbose=2,
)
show_losses(history, OUTPUT / "losses.png")

"""
After training, `generate()` samples the EMA generator at the active resolution.
"""

images_seen = int(keras.ops.convert_to_numpy(gan.images_seen))
active = gan.generator.active_resolution
samples = gan.generate(16, seed=0)
final_grid = image_grid(samples, 4, 4)
save_png(final_grid, OUTPUT / "final_samples.png")
show_image(final_grid)
print(f"{images_seen} images seen, active resolution {active}, samples {samples.shape}")

"""
## Evaluation

ProGAN reports the sliced Wasserstein distance between Laplacian-pyramid patches of real and generated images
(`keras_gans.metrics.sliced_wasserstein_distance`, in units of 1e-3 per pyramid level) and MS-SSIM between pairs
of samples (`keras_gans.metrics.ms_ssim_diversity`). The paper uses 16,384 images for SWD; 2,048 give a quick
estimate. The quick run's 8x8 images are too small for them and skip this cell.
"""

d_loss = float(history.history["d_loss"][-1]) if history.history else None  # None: no epoch was left to run
results = {"images_seen": images_seen, "active_resolution": int(active), "d_loss": d_loss}
if not QUICK:
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
`keras_gans.models.progan.progan_from_pgz` do the same step by step. The quick run skips the download.
"""

if not QUICK:
    pretrained = keras_gans.ProGAN.from_preset("pgz_celebahq_512")
    faces = image_grid(pretrained.generate(16, seed=0, batch_size=4), 4, 4)
    save_png(faces, OUTPUT / "pretrained_faces.png")
    print("Wrote", OUTPUT / "pretrained_faces.png")
    show_image(faces)
