"""The `keras-gans` command line: one module per subcommand.

    keras-gans train --dataset embedded --architecture tiny32 --steps 300 --output runs/quickstart

Each subcommand module in `keras_gans.cli` has `register(commands)`, which adds its parser to the
`argparse` subparsers and sets `func` (called with the parsed arguments). The backend is Keras'
(`KERAS_BACKEND=jax|tensorflow|torch`) or `--backend`, which must be chosen before keras is imported, so the
subcommand modules import keras lazily.
"""

import argparse
import importlib
import os
import sys

SUBCOMMANDS = ("train",)


def build_parser():
    """Returns the `keras-gans` argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(prog="keras-gans", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in SUBCOMMANDS:
        importlib.import_module(f"keras_gans.cli.{name}").register(commands)
    return parser


def main(argv=None):
    """Parses `argv` (default `sys.argv[1:]`), selects the backend and runs the subcommand; returns 0."""
    args = build_parser().parse_args(argv)
    backend = getattr(args, "backend", None)
    if backend:
        if "keras" in sys.modules and os.environ.get("KERAS_BACKEND") not in (None, backend):
            raise SystemExit("keras-gans: --backend must be chosen before keras is imported.")
        os.environ["KERAS_BACKEND"] = backend
    args.func(args)
    return 0
