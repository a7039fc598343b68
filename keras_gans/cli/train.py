"""`keras-gans train`: trains an R3GAN and writes samples, a loss plot, metrics and a checkpoint.

    keras-gans train --dataset embedded --architecture tiny32 --steps 300 --output runs/quickstart

`train` builds an R3GAN (architecture from `keras_gans.models.r3gan.R3GAN_PRESETS` or the small built-in
`tiny32`), trains it with the paper's objective (RpGAN + R1 + R2, Adam with beta_1 = 0, EMA generator) on a
dataset spec understood by `keras_gans.datasets.load_dataset`, and writes into `--output`:

* `samples.png`: a grid of EMA-generator samples of fixed latents (also written during training);
* `losses.png`: the discriminator and generator loss curves;
* `metrics.json`: the configuration, images seen, throughput and the final losses;
* `checkpoint/`: a resumable checkpoint (pass `--resume` to continue a run).

The backend is Keras' (`KERAS_BACKEND=jax|tensorflow|torch`), or `--backend`, which must come before any import
of keras, so this module imports keras lazily.
"""

import json
import pathlib
import time

# A small R3GAN (32x32, 3 stages of width 64, group width 16) that trains on two CPU cores in minutes.
TINY32 = {
    "widths": [64, 64, 64, 64],
    "cardinalities": [4, 4, 4, 4],
    "blocks_per_stage": 1,
    "expansion_factor": 2,
}


def register(commands):
    """Adds the `train` subcommand to the `keras-gans` argument parser."""
    train = commands.add_parser("train", help="train an R3GAN on a dataset")
    train.add_argument("--dataset", default="embedded",
                       help="'embedded', 'mnist', 'stacked_mnist', 'tfds:<name>', an image folder or an .npz")
    train.add_argument("--architecture", default="tiny32", help="'tiny32' or an R3GAN preset name")
    train.add_argument("--resolution", type=int, default=32)
    train.add_argument("--batch-size", type=int, default=32, help="real images per D step (and per G step)")
    train.add_argument("--steps", type=int, default=300, help="training iterations (D step + G step)")
    train.add_argument("--gamma", type=float, default=0.05, help="R1 and R2 weight (applied as gamma / 2)")
    train.add_argument("--learning-rate", type=float, default=2e-4)
    train.add_argument("--ema-half-life-images", type=float, default=2000.0)
    train.add_argument("--conditional", action="store_true", help="train with the dataset's class labels")
    train.add_argument("--output", default="runs/train")
    train.add_argument("--sample-every", type=int, default=2000, help="write samples every N images")
    train.add_argument("--resume", action="store_true", help="continue from --output/checkpoint")
    train.add_argument("--backend", choices=["jax", "tensorflow", "torch"], default=None)
    train.add_argument("--seed", type=int, default=0)
    train.set_defaults(func=train_command)
    return train


def _architecture(args, num_classes):
    if args.architecture == "tiny32":
        arch = dict(TINY32)
        levels = (args.resolution // 4).bit_length()
        if args.resolution < 4 or 4 * 2 ** (levels - 1) != args.resolution:
            raise SystemExit(f"keras-gans train: --resolution must be 4 * 2^k, got {args.resolution}.")
        for key in ("widths", "cardinalities"):
            arch[key] = [arch[key][0]] * levels
        return {"generator": dict(arch, latent_dim=64, num_classes=num_classes),
                "discriminator": dict(arch, num_classes=num_classes)}
    from keras_gans.models.r3gan import r3gan_presets

    if args.architecture not in r3gan_presets.R3GAN_PRESETS:
        names = ", ".join(["tiny32"] + sorted(r3gan_presets.R3GAN_PRESETS))
        raise SystemExit(f"keras-gans train: unknown --architecture '{args.architecture}'. Known: {names}.")
    return {net: r3gan_presets.preset_arguments(args.architecture, net) for net in ("generator", "discriminator")}


def _plot_losses(history, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    for key in ("d_loss", "g_loss"):
        if key in history:
            ax.plot(history["images"], history[key], label=key)
    ax.set_xlabel("images seen")
    ax.set_ylabel("loss")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def train_command(args):
    """Runs `keras-gans train` with parsed arguments; returns the metrics dict."""
    num_classes_hint = 0
    _architecture(args, num_classes_hint)  # validates the architecture arguments before any data is loaded
    import keras
    import numpy as np

    import keras_gans
    from keras_gans.callbacks import GANCheckpoint
    from keras_gans.callbacks import SampleGrid

    output = pathlib.Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    options = {}
    if args.dataset in ("embedded", "mnist") and args.resolution < 28:
        options["pad_or_resize"] = "resize"  # 28x28 digits cannot be padded down
    (images, labels), info = keras_gans.datasets.load_dataset(
        args.dataset, resolution=args.resolution, labels=args.conditional, as_numpy=True, seed=args.seed,
        **options,
    )
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    num_classes = info.num_classes if args.conditional else 0
    arch = _architecture(args, num_classes)
    generator = keras_gans.R3GANGenerator(**arch["generator"])
    discriminator = keras_gans.R3GANDiscriminator(**arch["discriminator"])
    gan = keras_gans.GAN(generator, discriminator, seed=args.seed)
    gan.compile(
        loss="rpgan",
        r1_gamma=args.gamma,
        r2_gamma=args.gamma,
        learning_rate=args.learning_rate,
        beta_2=0.99,
        ema_half_life_images=args.ema_half_life_images,
    )
    checkpoint = GANCheckpoint(output / "checkpoint", every_n_images=max(args.batch_size * 50, 1))
    if args.resume:
        checkpoint.resume(gan)
    # Each fit batch holds two real halves: one for the D step, one for the G step (R3GAN's loop).
    fit_batch = 2 * args.batch_size
    steps_done = int(keras.ops.convert_to_numpy(gan.images_seen)) // args.batch_size
    steps = max(args.steps - steps_done, 0)
    history = {"images": [], "d_loss": [], "g_loss": []}

    class _Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            history["images"].append(int(logs["images_seen"]))
            for key in ("d_loss", "g_loss"):
                history[key].append(float(logs[key]))

    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(images))
    needed = steps * fit_batch
    order = np.resize(order, needed) if needed else order[:0]
    start = time.time()
    if steps:
        gan.fit(
            images[order],
            labels[order] if args.conditional else None,
            batch_size=fit_batch,
            epochs=1,
            shuffle=False,
            verbose=1,
            callbacks=[
                _Record(),
                SampleGrid(output, every_n_images=args.sample_every, rows=4, cols=8),
                checkpoint,
            ],
        )
    seconds = time.time() - start
    samples = gan.generate(32, seed=args.seed)
    from keras_gans.callbacks.sample_grid import image_grid
    from keras_gans.callbacks.sample_grid import save_png

    save_png(image_grid(samples, 4, 8), output / "samples.png")
    if history["images"]:
        _plot_losses(history, output / "losses.png")
    metrics = {
        "backend": keras.backend.backend(),
        "dataset": args.dataset,
        "dataset_images": int(len(images)),
        "architecture": arch,
        "steps": args.steps,
        "batch_size": args.batch_size,
        "images_seen": int(keras.ops.convert_to_numpy(gan.images_seen)),
        "train_seconds": round(seconds, 2),
        "images_per_second": round(steps * args.batch_size / seconds, 2) if steps and seconds else None,
        "final_d_loss": history["d_loss"][-1] if history["d_loss"] else None,
        "final_g_loss": history["g_loss"][-1] if history["g_loss"] else None,
        "generator_parameters": int(generator.count_params()),
        "discriminator_parameters": int(discriminator.count_params()),
    }
    (output / "metrics.json").write_text(json.dumps(metrics, indent=2))
    print(f"Samples: {output / 'samples.png'}")
    print(f"Losses:  {output / 'losses.png'}")
    print(f"Metrics: {output / 'metrics.json'}")
    return metrics
