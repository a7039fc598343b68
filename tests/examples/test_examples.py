"""The tutorials in examples/: each notebook runs in quick mode (offline, tiny) and is up to date with its `.py`.

The committed notebooks are executed cell by cell in an IPython shell inside this process (the imports are paid
once per backend), so their inline outputs can be checked: `KERAS_GANS_QUICK=1` selects the quick run whatever
the first cell says, `KERAS_GANS_OUTPUT` points the outputs into the test's temporary folder, and the install
cell must not run (`keras_gans` is importable here; shell commands fail the test).
"""

import json
import math
import pathlib

import numpy as np
import pytest
from ipython_shell import ipython_shell
from ipython_shell import png_outputs
from PIL import Image
from script_loading import load_script

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


EXAMPLES = REPO_ROOT / "examples"
TUTOBOOKS = ("r3gan_cifar10", "r3gan_ffhq256_generate", "progan_celebahq", "stacked_mnist")


def _converter():
    return load_script(EXAMPLES / "tutobook_to_notebook.py", "tutobook_to_notebook")


@pytest.fixture(scope="module")
def shell(tmp_path_factory):
    with ipython_shell(tmp_path_factory.mktemp("ipython")) as shell:
        yield shell


def _no_shell_commands(command):
    raise AssertionError(f"the notebook ran a shell command (the install cell must skip): {command}")


def _run_quick(name, tmp_path, monkeypatch, shell):
    """Runs the code cells of `examples/<name>.ipynb`; returns its output folder, namespace and inline images."""
    from IPython.utils.capture import capture_output

    output = tmp_path / name
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KERAS_GANS_QUICK", "1")
    monkeypatch.setenv("KERAS_GANS_OUTPUT", str(output))
    monkeypatch.setattr(shell, "system", _no_shell_commands)
    shell.reset(new_session=False)
    notebook = json.loads((EXAMPLES / f"{name}.ipynb").read_text(encoding="utf-8"))
    shown = []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            with capture_output(stdout=False, stderr=False) as captured:
                result = shell.run_cell("".join(cell["source"]))
            result.raise_error()
            shown += png_outputs(captured)
    assert shell.user_ns["QUICK"] is True
    return output, shell.user_ns, shown


def _png(path):
    assert path.is_file(), f"missing {path}"
    return np.asarray(Image.open(path))


def _kl_to_uniform(counts):
    q = counts[counts > 0] / counts.sum()
    return float(np.sum(q * np.log(q * len(counts))))


def test_r3gan_cifar10_quick(tmp_path, monkeypatch, shell):
    output, ns, shown = _run_quick("r3gan_cifar10", tmp_path, monkeypatch, shell)
    assert _png(output / "final_samples.png").shape == (32, 10 * 32, 3)
    # Inline: the loss curve (also saved) and the final grid, the very image written to final_samples.png.
    assert len(shown) == 2
    np.testing.assert_array_equal(shown[0], _png(output / "losses.png"))
    np.testing.assert_array_equal(shown[-1], _png(output / "final_samples.png"))
    grids = sorted((output / "samples").glob("*.png"))
    assert grids and _png(grids[-1]).shape == (32, 10 * 32, 3)
    assert (output / "preset" / "config.json").is_file()
    assert len(list((output / "checkpoints").glob("ckpt-*"))) >= 1
    metrics = json.loads((output / "metrics.json").read_text())
    # R3GAN: a fit batch of 2 * BATCH is one D half and one G half, so each step sees BATCH images.
    assert metrics["images_seen"] == ns["EPOCHS"] * ns["STEPS_PER_EPOCH"] * ns["BATCH"]
    assert math.isfinite(metrics["d_loss"]) and math.isfinite(metrics["g_loss"])
    # A second session on the same folder resumes from the last checkpoint: nothing is left to train, and the
    # restored EMA generator draws the same final grid.
    first_grid = _png(output / "final_samples.png")
    output, ns, shown = _run_quick("r3gan_cifar10", tmp_path, monkeypatch, shell)
    assert ns["restored"]["images_seen"] == metrics["images_seen"] and ns["initial_epoch"] == ns["EPOCHS"]
    resumed = json.loads((output / "metrics.json").read_text())
    assert resumed["images_seen"] == metrics["images_seen"] and resumed["d_loss"] is None
    np.testing.assert_array_equal(_png(output / "final_samples.png"), first_grid)
    assert len(shown) == 1  # no loss curve without a trained epoch; the final grid


def test_r3gan_ffhq256_generate_quick(tmp_path, monkeypatch, shell):
    output, ns, shown = _run_quick("r3gan_ffhq256_generate", tmp_path, monkeypatch, shell)
    size = ns["gan"].image_shape[0]
    faces = _png(output / "faces.png")
    assert faces.shape == (4 * size, 4 * size, 3)
    assert _png(output / "interpolation.png").shape == (size, 8 * size, 3)
    assert len(shown) == 2  # inline, the two grids written
    np.testing.assert_array_equal(shown[0], faces)
    np.testing.assert_array_equal(shown[1], _png(output / "interpolation.png"))
    summary = json.loads((output / "summary.json").read_text())
    assert summary["mean_pixel"] == pytest.approx(float(faces.mean()))
    # The interpolation's end points are the two latents themselves.
    gan, endpoints = ns["gan"], ns["endpoints"]
    np.testing.assert_array_equal(ns["morph"][[0, -1]], gan.generate(endpoints, batch_size=8))


def test_progan_celebahq_quick(tmp_path, monkeypatch, shell):
    output, ns, shown = _run_quick("progan_celebahq", tmp_path, monkeypatch, shell)
    assert len(list((output / "quick_images").glob("*.png"))) == 32
    assert _png(output / "final_samples.png").shape == (4 * 8, 4 * 8, 3)
    assert len(shown) == 2  # inline: the loss curve and the final grid
    np.testing.assert_array_equal(shown[0], _png(output / "losses.png"))
    np.testing.assert_array_equal(shown[1], _png(output / "final_samples.png"))
    metrics = json.loads((output / "metrics.json").read_text())
    # 8 images to stabilise 4x4 and 8 to fade in 8x8: after six steps of 8 images the networks are at 8x8.
    assert metrics["active_resolution"] == 8
    assert metrics["images_seen"] > 16
    assert math.isfinite(metrics["d_loss"])
    assert ns["gan"].discriminator.active_resolution == ns["gan"].ema_generator.active_resolution == 8


def test_stacked_mnist_quick(tmp_path, monkeypatch, shell):
    output, ns, shown = _run_quick("stacked_mnist", tmp_path, monkeypatch, shell)
    assert _png(output / "final_samples.png").shape == (4 * 32, 8 * 32, 3)
    assert _png(output / "real_examples.png").shape == (32, 8 * 32, 3)
    assert len(shown) == 3  # inline: the real examples, the loss curve and the final grid
    for image, written in zip(shown, ("real_examples.png", "losses.png", "final_samples.png")):
        np.testing.assert_array_equal(image, _png(output / written))
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
    # The first code cell is the visible quick/full switch; the install cell follows it.
    code = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code[0].startswith("QUICK = True  # set False for")
    install = code[1]  # skipped where keras_gans imports; else a pinned tag with the extras the tutorial needs
    assert 'if importlib.util.find_spec("keras_gans") is None:' in install
    command = install.splitlines()[-1].strip()
    assert command.startswith('!pip install -q "keras-gans[jax') and command.endswith(f'@{converter.RELEASE_TAG}"')
    # Where the results go: the Colab Drive and Kaggle output ways are shown.
    markdown = "".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown")
    assert "Google Drive" in markdown and "/kaggle/working" in markdown and "| hardware" in markdown


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
    install = (
        "import importlib.util\n\n"
        'if importlib.util.find_spec("keras_gans") is None:  # a fresh Colab or Kaggle runtime\n'
        '    !pip install -q "keras-gans[jax,hub] @ git+https://github.com/keras-gans/keras-gans@v0.1.0"'
    )
    assert cells[2:] == [  # the install cell follows the first code cell
        ("markdown", "## Part\n\nText."),
        ("code", "x = 1\n\ny = 2"),
        ("code", install),
        ("markdown", "More."),
        ("code", "print(x)"),
    ]
    assert notebook["metadata"]["accelerator"] == "GPU"
    with pytest.raises(ValueError, match="not closed"):
        converter.convert(header + '"""\nopen text\n', "demo")
    with pytest.raises(ValueError, match="lacks"):
        converter.convert('"""\nTitle: T\n"""\nx = 1\n', "demo")
    assert [p.stem for p in converter.tutobooks(EXAMPLES)] == sorted(TUTOBOOKS)
