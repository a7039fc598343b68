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
# pip and the build backend print deprecation notices and the like to stderr on every install; they are shown
# only when the install fails, so that the main job's output is the job's own.
PIP_LOG=$(mktemp)
trap 'rm -f "$PIP_LOG"' EXIT
if ! { .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>"$PIP_LOG" \
    && .venv/bin/python -m pip install -q -c .ci/constraints.txt -e ".[all,dev]" 2>>"$PIP_LOG"; }; then
  cat "$PIP_LOG" >&2
  echo "env.sh: installing the project into .venv failed (pip's messages above)." >&2
  exit 1
fi
