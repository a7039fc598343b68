"""Importing the repository's scripts (examples, benchmarks, weight tools), which are not part of the package."""

import importlib.util


def load_script(path, module_name):
    """Executes the Python file `path` as a new module named `module_name` and returns it."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
