"""Every subcommand checks `--output` before it loads a model or computes anything: an output that cannot be
written gives one line naming `--output` (a model that does not exist, `--preset nope`, shows that nothing was
loaded first). Also the wording of a few argument errors."""

import os
import pathlib

import pytest

from keras_gans import cli
from keras_gans.export import BACKENDS
from keras_gans.export import check_export_format

# /proc takes no new files even for root, whose permission checks would pass on a read-only folder.
needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc as an unwritable folder")


@needs_proc
@pytest.mark.parametrize(
    "command",
    [
        ["generate", "--preset", "nope", "--seeds", "0", "--output", "/proc/foo.png"],
        ["generate", "--preset", "nope", "--seeds", "0-1", "--output", "/proc/samples"],
        ["export", "--preset", "nope", "--format", "onnx", "--output", "/proc/g.onnx"],
        ["interpolate", "--preset", "nope", "--output", "/proc/walk.gif"],
        ["project", "--preset", "nope", "--images", "a.png", "--output", "/proc/projected"],
        ["evaluate", "--preset", "nope", "--metrics", "ms_ssim", "--output", "/proc/e.json"],
    ],
)
def test_an_unwritable_output_is_refused_before_loading(command):
    with pytest.raises(SystemExit, match=rf"^keras-gans {command[0]}: argument --output: /proc/.* cannot be written"):
        cli.main(command)


def test_an_output_in_the_way_is_refused_before_loading(tmp_path):
    existing = tmp_path / "afile"
    existing.write_text("x")
    with pytest.raises(SystemExit, match=r"^keras-gans project: argument --output: .*afile is an existing file"):
        cli.main(["project", "--preset", "nope", "--images", "a.png", "--output", str(existing)])
    with pytest.raises(SystemExit, match=r"^keras-gans interpolate: argument --output: .*walk\.txt does not end with"):
        cli.main(["interpolate", "--preset", "nope", "--output", str(tmp_path / "walk.txt")])
    with pytest.raises(SystemExit, match=r"^keras-gans interpolate: argument --output: .* is a folder"):
        cli.main(["interpolate", "--preset", "nope", "--output", str(tmp_path)])
    with pytest.raises(SystemExit, match=r"^keras-gans export: argument --output: .* is a folder; give a \.onnx"):
        cli.main(["export", "--preset", "nope", "--format", "onnx", "--output", str(tmp_path)])


@needs_proc
def test_convert_names_an_unwritable_output_and_a_folder_source(tmp_path):
    source = tmp_path / "snapshot.pth"
    source.write_bytes(b"not read before the output is checked")
    with pytest.raises(SystemExit, match=r"^keras-gans convert: the output /proc/outp cannot be written"):
        cli.main(["convert", str(source), "/proc/outp", "--format", "pgz"])
    folder = tmp_path / "d.pkl"
    folder.mkdir()
    with pytest.raises(SystemExit, match=r"^keras-gans convert: .*d\.pkl is a folder; give the checkpoint file"):
        cli.main(["convert", str(folder), str(tmp_path / "out")])


def test_evaluate_names_a_negative_seed():
    with pytest.raises(SystemExit, match=r"^keras-gans evaluate: --seed must be >= 0, got -3\."):
        cli.main(["evaluate", "--preset", "nope", "--metrics", "ms_ssim", "--seed", "-3"])


def test_an_unavailable_format_names_the_way_to_switch(tmp_path):
    with pytest.raises(ValueError, match=r"not available on the torch backend.*export it under KERAS_BACKEND="):
        check_export_format("tf_saved_model", backend="torch")
    with pytest.raises(ValueError, match=r"not available on the torch backend.*: pass `--backend tensorflow`\.$"):
        check_export_format("tf_saved_model", backend="torch", switch_advice="pass `--backend tensorflow`")
    import keras

    backend = keras.backend.backend()
    for fmt in [fmt for fmt, backends in BACKENDS.items() if backend not in backends]:  # the CLI's own advice
        suffix = {"litert": ".tflite"}.get(fmt, "")
        output = str(pathlib.Path(tmp_path) / f"g{suffix}")
        with pytest.raises(SystemExit, match=rf"pass `--backend {BACKENDS[fmt][0]}`\.$"):
            cli.main(["export", "--preset", "nope", "--format", fmt, "--output", output])
