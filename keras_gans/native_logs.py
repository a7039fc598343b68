"""Keeps the native (C++) logs of TensorFlow and XLA quiet unless the user asks for them.

TensorFlow and XLA (inside jaxlib and TensorFlow) log through absl/TSL to stderr: oneDNN and CPU-feature notices at
import, "slow_operation_alarm" errors when XLA constant folding takes over a second, and more. They are not problems
of the user's run, and they hide its own output. Two measures:

* `quiet_native_logs()` sets `TF_CPP_MIN_LOG_LEVEL` before Keras (and through it TensorFlow or JAX) is imported,
  unless it is already set; XLA reads it when it loads.
* TensorFlow (2.21) prints its import notices before its logging reads that variable, so `filtered_native_stderr()`
  wraps the imports that load TensorFlow: what the process writes to stderr meanwhile is held back and written out
  afterwards without those notices. That includes Keras' own lazy import of TensorFlow, which happens on every
  backend when TensorFlow is installed (e.g. while serializing a configuration): `filter_lazy_tensorflow_import()`.
  The notices are INFO lines (and absl's preamble to them), which every level but 0 hides, so only
  `TF_CPP_MIN_LOG_LEVEL=0` turns this filter off; in particular the level 1 that importing JAX sets by default
  keeps it on.

Errors still reach the user as Python exceptions. Importing TensorFlow or JAX before `keras_gans` keeps their
own defaults.
"""

import contextlib
import os
import sys
import tempfile

ENV_VAR = "TF_CPP_MIN_LOG_LEVEL"
# 3 hides INFO, WARNING and ERROR lines (XLA logs its slow-operation alarm as an ERROR).
QUIET_LEVEL = "3"
# Lines TensorFlow writes to stderr while it loads, whatever the log level.
IMPORT_NOTICES = (
    b"All log messages before absl::InitializeLog() is called are written to STDERR",
    b"oneDNN custom operations are on",
    b"cpu_feature_guard.cc",
    b"To enable the following instructions",
)
# The level at which TensorFlow shows its INFO lines, and with it the notices.
SHOW_ALL_LEVEL = "0"


def quiet_native_logs(environ=os.environ):
    """Sets `TF_CPP_MIN_LOG_LEVEL` to `QUIET_LEVEL` unless it is already set; returns the value in effect."""
    return environ.setdefault(ENV_VAR, QUIET_LEVEL)


def _is_notice(line):
    return any(notice in line for notice in IMPORT_NOTICES)


@contextlib.contextmanager
def filtered_native_stderr():
    """Holds back the process's stderr (file descriptor 2) while active, then writes it out without TensorFlow's
    import notices. Does nothing when `TF_CPP_MIN_LOG_LEVEL` is 0 (show everything) or stderr has no file
    descriptor."""
    try:
        saved = None if os.environ.get(ENV_VAR) == SHOW_ALL_LEVEL else os.dup(2)
    except OSError:
        saved = None
    if saved is None:
        yield
        return
    with tempfile.TemporaryFile() as held:
        sys.stderr.flush()
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            kept = [line for line in held.read().splitlines(keepends=True) if not _is_notice(line)]
            if kept:
                os.write(2, b"".join(kept))


def keras_lazy_tensorflow():
    """Keras' lazy TensorFlow module (`keras.src.utils.module_utils.tensorflow`), or None where Keras has none.
    Read its state with `vars()`: a missing attribute would make it import TensorFlow."""
    try:
        from keras.src.utils import module_utils

        return module_utils.tensorflow
    except (ImportError, AttributeError):
        return None


def filter_lazy_tensorflow_import():
    """Runs Keras' lazy import of TensorFlow (`keras.src.utils.module_utils.tensorflow`) inside
    `filtered_native_stderr()`. Does nothing if TensorFlow is already imported or Keras has no such lazy module."""
    lazy = keras_lazy_tensorflow()
    if lazy is None:
        return
    state = vars(lazy)
    if state.get("module") is not None or "initialize" in state or "tensorflow" in sys.modules:
        return
    initialize = lazy.initialize

    def filtered_initialize():
        with filtered_native_stderr():
            initialize()

    lazy.initialize = filtered_initialize
