"""Throughput of FID Inception feature extraction on the active Keras backend, printed as JSON (images/s).

Times `FIDInceptionV3.extract_features` (eager resize + compiled 299x299 network) on random uint8 images after one
warm-up batch, so compilation is excluded and reported separately. The weights do not change the speed: by default
the network runs with zero kernels (no weights file needed); `--weights fid` or a path uses real ones.

Usage:

    KERAS_BACKEND=jax python benchmarks/fid_throughput.py [--num-images 8] [--batch-size 4] [--size 64]
"""

import argparse
import json
import time

import keras
import numpy as np

from keras_gans.metrics.inception import FIDInceptionV3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-images", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--size", type=int, default=64, help="input height and width (resized to 299)")
    parser.add_argument("--resize", default="legacy_tf", choices=["legacy_tf", "clean"])
    parser.add_argument("--weights", default=None, help='"fid", a .weights.h5 path, or omitted (zero kernels)')
    args = parser.parse_args()

    start = time.perf_counter()
    model = FIDInceptionV3(resize=args.resize, weights=args.weights)
    build_s = time.perf_counter() - start
    images = np.random.default_rng(0).integers(0, 256, (args.num_images, args.size, args.size, 3), dtype=np.uint8)
    start = time.perf_counter()
    model.extract_features(images[: args.batch_size], batch_size=args.batch_size)
    warmup_s = time.perf_counter() - start
    start = time.perf_counter()
    model.extract_features(images, batch_size=args.batch_size)
    elapsed = time.perf_counter() - start
    print(
        json.dumps(
            {
                "backend": keras.backend.backend(),
                "num_images": args.num_images,
                "batch_size": args.batch_size,
                "input_size": args.size,
                "resize": args.resize,
                "build_s": round(build_s, 2),
                "first_batch_s": round(warmup_s, 2),
                "images_per_s": round(args.num_images / elapsed, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
