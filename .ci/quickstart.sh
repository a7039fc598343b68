#!/usr/bin/env bash
# The main job from a fresh clone: creates .venv, then runs examples/quickstart.py: within seconds a sample grid
# from the shipped pretrained mnist_small R3GAN, then a small grayscale R3GAN trained on the real MNIST
# digits that ship with the package (no download), and a self-contained HTML report (samples over time, losses,
# configuration, classifier quality next to real digits) in runs/quickstart/report.html.
# Extra arguments go to the script (e.g. `--steps 8000`); KERAS_BACKEND picks the backend (default jax).
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/env.sh
export KERAS_BACKEND=${KERAS_BACKEND:-jax}
.venv/bin/python examples/quickstart.py --output runs/quickstart "$@"
