#!/usr/bin/env bash
# Every GPU measurement that benchmarks/RESULTS.md asks for, in one sitting on one machine, so that keras-gans and
# the official R3GAN code are timed under the same conditions. Each benchmark prints one JSON object; they are
# collected, one per line, in RESULTS_DIR/results.jsonl, with each run's log beside it.
#
#     R3GAN_CHECKOUT=path/to/R3GAN bash benchmarks/gpu_suite.sh RESULTS_DIR [full|quick|smoke]
#
# `quick` halves the timed steps and runs 3 generation repeats instead of 10; most of the suite's time is
# process start-up and compilation either way. `smoke` checks the plumbing on any machine (a CPU too): batch 2,
# one timed step, bench32 in place of CIFAR-10. TensorFlow's rows run only where it is installed. `ONLY` (an
# extended regular expression) keeps the runs whose name it matches, e.g. ONLY='^(official|torch)_' for the PyTorch
# rows; `RUN_TIMEOUT` (seconds) stops a run that takes longer, recorded with exit 124. The runs go one
# after the other, most important first: PyTorch against the official step, JAX's MFU, generation, then where the
# PyTorch step's time goes beside the official step's (kernel time per op family).
set -u
out="${1:?usage: R3GAN_CHECKOUT=PATH bash benchmarks/gpu_suite.sh RESULTS_DIR [full|quick|smoke]}"
mode="${2:-full}"
official="${R3GAN_CHECKOUT:?set R3GAN_CHECKOUT to a checkout of github.com/brownvc/R3GAN}"
case "$mode" in
    full) batch=64 steps=10 warmup=2 repeats=10 profiled=3 large=cifar10 sizes="1 16 64" ;;
    quick) batch=64 steps=5 warmup=1 repeats=3 profiled=2 large=cifar10 sizes="1 16 64" ;;
    smoke) batch=2 steps=1 warmup=1 repeats=1 profiled=1 large=bench32 sizes="1 2" ;;
    *) echo "gpu_suite.sh: the mode is full, quick or smoke, not '$mode'" >&2; exit 2 ;;
esac
official="$(cd "$official" && pwd)" || exit 1
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$(dirname "$0")" || exit 1
# The package from this checkout, installed or not; `PYTHON` picks the interpreter (default python3).
export PYTHONPATH="$(cd .. && pwd)${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
python="${PYTHON:-python3}"

run() {  # run NAME BACKEND|- ARGS...: one benchmark, its JSON line appended to results.jsonl
    local name="$1" backend="$2"
    shift 2
    if [ -n "${ONLY:-}" ] && ! [[ "$name" =~ $ONLY ]]; then
        return 0
    fi
    echo "== $name: $*"
    local start=$SECONDS
    local backend_env=() limit=()
    [ "$backend" = - ] || backend_env=(KERAS_BACKEND="$backend")
    [ -z "${RUN_TIMEOUT:-}" ] || limit=(timeout "$RUN_TIMEOUT")
    "${limit[@]}" env "${backend_env[@]}" "$python" "$@" >"$out/$name.log" 2>&1
    local rc=$? seconds=$((SECONDS - start))
    echo "   exit $rc after $seconds s"
    grep '^{' "$out/$name.log" | tail -n 1 | "$python" -c "
import json, sys
line = sys.stdin.read().strip()
record = {'run': '$name', 'exit': $rc, 'seconds': $seconds, 'result': json.loads(line) if line else None}
print(json.dumps(record))" >>"$out/results.jsonl"
}

has() { "$python" -c "import $1" >/dev/null 2>&1; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >"$out/device.txt" 2>&1
"$python" -c "import sys, keras; print(sys.version.split()[0], 'keras', keras.__version__)" >>"$out/device.txt" 2>&1

train="train_throughput.py --batch $batch --steps $steps --warmup $warmup --no-breakdown"
official_step="official_r3gan_throughput.py --official-root $official --batch $batch --steps $((2 * steps)) --warmup $warmup"
generate="generate_throughput.py --config bench32 --repeats $repeats --batch-sizes $sizes"
profile="step_profile.py --batch $batch --steps $profiled --float32-stages --tf32 off --official-root $official"
# 1. PyTorch against the official step: bench32 and CIFAR-10, float32 (TF32 off on both) and the bf16 stage layout,
# cuDNN autotuning on both (the official script turns it on; `keras-gans train` too).
run official_bench32 - $official_step --config bench32
run torch_bench32 torch $train --config bench32 --tf32 off --float32-stages --cudnn-benchmark
run official_${large}_float32 - $official_step --config $large
run torch_${large}_float32 torch $train --config $large --tf32 off --float32-stages --cudnn-benchmark
run official_${large}_bf16 - $official_step --config $large --bfloat16-stages
run torch_${large}_bf16 torch $train --config $large --cudnn-benchmark
# 2. JAX: the MFU of the CIFAR-10 bf16 configuration, and bench32 in float32.
run jax_${large}_bf16 jax $train --config $large
run jax_bench32 jax $train --config bench32 --tf32 off --float32-stages
# 3. Generation: images/s and time to the first image against the official generator.
run generate_torch torch $generate --official-root "$official"
run generate_jax jax $generate --official-root "$official"
# 4. Where the time goes: the PyTorch step and the official step profiled in one process, float32 on both.
run profile_torch_bench32 torch $profile --config bench32
run profile_torch_${large}_float32 torch $profile --config $large
# 5. TensorFlow, where its GPU build is installed: the XLA path and its throughput.
if has tensorflow; then
    run tf_bench32_xla tensorflow $train --config bench32 --jit true
    run generate_tensorflow tensorflow $generate
else
    echo "== TensorFlow is not installed here: its GPU rows are skipped" | tee -a "$out/device.txt"
fi
echo "results: $out/results.jsonl"
