"""`keras-gans train` refuses unusable arguments, data and folders with one line, and stops cleanly on Ctrl-C.

Tiny runs: 4x4 images of the embedded digits, 2 images per half batch, a one-stage `tiny32` network.
"""

import errno
import pathlib
import tempfile

import keras
import numpy as np
import pytest
from PIL import Image

import keras_gans
from keras_gans import cli
from keras_gans.cli import train
from keras_gans.cli import train_checks

TINY = ["train", "--dataset", "embedded", "--preset", "tiny32", "--resolution", "4", "--batch-size", "2"]


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--kimg", "nan"], "--kimg must be a finite number >= 0, got nan"),
        (["--kimg", "inf"], "--kimg must be a finite number >= 0, got inf"),
        (["--kimg", "-1"], "--kimg must be a finite number >= 0"),
        (["--steps", "-1"], "--steps must be >= 0, got -1"),
        (["--seed", "-1"], r"--seed must be in \[0, 2\*\*32 - 1\], got -1"),
        (["--seed", "99999999999999999999"], r"--seed must be in \[0, 2\*\*32 - 1\]"),
        (["--learning-rate", "-1"], "--learning-rate must be a finite number > 0, got -1.0"),
        (["--learning-rate", "0"], "--learning-rate must be a finite number > 0"),
        (["--gamma", "nan"], "--gamma must be a finite number >= 0, got nan"),
        (["--ema-half-life-images", "-5"], "--ema-half-life-images must be a finite number >= 0"),
        (["--model", "progan", "--lod-training-kimg", "-1"], "--lod-training-kimg must be a finite number >= 0"),
        (["--model", "progan", "--lod-transition-kimg", "inf"], "--lod-transition-kimg must be a finite number"),
        (["--resolution", "4096"], "--resolution must be 4 \\* 2\\^k \\(a power of two\\) from 4 to 1024, got 4096"),
    ],
)
def test_bad_numbers_are_refused_before_any_folder_is_made(tmp_path, extra, message):
    out = tmp_path / "run"
    with pytest.raises(SystemExit, match=f"^keras-gans train: {message}") as info:
        cli.main([*TINY, "--output", str(out), *extra])
    assert "\n" not in str(info.value.code)
    assert not out.exists()


def test_a_resolution_whose_in_memory_dataset_exceeds_half_the_memory_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(train_checks, "physical_memory_bytes", lambda: 2**30)
    out = tmp_path / "run"
    # 10,000 RGB digits at 256x256 are 1.8 GiB, more than half of 1 GiB.
    argv = ["train", "--dataset", "embedded", "--preset", "tiny32", "--resolution", "256", "--output", str(out)]
    with pytest.raises(SystemExit, match="--resolution 256: --dataset 'embedded' holds its 10,000 images in memory"):
        cli.main(argv)
    assert not out.exists()


def test_an_impossible_progan_schedule_is_one_line(tmp_path):
    # 0.0001 kimg is a tenth of an image: the schedule counts whole images.
    argv = ["train", "--model", "progan", "--dataset", "embedded", "--resolution", "4", "--batch-size", "2"]
    with pytest.raises(SystemExit, match="--lod-training-kimg / --lod-transition-kimg: ProGANSchedule: .*whole number"):
        cli.main([*argv, "--steps", "1", "--lod-training-kimg", "0.0001", "--output", str(tmp_path / "run")])


def test_folders_that_cannot_be_created_are_refused_first(tmp_path, monkeypatch):
    # A read-only parent folder (permissions do not stop root, so its refusal is simulated).
    read_only, make_file = tmp_path / "read_only", tempfile.TemporaryFile
    read_only.mkdir()

    def temporary_file(*args, dir=None, **kwargs):
        if dir is not None and pathlib.Path(dir) == read_only:
            raise OSError(errno.EROFS, "Read-only file system")
        return make_file(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "TemporaryFile", temporary_file)
    for option in ("--output", "--checkpoint-dir"):
        folder = read_only / option.strip("-")
        with pytest.raises(SystemExit, match=f"argument {option}: .*no file can be created in .*Read-only file system"):
            cli.main([*TINY, "--steps", "1", "--output", str(tmp_path / "run"), option, str(folder)])
        assert not folder.exists()
    assert not (tmp_path / "run").exists()


def test_a_dataset_that_cannot_be_downloaded_is_one_line(tmp_path, monkeypatch):
    def offline(spec, **kwargs):
        raise OSError(f"load_mnist: could not get MNIST ({spec}); put mnist.npz into the Keras cache.")

    monkeypatch.setattr(keras_gans.datasets, "load_dataset", offline)
    out = tmp_path / "run"
    with pytest.raises(SystemExit, match="^keras-gans train: --dataset 'mnist': load_mnist: could not get MNIST"):
        cli.main(["train", "--dataset", "mnist", "--steps", "2", "--output", str(out)])
    assert not out.exists()


def test_a_run_of_zero_steps_lists_only_the_files_it_wrote(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main([*TINY, "--steps", "0", "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"Samples: {out / 'samples.png'}" in printed and f"Metrics: {out / 'metrics.json'}" in printed
    assert "Losses:" not in printed and not (out / "losses.png").exists()


class _InterruptAfter(keras.callbacks.Callback):
    """Stands in for `SampleGrid`: Ctrl-C (KeyboardInterrupt) at the end of the third step."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def on_train_batch_end(self, batch, logs=None):
        if batch == 2:
            raise KeyboardInterrupt


def test_ctrl_c_names_the_last_checkpoint_and_exits_130(tmp_path, monkeypatch, capsys):
    argv = [*TINY, "--checkpoint-every", "4", "--output", str(tmp_path / "run")]
    with monkeypatch.context() as patch:
        patch.setattr(keras_gans.callbacks, "SampleGrid", _InterruptAfter)
        with pytest.raises(SystemExit) as info:
            cli.main([*argv, "--steps", "5"])
    assert info.value.code == train.EXIT_INTERRUPTED == 130
    last = tmp_path / "run" / "checkpoint" / "ckpt-000000000004"  # step 2; step 3 was interrupted
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"keras-gans train: interrupted; the last checkpoint is {last}; continue with --resume."
    )
    assert cli.main([*argv, "--steps", "3", "--resume"]) == 0
    assert f"Resumed from {last} (4 images seen)" in capsys.readouterr().out


def _three_images(root):
    root.mkdir()
    for i in range(3):
        Image.fromarray(np.full((8, 8, 3), 40 * i, np.uint8)).save(root / f"{i}.png")
    return root


def test_auto_fits_its_batch_size_to_a_small_folder(tmp_path, capsys):
    images = _three_images(tmp_path / "images")
    args = cli.build_parser().parse_args(["train", "--dataset", str(images), "--output", str(tmp_path / "run")])
    train._resolve_arguments(args)
    assert args.batch_size == 1  # two half-batches of 1 from 3 images
    assert "batch size 1: the most that fits (the folder holds 3 images" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="--batch-size 2: the folder holds 3 images; .* pass --batch-size <= 1"):
        cli.main(["train", "--dataset", str(images), "--batch-size", "2", "--output", str(tmp_path / "run")])
    (images / "1.png").unlink()
    (images / "2.png").unlink()
    with pytest.raises(SystemExit, match="--dataset: the folder holds 1 images; .*so at least 2 images"):
        cli.main(["train", "--dataset", str(images), "--output", str(tmp_path / "run")])
    assert not (tmp_path / "run").exists()
