"""The command line on bad files and failed runs: clear messages and exit statuses, no uncaught exceptions.

Tiny runs: 4x4 images of the embedded digits, 2 images per half batch.
"""

import json

import pytest

from keras_gans import cli
from keras_gans.cli import train

TINY = ["train", "--dataset", "embedded", "--resolution", "4", "--batch-size", "2", "--sample-every", "1000"]


def test_a_diverged_run_exits_non_zero_and_says_so_in_its_metrics(tmp_path, capsys):
    out = tmp_path / "run"
    # A learning rate of 1e38 takes Adam's first updates of the weights to ~1e38, so the losses overflow at once.
    with pytest.raises(SystemExit) as info:
        cli.main(TINY + ["--steps", "6", "--learning-rate", "1e38", "--output", str(out)])
    assert info.value.code == train.EXIT_DIVERGED == 3
    metrics = json.loads((out / "metrics.json").read_text())
    at = metrics["diverged_at"]
    assert metrics["diverged"] is True and 1 <= at["step"] <= 6 and at["keys"]
    assert at["images_seen"] == 2 * at["step"] and metrics["images_seen"] <= 2 * 6
    assert metrics["last_checkpoint"] is None
    assert f"training diverged (non-finite {', '.join(at['keys'])}) at step {at['step']}" in capsys.readouterr().err


def test_output_paths_that_are_files_give_a_clear_error(tmp_path):
    existing = tmp_path / "a_file"
    existing.write_text("not a folder")
    for option in ("--output", "--checkpoint-dir"):
        with pytest.raises(SystemExit, match=f"argument {option}: .*a_file is an existing file, not a folder"):
            cli.main(TINY + ["--steps", "1", option, str(existing)])
    with pytest.raises(SystemExit, match="--output: .*a_file/run cannot be created because .*a_file is a file"):
        cli.main(TINY + ["--steps", "1", "--output", str(existing / "run")])
    with pytest.raises(SystemExit, match="keras-gans generate: argument --output: .*a_file is an existing file"):
        cli.main(["generate", "--checkpoint", str(tmp_path), "--output", str(existing)])
    with pytest.raises(SystemExit, match="keras-gans evaluate: argument --output: .* is a folder"):
        cli.main(["evaluate", "--checkpoint", str(tmp_path), "--metrics", "fid", "--output", str(tmp_path)])
    assert existing.read_text() == "not a folder"


def test_resume_skips_a_damaged_newest_checkpoint(tmp_path, capsys):
    args = TINY + ["--output", str(tmp_path / "run"), "--checkpoint-every", "4"]
    assert cli.main(args + ["--steps", "4"]) == 0  # checkpoints at 4 and 8 images
    checkpoints = tmp_path / "run" / "checkpoint"
    assert [p.name for p in sorted(checkpoints.glob("ckpt-*"))] == ["ckpt-000000000004", "ckpt-000000000008"]
    (checkpoints / "ckpt-000000000008" / "metadata.json").write_text("{truncated")
    with pytest.warns(RuntimeWarning, match="ckpt-000000000008: .*metadata.json is not readable JSON"):
        assert cli.main(args + ["--steps", "5", "--resume"]) == 0
    assert "Resumed from " in capsys.readouterr().out
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert (metrics["images_seen"], metrics["steps_this_run"], metrics["diverged"]) == (10, 3, False)
    # generate --checkpoint also takes the newest checkpoint that can be read.
    weights = checkpoints / "ckpt-000000000010" / "model.weights.h5"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2] + bytes(len(data) - len(data) // 2))
    with pytest.warns(RuntimeWarning, match=r"Using .*ckpt-000000000008; skipped .*ckpt-000000000010: .*corrupt"):
        assert (
            cli.main(
                ["generate", "--checkpoint", str(checkpoints), "--seeds", "0", "--output", str(tmp_path / "samples")]
            )
            == 0
        )
    # With every checkpoint damaged, the commands say which and why instead of a traceback.
    for folder in checkpoints.glob("ckpt-*"):
        (folder / "model.weights.h5").write_bytes(b"")
    with pytest.raises(SystemExit, match="--resume: .*none of the 3 checkpoints .*is empty"):
        cli.main(args + ["--steps", "6", "--resume"])
    with pytest.raises(SystemExit, match="none of the checkpoints in .* can be read: ckpt-000000000010: .*is empty"):
        cli.main(["generate", "--checkpoint", str(checkpoints), "--output", str(tmp_path / "samples")])


def test_convert_of_a_torch_file_without_the_pgz_networks_lists_what_it_found(tmp_path):
    import numpy as np
    import torch

    weight = torch.from_numpy(np.zeros((2, 2), np.float32))
    cases = {
        "other.pth": ({"model": {"w": weight}}, r"missing \['netG', 'netD'\]; it has \['model'\]"),
        "renamed.pth": (
            {"netG": {"a.module.weight": weight}, "netD": {"b.module.weight": weight}},
            r"no 'decisionLayer.module.weight' \(.*\); its keys are \[b.module.weight\]",
        ),
    }
    for name, (content, message) in cases.items():
        torch.save(content, tmp_path / name)
        with pytest.raises(SystemExit, match=f"{name} could not be converted as a pytorch_GAN_zoo .*{message}"):
            cli.main(["convert", str(tmp_path / name), str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()
