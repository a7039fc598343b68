"""Trains the shipped `mnist_small` R3GAN (class-conditional MNIST, 32x32 grey) and saves it as a preset.

The network and recipe are the `mnist_small` preset's (`keras_gans/models/r3gan/r3gan_presets.py`): RpGAN + R1 +
R2, Adam (0, 0.99), learning rate 1e-3 -> 2.5e-4 and gamma 1.0 -> 0.1 on half-cosines over `decay_nimg`, EMA
half-life growing to 20,000 images, batch 8, no augmentation. The data are the 60,000 MNIST training digits with
their labels, padded 28 -> 32 (`keras.datasets.mnist`, from Keras' cache). The network is small enough to train on
a laptop CPU: the recipe's 300,000 images take about an hour and a half on two cores.

At the end the EMA generator is scored with the shipped MNIST classifier (`keras_gans.metrics.mnist_classifier.
digit_quality`) on `--num-samples` images, one tenth per digit: how often the classifier reads the requested
digit, how confident it is, the Frechet and kernel distances to real test digits in the classifier's feature space
(which also see a lack of variety within a class), and the same figures of real digits (the ceiling). The preset,
with the command, images seen, device, time and those figures in its `metadata.json`, goes to `OUTPUT/preset`; a
grid of samples (one row per digit) to `OUTPUT/samples.png`. Package it with

    python weights/package_shipped_preset.py OUTPUT/preset --name mnist_small --package-copy

Usage:

    KERAS_BACKEND=jax python weights/train_mnist_small.py --output runs/mnist_small
    KERAS_BACKEND=jax python weights/train_mnist_small.py --output runs/mnist_small --resume   # after a stop
    python weights/train_mnist_small.py --smoke --output /tmp/mnist_small_smoke               # the pipeline only

Checkpoints (every `--checkpoint-every` images, in `OUTPUT/checkpoint`) let a stopped run resume; `--hours` ends a
run cleanly after a time budget (the preset then records the images it saw).
"""

import argparse
import json
import os
import pathlib
import platform
import time

import keras
import numpy as np

import keras_gans
from keras_gans.backend import device_name
from keras_gans.callbacks import GANCheckpoint
from keras_gans.callbacks import TimeLimit
from keras_gans.callbacks import image_grid
from keras_gans.callbacks import save_png
from keras_gans.callbacks.checkpoint import latest_checkpoint
from keras_gans.cli.train import training_batches
from keras_gans.metrics import mnist_classifier
from keras_gans.metrics.fid import frechet_distance
from keras_gans.metrics.fid import kernel_inception_distance

PRESET = "mnist_small"
SMOKE_NETWORKS = {"widths": [8] * 4, "cardinalities": [1] * 4}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True, help="folder for the preset, checkpoints and samples")
    parser.add_argument("--steps", type=int, default=None, help="training steps (default: the recipe's decay_nimg)")
    parser.add_argument("--hours", type=float, default=None, help="stop cleanly after this much wall time")
    parser.add_argument("--checkpoint-every", type=int, default=40_000, help="images between checkpoints")
    parser.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in OUTPUT")
    parser.add_argument("--num-samples", type=int, default=10_000, help="generated digits scored at the end")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="tiny networks, a few steps and samples (seconds)")
    return parser.parse_args(argv)


def build_model(args):
    """The `mnist_small` R3GAN with its recipe (tiny widths with --smoke)."""
    if not args.smoke:
        return keras_gans.R3GAN.from_preset(PRESET, load_weights=False, seed=args.seed)
    from keras_gans.models.r3gan import preset_arguments
    from keras_gans.models.r3gan import preset_recipe

    networks = {kind: {**preset_arguments(PRESET, kind), **SMOKE_NETWORKS} for kind in ("generator", "discriminator")}
    return keras_gans.R3GAN(
        keras_gans.R3GANGenerator(**networks["generator"]),
        keras_gans.R3GANDiscriminator(**networks["discriminator"]),
        recipe=preset_recipe(PRESET),
        preset=PRESET,
        seed=args.seed,
    )


def training_command(args, steps):
    """The command that reproduces the run (no absolute paths: it goes into shipped metadata)."""
    parts = [f"KERAS_BACKEND={keras.backend.backend()}", "python", "weights/train_mnist_small.py"]
    parts += ["--output", pathlib.Path(args.output).name, "--steps", str(steps), "--seed", str(args.seed)]
    parts += ["--num-samples", str(args.num_samples)] + (["--smoke"] if args.smoke else [])
    return " ".join(parts)


def score(model, classifier, num_samples, seed):
    """Figures of `num_samples` EMA samples (labels cycling through 0-9) and, as the ceiling, of real test digits:
    `digit_quality`, and the Frechet and kernel distances to real test digits in the classifier's feature space
    (`digit_features`; the real figures compare training digits with test digits)."""
    labels = np.arange(num_samples) % mnist_classifier.NUM_CLASSES
    generated = model.generate(num_samples, labels=labels, seed=seed, batch_size=500)
    test, test_labels = keras_gans.datasets.load_mnist("test", resolution=32)
    train, _ = keras_gans.datasets.load_mnist("train", resolution=32)
    test, test_labels, train = test[:num_samples], test_labels[:num_samples], train[:num_samples]
    quality = mnist_classifier.digit_quality(generated, classifier, labels=labels)
    reference = mnist_classifier.digit_quality(test, classifier, labels=test_labels)
    test_features = mnist_classifier.digit_features(test, classifier)
    for figures, images in ((quality, generated), (reference, train)):
        features = mnist_classifier.digit_features(images, classifier)
        figures["classifier_fid"] = frechet_distance(
            features.mean(0), np.cov(features, rowvar=False), test_features.mean(0), np.cov(test_features, rowvar=False)
        )
        subset = min(1000, len(features) // 2)
        figures["classifier_kid"] = kernel_inception_distance(test_features, features, subset_size=subset)[0]
    return {k: round(v, 4) for k, v in quality.items()}, {k: round(v, 4) for k, v in reference.items()}


def main(argv=None):
    args = parse_args(argv)
    output = pathlib.Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    model = build_model(args)
    recipe = model.recipe
    steps = args.steps or (4 if args.smoke else int(recipe["decay_nimg"] // recipe["batch_size"]))
    batch_size = 2 if args.smoke else recipe["batch_size"]
    per_call = 1 if keras.backend.backend() == "torch" else min(8, steps)
    steps = -(-steps // per_call) * per_call  # whole compiled calls
    model.compile(steps_per_execution=per_call)
    data, _ = keras_gans.datasets.load_dataset(
        "mnist", resolution=32, batch_size=model.real_batches_per_step * batch_size, labels=True, seed=args.seed
    )
    checkpoint = GANCheckpoint(output / "checkpoint", every_n_images=args.checkpoint_every, keep=2)
    earlier_seconds = 0.0  # training time of the processes this run resumes (from the preset they saved)
    if args.resume and latest_checkpoint(output / "checkpoint"):
        if (output / "preset" / "metadata.json").is_file():
            earlier = json.loads((output / "preset" / "metadata.json").read_text())
            earlier_seconds = float(earlier.get("train_seconds", 0.0))
        restored = checkpoint.resume(model)
        print(f"Resumed from {restored['path']} ({restored['images_seen']} images seen)", flush=True)
    steps_done = int(keras.ops.convert_to_numpy(model.images_seen)) // batch_size
    callbacks = [checkpoint] + ([TimeLimit(args.hours)] if args.hours else [])
    start = time.time()
    if steps > steps_done:
        model.fit(
            training_batches(data, steps_done, channels=1),
            steps_per_epoch=steps - steps_done,
            epochs=1,
            verbose=2,
            shuffle=False,
            callbacks=callbacks,
        )
    train_seconds = time.time() - start
    images_seen = int(keras.ops.convert_to_numpy(model.images_seen))

    classifier_path = mnist_classifier.classifier_weights_path()
    classifier = mnist_classifier.load_mnist_classifier(classifier_path)
    quality, reference = score(model, classifier, 100 if args.smoke else args.num_samples, args.seed + 1)
    rows = model.generate(100, labels=np.repeat(np.arange(10), 10), seed=args.seed + 1)
    save_png(image_grid(rows, 10, 10), output / "samples.png")
    sidecar = mnist_classifier.classifier_sidecar(classifier_path)
    device = device_name()
    metadata = {
        "preset_name": PRESET,
        "objective": "RpGAN + R1 + R2",
        "dataset": "MNIST training digits with labels (keras.datasets.mnist), zero-padded 28 -> 32",
        "training_command": training_command(args, steps),
        "images_seen": images_seen,
        "batch_size": batch_size,
        "train_seconds": round(earlier_seconds + train_seconds, 1),
        "backend": keras.backend.backend(),
        "device": f"cpu ({platform.machine()}, {os.cpu_count()} cores)" if device == "cpu" else device,
        "seed": args.seed,
        "smoke": args.smoke,
        "metrics": {
            **quality,
            "num_samples": 100 if args.smoke else args.num_samples,
            "sample_seed": args.seed + 1,
            "real_test_digits": reference,
            "classifier_test_accuracy": sidecar.get("test_accuracy"),
            "protocol": "EMA generator, labels cycling 0-9; the shipped MNIST classifier on the centre 28x28: "
            "label_agreement = predicted digit is the requested one; confident = top probability >= 0.9; "
            "classifier_fid and classifier_kid = Frechet and kernel (KID, mean of 100 subsets) distances to as many "
            "real test digits in the classifier's 1600 flatten features; real_test_digits: the same figures of "
            "real digits (training digits for the distances)",
        },
    }
    model.save_to_preset(output / "preset", metadata=metadata)
    print(json.dumps({"images_seen": images_seen, "train_seconds": metadata["train_seconds"], **metadata["metrics"]}))
    return metadata


if __name__ == "__main__":
    main()
