"""Static shape checks shared by the image layers: clear `ValueError`s at build/call time."""


def describe(layer):
    """`ClassName 'layer_name'`, the prefix of every error message."""
    return f"{type(layer).__name__} '{layer.name}'"


def check_positive_int(layer_or_name, name, value, minimum=1):
    """Raises unless `value` is a Python int (not a bool) >= `minimum`; returns it."""
    prefix = layer_or_name if isinstance(layer_or_name, str) else type(layer_or_name).__name__
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{prefix}: `{name}` must be an integer >= {minimum}, got {value!r}.")
    return value


def check_image_shape(layer, shape, channels=None, spatial=None, divisible_by=1):
    """Checks an NHWC shape: rank 4, static H and W, and optionally the channels and spatial size.

    Args:
        layer: the layer doing the check (named in the message).
        shape: the input shape, `(batch, height, width, channels)`.
        channels: the required channel count, or `None` for any (static) count.
        spatial: the required `(height, width)`, or `None` for any.
        divisible_by: height and width must be multiples of this.

    Returns:
        `(height, width, channels)` as Python ints.
    """
    shape = tuple(shape)
    if len(shape) != 4:
        raise ValueError(
            f"{describe(layer)} expects NHWC images of rank 4 (batch, height, width, channels), "
            f"got shape {shape} (rank {len(shape)})."
        )
    _, height, width, in_channels = shape
    if height is None or width is None or in_channels is None:
        raise ValueError(f"{describe(layer)} needs static height, width and channels, got shape {shape}.")
    if channels is not None and in_channels != channels:
        raise ValueError(f"{describe(layer)} expects {channels} input channels, got {in_channels} (shape {shape}).")
    if spatial is not None and (height, width) != tuple(spatial):
        raise ValueError(
            f"{describe(layer)} expects a spatial size of {tuple(spatial)}, got {(height, width)} (shape {shape})."
        )
    if height % divisible_by or width % divisible_by:
        raise ValueError(
            f"{describe(layer)} expects height and width divisible by {divisible_by}, got "
            f"{(height, width)} (shape {shape})."
        )
    return height, width, in_channels


def check_vector_shape(layer, shape, features=None, what="features"):
    """Checks a `(batch, features)` shape; returns the feature count."""
    shape = tuple(shape)
    if len(shape) != 2 or shape[-1] is None:
        raise ValueError(
            f"{describe(layer)} expects a rank-2 input (batch, {what}) with a static last axis, got shape {shape}."
        )
    if features is not None and shape[-1] != features:
        raise ValueError(f"{describe(layer)} expects {features} {what}, got {shape[-1]} (shape {shape}).")
    return shape[-1]


def check_labels(owner, num_classes, labels, batch):
    """Checks the `labels` argument of a network call against `num_classes` (0 = unconditional).

    Args:
        owner: the network named in the message (e.g. `"ProGANGenerator 'generator'"`).
        num_classes: the network's number of classes; 0 means unconditional.
        labels: `None` or one-hot labels `(batch, num_classes)` (only the static shape is checked).
        batch: the static batch size of the main input, or `None`.

    Returns:
        `labels`, or `None` for an unconditional network.
    """
    if num_classes == 0:
        if labels is not None and len(labels.shape) == 2 and labels.shape[-1] not in (0, None):
            raise ValueError(
                f"{owner} is unconditional (num_classes=0) but got labels of shape "
                f"{tuple(labels.shape)}; pass labels=None."
            )
        return None
    if labels is None:
        raise ValueError(
            f"{owner} is class-conditional (num_classes={num_classes}) and needs one-hot labels of "
            f"shape (batch, {num_classes}); got labels=None."
        )
    if len(labels.shape) != 2 or labels.shape[-1] != num_classes:
        raise ValueError(f"{owner} expects one-hot labels of shape (batch, {num_classes}), got {tuple(labels.shape)}.")
    if labels.shape[0] is not None and batch is not None and labels.shape[0] != batch:
        raise ValueError(f"{owner}: labels batch {labels.shape[0]} does not match the input batch {batch}.")
    return labels
