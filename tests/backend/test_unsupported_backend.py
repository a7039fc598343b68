"""`import keras_gans` under Keras' numpy backend stops with an ImportError that says why and what to set.

The package needs gradients (networks, training step) at import, which the numpy backend lacks; this is checked
in a fresh interpreter because Keras fixes its backend at import.
"""

import os
import subprocess
import sys


def test_numpy_backend_import_error_names_the_supported_backends():
    env = dict(os.environ, KERAS_BACKEND="numpy")
    result = subprocess.run(
        [sys.executable, "-c", "import keras_gans"], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith(
        "ImportError: keras_gans needs Keras' tensorflow, jax or torch backend; KERAS_BACKEND=numpy has no gradients"
    ), result.stderr[-2000:]
