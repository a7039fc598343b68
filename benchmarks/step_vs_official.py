"""The keras-gans training step against the official PyTorch R3GAN step, timed in one process and interleaved, as
JSON.

On a shared or noisy machine two separate runs are not comparable, so this script builds both steps once and then
alternates: a block of `--steps` keras-gans steps (`train_on_batch` on the active Keras backend), then a block of
the official step (`official_r3gan_throughput.py`'s D step, G step and EMA), `--repeats` times. It reports the
medians and the ratio official / keras-gans (above 1: keras-gans is faster) with the range of the per-repeat
ratios. Both sides train the same architecture at the same batch in float32 with the same number of threads.

Usage:

    KERAS_BACKEND=torch python benchmarks/step_vs_official.py --official-root PATH [--config bench32] [--batch 16]
        [--steps 2] [--repeats 5] [--warmup 1] [--threads N] [--float32-stages]
"""

import argparse
import json
import pathlib
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))


def keras_gans_step(config, batch):
    """A callable running one synced keras-gans training step on the active backend."""
    import train_throughput

    import keras_gans

    spec = train_throughput.resolve_config(config)
    generator, discriminator = spec["build"](config)
    gan = keras_gans.GAN(generator, discriminator, seed=0)
    gan.compile(**spec["compile"])
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (gan.real_batches_per_step * batch,) + gan.image_shape).astype(np.uint8)
    labels = rng.integers(0, gan.num_classes, len(images)) if gan.num_classes else None
    return lambda: gan.train_on_batch(images, labels)


def official_step(root, config, batch, device="cpu"):
    """A callable running one official step (D step, G step, EMA) on `device` ("cpu" or "cuda")."""
    import official_r3gan_throughput as official

    official.import_official(root)
    G, D, classes = official.build(config, False, device)
    d_step, g_step, ema = official.training_step(G, D, classes, batch, device)

    def step():
        d_step()
        g_step()
        ema()

    return step


def _block_ms(step, steps):
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--official-root", required=True, help="checkout of the official R3GAN repository")
    parser.add_argument("--config", default="bench32", help="a configuration both sides know (bench32, cifar10)")
    parser.add_argument("--batch", type=int, default=16, help="images per phase")
    parser.add_argument("--steps", type=int, default=2, help="steps per timed block")
    parser.add_argument("--repeats", type=int, default=5, help="alternating blocks per side")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps per side before the blocks")
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads for both sides (0 = default)")
    parser.add_argument(
        "--float32-stages", action="store_true", help="R3GAN presets without their bf16 stages (the official: float32)"
    )
    args = parser.parse_args()
    import keras
    import torch
    import train_throughput

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.float32_stages:
        train_throughput.R3GAN_OVERRIDES["bfloat16_stages"] = []
    ours = keras_gans_step(args.config, args.batch)
    theirs = official_step(args.official_root, args.config, args.batch)
    for step in (ours, theirs):
        for _ in range(1 + args.warmup):
            step()
    ours_ms, theirs_ms = [], []
    for _ in range(args.repeats):
        ours_ms.append(_block_ms(ours, args.steps))
        theirs_ms.append(_block_ms(theirs, args.steps))
    ratios = [t / o for o, t in zip(ours_ms, theirs_ms)]
    print(
        json.dumps(
            {
                "backend": keras.backend.backend(),
                "device": f"cpu ({torch.get_num_threads()} torch threads)",
                "config": args.config,
                "batch": args.batch,
                "float32_stages": args.float32_stages,
                "keras_gans_step_ms": [round(t, 1) for t in ours_ms],
                "official_step_ms": [round(t, 1) for t in theirs_ms],
                "keras_gans_median_ms": round(statistics.median(ours_ms), 1),
                "official_median_ms": round(statistics.median(theirs_ms), 1),
                "speed_vs_official_median": round(statistics.median(ratios), 3),
                "speed_vs_official_range": [round(min(ratios), 3), round(max(ratios), 3)],
            }
        )
    )


if __name__ == "__main__":
    main()
