"""The `keras-gans` command line: one module per subcommand.

    keras-gans train --dataset embedded --output runs/digits

Each subcommand module in `keras_gans.cli` has `register(commands)`, which adds its parser to the
`argparse` subparsers and sets `func` (called with the parsed arguments). The backend is Keras'
(`KERAS_BACKEND=jax|tensorflow|torch`) or `--backend`. Keras fixes its backend when it is imported, which happens
with the `keras_gans` package before `main` runs, so a `--backend` other than the imported one restarts the command
in a new process with `KERAS_BACKEND` set (see `_restart_on_backend`); subcommand modules import keras lazily.
"""

import argparse
import importlib
import os
import pathlib
import subprocess
import sys
import tempfile

SUBCOMMANDS = (
    "train",
    "generate",
    "evaluate",
    "convert",
    "export",
    "compare",
    "interpolate",
    "project",
    "demo",
    "check-official-progan",
)
# Set in a process started by `_restart_on_backend`, so that a failed backend switch cannot loop.
_RESTARTED = "KERAS_GANS_CLI_RESTARTED_BACKEND"
BACKENDS = ("jax", "tensorflow", "torch")
EXIT_INTERRUPTED = 130  # exit status of a command stopped by Ctrl-C (128 + SIGINT), as shells report it
BACKEND_HELP = "Keras backend (default: KERAS_BACKEND, else tensorflow)"
# `--output` in every subcommand: the file itself where one file is written, a folder where several are.
OUTPUT_RULE = "--output is a file where the command writes one file and a folder where it writes several."


def folder_problem(path):
    """Why `path` cannot be used as an output folder (a file is in the way, or its nearest existing folder takes no
    new files), or `None` when it can."""
    path = pathlib.Path(path).expanduser()
    return _folder_problem(path, path)


def file_problem(path, kind):
    """Why `path` cannot be used as an output file of `kind` (e.g. "a .png"), or `None` when it can."""
    path = pathlib.Path(path).expanduser()
    if path.is_dir():
        return f"{path} is a folder; give {kind} file name."
    return _folder_problem(path.parent, path)


def _folder_problem(folder, target):
    """Why `folder` cannot hold (once created) the output `target`, or `None`."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            if candidate.is_dir():
                return _unwritable_problem(target, candidate)
            if target != folder:  # an output file
                return f"{target} cannot be written because {candidate} is a file; give another path."
            if candidate == folder:
                return f"{folder} is an existing file, not a folder; give a folder name."
            return f"{folder} cannot be created because {candidate} is a file; give a folder name."
    return None


def _unwritable_problem(path, folder):
    """Why no file can be created in `folder`, the nearest existing folder of `path`, or `None`.

    A probe file (deleted at once) answers for every cause at once: permissions, read-only mounts and virtual file
    systems such as /proc, where the permission bits say nothing.
    """
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        return f"{path} cannot be written: no file can be created in {folder} ({e.strerror or e})."
    return None


def build_parser():
    """Returns the `keras-gans` argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(prog="keras-gans", description=__doc__.split("\n\n")[0], epilog=OUTPUT_RULE)
    # Also accepted before the subcommand (`keras-gans --backend torch generate ...`); its own dest, because a
    # subcommand's default would overwrite a shared one.
    parser.add_argument("--backend", dest="global_backend", choices=BACKENDS, default=None, help=BACKEND_HELP)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in SUBCOMMANDS:
        importlib.import_module(f"keras_gans.cli.{name.replace('-', '_')}").register(commands)
    return parser


def _restart_on_backend(backend, argv):
    """Runs the command again in a new Python process whose Keras uses `backend`; returns its exit status.

    Importing `keras_gans.cli` imports the `keras_gans` package and with it keras, whose backend is fixed at
    import (from `KERAS_BACKEND`, default TensorFlow), so a different `--backend` needs a new interpreter. From the
    console (`argv` is None) the process is replaced (`exec`); a call from Python code waits for a child process.
    Setting `KERAS_BACKEND` in the environment instead avoids the restart.
    """
    if os.environ.get(_RESTARTED) == backend:
        raise SystemExit(
            f"keras-gans: could not start Keras with the {backend} backend (KERAS_BACKEND={backend} was ignored)."
        )
    package_root = str(pathlib.Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, KERAS_BACKEND=backend, PYTHONPATH=path, **{_RESTARTED: backend})
    command = [sys.executable, "-m", "keras_gans.cli", *(sys.argv[1:] if argv is None else argv)]
    if argv is None and os.name == "posix":
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, command, env)
    return subprocess.call(command, env=env)


def main(argv=None):
    """Parses `argv` (default `sys.argv[1:]`), selects the backend and runs the subcommand; returns the exit
    status (0 on success)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    backend = getattr(args, "backend", None) or args.global_backend
    if args.global_backend and backend != args.global_backend:
        parser.error(f"--backend {args.global_backend} before the subcommand and --backend {backend} after it differ.")
    if backend:
        keras = sys.modules.get("keras")
        if keras is not None and keras.backend.backend() != backend:
            return _restart_on_backend(backend, argv)
        os.environ["KERAS_BACKEND"] = backend
    try:
        args.func(args)
    except KeyboardInterrupt:  # commands with something to report about it (train, generate) report it themselves
        print(f"keras-gans {args.command}: interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0
