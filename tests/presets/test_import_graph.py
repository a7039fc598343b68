"""The package has no import circle: the graph of `keras_gans` modules, with module-level AND function-level imports,
is acyclic.

How the graph is built: every `.py` file under `keras_gans/` is parsed with `ast` (nothing is imported). Every
`import a.b` and `from a.b import c` anywhere in the file (module body, functions, methods, conditionals) adds an
edge to the module `a.b`, or to `a.b.c` when that is a module itself (`from package import submodule`). Relative
imports are resolved against the file's package. Only modules inside `keras_gans` count. A package's `__init__` is
the node of the package name; importing `a.b.c` does not add an edge to `a.b`'s `__init__` (Python runs it first,
but a package initialising its own submodules is not a circle), so an edge to a package exists only where its
name is imported.
"""

import ast
import pathlib

import keras_gans

PACKAGE_ROOT = pathlib.Path(keras_gans.__file__).resolve().parent


def _module_name(path):
    parts = list(path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _import_graph():
    files = {_module_name(p): p for p in PACKAGE_ROOT.rglob("*.py")}
    graph = {name: set() for name in files}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                # `from package import submodule` imports the submodule; any other name comes from `base`.
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base for alias in node.names]
            graph[name].update(t for t in targets if t in files and t != name)
    return graph


def _find_cycle(graph):
    """A list of modules forming a circle, or `None` (iterative depth-first search)."""
    state = {}
    for start in sorted(graph):
        if start in state:
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        state[start] = "open"
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = "done"
            elif state.get(child) == "open":
                return path[path.index(child) :] + [child]
            elif child not in state:
                state[child] = "open"
                path.append(child)
                stack.append((child, iter(sorted(graph[child]))))
    return None


def test_the_graph_sees_function_level_imports():
    graph = _import_graph()
    # `keras_gans.cli.convert` imports the converters inside its command function only.
    assert "keras_gans.converters.r3gan_official" in graph["keras_gans.cli.convert"]
    assert len(graph) > 50


def test_the_cycle_finder_finds_a_circle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set(), "c": {"a"}}) is None


def test_the_package_has_no_import_circle():
    cycle = _find_cycle(_import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


# The preset code: the registry and loader, the converters, the preset tables and the shipped-preset lookup.
PRESET_CODE = ("presets/*.py", "converters/*.py", "models/*/*_presets.py", "models/r3gan/r3gan_shipped.py")


def _private_reads(path):
    """`name._attribute` reads in a file where `name` is not `self` / `cls` (reads of another object's or module's
    private state)."""
    reads = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            if owner not in ("self", "cls"):
                reads.append(f"{path.name}:{node.lineno} .{node.attr}")
    return reads


def test_the_preset_code_reads_no_private_attribute_of_another_object():
    files = sorted({p for pattern in PRESET_CODE for p in PACKAGE_ROOT.glob(pattern)})
    assert len(files) >= 8
    reads = [read for path in files for read in _private_reads(path)]
    assert reads == []
