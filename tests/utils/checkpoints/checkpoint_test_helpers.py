"""Builders for checkpoint tests: hand-assembled pickle opcodes (hostile payloads) and fake importable modules."""

import pickle
import sys
import types

TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


def global_op(module, name):
    """The protocol-0 ``GLOBAL`` opcode (valid in every protocol)."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def value_ops(value):
    """Opcodes that push ``value`` (a pickle without its PROTO header and STOP)."""
    return pickle.dumps(value, protocol=3)[2:-1]


def call_ops(module, name, *args):
    """Opcodes for ``module.name(*args)``: GLOBAL, MARK, args, TUPLE, REDUCE."""
    return global_op(module, name) + b"(" + b"".join(value_ops(a) for a in args) + b"tR"


def call_pickle(module, name, *args):
    """A complete pickle whose loading calls ``module.name(*args)``."""
    return b"\x80\x03" + call_ops(module, name, *args) + b"."


def dict_pickle(entries):
    """A complete pickle of a dict; values are raw opcode strings (bytes) or plain values."""
    body = b"".join(value_ops(k) + (v if isinstance(v, bytes) else value_ops(v)) for k, v in entries.items())
    return b"\x80\x03}(" + body + b"u."


def legacy_stream(main_pickle, keys=(), data=b"", little_endian=True):
    """A legacy torch.save stream around an arbitrary main pickle."""
    sizes = {"short": 2, "int": 4, "long": 4}
    sys_info = {"protocol_version": 1001, "little_endian": little_endian, "type_sizes": sizes}
    header = b"".join(pickle.dumps(v, protocol=2) for v in (TORCH_LEGACY_MAGIC, 1001, sys_info))
    return header + main_pickle + pickle.dumps(list(keys), protocol=2) + data


def hostile_calls(sentinel):
    """``(module, name, args)`` calls that would create ``sentinel`` (or otherwise run code) if executed."""
    path = str(sentinel)
    create = f"open({path!r}, 'w').close()"
    return [
        ("os", "system", (f"touch {path}",)),
        ("posix", "system", (f"touch {path}",)),
        ("builtins", "eval", (create,)),
        ("builtins", "exec", (create,)),
        ("subprocess", "Popen", (["touch", path],)),
        ("subprocess", "check_call", (["touch", path],)),
        ("builtins", "__import__", ("os",)),
        ("importlib", "import_module", ("os",)),
        ("builtins", "getattr", ("x", "upper")),
        ("pickle", "loads", (call_pickle("os", "system", f"touch {path}"),)),
        ("torch", "load", (path,)),
        ("numpy", "load", (path,)),
        ("shutil", "rmtree", (path,)),
    ]


def fake_module(monkeypatch, qualified_module, **attributes):
    """Registers a throwaway module (and its parents) in ``sys.modules`` so that pickle can save by reference."""
    parts = qualified_module.split(".")
    for i in range(1, len(parts)):
        parent = ".".join(parts[:i])
        if parent not in sys.modules:
            monkeypatch.setitem(sys.modules, parent, types.ModuleType(parent))
    module = types.ModuleType(qualified_module)
    for name, value in attributes.items():
        value.__module__ = qualified_module
        value.__qualname__ = name
        setattr(module, name, value)
    monkeypatch.setitem(sys.modules, qualified_module, module)
    return module
