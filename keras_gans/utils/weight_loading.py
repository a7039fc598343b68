"""Building a model whose weights are loaded right after: random initializers need not run.

Drawing random initial values costs more than building the layers on some backends (JAX compiles one random
program per distinct weight shape), and those values are overwritten by the loaded weights at once.
"""

import contextlib
import threading

_STATE = threading.local()


@contextlib.contextmanager
def weights_loaded_next():
    """Within this context, initializers that honour `initial_values_unused()` return zeros instead of random
    values. Only for building a model whose every weight is loaded from a file immediately afterwards.

    Examples:

    >>> with weights_loaded_next():
    ...     initial_values_unused()
    True
    """
    previous = getattr(_STATE, "active", False)
    _STATE.active = True
    try:
        yield
    finally:
        _STATE.active = previous


def initial_values_unused():
    """True inside `weights_loaded_next()`."""
    return getattr(_STATE, "active", False)
