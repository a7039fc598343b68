"""Validation of the networks' architecture arguments before anything is built, shared by R3GAN and ProGAN.

A configuration comes from code, from `from_preset` overrides or from a preset's `config.json`, which may be
hostile or mistyped. Every argument is checked for its type (an int where an int is expected, a list of positive
ints, not a string, where per-stage widths are expected) and range, and the network's size is estimated from the
arguments alone, so that `"blocks_per_stage": 1000000` fails at once with the estimate instead of allocating until
the process is killed.

Size limits (`check_size`): at most `MAX_PARAMETERS` parameters, `MAX_BLOCKS_PER_STAGE` residual blocks per stage
and images of at most `MAX_RESOLUTION` pixels square. `allow_large=True` (a constructor argument of every network,
also accepted by `from_preset`) lifts all three.
"""

import numbers

MAX_PARAMETERS = 2_000_000_000
MAX_BLOCKS_PER_STAGE = 256
MAX_RESOLUTION = 8192
_BYTES_PER_FLOAT32 = 4
LIFT_HINT = "pass allow_large=True to the network (or to from_preset) to build it anyway"


def _type_name(value):
    return type(value).__name__


def check_int(owner, name, value, minimum=1):
    """Raises `ValueError` naming `owner` and `name` unless `value` is an integer (not a bool, not a float) >=
    `minimum`; returns it as a Python int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{owner}: `{name}` must be an integer >= {minimum}, got {value!r} ({_type_name(value)}).")
    if value < minimum:
        raise ValueError(f"{owner}: `{name}` must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def check_number(owner, name, value, minimum=None):
    """Raises `ValueError` unless `value` is a real number (not a bool) >= `minimum`; returns it as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{owner}: `{name}` must be a number, got {value!r} ({_type_name(value)}).")
    if minimum is not None and value < minimum:
        raise ValueError(f"{owner}: `{name}` must be >= {minimum}, got {value!r}.")
    return float(value)


def check_int_list(owner, name, value, minimum=1, length=None, scalar_ok=False, length_hint=None):
    """Returns `value` as a list of Python ints, each >= `minimum`.

    Args:
        owner: who checks (named in messages).
        name: the argument (named in messages).
        value: a list or tuple of integers; with `scalar_ok`, one integer stands for `length` equal entries.
        minimum: the smallest allowed entry.
        length: the required number of entries, or `None` for any number (at least one).
        scalar_ok: whether a single integer is accepted.
        length_hint: how the required length is described (default: "`length` entries").

    Raises:
        ValueError: `value` is a string, a mapping, not a sequence, has entries that are not integers or are too
            small, or has the wrong length.
    """
    if scalar_ok and isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = [value] * (1 if length is None else length)
    expected = "an integer or a list of integers" if scalar_ok else "a list of integers"
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, (list, tuple)):
        raise ValueError(f"{owner}: `{name}` must be {expected}, got {value!r} ({_type_name(value)}).")
    for entry in value:
        if isinstance(entry, bool) or not isinstance(entry, numbers.Integral) or entry < minimum:
            raise ValueError(f"{owner}: every entry of `{name}` must be an integer >= {minimum}, got {list(value)}.")
    if length is not None and len(value) != length:
        expected = length_hint or f"{length} entries"
        raise ValueError(f"{owner}: `{name}` must have {expected}, got {len(value)}: {list(value)}.")
    if not value:
        raise ValueError(f"{owner}: `{name}` must have at least one entry.")
    return [int(entry) for entry in value]


def check_model_networks(owner, family, networks, required_attributes=()):
    """Raises `ValueError` when a network given to the model `owner` is a network of another model (its
    `preset_family` is not `family`) or lacks one of `required_attributes`.

    Args:
        owner: the model being built (`"R3GAN"`), named in the message.
        family: the model's preset family (`"r3gan"`); networks without a `preset_family` (your own) pass.
        networks: `{role: network}`.
        required_attributes: attributes every network must have (ProGAN's `lod` and `active_resolution`).
    """
    for role, network in networks.items():
        other_family = getattr(network, "preset_family", None)
        missing = [name for name in required_attributes if not hasattr(network, name)]
        if missing or other_family not in (None, family):
            expected = (
                f"a network of {owner} (with {' / '.join(f'`{name}`' for name in required_attributes)})"
                if required_attributes
                else f"a network of {owner} or of your own"
            )
            raise ValueError(f"{owner}: the {role} must be {expected}, got a {type(network).__name__}.")


def check_allow_large(owner, allow_large):
    if not isinstance(allow_large, bool):
        raise ValueError(f"{owner}: `allow_large` must be True or False, got {allow_large!r}.")
    return allow_large


def check_size(owner, parameters, allow_large, resolution=None, blocks_per_stage=()):
    """Raises `ValueError` when an architecture exceeds the size limits (see the module docstring), unless
    `allow_large`. The message gives the estimate, the limit and how to lift it.

    Args:
        owner: the network being built (named in messages).
        parameters: the estimated parameter count.
        allow_large: `True` lifts every limit.
        resolution: the image resolution, if the architecture has one.
        blocks_per_stage: residual blocks per stage, if the architecture has stages.
    """
    if allow_large:
        return
    if resolution is not None and resolution > MAX_RESOLUTION:
        raise ValueError(
            f"{owner}: images of {resolution}x{resolution} exceed the limit of {MAX_RESOLUTION}; {LIFT_HINT}."
        )
    largest = max(blocks_per_stage, default=0)
    if largest > MAX_BLOCKS_PER_STAGE:
        raise ValueError(
            f"{owner}: {largest} residual blocks in one stage exceed the limit of {MAX_BLOCKS_PER_STAGE} per stage "
            f"(the whole network would have about {parameters:.3g} parameters); {LIFT_HINT}."
        )
    if parameters > MAX_PARAMETERS:
        gib = parameters * _BYTES_PER_FLOAT32 / 2**30
        raise ValueError(
            f"{owner}: the configuration has about {parameters:.3g} parameters ({gib:,.1f} GiB of float32 weights, "
            f"before optimizer state), more than the limit of {MAX_PARAMETERS:.3g}; {LIFT_HINT}."
        )
