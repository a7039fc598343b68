"""Restricted unpickling: read a pickled checkpoint as data, never as code.

A pickle is a small program for a stack machine. Its ``GLOBAL``/``STACK_GLOBAL`` opcodes name any ``module.name``
(a normal ``pickle.load`` imports it) and ``REDUCE``/``NEWOBJ``/``BUILD`` call what they named. Loading an untrusted
checkpoint with ``pickle.load`` (or ``torch.load(weights_only=False)``) can therefore run arbitrary code.

:class:`SafeUnpickler` resolves every global against an explicit allow-list that maps ``(module, name)`` to an
**inert stand-in** defined in this package: a placeholder class that only records the state it is given, or a small
function that validates its arguments and builds plain data. Nothing is imported, no class of the program that
wrote the file is ever called, and anything not on the allow-list raises :class:`UnsafeCheckpointError` before any
object is built from it.

Example (a pickle that tries to run a shell command is refused; nothing runs):

>>> import io, pickle
>>> payload = b"cposix\\nsystem\\n(S'echo hi'\\ntR."
>>> safe_load(io.BytesIO(payload), allowed={})
Traceback (most recent call last):
keras_gans.utils.checkpoints.safe_unpickler.UnsafeCheckpointError: ... refusing the global `posix.system`: ...
"""

import contextlib
import io
import os
import pickle
import struct


class UnsafeCheckpointError(ValueError):
    """A checkpoint referenced code outside the allow-list (or misused a stand-in); nothing was executed."""


class CheckpointFormatError(ValueError):
    """A checkpoint is truncated, malformed, or does not have the expected structure."""


class StandInObject:
    """Inert placeholder for an instance of a pickled class.

    Pickles rebuild ordinary objects as "new empty object of class C" (``NEWOBJ``) followed by ``BUILD`` with its
    ``__dict__``. A stand-in class accepts exactly that and stores the state dict in :attr:`state`; it never runs
    any code of the original class. Calling the class like a function (``REDUCE``, or ``INST``/``OBJ`` with
    arguments) is refused; ``INST``/``OBJ`` without arguments are the old spelling of ``NEWOBJ`` and behave alike.
    """

    pickled_module = "<unset>"
    pickled_name = "<unset>"

    def __new__(cls, *args, **kwargs):
        if args or kwargs:
            raise UnsafeCheckpointError(
                f"The checkpoint tried to construct `{cls.qualname()}` with arguments; its stand-in only supports "
                "the plain 'new object + state' form."
            )
        obj = object.__new__(cls)
        obj.state = {}
        return obj

    def __init__(self, *args, **kwargs):
        # NEWOBJ never calls __init__; only REDUCE/INST/OBJ (calling the class) get here.
        raise UnsafeCheckpointError(
            f"The checkpoint tried to call `{self.qualname()}` as a function; its stand-in only supports the "
            "plain 'new object + state' form."
        )

    def __setstate__(self, state):
        # Objects with __slots__ pickle their state as (dict_state, slot_state).
        if isinstance(state, tuple) and len(state) == 2 and all(s is None or isinstance(s, dict) for s in state):
            merged = dict(state[0] or {})
            merged.update(state[1] or {})
            state = merged
        if not isinstance(state, dict):
            raise CheckpointFormatError(
                f"The pickled state of `{self.qualname()}` should be a dict, got {type(state).__name__}."
            )
        self.state = dict(state)

    @classmethod
    def qualname(cls):
        return f"{cls.pickled_module}.{cls.pickled_name}"

    def __repr__(self):
        return f"<stand-in for {self.qualname()} with {len(self.state)} attributes>"


def make_stand_in_class(module, name, base=StandInObject):
    """Returns a new inert stand-in class recording that it replaces ``module.name``."""
    return type(name, (base,), {"pickled_module": module, "pickled_name": name, "__module__": __name__})


class FrozenStandIn:
    """Base for shared, immutable stand-ins (functions, dtype and storage-type tokens).

    One instance is shared by every load, so a pickle must not be able to change it: there is no ``__dict__``
    and ``BUILD`` (``__setstate__``) is refused.
    """

    __slots__ = ()

    def __setstate__(self, state):
        raise UnsafeCheckpointError(f"The checkpoint tried to modify the shared stand-in {self!r}.")


class StandInFunction(FrozenStandIn):
    """Inert callable standing in for a pickled function: it runs our validating ``function`` instead."""

    __slots__ = ("_function", "pickled_name")

    def __init__(self, pickled_name, function):
        self._function = function
        self.pickled_name = pickled_name

    def __call__(self, *args, **kwargs):
        return self._function(*args, **kwargs)

    def __repr__(self):
        return f"<stand-in for {self.pickled_name}>"


class PickledOrderedDict(dict):
    """Stand-in for ``collections.OrderedDict``: a plain (insertion-ordered) dict.

    ``BUILD`` state (PyTorch stores a ``_metadata`` attribute on state dicts) is kept in :attr:`pickled_state`.
    """

    __slots__ = ("pickled_state",)

    def __setstate__(self, state):
        if not isinstance(state, dict):
            raise CheckpointFormatError(f"OrderedDict state should be a dict, got {type(state).__name__}.")
        self.pickled_state = state


def _make_set(items=()):
    if not isinstance(items, (list, tuple)):
        raise CheckpointFormatError(f"`builtins.set` expects a list of items, got {type(items).__name__}.")
    return set(items)


def _make_frozenset(items=()):
    return frozenset(_make_set(items))


def _latin1_bytes(text, encoding="latin1"):
    # Protocol-2 pickles spell bytes as _codecs.encode(str, 'latin1').
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise CheckpointFormatError(f"`_codecs.encode` is only supported for latin1 text, got {encoding!r}.")
    return text.encode("latin1")


def _empty_bytes(*args):
    # Protocol-2 pickles spell b"" as bytes() (as `__builtin__.bytes` with fix_imports).
    if args:
        raise CheckpointFormatError("`bytes(...)` is only supported without arguments (the empty bytes).")
    return b""


# Containers that any checkpoint may use (protocol-2 pickles spell sets and bytes as calls).
BASE_ALLOWED = {
    ("collections", "OrderedDict"): PickledOrderedDict,
    ("_codecs", "encode"): StandInFunction("_codecs.encode", _latin1_bytes),
    ("builtins", "bytes"): StandInFunction("builtins.bytes", _empty_bytes),
    ("__builtin__", "bytes"): StandInFunction("__builtin__.bytes", _empty_bytes),
    ("builtins", "set"): StandInFunction("builtins.set", _make_set),
    ("builtins", "frozenset"): StandInFunction("builtins.frozenset", _make_frozenset),
    ("__builtin__", "set"): StandInFunction("__builtin__.set", _make_set),
    ("__builtin__", "frozenset"): StandInFunction("__builtin__.frozenset", _make_frozenset),
}


class SafeUnpickler(pickle.Unpickler):
    """A ``pickle.Unpickler`` whose globals come only from an allow-list of inert stand-ins.

    Args:
        file: binary file object positioned at the start of a pickle.
        allowed: mapping ``(module, name) -> stand-in``. There is no fallback: any other global raises
            :class:`UnsafeCheckpointError`.
        persistent_load: optional callable for persistent ids (PyTorch storages); without one, a pickle that uses
            persistent ids is refused.
        what: a short description of the file, used in error messages.
    """

    def __init__(self, file, allowed, persistent_load=None, what="checkpoint"):
        super().__init__(file)
        self._allowed = allowed
        self._persistent_load = persistent_load
        self._what = what

    def find_class(self, module, name):
        key = (module, name)
        if isinstance(module, str) and isinstance(name, str) and key in self._allowed:
            return self._allowed[key]
        raise UnsafeCheckpointError(
            f"{self._what}: refusing the global `{module}.{name}`: it is not on the allow-list of inert stand-ins "
            "for this format, so the file is not loaded (nothing from it was executed)."
        )

    def persistent_load(self, pid):
        if self._persistent_load is None:
            raise UnsafeCheckpointError(f"{self._what}: unexpected persistent id {pid!r} in the pickle.")
        return self._persistent_load(pid)


# Errors the C unpickler or the stand-ins raise on corrupt input; all become CheckpointFormatError.
_CORRUPT_INPUT_ERRORS = (
    pickle.UnpicklingError,
    EOFError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    MemoryError,
    RecursionError,
    UnicodeDecodeError,
    struct.error,
)


def safe_load(file, allowed, *, persistent_load=None, what="checkpoint"):
    """Unpickles one object from ``file`` with :class:`SafeUnpickler`, turning corrupt input into clear errors.

    Args:
        file: binary file object.
        allowed: allow-list mapping ``(module, name)`` to inert stand-ins.
        persistent_load: optional handler for persistent ids.
        what: description of the file for error messages.

    Returns:
        The unpickled object, built only from plain Python data and stand-ins.

    Raises:
        UnsafeCheckpointError: the pickle referenced a global outside ``allowed`` or misused a stand-in.
        CheckpointFormatError: the data is truncated, not a pickle, or otherwise malformed.
    """
    try:
        return SafeUnpickler(file, allowed, persistent_load, what).load()
    except (UnsafeCheckpointError, CheckpointFormatError):
        raise
    except EOFError as error:
        message = f"{what}: the data ends before the pickle is complete (truncated file?)."
        raise CheckpointFormatError(message) from error
    except pickle.UnpicklingError as error:
        if "truncated" in str(error):
            raise CheckpointFormatError(f"{what}: the pickle data is truncated ({error}).") from error
        raise CheckpointFormatError(f"{what}: not a valid pickle ({error}).") from error
    except _CORRUPT_INPUT_ERRORS as error:
        raise CheckpointFormatError(f"{what}: malformed pickle ({type(error).__name__}: {error}).") from error


@contextlib.contextmanager
def open_binary(path_or_fileobj, what):
    """Yields a binary file object for a path, in-memory bytes, or an already open binary file."""
    if isinstance(path_or_fileobj, (bytes, bytearray, memoryview)):
        yield io.BytesIO(path_or_fileobj)
    elif isinstance(path_or_fileobj, (str, os.PathLike)):
        with open(path_or_fileobj, "rb") as file:
            yield file
    elif hasattr(path_or_fileobj, "read") and hasattr(path_or_fileobj, "seek"):
        yield path_or_fileobj
    else:
        raise ValueError(
            f"{what}: expected a path, bytes or a seekable binary file object, got {type(path_or_fileobj).__name__}."
        )


def convert_tree(obj, leaf_fn, max_depth=200):
    """Copies a nested structure of dicts/lists/tuples/sets, applying ``leaf_fn`` to every other object.

    Shared sub-objects are converted once (the memo makes pickle "billion laughs" structures linear), cycles
    through tuples are rejected, and nesting deeper than ``max_depth`` is reported as malformed.

    Args:
        obj: the unpickled structure.
        leaf_fn: ``leaf_fn(obj, recurse)`` for non-container objects; returns the converted object (and may call
            ``recurse`` on nested values, e.g. a stand-in's state).
        max_depth: maximum container nesting.
    """
    memo = {}

    def recurse(value, depth=0):
        if depth > max_depth:
            raise CheckpointFormatError(f"The checkpoint nests containers more than {max_depth} levels deep.")
        key = id(value)
        if key in memo:
            if memo[key] is _IN_PROGRESS:
                raise CheckpointFormatError("The checkpoint contains a reference cycle through a tuple.")
            return memo[key]
        if isinstance(value, (str, bytes, int, float, complex, bool, type(None))):
            return value
        if isinstance(value, bytearray):
            return bytes(value)
        if isinstance(value, dict):
            out = {}
            memo[key] = out
            for k, v in value.items():
                plain_key, plain_value = recurse(k, depth + 1), recurse(v, depth + 1)
                try:
                    out[plain_key] = plain_value
                except TypeError:
                    raise CheckpointFormatError(f"The checkpoint has an unhashable dict key {k!r}.") from None
        elif isinstance(value, list):
            out = []
            memo[key] = out
            out.extend(recurse(v, depth + 1) for v in value)
        elif isinstance(value, (tuple, set, frozenset)):
            memo[key] = _IN_PROGRESS
            items = [recurse(v, depth + 1) for v in value]
            try:
                out = tuple(items) if isinstance(value, tuple) else type(value)(items)
            except TypeError:
                raise CheckpointFormatError("The checkpoint has a set with unhashable members.") from None
            memo[key] = out
        else:
            memo[key] = _IN_PROGRESS
            out = leaf_fn(value, lambda v: recurse(v, depth + 1))
            memo[key] = out
        return out

    return recurse(obj)


_IN_PROGRESS = object()
