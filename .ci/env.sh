#!/usr/bin/env bash
# Creates (or refreshes) the project's virtual environment in .venv with every backend and the dev tools.
# torch is pinned through .ci/constraints.txt so that no dependency can pull a CUDA build onto a CPU machine.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -c .ci/constraints.txt -e ".[all,dev]"
