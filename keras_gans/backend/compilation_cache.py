"""JAX's persistent compilation cache: compiled XLA programs kept on disk, so that a new process that runs a
function it has run before (a preset's `generate`, a training step) loads the program instead of compiling it.

On JAX the first call of every compiled function pays XLA's compilation, seconds on a CPU for a generator, while
TensorFlow and PyTorch start at once. With the cache, only the first process on a machine pays it. keras-gans turns
the cache on when it is imported on JAX (`enable_default`), in `cache_root() / "xla_cache"`, unless:

* `KERAS_GANS_COMPILATION_CACHE=0` is set (then nothing is changed), or
* the user has already chosen a cache directory (`jax.config.jax_compilation_cache_dir` or
  `JAX_COMPILATION_CACHE_DIR`): theirs is kept.

TensorFlow and PyTorch have nothing to set: their first call traces or runs Python, which no cache removes.
"""

import importlib.util
import os
import pathlib

import keras

ENV_VAR = "KERAS_GANS_COMPILATION_CACHE"
# Programs that compile faster than this are not written (the cache would fill with trivial ones); a generator or
# a training step takes far longer.
MIN_COMPILE_SECONDS = 0.25
# Least-recently-used programs are evicted beyond this size, where JAX can do so: its eviction needs the `filelock`
# package (without it, setting a size makes every cache read fail, so the cache is left unbounded).
MAX_BYTES = 2 * 1024**3


def compilation_cache_dir():
    """The directory keras-gans uses for JAX's compilation cache: `keras_gans.utils.preset_utils.cache_root() /
    "xla_cache"`."""
    from keras_gans.utils.preset_utils import cache_root

    return cache_root() / "xla_cache"


def enable_compilation_cache(directory=None):
    """Turns on JAX's persistent compilation cache in `directory` (default: `compilation_cache_dir()`).

    Does nothing on TensorFlow and PyTorch.

    Args:
        directory: where the compiled programs are kept.

    Returns:
        The directory in use (a `pathlib.Path`), or `None` on other backends.

    Examples:

    ```python
    keras_gans.backend.enable_compilation_cache("/tmp/xla_cache")
    ```
    """
    if keras.backend.backend() != "jax":
        return None
    import jax

    directory = pathlib.Path(directory) if directory is not None else compilation_cache_dir()
    jax.config.update("jax_compilation_cache_dir", os.fspath(directory))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_SECONDS)
    if importlib.util.find_spec("filelock") is not None:
        jax.config.update("jax_compilation_cache_max_size", MAX_BYTES)
    return directory


def enable_default():
    """`enable_compilation_cache()` at import, unless switched off (`KERAS_GANS_COMPILATION_CACHE=0`) or the user
    has already chosen a directory; returns the directory in use by this call, or `None`."""
    if keras.backend.backend() != "jax":
        return None
    if os.environ.get(ENV_VAR, "1").strip().lower() in ("0", "false", "off", "no"):
        return None
    import jax

    if jax.config.jax_compilation_cache_dir or os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        return None
    return enable_compilation_cache()
