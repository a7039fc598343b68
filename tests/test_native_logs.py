"""No native log noise: `keras-gans --help` prints help only, and a run on this backend (which loads TensorFlow too,
through Keras' lazy import) writes nothing to stderr, unless the user sets TF_CPP_MIN_LOG_LEVEL. Each check runs in
a fresh Python process (the logs come from library loading), with the environment of a user who set nothing."""

import os
import subprocess
import sys

import keras
import pytest

RUN = """
import os, sys
import numpy as np
import keras_gans, keras
from keras_gans.models.r3gan import preset_arguments
generator = keras_gans.R3GANGenerator(**preset_arguments("stacked_mnist_small", "generator"))
keras.saving.serialize_keras_object(generator)  # Keras imports TensorFlow here when it is installed
print(keras.ops.convert_to_numpy(generator(np.zeros((1, generator.latent_dim), "float32"))).shape)
print("tensorflow loaded:", "tensorflow" in sys.modules, "level:", os.environ.get("TF_CPP_MIN_LOG_LEVEL"))
from keras_gans.native_logs import filtered_native_stderr
with filtered_native_stderr():
    os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n")
    os.write(2, b"a line of the user's own\\n")
"""


def _run(args, **env):
    environ = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    environ.update(KERAS_BACKEND=keras.backend.backend(), **env)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=environ, timeout=600)


def test_cli_help_prints_help_only():
    result = _run(["-m", "keras_gans.cli", "--help"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: keras-gans") and result.stderr == ""


@pytest.mark.parametrize("level", [None, "0"], ids=["user_set_nothing", "user_asked_for_logs"])
def test_a_run_is_quiet_unless_asked(level):
    result = _run(["-c", RUN], **({} if level is None else {"TF_CPP_MIN_LOG_LEVEL": level}))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == f"tensorflow loaded: True level: {level or '3'}"  # TensorFlow was loaded in this run too
    if level is None:
        assert result.stderr == "a line of the user's own\n"  # the import notices are gone, other output is kept
    else:  # asked for: nothing is filtered
        assert result.stderr.endswith(
            "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
            "a line of the user's own\n"
        )


def test_a_run_that_imports_keras_first_is_quiet():
    """A script that imports keras before keras_gans (as the examples do). That imports JAX first (on the torch
    backend too, when JAX is installed), which sets TF_CPP_MIN_LOG_LEVEL=1 itself; that level hides INFO lines
    as well, so the notices are still filtered."""
    if keras.backend.backend() == "tensorflow":
        pytest.skip(
            "with the TensorFlow backend `import keras` loads TensorFlow, which prints its import notices "
            "before keras_gans is imported; only the other backends load TensorFlow later"
        )
    result = _run(["-c", "import keras\n" + RUN])
    assert result.returncode == 0, result.stderr
    # 1 where importing keras imported JAX (which Keras does on the torch backend too when JAX is installed), else 3
    assert result.stdout.splitlines()[-1] in ("tensorflow loaded: True level: 1", "tensorflow loaded: True level: 3")
    assert result.stderr == "a line of the user's own\n"
