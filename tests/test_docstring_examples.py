"""Runs the `>>>` examples of the package's docstrings, so that what the documentation shows is what the code does.

Examples that need files from outside the package (checkpoints, downloads) are written as fenced ```python blocks,
which document without running; every `>>>` example runs here on the current backend.
"""

import doctest
import importlib
import pathlib
import re

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "keras_gans"
EXAMPLE_LINE = re.compile(r"^\s*>>> ", re.MULTILINE)


def modules_with_examples():
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if EXAMPLE_LINE.search(path.read_text(encoding="utf-8")):
            parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = modules_with_examples()


def test_the_package_has_examples_to_run():
    assert len(MODULES) >= 20, MODULES


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run_as_written(module_name):
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    report = []
    for test in finder.find(module, module_name):
        runner.run(test, out=report.append)
    results = runner.summarize(verbose=False)
    assert results.attempted > 0, f"{module_name}: its `>>>` lines were not found as examples"
    assert results.failed == 0, "".join(report)
