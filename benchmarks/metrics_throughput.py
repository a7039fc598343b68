"""Throughput of the ProGAN image metrics on each Keras backend, printed as JSON.

Measures, per backend (one subprocess each, since Keras picks its backend once per process):

* `swd_descriptors_images_per_s`: `SlicedWassersteinDistance.update_reals` (Laplacian pyramid + 128 patches per
  image and level), the per-image cost that scales with the number of evaluated images;
* `swd_result_s`: one `result()` (normalisation, 4 x 128 projections, sorts) for `--swd-images` images per set;
* `ms_ssim_images_per_s`: `ms_ssim` on consecutive pairs (two images per pair).

The first batch of each measurement is a warm-up (JAX compiles every new shape). Random uint8 images; the values
do not depend on the content.

Usage:

    python benchmarks/metrics_throughput.py [--backends tensorflow,jax,torch] [--resolution 64] [--batch 32]
"""

import argparse
import json
import os
import subprocess
import sys
import time


def measure(args):
    import keras
    import numpy as np

    from keras_gans.metrics import SlicedWassersteinDistance
    from keras_gans.metrics import ms_ssim

    rng = np.random.default_rng(0)
    batches = [
        rng.integers(0, 256, (args.batch, args.resolution, args.resolution, 3), dtype=np.uint8)
        for _ in range(args.batches + 1)
    ]

    swd = SlicedWassersteinDistance(args.resolution, seed=0)
    swd.update_reals(batches[0])  # warm-up
    start = time.perf_counter()
    for batch in batches[1:]:
        swd.update_reals(batch)
    descriptor_rate = args.batch * args.batches / (time.perf_counter() - start)

    swd = SlicedWassersteinDistance(args.resolution, seed=0)
    for offset in range(0, args.swd_images, args.batch):
        swd.update_reals(batches[(offset // args.batch) % len(batches)])
        swd.update_fakes(batches[(offset // args.batch + 1) % len(batches)])
    start = time.perf_counter()
    swd.result()
    result_seconds = time.perf_counter() - start

    ms_ssim(batches[0][0::2], batches[0][1::2])  # warm-up
    start = time.perf_counter()
    for batch in batches[1:]:
        ms_ssim(batch[0::2], batch[1::2])
    ms_ssim_rate = args.batch * args.batches / (time.perf_counter() - start)

    return {
        "backend": keras.backend.backend(),
        "swd_descriptors_images_per_s": round(descriptor_rate, 1),
        "swd_result_s": round(result_seconds, 3),
        "swd_result_images_per_set": swd.num_reals,
        "ms_ssim_images_per_s": round(ms_ssim_rate, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="tensorflow,jax,torch")
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--batches", type=int, default=4, help="timed batches (after one warm-up batch)")
    parser.add_argument("--swd-images", type=int, default=256, help="images per set for the result() timing")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args)))
        return
    report = {
        "resolution": args.resolution,
        "batch": args.batch,
        "timed_images": args.batch * args.batches,
        "cpu_count": os.cpu_count(),
        "backends": {},
    }
    child_args = [
        f"--resolution={args.resolution}",
        f"--batch={args.batch}",
        f"--batches={args.batches}",
        f"--swd-images={args.swd_images}",
    ]
    for backend in args.backends.split(","):
        env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
        proc = subprocess.run(
            [sys.executable, __file__, "--child", *child_args], env=env, capture_output=True, text=True
        )
        if proc.returncode != 0:
            report["backends"][backend] = {"error": proc.stderr[-2000:]}
            continue
        report["backends"][backend] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
