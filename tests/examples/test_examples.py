"""The tutorials in examples/: each runs in smoke mode (offline, tiny) and its committed notebook is up to date.

The examples run in this process with `runpy` (the imports are paid once per backend): `KERAS_GANS_SMOKE=1` swaps
in tiny data and networks, `KERAS_GANS_OUTPUT` points their outputs into the test's temporary folder.
"""

import importlib.util
import json
import math
import pathlib
import runpy

import numpy as np
import pytest
from PIL import Image

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


EXAMPLES = REPO_ROOT / "examples"
TUTOBOOKS = ("r3gan_cifar10", "r3gan_ffhq256_generate", "progan_celebahq", "stacked_mnist")


def _converter():
    spec = importlib.util.spec_from_file_location("tutobook_to_notebook", EXAMPLES / "tutobook_to_notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_smoke(name, tmp_path, monkeypatch):
    output = tmp_path / name
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KERAS_GANS_SMOKE", "1")
    monkeypatch.setenv("KERAS_GANS_OUTPUT", str(output))
    namespace = runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="__main__")
    return output, namespace


def _png(path):
    assert path.is_file(), f"missing {path}"
    return np.asarray(Image.open(path))


def _kl_to_uniform(counts):
    q = counts[counts > 0] / counts.sum()
    return float(np.sum(q * np.log(q * len(counts))))


def test_r3gan_cifar10_smoke(tmp_path, monkeypatch):
    output, ns = _run_smoke("r3gan_cifar10", tmp_path, monkeypatch)
    assert _png(output / "final_samples.png").shape == (32, 10 * 32, 3)
    grids = sorted((output / "samples").glob("*.png"))
    assert grids and _png(grids[-1]).shape == (32, 10 * 32, 3)
    assert (output / "preset" / "config.json").is_file()
    assert len(list((output / "checkpoints").glob("ckpt-*"))) >= 1
    metrics = json.loads((output / "metrics.json").read_text())
    # R3GAN: a fit batch of 2 * BATCH is one D half and one G half, so each step sees BATCH images.
    assert metrics["images_seen"] == ns["STEPS_PER_EPOCH"] * ns["BATCH"]
    assert math.isfinite(metrics["d_loss"]) and math.isfinite(metrics["g_loss"])


def test_r3gan_ffhq256_generate_smoke(tmp_path, monkeypatch):
    output, ns = _run_smoke("r3gan_ffhq256_generate", tmp_path, monkeypatch)
    size = ns["gan"].image_shape[0]
    faces = _png(output / "faces.png")
    assert faces.shape == (4 * size, 4 * size, 3)
    assert _png(output / "interpolation.png").shape == (size, 8 * size, 3)
    summary = json.loads((output / "summary.json").read_text())
    assert summary["mean_pixel"] == pytest.approx(float(faces.mean()))
    # The interpolation's end points are the two latents themselves.
    gan, endpoints = ns["gan"], ns["endpoints"]
    np.testing.assert_array_equal(ns["morph"][[0, -1]], gan.generate(endpoints, batch_size=8))


def test_progan_celebahq_smoke(tmp_path, monkeypatch):
    output, ns = _run_smoke("progan_celebahq", tmp_path, monkeypatch)
    assert len(list((output / "smoke_images").glob("*.png"))) == 32
    assert _png(output / "final_samples.png").shape == (4 * 8, 4 * 8, 3)
    metrics = json.loads((output / "metrics.json").read_text())
    # 8 images to stabilise 4x4 and 8 to fade in 8x8: after six steps of 8 images the networks are at 8x8.
    assert metrics["active_resolution"] == 8
    assert metrics["images_seen"] > 16
    assert math.isfinite(metrics["d_loss"])
    assert ns["gan"].discriminator.active_resolution == ns["gan"].ema_generator.active_resolution == 8


def test_stacked_mnist_smoke(tmp_path, monkeypatch):
    output, ns = _run_smoke("stacked_mnist", tmp_path, monkeypatch)
    assert _png(output / "final_samples.png").shape == (4 * 32, 8 * 32, 3)
    assert _png(output / "real_examples.png").shape == (32, 8 * 32, 3)
    metrics = json.loads((output / "metrics.json").read_text())
    for key in ("generated", "real"):
        result = ns["generated" if key == "generated" else "reference"]
        counts = result["counts"]
        assert counts.sum() == metrics["num_samples"] == 200
        assert metrics[key]["modes"] == np.count_nonzero(counts)
        assert metrics[key]["kl"] == pytest.approx(_kl_to_uniform(counts), rel=1e-12)
    # The classifier reads the real images' digits: its mode count is close to the true number of distinct triples.
    true_modes = np.unique(ns["modes"][:200]).size
    assert abs(metrics["real"]["modes"] - true_modes) <= 0.05 * true_modes


@pytest.mark.parametrize("name", TUTOBOOKS)
def test_committed_notebook_matches_converter(name):
    converter = _converter()
    committed = (EXAMPLES / f"{name}.ipynb").read_text(encoding="utf-8")
    assert committed == converter.notebook_text(EXAMPLES / f"{name}.py"), (
        f"examples/{name}.ipynb is out of date: run `python examples/tutobook_to_notebook.py --all`."
    )
    notebook = json.loads(committed)
    assert notebook["nbformat"] == 4 and notebook["nbformat_minor"] >= 4
    assert {"kernelspec", "language_info"} <= set(notebook["metadata"])
    for cell in notebook["cells"]:
        assert cell["cell_type"] in ("markdown", "code") and isinstance(cell["source"], list)
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    title, badges = ("".join(cell["source"]) for cell in notebook["cells"][:2])
    assert title.startswith("# ") and "**Author:**" in title
    path = f"github/{converter.GITHUB_REPOSITORY}/blob/{converter.GITHUB_BRANCH}/examples/{name}.ipynb"
    assert f"https://colab.research.google.com/{path}" in badges
    assert f"https://kaggle.com/kernels/welcome?src=https://github.com/{path[len('github/') :]}" in badges
    install = "".join(notebook["cells"][2]["source"])  # a pinned tag with the extras the tutorial needs
    assert install.startswith('!pip install -q "keras-gans[jax') and install.endswith(f'@{converter.RELEASE_TAG}"')


def test_converter_cells_and_errors():
    converter = _converter()
    header = (
        '"""\nTitle: T\nAuthor: A\nDate created: 1\nLast modified: 2\nDescription: D\nAccelerator: GPU\n'
        'Extras: jax, hub\n"""\n'
    )
    source = header + '\n"""\n## Part\n\nText.\n"""\n\nx = 1\n\ny = 2\n"""\nMore.\n"""\nprint(x)\n'
    notebook = converter.convert(source, "demo")
    cells = [(c["cell_type"], "".join(c["source"])) for c in notebook["cells"]]
    assert cells[0] == (
        "markdown",
        "# T\n\n**Author:** A<br>\n**Date created:** 1<br>\n**Last modified:** 2<br>\n**Description:** D",
    )
    assert cells[2] == (
        "code",
        '!pip install -q "keras-gans[jax,hub] @ git+https://github.com/keras-gans/keras-gans@v0.1.0"',
    )
    assert cells[3:] == [
        ("markdown", "## Part\n\nText."),
        ("code", "x = 1\n\ny = 2"),
        ("markdown", "More."),
        ("code", "print(x)"),
    ]
    assert notebook["metadata"]["accelerator"] == "GPU"
    with pytest.raises(ValueError, match="not closed"):
        converter.convert(header + '"""\nopen text\n', "demo")
    with pytest.raises(ValueError, match="lacks"):
        converter.convert('"""\nTitle: T\n"""\nx = 1\n', "demo")
    assert [p.stem for p in converter.tutobooks(EXAMPLES)] == sorted(TUTOBOOKS)
