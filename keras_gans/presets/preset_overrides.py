"""The keyword arguments of `from_preset`: each goes to the model or to the network(s) that take it; its flags
are checked to be flags."""

import inspect

import keras

# Taken by every Keras layer's constructor through its `**kwargs`.
LAYER_ARGUMENTS = frozenset({"name", "dtype", "trainable"})

_KEYWORD_KINDS = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def constructor_arguments(network_cls):
    """The keyword arguments `network_cls(...)` takes: its named parameters and the Keras layer arguments.

    Args:
        network_cls: a network class (a `keras.Model` subclass).
    """
    parameters = inspect.signature(network_cls.__init__).parameters.values()
    return {p.name for p in parameters if p.kind in _KEYWORD_KINDS and p.name != "self"} | LAYER_ARGUMENTS


def serialized_network_arguments(network_config):
    """The arguments a serialized network takes: the keys of its stored config and, when its class is
    registered with Keras, the class's constructor arguments.

    Args:
        network_config: a serialized network (`{"class_name", "config", "registered_name", ...}`).
    """
    accepted = set(network_config.get("config") or {})
    network_cls = keras.saving.get_registered_object(network_config.get("registered_name") or "")
    if isinstance(network_cls, type):
        accepted |= constructor_arguments(network_cls)
    return accepted


def check_optional_flag(owner, name, value):
    """Raises `ValueError` naming `owner` and `name` unless `value` is `True`, `False` or `None` (a string such as
    `"no"` would otherwise count as true); returns it.

    Args:
        owner: the caller named in the message (`"R3GAN.from_preset"`).
        name: the argument (`"load_weights"`).
        value: the value given.
    """
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"{owner}: `{name}` must be True, False or None, got {value!r} ({type(value).__name__}).")
    return value


def _unaccepted_error(owner, argument, accepted, taker):
    return ValueError(
        f"{owner}: unexpected keyword argument `{argument}`; {taker} accepts {', '.join(sorted(accepted))}."
    )


def route_overrides(owner, overrides, model_arguments, network_arguments, network_overrides=None):
    """Splits the `from_preset` keyword arguments into the model's and each network's.

    An argument of the model goes to the model only; any other goes to every network that takes it (e.g.
    `latent_dim` to the generator, `num_classes` to both).

    Args:
        owner: the caller named in errors (`"R3GAN.from_preset"`).
        overrides: `{argument: value}` given to `from_preset`.
        model_arguments: the arguments that go to the model's constructor (and its `from_preset` options).
        network_arguments: `{role: names of the arguments that network takes}`.
        network_overrides: `{role: {argument: value}}` meant for one network only.

    Returns:
        `(model_overrides, {role: {argument: value}})`.

    Raises:
        ValueError: an argument that neither the model nor any network takes, or a `network_overrides`
            argument its network does not take; the message names it and lists what is accepted.
    """
    model = {k: v for k, v in overrides.items() if k in model_arguments}
    networks = {role: {} for role in network_arguments}
    for argument, value in overrides.items():
        if argument in model_arguments:
            continue
        roles = [role for role, accepted in network_arguments.items() if argument in accepted]
        if not roles:
            accepted = set(model_arguments).union(*network_arguments.values())
            raise _unaccepted_error(owner, argument, accepted, "the model or one of its networks")
        for role in roles:
            networks[role][argument] = value
    for role, arguments in (network_overrides or {}).items():
        accepted = network_arguments.get(role, set())
        for argument in arguments:
            if argument not in accepted:
                raise _unaccepted_error(owner, argument, accepted, f"the {role}")
        networks.setdefault(role, {}).update(arguments)
    return model, networks
