"""Where the time of one training step goes on the active Keras backend, as JSON: the first step (tracing and
compilation included) against a compiled or eager step afterwards, and the kernel time of `--steps` profiled steps
by kind of operation.

Kinds: on JAX the XLA CPU/GPU thunks of the compiled step (HLO instruction names with their numeric suffix
removed, e.g. `ynn_fusion` for a fused dot/convolution, `transpose_copy_fusion` for a layout copy), from a
`jax.profiler` trace; on TensorFlow the graph's op types (`Conv2DBackpropFilter`, `AddN`, ...), from a
`tf.profiler` trace; on PyTorch the ATen ops, from `torch.profiler`: on a CPU their self time, on a GPU the time of
the kernels each op launched, so that `step_s` against `kernel_s_per_step` tells host-bound from kernel-bound
steps. Both traces are read with the XPlane protobuf that TensorFlow ships. Times are summed over all threads (on a
CPU with several threads, more than the wall time). On PyTorch the kinds are also summed by family
(`FAMILIES`: convolutions, matmuls, bias + activation, ...), and `--official-root` profiles the official step of
the same configuration on the same device beside it (`official`), float32 (its custom CUDA kernels have no bf16
path; pass `--float32-stages` for the same arithmetic on both sides).

Usage:

    KERAS_BACKEND=jax python benchmarks/step_profile.py [--config bench32] [--batch 16] [--steps 2] [--top 12]
    KERAS_BACKEND=torch python benchmarks/step_profile.py --config cifar10 --batch 64 --float32-stages --tf32 off \
        --official-root R3GAN_CHECKOUT
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

# Families of PyTorch ops, first match wins: what each kind of layer costs in the step (the official code's custom
# ops `bias_act` and `upfirdn2d` included, whose kernels are attributed to the op that launched them).
FAMILIES = (
    ("convolution", r"conv|cudnn"),
    ("matmul (1x1 convolutions, FIR matrices)", r"::(mm|addmm|bmm|matmul|linear|baddbmm|einsum)$"),
    ("bias and leaky ReLU", r"leaky_relu|bias_act|threshold"),
    ("FIR resampling (official kernels)", r"upfirdn"),
    ("optimizer", r"_foreach_|adam"),
    ("copies and layout", r"copy|clone|contiguous|::cat$|pad|slice|index|permute|transpose|fill_|zero_|empty|::to$"),
    ("reductions", r"sum|mean|norm|amax|var"),
    ("element-wise", r"::(add|mul|sub|div|neg|lerp|clamp|pow|sqrt|rsqrt|exp|log|where|softplus|sigmoid|abs|sign)"),
)

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


def _torch_kinds(step, steps):
    """`{op: seconds}`: on a GPU the kernel time each op launched itself, on a CPU the ATen ops' self time."""
    import torch
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile

    cuda = torch.cuda.is_available()
    with profile(activities=[ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])) as prof:
        for _ in range(steps):
            step()
        if cuda:
            torch.cuda.synchronize()
    events = prof.key_averages()
    if not cuda:
        return {e.key: e.self_cpu_time_total / 1e6 for e in events if e.key.startswith("aten::")}
    # A kernel is both a device event and part of the launching CPU op's self device time: count it once, by op.
    return {
        e.key: e.self_device_time_total / 1e6
        for e in events
        if e.device_type == DeviceType.CPU and e.self_device_time_total > 0
    }


def families(kinds):
    """`{family: seconds}` of PyTorch `kinds` (`FAMILIES`; `other` for the rest)."""
    totals = collections.Counter()
    for kind, seconds in kinds.items():
        family = next((name for name, pattern in FAMILIES if re.search(pattern, kind)), "other")
        totals[family] += seconds
    return dict(totals)


def profile_kinds(step, steps):
    """`{kind: seconds}` of `steps` calls of `step` on the active backend."""
    import keras

    backend = keras.backend.backend()
    if backend == "torch":
        return _torch_kinds(step, steps)
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


def _synced(step):
    """`step` followed by a wait for the GPU (the official step queues its kernels and returns; keras-gans'
    `train_on_batch` already waits for its logs)."""
    import keras

    if keras.backend.backend() != "torch":
        return step
    import torch

    if not torch.cuda.is_available():
        return step

    def run():
        step()
        torch.cuda.synchronize()

    return run


def profile_report(step, steps, top):
    """First-step and step seconds of `step`, then its profile: kernel seconds per step and the `top` kinds."""
    import keras

    synced = _synced(step)
    start = time.perf_counter()
    synced()
    first_s = time.perf_counter() - start
    synced()
    start = time.perf_counter()
    synced()
    step_s = time.perf_counter() - start
    kinds = profile_kinds(step, steps)
    total = sum(kinds.values())
    ranked = sorted(kinds.items(), key=lambda kv: -kv[1])[:top]
    report = {
        "first_step_s": round(first_s, 2),
        "step_s": round(step_s, 3),
        "kernel_s_per_step": round(total / steps, 3),
        "top_kinds_ms_per_step": {k: round(1000 * v / steps, 1) for k, v in ranked},
        "top_kinds_share": {k: round(v / total, 3) for k, v in ranked},
    }
    if keras.backend.backend() == "torch":
        grouped = sorted(families(kinds).items(), key=lambda kv: -kv[1])
        report["families_ms_per_step"] = {k: round(1000 * v / steps, 1) for k, v in grouped}
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="bench32", help="a train_throughput.py configuration")
    parser.add_argument("--batch", type=int, default=16, help="images per phase")
    parser.add_argument("--steps", type=int, default=2, help="profiled steps")
    parser.add_argument("--top", type=int, default=12, help="kinds listed")
    parser.add_argument("--float32-stages", action="store_true", help="R3GAN presets without their bfloat16 stages")
    parser.add_argument("--tf32", default="default", choices=["default", "on", "off"], help="as train_throughput.py")
    parser.add_argument("--official-root", default=None, help="PyTorch: also profile the official step (a checkout)")
    args = parser.parse_args()
    import keras
    import step_vs_official
    import train_throughput

    from keras_gans.backend import device_name

    if args.official_root and keras.backend.backend() != "torch":
        parser.error("--official-root profiles the official PyTorch step in the same process: use KERAS_BACKEND=torch.")
    train_throughput.set_gpu_math(args.tf32, cudnn_benchmark=True)
    if args.float32_stages:
        train_throughput.R3GAN_OVERRIDES["bfloat16_stages"] = []
    step = step_vs_official.keras_gans_step(args.config, args.batch)
    result = {
        "backend": keras.backend.backend(),
        "device": device_name(),
        "config": args.config,
        "batch": args.batch,
        "tf32": args.tf32,
        "float32_stages": args.float32_stages,
        **profile_report(step, args.steps, args.top),
    }
    if args.official_root:
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
        official = step_vs_official.official_step(args.official_root, args.config, args.batch, device)
        result["official"] = profile_report(official, args.steps, args.top)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
