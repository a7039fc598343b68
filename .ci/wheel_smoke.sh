#!/usr/bin/env bash
# Packaging smoke test: builds the sdist and (from it) the wheel, installs the wheel with the JAX backend into a
# fresh virtual environment outside the repository, then, from another folder and with the network blocked, loads
# the shipped preset `stacked_mnist_small`, generates, runs `keras-gans generate` and scores StackedMNIST modes with
# the shipped classifier. One backend is enough here (JAX: the smallest install); the test suite covers all three.
# Installs reuse pip's cache; torch is pinned through .ci/constraints.txt should anything pull it in.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
BUILD_PYTHON=${BUILD_PYTHON:-$REPO/.venv/bin/python}  # made by .ci/env.sh (has build and setuptools)
PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "=== wheel smoke test (JAX backend) in $WORK"
"$BUILD_PYTHON" -m build --no-isolation --outdir "$WORK/dist" "$REPO" >"$WORK/build.log" 2>&1 || {
  cat "$WORK/build.log"; exit 1; }
ls "$WORK"/dist
WHEEL=$(ls "$WORK"/dist/keras_gans-*.whl)
"$BUILD_PYTHON" -m zipfile -l "$WHEEL" | grep -q "dist-info/licenses/LICENSE" || { echo "the wheel has no LICENSE"; exit 1; }
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q --disable-pip-version-check -c "$REPO/.ci/constraints.txt" "${WHEEL}[jax]"

# Every Python process from here on refuses network connections (sitecustomize runs at interpreter start-up).
mkdir -p "$WORK/offline" "$WORK/elsewhere"
cat >"$WORK/offline/sitecustomize.py" <<'PY'
import socket


def _refuse(*args, **kwargs):
    raise OSError("network access is disabled in the wheel smoke test")


socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.getaddrinfo = _refuse
socket.create_connection = _refuse
PY
export PYTHONPATH="$WORK/offline" KERAS_BACKEND=jax HF_HUB_OFFLINE=1 KERAS_HOME="$WORK/keras_home"
export KERAS_GANS_CACHE="$WORK/cache"
cd "$WORK/elsewhere"

"$WORK/venv/bin/python" - "$REPO" <<'PY'
import pathlib
import sys

import numpy as np

import keras_gans
from keras_gans.metrics import stacked_mnist_modes

repo = pathlib.Path(sys.argv[1]).resolve()
installed = pathlib.Path(keras_gans.__file__).resolve()
assert repo not in installed.parents and "site-packages" in installed.parts, installed
gan = keras_gans.R3GAN.from_preset("stacked_mnist_small")  # shipped package data, no download
images = gan.generate(1000, seed=0, batch_size=250)
assert images.shape == (1000, 32, 32, 3) and images.dtype == np.uint8 and images.std() > 10
result = stacked_mnist_modes(images)  # the shipped MNIST classifier
print(f"keras_gans {keras_gans.__version__} from {installed.parent}: stacked_mnist_small covers "
      f"{result['modes']} of 1000 modes in 1000 samples (KL to uniform {result['kl']:.3f})")
# The preset's metadata records 639 modes in 26,000 samples; an untrained or broken generator covers a handful.
assert result["modes"] >= 150, result
from keras_gans.metrics.mnist_classifier import digit_quality

digits = keras_gans.R3GAN.from_preset("mnist_small")  # the class-conditional MNIST model, also package data
labels = np.arange(500) % 10
quality = digit_quality(digits.generate(500, labels=labels, seed=1), labels=labels)
print(f"mnist_small: the classifier reads the requested digit in {quality['label_agreement']:.1%} of 500 samples")
# Its metadata records 98.6% of 10,000; a generator that ignored the labels would score about 10%.
assert quality["label_agreement"] >= 0.9, quality
PY

"$WORK/venv/bin/keras-gans" generate --preset stacked_mnist_small --seeds 0-15 --grid --output "$WORK/generated" \
  2>"$WORK/generate.err"
test -s "$WORK/generated/grid.png"
if [ -s "$WORK/generate.err" ]; then
  echo "keras-gans generate wrote to stderr:"; cat "$WORK/generate.err"; exit 1
fi
echo "=== wheel smoke test passed"
