"""JAX's persistent compilation cache, which keras-gans turns on at import (`keras_gans.backend.compilation_cache`).

Each case runs in a fresh interpreter, because the cache is configured when `keras_gans` is imported. The JAX
cases need JAX's cache and run under the JAX backend only; on TensorFlow and PyTorch the test checks that nothing
is configured and no cache folder appears.
"""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_gans.backend import compilation_cache

ON_JAX = keras.backend.backend() == "jax"
# Without the `filelock` package (not a dependency), as in a fresh install of keras-gans[jax].
_WITHOUT_FILELOCK = """
import importlib.util, sys
_find_spec = importlib.util.find_spec
importlib.util.find_spec = lambda name, *args: None if name == "filelock" else _find_spec(name, *args)
class _NoFilelock:
    def find_spec(self, name, path=None, target=None):
        if name == "filelock":
            raise ImportError("No module named 'filelock'")
sys.meta_path.insert(0, _NoFilelock())
"""
_GENERATE = """
import json, sys
import numpy as np
import keras_gans
gan = keras_gans.R3GAN.from_preset("stacked_mnist_small")
np.save(sys.argv[1], gan.generate(2, seed=0))
import jax
print(json.dumps({"dir": jax.config.jax_compilation_cache_dir}))
"""


def _run(tmp_path, out_name, prelude="", **env):
    environment = dict(os.environ, KERAS_GANS_CACHE=str(tmp_path / "cache"), **env)
    if "JAX_COMPILATION_CACHE_DIR" not in env:
        environment.pop("JAX_COMPILATION_CACHE_DIR", None)
    proc = subprocess.run(
        [sys.executable, "-c", prelude + _GENERATE, str(tmp_path / out_name)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "compilation cache" not in proc.stderr, proc.stderr[-3000:]  # e.g. JAX failing to read an entry
    return json.loads(proc.stdout.strip().splitlines()[-1])["dir"], np.load(tmp_path / out_name)


def _entries(directory):
    return sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []


@pytest.mark.skipif(not ON_JAX, reason="JAX's compilation cache; TensorFlow and PyTorch compile nothing to keep")
@pytest.mark.parametrize("prelude", ["", _WITHOUT_FILELOCK], ids=["with_filelock", "without_filelock"])
def test_a_second_process_loads_the_generator_program_that_the_first_compiled(tmp_path, prelude):
    cache = tmp_path / "cache" / "xla_cache"
    directory, first = _run(tmp_path, "first.npy", prelude)
    assert directory == str(cache)
    written = _entries(cache)
    assert written, "the first process wrote no compiled program"
    _, second = _run(tmp_path, "second.npy", prelude)
    assert _entries(cache) == written  # every program came from the cache: nothing new was compiled and written
    np.testing.assert_array_equal(second, first)


@pytest.mark.skipif(not ON_JAX, reason="JAX's compilation cache; TensorFlow and PyTorch compile nothing to keep")
def test_the_cache_can_be_switched_off_and_a_users_own_directory_is_kept(tmp_path):
    directory, _ = _run(tmp_path, "off.npy", KERAS_GANS_COMPILATION_CACHE="0")
    assert directory is None and not (tmp_path / "cache" / "xla_cache").exists()
    own = tmp_path / "own"
    # JAX's own threshold (1 s by default) would skip a program that compiles faster on a quick machine.
    directory, _ = _run(
        tmp_path, "own.npy", JAX_COMPILATION_CACHE_DIR=str(own), JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0"
    )
    assert directory == str(own) and _entries(own) and not (tmp_path / "cache" / "xla_cache").exists()


def test_other_backends_configure_nothing(tmp_path):
    if ON_JAX:
        assert compilation_cache.enable_compilation_cache(tmp_path / "c") == tmp_path / "c"
        import jax

        assert jax.config.jax_compilation_cache_dir == str(tmp_path / "c")
        compilation_cache.enable_compilation_cache()  # back to the default of this test run
    else:
        assert compilation_cache.enable_compilation_cache(tmp_path / "c") is None
        assert compilation_cache.enable_default() is None
        assert not (tmp_path / "c").exists()
