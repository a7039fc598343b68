"""Converts a keras.io-style tutobook (`.py`) into a Jupyter notebook (`.ipynb`, nbformat 4, no outputs).

A tutobook is a Python script that reads as a tutorial:

* it starts with a docstring header of `Key: value` lines (`Title`, `Author`, `Date created`, `Last modified`,
  `Description`, `Accelerator`, `Extras`: the pip extras it needs, e.g. `jax, datasets`);
* text lives in top-level triple-quoted blocks (`\"\"\"` on a line of its own opens and closes a block) and becomes
  markdown cells;
* the code between text blocks becomes code cells (blank lines split nothing; a text block ends a code cell).

The notebook starts with a title cell built from the header and a cell of "Open in Colab" / "Open in Kaggle"
badges pointing at `examples/<name>.ipynb` in the GitHub repository `GITHUB_REPOSITORY`. An install cell follows the
tutobook's first code cell (its quick/full switch, so that the switch is the notebook's first code cell): when
`keras_gans` cannot be imported (a fresh Colab or Kaggle runtime) it installs the release tag `RELEASE_TAG` from that
repository with the tutobook's extras (there is no PyPI release); where it can (a checkout, the test suite) it
installs nothing.

Usage:

    python examples/tutobook_to_notebook.py examples/r3gan_cifar10.py   # writes examples/r3gan_cifar10.ipynb
    python examples/tutobook_to_notebook.py --all                        # every tutobook in examples/
    python examples/tutobook_to_notebook.py --all --check                # exit 1 if a notebook is out of date
"""

import argparse
import json
import pathlib
import sys

GITHUB_REPOSITORY = "keras-gans/keras-gans"
GITHUB_BRANCH = "main"
# The tag the notebooks install (pinned, so a notebook keeps working as the main branch moves on).
RELEASE_TAG = "v0.1.0"
EXAMPLES_FOLDER = "examples"
HEADER_KEYS = ("Title", "Author", "Date created", "Last modified", "Description", "Accelerator", "Extras")
DELIMITER = '"""'
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
KAGGLE_BADGE = "https://kaggle.com/static/images/open-in-kaggle.svg"


def notebook_url(name):
    """GitHub URL of `examples/<name>.ipynb` in `GITHUB_REPOSITORY`."""
    return f"https://github.com/{GITHUB_REPOSITORY}/blob/{GITHUB_BRANCH}/{EXAMPLES_FOLDER}/{name}.ipynb"


def colab_url(name):
    return (
        f"https://colab.research.google.com/github/{GITHUB_REPOSITORY}/blob/{GITHUB_BRANCH}/"
        f"{EXAMPLES_FOLDER}/{name}.ipynb"
    )


def kaggle_url(name):
    return f"https://kaggle.com/kernels/welcome?src={notebook_url(name)}"


def install_command(extras):
    """The pip command of the install cell: the pinned tag of `GITHUB_REPOSITORY` with `extras` (comma-separated)."""
    names = ",".join(e.strip() for e in extras.split(",") if e.strip())
    requirement = f"keras-gans[{names}]" if names else "keras-gans"
    return f'!pip install -q "{requirement} @ git+https://github.com/{GITHUB_REPOSITORY}@{RELEASE_TAG}"'


def install_cell(extras):
    """The notebook's install cell: `install_command(extras)`, run only when `keras_gans` is not importable."""
    return "\n".join(
        [
            "import importlib.util",
            "",
            'if importlib.util.find_spec("keras_gans") is None:  # a fresh Colab or Kaggle runtime',
            f"    {install_command(extras)}",
        ]
    )


def split_tutobook(text):
    """`(header, blocks)`: the header dict and a list of `("markdown" | "code", source)` in file order."""
    lines = text.splitlines()
    blocks, current, kind = [], [], "code"
    for line in lines:
        if line.rstrip() == DELIMITER:
            blocks.append((kind, current))
            current, kind = [], ("markdown" if kind == "code" else "code")
            continue
        current.append(line)
    if kind == "markdown":
        raise ValueError('tutobook: a text block is not closed (an odd number of lines that are exactly \'"""\').')
    blocks.append((kind, current))
    cleaned = []
    for kind, block in blocks:
        source = "\n".join(block).strip("\n").rstrip()
        if source.strip():
            cleaned.append((kind, source))
    if not cleaned or cleaned[0][0] != "markdown":
        raise ValueError("tutobook: the file must start with a docstring header (Title: ..., Author: ...).")
    header = parse_header(cleaned[0][1])
    return header, cleaned[1:]


def parse_header(source):
    """The `Key: value` lines of the header docstring as a dict; every key of `HEADER_KEYS` is required."""
    header = {}
    for line in source.splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            header[key.strip()] = value.strip()
    missing = [key for key in HEADER_KEYS if key not in header]
    if missing:
        raise ValueError(f"tutobook: the header lacks {missing}; expected the keys {list(HEADER_KEYS)}.")
    return header


def _lines(source):
    """nbformat's multi-line string form: a list of lines, each but the last ending in a newline."""
    lines = source.split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]


def _markdown(source):
    return {"cell_type": "markdown", "metadata": {}, "source": _lines(source)}


def _code(source):
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": _lines(source)}


def convert(text, name):
    """The notebook (a dict, nbformat 4) of the tutobook source `text` saved as `examples/<name>.py`."""
    header, blocks = split_tutobook(text)
    title = "\n".join(
        [
            f"# {header['Title']}",
            "",
            f"**Author:** {header['Author']}<br>",
            f"**Date created:** {header['Date created']}<br>",
            f"**Last modified:** {header['Last modified']}<br>",
            f"**Description:** {header['Description']}",
        ]
    )
    badges = (
        f"[![Open In Colab]({COLAB_BADGE})]({colab_url(name)}) [![Open In Kaggle]({KAGGLE_BADGE})]({kaggle_url(name)})"
    )
    cells = [_markdown(title), _markdown(badges)]
    cells += [_markdown(source) if kind == "markdown" else _code(source) for kind, source in blocks]
    first_code = next((i for i, cell in enumerate(cells) if cell["cell_type"] == "code"), len(cells) - 1)
    cells.insert(first_code + 1, _code(install_cell(header["Extras"])))
    metadata = {
        "colab": {"name": f"{name}.ipynb", "provenance": [], "toc_visible": True},
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    if header["Accelerator"].upper() not in ("", "NONE", "CPU"):
        metadata["accelerator"] = header["Accelerator"].upper()
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 4}


def notebook_text(py_path):
    """The `.ipynb` file contents (JSON text) for the tutobook at `py_path`."""
    py_path = pathlib.Path(py_path)
    notebook = convert(py_path.read_text(encoding="utf-8"), py_path.stem)
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def tutobooks(folder):
    """The tutobooks of `folder`: `.py` files whose first line opens the header docstring."""
    found = []
    for path in sorted(pathlib.Path(folder).glob("*.py")):
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        if first.rstrip() == DELIMITER:
            found.append(path)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description="Convert keras.io-style tutobooks to Jupyter notebooks.")
    parser.add_argument("paths", nargs="*", help="tutobook .py files")
    parser.add_argument("--all", action="store_true", help="convert every tutobook beside this script")
    parser.add_argument("--check", action="store_true", help="only report notebooks that are out of date")
    args = parser.parse_args(argv)
    paths = [pathlib.Path(p) for p in args.paths]
    if args.all:
        paths += tutobooks(pathlib.Path(__file__).resolve().parent)
    if not paths:
        parser.error("give tutobook paths or --all")
    stale = []
    for path in paths:
        target = path.with_suffix(".ipynb")
        text = notebook_text(path)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(target)
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target}")
    for target in stale:
        print(f"out of date: {target}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
