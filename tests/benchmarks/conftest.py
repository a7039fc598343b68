"""Fixtures of the benchmark tests: the benchmark scripts are not a package, so they are imported from their path."""

import pathlib
import sys

import pytest
from script_loading import load_script

BENCHMARKS_DIR = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"
WEIGHTS_DIR = pathlib.Path(__file__).resolve().parents[2] / "weights"


def load_benchmark(name):
    """Imports `benchmarks/<name>.py` as a module, with the folder importable as when the script runs."""
    if str(BENCHMARKS_DIR) not in sys.path:
        sys.path.append(str(BENCHMARKS_DIR))
    return load_script(BENCHMARKS_DIR / f"{name}.py", f"benchmark_{name}")


def load_packaging_tool():
    """Imports `weights/package_shipped_preset.py` (the tool that turns a trained run into a shipped preset)."""
    return load_script(WEIGHTS_DIR / "package_shipped_preset.py", "package_shipped_preset")


@pytest.fixture(scope="session")
def packaging_tool():
    return load_packaging_tool()


@pytest.fixture(scope="session")
def stacked_mnist_benchmark():
    return load_benchmark("stacked_mnist")


@pytest.fixture(scope="session")
def stacked_mnist_smoke_run(stacked_mnist_benchmark, tmp_path_factory):
    """One `--smoke` run of the R3GAN objective (tiny networks, 2 steps, 64 samples): `(report, output_dir)`."""
    output = tmp_path_factory.mktemp("stacked_mnist") / "smoke_runs"
    report = stacked_mnist_benchmark.main(["--smoke", "--configs", "rpgan_r1_r2", "--output", str(output)])
    return report, output


@pytest.fixture(scope="session")
def grouped_conv_benchmark():
    return load_benchmark("grouped_conv_throughput")
