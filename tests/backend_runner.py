"""Run one snippet of code under each Keras backend in a subprocess and collect its arrays.

Keras picks its backend once per process, so comparing backends means one process per backend. The snippet
receives ``OUT`` (a path) and must write an ``.npz`` there; the helper returns ``{backend: dict of arrays}``.
"""

import os
import pathlib
import subprocess
import sys
import tempfile
import textwrap

import numpy as np

BACKENDS = ("tensorflow", "jax", "torch")
REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]


def run_on_backends(code, backends=BACKENDS, timeout=600):
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            out = pathlib.Path(tmp) / f"{backend}.npz"
            env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
            env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
            program = f"OUT = {str(out)!r}\n" + textwrap.dedent(code)
            proc = subprocess.run(
                [sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=timeout
            )
            if proc.returncode != 0:
                raise AssertionError(f"snippet failed on {backend}:\n{proc.stdout}\n{proc.stderr[-4000:]}")
            with np.load(out) as data:
                results[backend] = {k: data[k] for k in data.files}
    return results


def assert_backends_agree(results, atol=1e-5, rtol=1e-5):
    """Every array of every backend equals the first backend's array within the tolerance."""
    (first, ref), *others = results.items()
    for backend, arrays in others:
        assert arrays.keys() == ref.keys(), (first, backend, sorted(ref), sorted(arrays))
        for key, value in ref.items():
            np.testing.assert_allclose(arrays[key], value, atol=atol, rtol=rtol, err_msg=f"{key}: {backend} vs {first}")
