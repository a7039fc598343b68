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


def test_quick_start_training_snippet_runs(monkeypatch):
    """The README's first Python block, on the first 32 digits for one epoch (2 steps) instead of 10 epochs."""
    import keras
    import numpy as np

    import keras_gans

    code = README.read_text(encoding="utf-8").split("## Quick start", 1)[1].split("```python\n", 1)[1].split("```")[0]
    assert "epochs=10" in code
    load_dataset = keras_gans.datasets.load_dataset

    def first_digits(*args, **kwargs):
        (images, labels), info = load_dataset(*args, **kwargs)
        return (images[:32], labels), info

    monkeypatch.setattr(keras_gans.datasets, "load_dataset", first_digits)
    namespace = {}
    exec(code.replace("epochs=10", "epochs=1"), namespace)
    assert namespace["images"].shape == (32, 16, 16, 1)
    assert namespace["samples"].shape == (16, 16, 16, 1) and namespace["samples"].dtype == np.uint8
    assert int(keras.ops.convert_to_numpy(namespace["gan"].images_seen)) == 16  # 2 steps of 8 real images for D
