"""Every subcommand checks `--output` before it loads a model or computes anything: an output that cannot be
written gives one line naming `--output` (a model that does not exist, `--preset nope`, shows that nothing was
loaded first)."""

import os

import pytest

from keras_gans import cli

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
def test_convert_names_an_unwritable_output(tmp_path):
    source = tmp_path / "snapshot.pth"
    source.write_bytes(b"not read before the output is checked")
    with pytest.raises(SystemExit, match=r"^keras-gans convert: the output /proc/outp cannot be written"):
        cli.main(["convert", str(source), "/proc/outp", "--format", "pgz"])
