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
        raise ValueError(
            f"{describe(layer)} needs static height, width and channels, got shape {shape}."
        )
    if channels is not None and in_channels != channels:
        raise ValueError(
            f"{describe(layer)} expects {channels} input channels, got {in_channels} (shape {shape})."
        )
    if spatial is not None and (height, width) != tuple(spatial):
        raise ValueError(
            f"{describe(layer)} expects a spatial size of {tuple(spatial)}, got {(height, width)} "
            f"(shape {shape})."
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
            f"{describe(layer)} expects a rank-2 input (batch, {what}) with a static last axis, got shape "
            f"{shape}."
        )
    if features is not None and shape[-1] != features:
        raise ValueError(f"{describe(layer)} expects {features} {what}, got {shape[-1]} (shape {shape}).")
    return shape[-1]
