"""Per-step host overhead of the eager PyTorch R3GAN training step, as JSON: Python calls, ATen ops, step time.

A PyTorch step runs eagerly, so on a GPU its speed at small sizes is bound by the host: every Python call and
every dispatched ATen op costs CPU time while the GPU waits. This script measures that work on the `bench32`
structure (4 stages, 2 blocks per stage, cardinality 8) with a small width (`--width`, default 16) and batch 1, so
that the arithmetic is negligible and the counts are those of the full-width step. It measures the function `fit` calls
per batch (`train_function`), on a batch already converted to a tensor. The counts are deterministic;
the time is the fastest of `--blocks` blocks of 5 steps.

`--official-root PATH` measures the official PyTorch R3GAN (a checkout of github.com/brownvc/R3GAN) the same way;
on a CPU its custom ops take their reference paths.

Usage:

    KERAS_BACKEND=torch python benchmarks/step_overhead.py [--width 16] [--batch 1] [--blocks 6]
    python benchmarks/step_overhead.py --official-root PATH [--width 16]
"""

import argparse
import collections
import cProfile
import json
import pstats
import time


def _count(step):
    """(Python function calls, ATen ops) of one call of `step`."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class CountOps(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.counts = collections.Counter()

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            self.counts[str(func)] += 1
            return func(*args, **(kwargs or {}))

    with CountOps() as counter:
        step()
    profile = cProfile.Profile()
    profile.enable()
    step()
    profile.disable()
    return pstats.Stats(profile).total_calls, counter.counts


def _fastest_ms(step, blocks, sync):
    times = []
    for _ in range(blocks):
        sync()
        start = time.perf_counter()
        for _ in range(5):
            step()
        sync()
        times.append((time.perf_counter() - start) / 5 * 1000)
    return min(times)


def keras_gans_step(width, batch):
    import keras
    import numpy as np
    import r3gan_benchmark_presets

    import keras_gans
    from keras_gans.models import r3gan
    from keras_gans.training.discriminator_call import DiscriminatorCall

    # Count the work of the step an eager GPU step runs: it scores reals and fakes in one D call, which the CPU
    # path does not (see `DiscriminatorCall.can_pair`).
    DiscriminatorCall.pair_on_cpu = True
    r3gan_benchmark_presets.register()
    if keras.backend.backend() != "torch":
        raise SystemExit("step_overhead: counts ATen ops, so it needs KERAS_BACKEND=torch.")
    arguments = {net: r3gan.preset_arguments("bench32", net) for net in ("generator", "discriminator")}
    for kwargs in arguments.values():
        kwargs["widths"] = [width] * len(kwargs["widths"])
    gan = keras_gans.GAN(
        r3gan.R3GANGenerator(**arguments["generator"]), r3gan.R3GANDiscriminator(**arguments["discriminator"]), seed=0
    )
    gan.compile(loss="rpgan", r1_gamma=0.05, r2_gamma=0.05)
    images = np.random.default_rng(0).integers(0, 256, (2 * batch, 32, 32, 3), dtype=np.uint8)
    gan.train_on_batch(images)  # builds what Keras builds lazily, and `train_function`
    # What `fit` calls per batch once its data adapter has made the batch a tensor; `train_on_batch` adds ~12,000
    # Python calls of Keras bookkeeping per call (model build checks, metric resets) that `fit` does once.
    batch_tensors = (keras.ops.convert_to_tensor(images), None, None)
    return "keras-gans (PyTorch)", lambda: gan.train_function([batch_tensors])


def official_step(root, width, batch, device):
    import official_r3gan_throughput as official

    official.import_official(root)
    config = dict(official.CONFIGS["bench32"], widths=[width] * 4)
    G, D, classes = official.build(config, False, device)
    d_step, g_step, ema = official.training_step(G, D, classes, batch, device)

    def step():  # the order of official_r3gan_throughput.py: D step, G step, EMA
        d_step()
        g_step()
        ema()

    return "official PyTorch R3GAN", step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=16, help="channels of every stage (bench32 has 128)")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--blocks", type=int, default=6, help="timed blocks of 5 steps; the fastest is reported")
    parser.add_argument("--official-root", default=None, help="measure the official code from this checkout")
    args = parser.parse_args()
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.official_root:
        name, step = official_step(args.official_root, args.width, args.batch, device)
    else:
        name, step = keras_gans_step(args.width, args.batch)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    for _ in range(3):
        step()
    step_ms = _fastest_ms(step, args.blocks, sync)
    python_calls, ops = _count(step)
    print(
        json.dumps(
            {
                "implementation": name,
                "device": torch.cuda.get_device_name(0)
                if device == "cuda"
                else f"cpu ({torch.get_num_threads()} threads)",
                "width": args.width,
                "batch": args.batch,
                "step_ms": round(step_ms, 2),
                "python_calls_per_step": python_calls,
                "aten_ops_per_step": sum(ops.values()),
                "top_aten_ops": dict(ops.most_common(8)),
            }
        )
    )


if __name__ == "__main__":
    main()
