"""Keeps a model's variables through an exception escaping Keras' `fit`, `evaluate` or `predict`.

Keras' JAX trainer moves the variable values into a functional state when a loop starts ("purges" the variables:
their values become `None`) and assigns them back at the end. An exception raised while the first step is traced
(a batch that fails a check, a bad input structure) leaves them purged: the in-memory model is lost. `evaluate`
and `predict` assign them back only when they end normally. `variables_kept_on_error` restores them. The other
backends update their variables in place and need nothing.
"""

import contextlib

import keras


def _trainer_variables(model):
    """Every variable that Keras' JAX trainer may purge, each once."""
    lists = [model.trainable_variables, model.non_trainable_variables, model.metrics_variables]
    if getattr(model, "optimizer", None) is not None:
        lists.append(model.optimizer.variables)
    unique = {}
    for variables in lists:
        for variable in variables:
            unique.setdefault(id(variable), variable)
    return list(unique.values())


def _is_purged(variable):
    # A purged JAX variable holds no value (Keras' `_purge_model_variables`); reading `value` would then fail.
    return getattr(variable, "_value", False) is None


def _restore(model, saved):
    """Assigns back the trainer's last state, then the saved values to the variables still without a value."""
    try:
        model.jax_state_sync()  # the values of the last step that completed, if the loop has any
    finally:
        model._jax_state = None  # a loop that raised leaves its state behind; the next loop starts without it
        for variable, value in saved:
            deleted = getattr(value, "is_deleted", lambda: False)()  # a buffer donated to a step that ran
            if _is_purged(variable) and not deleted:
                variable.assign(value)


@contextlib.contextmanager
def variables_kept_on_error(model):
    """Context in which `model.fit`, `evaluate` or `predict` runs: if an exception escapes it, the variables hold
    their values from before the loop, or from the last step that completed (JAX only; elsewhere a no-op).

    Args:
        model: the `keras.Model` whose loop runs inside the context.
    """
    if keras.backend.backend() != "jax":
        yield
        return
    # References, not copies: a step that fails while traced donates nothing.
    saved = [(variable, variable.value) for variable in _trainer_variables(model) if not _is_purged(variable)]
    model._jax_state = None  # the state of an earlier loop must not be synced into this one's variables
    try:
        yield
    except BaseException:
        _restore(model, saved)
        raise
