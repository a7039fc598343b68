"""`keras_gans.utils.notebook`: the results folder per host (Colab with and without Drive, Kaggle, local, the
environment override), copying an earlier run in, and inline images only inside IPython."""

import sys
import types

import numpy as np
import pytest
from ipython_shell import ipython_shell
from ipython_shell import png_outputs
from PIL import Image

from keras_gans.utils import notebook


@pytest.fixture
def host(monkeypatch, tmp_path):
    """A clean host: no override, no Colab module, a Kaggle folder that does not exist; cwd is `tmp_path`."""
    monkeypatch.delenv(notebook.OUTPUT_VARIABLE, raising=False)
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE", raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(notebook, "KAGGLE_WORKING", tmp_path / "kaggle" / "working")
    monkeypatch.setattr(notebook, "COLAB_DRIVE", tmp_path / "content" / "drive")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _fake_colab(monkeypatch):
    mounted = []
    drive = types.SimpleNamespace(mount=mounted.append)
    google = types.ModuleType("google")
    colab = types.ModuleType("google.colab")
    colab.drive = drive
    google.colab = colab
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    return mounted


def test_local_kaggle_and_override(host, monkeypatch, capsys):
    assert notebook.notebook_host() == "local"
    assert notebook.output_folder("run") == notebook.pathlib.Path("runs") / "run"
    assert (host / "runs" / "run").is_dir() and "a local folder" in capsys.readouterr().out
    notebook.KAGGLE_WORKING.mkdir(parents=True)
    assert notebook.notebook_host() == "kaggle"
    assert notebook.output_folder("run", drive=True) == notebook.KAGGLE_WORKING / "runs" / "run"  # drive: Colab only
    monkeypatch.setenv(notebook.OUTPUT_VARIABLE, str(host / "elsewhere"))
    assert notebook.output_folder("run") == host / "elsewhere" and (host / "elsewhere").is_dir()


def test_colab_with_and_without_drive(host, monkeypatch, capsys):
    mounted = _fake_colab(monkeypatch)
    assert notebook.notebook_host() == "colab"
    assert notebook.output_folder("run") == notebook.pathlib.Path("runs") / "run" and mounted == []
    assert "deleted when the Colab runtime ends" in capsys.readouterr().out
    folder = notebook.output_folder("run", drive=True)
    assert mounted == [str(notebook.COLAB_DRIVE)]
    assert folder == notebook.COLAB_DRIVE / "MyDrive" / "keras-gans" / "run" and folder.is_dir()


def test_copy_from_fills_in_missing_files_only(host):
    earlier = host / "earlier"
    (earlier / "checkpoints" / "ckpt-8").mkdir(parents=True)
    (earlier / "checkpoints" / "ckpt-8" / "state.h5").write_bytes(b"old state")
    (earlier / "metrics.json").write_text("old")
    target = host / "runs" / "run"
    target.mkdir(parents=True)
    (target / "metrics.json").write_text("new")
    assert notebook.output_folder("run", copy_from=earlier) == notebook.pathlib.Path("runs") / "run"
    assert (target / "checkpoints" / "ckpt-8" / "state.h5").read_bytes() == b"old state"
    assert (target / "metrics.json").read_text() == "new"  # an existing file is kept
    with pytest.raises(FileNotFoundError, match="not a folder"):
        notebook.output_folder("run", copy_from=host / "missing")


def test_show_image_and_losses_display_png_only_inside_ipython(tmp_path):
    from IPython.utils.capture import capture_output

    image = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 10
    history = {"d_loss": [1.0, 0.5], "g_loss": [2.0, 1.5]}
    assert notebook.show_image(image) is False  # plain Python: nothing to show on
    assert notebook.show_losses(history, tmp_path / "plain.png") is False and (tmp_path / "plain.png").is_file()
    with ipython_shell(tmp_path / "ipython"), capture_output() as captured:
        assert notebook.show_image(image) is True
        assert notebook.show_image(image[..., :1]) is True
        assert notebook.show_losses(history, tmp_path / "losses.png") is True
    shown = png_outputs(captured)
    np.testing.assert_array_equal(shown[0], image)
    np.testing.assert_array_equal(shown[1], image[..., 0])
    np.testing.assert_array_equal(shown[2], np.asarray(Image.open(tmp_path / "losses.png")))
    assert shown[2].shape[:2] == (350, 600)  # the 6 x 3.5 inch figure at 100 dpi
    with pytest.raises(ValueError, match="uint8"):
        notebook.show_image(image.astype("float32"))
    assert notebook.show_losses({}, tmp_path / "none.png") is False and not (tmp_path / "none.png").exists()
