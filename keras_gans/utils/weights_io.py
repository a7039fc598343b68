"""Loading Keras `.weights.h5` files with errors that name the file, what is wrong with it and what to do.

`keras.Model.load_weights` reports a damaged file with HDF5's own messages ("bad local heap signature", "truncated
file") and a file written by a different architecture with "expected 1 variables, but received 0", neither naming
the file. `load_weights_file` checks the file first (it exists, is not empty, starts with the HDF5 signature and
its structure can be walked) and, when Keras still refuses it, compares the file with the model variable by
variable. After loading, every floating-point variable is checked to be finite: a file holding NaN or Inf
(a diverged run saved by hand, a damaged conversion) would otherwise load silently and generate black images.
"""

import os
import tempfile

import numpy as np

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_MAX_LISTED = 8


class WeightsFileError(ValueError):
    """A weights file is missing, damaged, not HDF5, or does not match the model. The message names the file."""


def _walk(path):
    """`{dataset path: shape}` of every dataset of an HDF5 file; reads the structure (every object header)."""
    import h5py

    shapes = {}
    with h5py.File(path, "r") as file:

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                shapes[name] = tuple(obj.shape)
                obj.dtype  # noqa: B018 - reading the datatype message is part of the check

        file.visititems(visit)
    return shapes


def check_weights_file(path, what="weights file"):
    """Raises `WeightsFileError` unless `path` is a readable HDF5 file; returns `{dataset path: shape}`.

    Args:
        path: the `.weights.h5` file.
        what: how the file is called in the message (e.g. "checkpoint weights").
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise WeightsFileError(f"The {what} {path} does not exist.")
    if not os.path.isfile(path):
        raise WeightsFileError(f"The {what} {path} is not a file.")
    size = os.path.getsize(path)
    if size == 0:
        raise WeightsFileError(
            f"The {what} {path} is empty (0 bytes): its write was interrupted. Use an earlier copy or save it again."
        )
    with open(path, "rb") as file:
        head = file.read(len(HDF5_SIGNATURE))
    if head != HDF5_SIGNATURE:
        raise WeightsFileError(
            f"The {what} {path} is not an HDF5 file (it starts with {head!r}, not the HDF5 signature). Keras "
            "weights files are written by `model.save_weights('....weights.h5')`."
        )
    try:
        return _walk(path)
    except Exception as e:  # h5py reports damage as OSError, RuntimeError, KeyError or ValueError
        raise WeightsFileError(
            f"The {what} {path} ({size} bytes) is truncated or corrupt; HDF5 cannot read its structure ({e}). "
            "Use an earlier copy (e.g. the previous checkpoint) or save it again."
        ) from e


def _model_shapes(model):
    """`{dataset path: shape}` of the file the model itself would write."""
    with tempfile.TemporaryDirectory(prefix="keras_gans_weights_") as folder:
        path = os.path.join(folder, "expected.weights.h5")
        model.save_weights(path)
        return _walk(path)


def _listed(items):
    items = sorted(items)
    more = f", and {len(items) - _MAX_LISTED} more" if len(items) > _MAX_LISTED else ""
    return ", ".join(items[:_MAX_LISTED]) + more


def describe_mismatch(model, file_shapes):
    """What differs between the variables of `model` and a weights file's `{dataset path: shape}`; "" if nothing."""
    try:
        expected = _model_shapes(model)
    except Exception:  # an unbuilt model cannot be saved; Keras' own message then stands alone
        return ""
    parts = []
    missing = set(expected) - set(file_shapes)
    unexpected = set(file_shapes) - set(expected)
    differ = [
        f"{name}: model {expected[name]}, file {file_shapes[name]}"
        for name in set(expected) & set(file_shapes)
        if expected[name] != file_shapes[name]
    ]
    if differ:
        parts.append(f"shapes differ for {_listed(differ)}")
    if missing:
        parts.append(f"missing from the file: {_listed(missing)}")
    if unexpected:
        parts.append(f"in the file but not in the model: {_listed(unexpected)}")
    return "; ".join(parts)


def _first_line(error):
    """The first non-empty line of an error message (Keras appends variable values), at most 300 characters."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def load_weights_file(model, path, what="weights file"):
    """`model.load_weights(path)`, with a checked file and errors that say which file and what is wrong.

    Args:
        model: a built Keras model.
        path: a `.weights.h5` file.
        what: how the file is called in messages.

    Raises:
        WeightsFileError: the file is missing, empty, not HDF5, truncated or corrupt, or its variables do not match
            the model's (the message lists the variables and shapes that differ), or a loaded value is NaN or
            Inf (the message names the first such variable).

    Examples:

    ```python
    from keras_gans.utils.weights_io import load_weights_file

    load_weights_file(gan, "run/checkpoint/ckpt-000000200000/model.weights.h5")
    ```
    """
    path = os.fspath(path)
    file_shapes = check_weights_file(path, what)
    try:
        model.load_weights(path)
    except Exception as e:
        reason = _first_line(e)
        mismatch = describe_mismatch(model, file_shapes)
        if mismatch:
            raise WeightsFileError(
                f"The {what} {path} does not match {type(model).__name__} '{model.name}': {mismatch}. It was "
                f"written by a model built differently; build the model with the same arguments. (Keras: {reason})"
            ) from e
        raise WeightsFileError(
            f"The {what} {path} could not be loaded into {type(model).__name__} '{model.name}': {reason}. If the file "
            "was damaged, use an earlier copy or save it again."
        ) from e
    check_finite_weights(model, path, what)
    return model


# Networks of a GAN named in messages: the generator and its EMA copy share variable paths.
_NETWORK_ATTRIBUTES = ("generator", "ema_generator", "discriminator")


def first_nonfinite_variable(model):
    """`(variable name, count of NaN/Inf values, size)` of the first floating-point variable of `model` holding a
    NaN or Inf, or `None` when every value is finite. One pass over the variables on the host. A variable of a
    GAN's network is named with the network's attribute (`ema_generator: .../kernel`)."""
    import keras

    owners = {}
    for attribute in _NETWORK_ATTRIBUTES:
        network = getattr(model, attribute, None)
        for variable in getattr(network, "weights", ()):
            owners.setdefault(id(variable), attribute)
    for variable in model.weights:
        if "float" not in keras.backend.standardize_dtype(variable.dtype):
            continue
        # Variable.numpy(): convert_to_numpy of a TensorFlow variable warns about numpy 2's copy keyword.
        values = np.asarray(variable.numpy(), dtype="float32")
        finite = np.isfinite(values)
        if not finite.all():
            owner = owners.get(id(variable))
            name = f"{owner}: {variable.path}" if owner else variable.path
            return name, int(values.size - finite.sum()), int(values.size)
    return None


def check_finite_weights(model, path, what="weights file"):
    """Raises `WeightsFileError` naming `path` and the first variable of `model` whose loaded values are not
    finite (NaN or Inf)."""
    found = first_nonfinite_variable(model)
    if found is not None:
        name, bad, size = found
        raise WeightsFileError(
            f"The {what} {os.fspath(path)} holds non-finite values (NaN or Inf): the variable {name} has {bad} of "
            f"{size} values non-finite. The weights come from a run that diverged or a damaged file; use an "
            "earlier copy (e.g. the previous checkpoint)."
        )
