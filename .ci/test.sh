#!/usr/bin/env bash
# Creates the environment, then runs the whole test suite once per Keras backend. Fails if any backend fails.
# Extra arguments go to pytest (e.g. `bash .ci/test.sh -x -k layers`).
set -uo pipefail
cd "$(dirname "$0")/.."
bash .ci/env.sh || exit 1
BACKENDS=${BACKENDS:-"tensorflow jax torch"}
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
  KERAS_BACKEND=$backend .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
  rc=$?
  summary="$summary\n$backend: exit $rc in $(( $(date +%s) - start )) s"
  [ $rc -ne 0 ] && status=1
done
printf "=== summary ===%b\n" "$summary"
exit $status
