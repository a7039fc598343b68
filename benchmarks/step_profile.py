"""Where the time of one training step goes on the active Keras backend, as JSON: the first step (tracing and
compilation included) against a compiled or eager step afterwards, and the kernel time of `--steps` profiled steps
by kind of operation.

Kinds: on JAX the XLA CPU/GPU thunks of the compiled step (HLO instruction names with their numeric suffix
removed, e.g. `ynn_fusion` for a fused dot/convolution, `transpose_copy_fusion` for a layout copy), from a
`jax.profiler` trace; on TensorFlow the graph's op types (`Conv2DBackpropFilter`, `AddN`, ...), from a
`tf.profiler` trace; on PyTorch the ATen ops, from `torch.profiler`. Both traces are read with the XPlane protobuf
that TensorFlow ships. Times are summed over all threads (on a CPU with several threads, more than the wall time).

Usage:

    KERAS_BACKEND=jax python benchmarks/step_profile.py [--config bench32] [--batch 16] [--steps 2] [--top 12]
"""

import argparse
import collections
import glob
import json
import pathlib
import re
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

# Trace events that enclose the kernels rather than being one (their time would be counted twice).
_CONTAINERS = re.compile(r"^(ThunkExecutor::|ExecutorState::|ParallelFor|ThreadpoolListener::|MemoryAllocation)")


def _xplane_kinds(directory, backend):
    """`{kind: picoseconds}` of the kernel events of the XPlane trace under `directory`."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    kinds = collections.Counter()
    for path in glob.glob(f"{directory}/**/*.xplane.pb", recursive=True):
        space = xplane_pb2.XSpace()
        space.ParseFromString(pathlib.Path(path).read_bytes())
        for plane in space.planes:
            for line in plane.lines:
                if not re.match(r"tf_(XLAEigen|Compute)", line.name):  # the threads running kernels
                    continue
                for event in line.events:
                    name = plane.event_metadata[event.metadata_id].name
                    if _CONTAINERS.match(name):
                        continue
                    kind = name.rsplit(":", 1)[-1] if backend == "tensorflow" else re.sub(r"\.\d+$", "", name)
                    kinds[kind] += event.duration_ps
    return kinds


def profile_kinds(step, steps):
    """`{kind: seconds}` of `steps` calls of `step` on the active backend."""
    import keras

    backend = keras.backend.backend()
    if backend == "torch":
        from torch.profiler import ProfilerActivity
        from torch.profiler import profile

        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(steps):
                step()
        return {e.key: e.self_cpu_time_total / 1e6 for e in prof.key_averages() if e.key.startswith("aten::")}
    with tempfile.TemporaryDirectory() as directory:
        if backend == "jax":
            import jax

            with jax.profiler.trace(directory):
                for _ in range(steps):
                    step()
        else:
            import tensorflow as tf

            tf.profiler.experimental.start(directory)
            for _ in range(steps):
                step()
            tf.profiler.experimental.stop()
        return {kind: ps / 1e12 for kind, ps in _xplane_kinds(directory, backend).items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="bench32", help="a train_throughput.py configuration")
    parser.add_argument("--batch", type=int, default=16, help="images per phase")
    parser.add_argument("--steps", type=int, default=2, help="profiled steps")
    parser.add_argument("--top", type=int, default=12, help="kinds listed")
    args = parser.parse_args()
    import keras
    import step_vs_official

    step = step_vs_official.keras_gans_step(args.config, args.batch)
    start = time.perf_counter()
    step()
    first_s = time.perf_counter() - start
    step()
    start = time.perf_counter()
    step()
    step_s = time.perf_counter() - start
    kinds = profile_kinds(step, args.steps)
    total = sum(kinds.values())
    top = sorted(kinds.items(), key=lambda kv: -kv[1])[: args.top]
    print(
        json.dumps(
            {
                "backend": keras.backend.backend(),
                "config": args.config,
                "batch": args.batch,
                "first_step_s": round(first_s, 2),
                "step_s": round(step_s, 3),
                "kernel_s_per_step": round(total / args.steps, 3),
                "top_kinds_ms_per_step": {k: round(1000 * v / args.steps, 1) for k, v in top},
                "top_kinds_share": {k: round(v / total, 3) for k, v in top},
            }
        )
    )


if __name__ == "__main__":
    main()
