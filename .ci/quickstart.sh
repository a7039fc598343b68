#!/usr/bin/env bash
# The main job from a fresh clone: creates .venv, then trains a small R3GAN on the real MNIST digits that ship
# with the package (no download) and writes a sample grid, a loss plot and a metrics JSON.
# Extra arguments go to `keras-gans train` (e.g. `--steps 1000`, or `--steps 400 --resume` to continue the last
# run); KERAS_BACKEND picks the backend (default jax). Without --resume a run starts afresh (--overwrite).
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/env.sh
export KERAS_BACKEND=${KERAS_BACKEND:-jax}
fresh=--overwrite
for arg in "$@"; do
  if [ "$arg" = --resume ]; then fresh=; fi
done
.venv/bin/python -m keras_gans.cli train --dataset embedded --preset tiny32 --resolution 32 \
  --batch-size 16 --steps 200 --sample-every 800 --output runs/quickstart ${fresh:+"$fresh"} "$@"
