"""README.md names only things that exist, and keeps the two fresh-clone commands."""

import importlib
import pathlib
import re

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
README = REPO_ROOT / "README.md"
NAME = re.compile(r"\bkeras_gans(?:\.[A-Za-z_][A-Za-z0-9_]*)+")


def _resolve(dotted):
    """Imports the longest importable module prefix of `dotted`, then follows attributes; raises if missing."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[split:]:
            obj = getattr(obj, attribute)
        return obj
    raise ModuleNotFoundError(dotted)


def test_every_keras_gans_name_in_readme_resolves():
    names = sorted(set(NAME.findall(README.read_text(encoding="utf-8"))))
    assert len(names) > 40  # the API reference lists the public classes and functions
    missing = []
    for name in names:
        try:
            _resolve(name)
        except (ImportError, AttributeError) as error:
            missing.append(f"{name} ({error})")
    assert not missing, "README.md names things that do not exist: " + ", ".join(missing)


def test_readme_examples_index_and_fresh_clone_commands():
    text = README.read_text(encoding="utf-8")
    assert "bash .ci/quickstart.sh" in text and "bash .ci/test.sh" in text
    for notebook in sorted((REPO_ROOT / "examples").glob("*.ipynb")):
        assert f"examples/{notebook.stem}.py" in text, f"README.md does not list examples/{notebook.stem}.py"
