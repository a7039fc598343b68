"""`--backend`: keras is imported with the `keras_gans` package before `main` runs, so another backend restarts
the command in a new process with `KERAS_BACKEND` set. Checked for real in a subprocess (console path: `python -m
keras_gans.cli`, which replaces its process), and with a stand-in `subprocess.call` for calls from Python."""

import json
import os
import subprocess
import sys

import keras
import pytest

from keras_gans import cli

CURRENT = keras.backend.backend()
# The cheapest other backend to start. The run builds the model and writes samples but trains no step: the
# restart is what is tested here (each backend trains in its own pass of the suite).
OTHER = "jax" if CURRENT == "torch" else "torch"


def test_backend_flag_restarts_the_console_command_on_that_backend(tmp_path):
    out = tmp_path / "run"
    env = dict(os.environ, KERAS_BACKEND=CURRENT)
    env.pop("KERAS_GANS_CLI_RESTARTED_BACKEND", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_gans.cli",
            "train",
            "--backend",
            OTHER,
            "--resolution",
            "4",
            "--batch-size",
            "2",
            "--steps",
            "0",
            "--output",
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads((out / "metrics.json").read_text())["backend"] == OTHER


def test_backend_flag_from_python_waits_for_a_child_process(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(subprocess, "call", lambda command, env: calls.append((command, env)) or 3)
    argv = ["generate", "--preset", "x", "--backend", OTHER, "--output", str(tmp_path)]
    assert cli.main(argv) == 3  # the child's exit status
    ((command, env),) = calls
    assert command == [sys.executable, "-m", "keras_gans.cli", *argv]
    assert env["KERAS_BACKEND"] == OTHER
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(cli.__file__))))
    assert env["PYTHONPATH"].split(os.pathsep)[0] == package_root
    # The current backend runs in this process (here: failing on the unknown preset, with no child process).
    with pytest.raises(SystemExit, match="'x' is neither a file or folder nor a preset name"):
        cli.main(["generate", "--preset", "x", "--backend", CURRENT, "--output", str(tmp_path)])
    assert len(calls) == 1
    # A restarted process that still has the wrong backend stops instead of restarting again.
    monkeypatch.setenv("KERAS_GANS_CLI_RESTARTED_BACKEND", OTHER)
    with pytest.raises(SystemExit, match=f"could not start Keras with the {OTHER} backend"):
        cli.main(argv)


def test_backend_flag_before_the_subcommand(monkeypatch, tmp_path, capsys):
    calls = []
    monkeypatch.setattr(subprocess, "call", lambda command, env: calls.append((command, env)) or 3)
    argv = ["--backend", OTHER, "generate", "--preset", "x", "--output", str(tmp_path)]
    assert cli.main(argv) == 3
    ((command, env),) = calls
    assert command == [sys.executable, "-m", "keras_gans.cli", *argv]
    assert env["KERAS_BACKEND"] == OTHER
    with pytest.raises(SystemExit, match="'x' is neither a file or folder nor a preset name"):
        cli.main(["--backend", CURRENT, "generate", "--preset", "x", "--output", str(tmp_path)])
    # Both places, the same backend: accepted; two different ones: a usage error naming both.
    with pytest.raises(SystemExit, match="'x' is neither a file or folder nor a preset name"):
        cli.main(["--backend", CURRENT, "generate", "--preset", "x", "--backend", CURRENT, "--output", str(tmp_path)])
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--backend", CURRENT, "generate", "--preset", "x", "--backend", OTHER, "--output", str(tmp_path)])
    assert exit_info.value.code == 2
    assert f"--backend {CURRENT} before the subcommand and --backend {OTHER} after it differ" in capsys.readouterr().err
    assert len(calls) == 1
