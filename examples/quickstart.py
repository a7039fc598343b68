"""The first minutes with keras-gans, on a laptop CPU: a pretrained sample grid, a short training run on real
digits, and one self-contained HTML report.

    python examples/quickstart.py --output runs/quickstart        # what .ci/quickstart.sh runs
    python examples/quickstart.py --steps 20 --output runs/tiny   # a quicker look

1. Within seconds: a grid from the shipped pretrained `mnist_small` R3GAN, one row per digit (`pretrained.png`):
   the same kind of small network on the same data, trained for longer on a CPU.
2. Training: a small grayscale R3GAN (RpGAN + R1 + R2) on the 10,000 real MNIST digits that ship with the package
   (`keras_gans.datasets.load_embedded_digits`, no download), with sample grids of fixed latents along the way.
3. `report.html`: the grids over time (embedded PNGs), the loss curves, the configuration, and a quality figure
   from the shipped MNIST classifier (`keras_gans.metrics.mnist_classifier`): the mean confidence of its
   predictions on generated digits, the fraction it classifies with confidence >= 0.9 and how many of the 10
   digits those cover, next to the same figures on real digits (what a perfect generator would score).

GAN losses are not a progress bar: with R1 + R2, D's loss settles near log 2 per term and G's loss often rises
while the samples improve; the grids and the classifier figure are what to look at.
"""

import argparse
import base64
import html
import io
import json
import math
import pathlib
import time

import numpy as np

from keras_gans.cli.train_digits import DIGITS
from keras_gans.cli.train_digits import digit_pad_or_resize
from keras_gans.cli.train_digits import digits_model
from keras_gans.metrics.mnist_classifier import CONFIDENT
from keras_gans.metrics.mnist_classifier import digit_quality

# The configuration .ci/quickstart.sh runs, `keras-gans train --dataset embedded` by default (its `digits` preset):
# chosen by measuring candidates with the classifier figure and by eye (the README's main-job section lists them).
DEFAULTS = {**DIGITS, "snapshots": 6}
REFERENCE_IMAGES = 1000  # real digits scored for the reference column


def _png_bytes(array):
    from PIL import Image

    array = np.asarray(array)
    buffer = io.BytesIO()
    Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array).save(buffer, format="PNG")
    return buffer.getvalue()


def _img_tag(png, width=None):
    style = f' width="{width}"' if width else ""
    return (
        f'<img{style} style="image-rendering: pixelated" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
    )


def _grid(model, seed=0, n=64):
    from keras_gans.callbacks import image_grid

    return image_grid(model.generate(n, seed=seed), int(math.sqrt(n)), int(math.sqrt(n)))


def _loss_plot(history):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3))
    for key in ("d_loss", "g_loss"):
        ax.plot(history["images"], history[key], label=key, linewidth=0.8)
    ax.set_xlabel("real images seen")
    ax.legend()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def write_report(path, config, pretrained_png, snapshots, history, quality, reference, seconds):
    """Writes the self-contained HTML report (every image embedded as a base64 PNG); `reference` is the pair of
    `digit_quality` figures of real digits at the training resolution and at 28x28."""
    rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>" for k, v in config.items())
    grids = "".join(
        f"<figure>{_img_tag(png, 192)}<figcaption>{seen} images</figcaption></figure>" for seen, png in snapshots
    )
    columns = ("generated", f"real digits at {config['resolution']}x{config['resolution']}", "real digits at 28x28")
    figures = "".join(
        f"<tr><td>{name}</td>" + "".join(f"<td>{table[key]:.3g}</td>" for table in (quality, *reference)) + "</tr>"
        for name, key in (
            ("mean classifier confidence", "mean_confidence"),
            (f"fraction classified with confidence >= {CONFIDENT}", "confident_fraction"),
            ("digit classes among those (of 10)", "classes_covered"),
        )
    )
    header = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>keras-gans quick start</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:auto}}figure{{display:inline-block;margin:4px}}
td{{padding:2px 8px}}</style></head><body>
<h1>keras-gans quick start</h1>
<p>Training took {seconds["train"]:.0f} s ({seconds["total"]:.0f} s in all) on {html.escape(config["backend"])}.</p>
<h2>Pretrained <code>mnist_small</code> (shipped weights, one row per requested digit)</h2>
{_img_tag(pretrained_png, 320)}
<h2>Samples over time (fixed latents, EMA generator)</h2>{grids}
<h2>Quality</h2><table><tr><th></th>{header}</tr>{figures}</table>
<p>The figures come from the shipped MNIST classifier on {config["quality images"]} generated digits (upscaled to
28x28). The real-digit columns are what a perfect generator would score: at the training resolution (the same
downscaling the training data had) and at MNIST's own 28x28. What a good value is: strokes and blobs score under
10% confident; digits a person reads as digits score about 40% and more over all 10 classes (the default run
reaches that, see the README); a generator that draws only a few digits covers fewer classes however confident it
is. Blurry or broken digits lower the confidence.</p>
<h2>Losses</h2>{_img_tag(_loss_plot(history))}
<p>GAN losses are not a progress bar: D's loss settles and G's loss often rises while the samples improve.</p>
<h2>Configuration</h2><table>{rows}</table></body></html>"""
    from keras_gans.utils import durable

    durable.write_text(path, page)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default="runs/quickstart", help="folder for the PNGs and report.html")
    for key, value in DEFAULTS.items():
        parser.add_argument(f"--{key.replace('_', '-')}", type=type(value), default=value, help=f"default {value}")
    parser.add_argument("--quality-images", type=int, default=1000, help="generated images the classifier scores")
    args = parser.parse_args(argv)
    start = time.time()
    output = pathlib.Path(args.output)
    output.mkdir(parents=True, exist_ok=True)

    import keras

    import keras_gans
    from keras_gans.callbacks import SampleGrid
    from keras_gans.callbacks import image_grid
    from keras_gans.callbacks import save_png
    from keras_gans.cli.train import training_batches
    from keras_gans.utils import durable

    pretrained = keras_gans.R3GAN.from_preset("mnist_small")  # class-conditional: rows 0 to 9
    pretrained_grid = image_grid(pretrained.generate(100, labels=np.repeat(np.arange(10), 10), seed=0), 10, 10)
    save_png(pretrained_grid, output / "pretrained.png")
    print(
        f"[{time.time() - start:5.1f} s] pretrained mnist_small samples: {output / 'pretrained.png'}",
        flush=True,
    )

    keras.utils.set_random_seed(0)
    resolution = args.resolution
    model = digits_model(
        int(math.log2(resolution)) - 1,
        seed=0,
        width=args.width,
        group_width=args.group_width,
        blocks_per_stage=args.blocks_per_stage,
        latent_dim=args.latent_dim,
        name="r3gan_quickstart",
    )
    model.compile(
        gamma=args.gamma, learning_rate=args.learning_rate, beta_2=0.99, ema_half_life_images=args.ema_half_life_images
    )
    fit = digit_pad_or_resize(resolution)
    data, _ = keras_gans.datasets.load_dataset(
        "embedded",
        resolution=resolution,
        batch_size=2 * args.batch_size,
        as_rgb=False,
        pad_or_resize=fit,
        seed=0,
    )
    history = {"images": [], "d_loss": [], "g_loss": []}

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            for key, value in (("images", logs["images_seen"]), ("d_loss", logs["d_loss"]), ("g_loss", logs["g_loss"])):
                history[key].append(float(value))

    every = max(1, args.steps // args.snapshots) * args.batch_size
    grids = SampleGrid(output / "samples", every_n_images=every, rows=8, cols=8)
    train_start = time.time()
    print(
        f"[{train_start - start:5.1f} s] training {args.steps} steps of {args.batch_size} real digits at "
        f"{resolution}x{resolution} (samples every {every} images in {output / 'samples'})",
        flush=True,
    )
    model.fit(
        training_batches(data, 0, channels=1),
        steps_per_epoch=args.steps,
        epochs=1,
        verbose=2,
        shuffle=False,
        callbacks=[Record(), grids],
    )
    train_seconds = time.time() - train_start
    final = _grid(model)
    save_png(final, output / "final.png")

    from keras_gans.metrics.mnist_classifier import load_mnist_classifier

    classifier = load_mnist_classifier()
    quality = digit_quality(model.generate(args.quality_images, seed=1), classifier)
    real, _ = keras_gans.datasets.load_embedded_digits(28, as_rgb=False)
    reference = digit_quality(real[:REFERENCE_IMAGES], classifier)
    real_at_resolution, _ = keras_gans.datasets.load_embedded_digits(resolution, as_rgb=False, pad_or_resize=fit)
    reference_at_resolution = digit_quality(real_at_resolution[:REFERENCE_IMAGES], classifier)
    snapshots = [(int(p.stem.split("-")[-1]), p.read_bytes()) for p in sorted((output / "samples").glob("*.png"))]
    final_seen = int(history["images"][-1]) if history["images"] else 0
    if not snapshots or snapshots[-1][0] != final_seen:  # SampleGrid already wrote the last step's grid
        snapshots.append((final_seen, _png_bytes(final)))
    config = {
        "backend": keras.backend.backend(),
        "model": "R3GAN (RpGAN + R1 + R2)",
        "resolution": resolution,
        "channels": 1,
        "widths": list(model.generator.widths),
        "cardinalities": list(model.generator.cardinalities),
        "generator parameters": model.generator.count_params(),
        "discriminator parameters": model.discriminator.count_params(),
        "batch size": args.batch_size,
        "steps": args.steps,
        "real images seen": args.steps * args.batch_size,
        "gamma": args.gamma,
        "learning rate": args.learning_rate,
        "EMA half-life (images)": args.ema_half_life_images,
        "latent size": args.latent_dim,
        "blocks per stage": args.blocks_per_stage,
        "quality images": args.quality_images,
        "data": f"10,000 real MNIST digits shipped with keras-gans (embedded; {fit}: {resolution}x{resolution})",
    }
    seconds = {"train": train_seconds, "total": time.time() - start}
    write_report(
        output / "report.html",
        config,
        _png_bytes(pretrained_grid),
        snapshots,
        history,
        quality,
        (reference_at_resolution, reference),
        seconds,
    )
    summary = {
        "quality": quality,
        "real_digits": reference,
        "real_digits_at_resolution": reference_at_resolution,
        "train_seconds": round(train_seconds, 1),
        "total_seconds": round(seconds["total"], 1),
        "config": {k: str(v) for k, v in config.items()},
    }
    durable.write_json(output / "quickstart.json", summary, indent=2)
    print(
        f"[{seconds['total']:5.1f} s] quality: {json.dumps(quality)}; real digits at {resolution}x{resolution}: "
        f"{json.dumps(reference_at_resolution)}"
    )
    print(f"Report: {output / 'report.html'}  Final samples: {output / 'final.png'}")
    return summary


if __name__ == "__main__":
    main()
