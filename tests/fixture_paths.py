"""Where the test fixtures live (all inside the repository, under `tests/fixtures/`), and MNIST for the tests.

Import the paths in a test module (`from fixture_paths import R3GAN_OFFICIAL`) or use the `fixtures_dir` pytest
fixture from `conftest.py`.
"""

import functools
import json
import pathlib

import numpy as np

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
R3GAN_OFFICIAL = FIXTURES / "r3gan_official"
PROGAN_PGZ = FIXTURES / "progan_pgz"
SWD_OFFICIAL = FIXTURES / "swd_official"
MNIST_SUBSET = FIXTURES / "mnist" / "mnist_subset.npz"
MNIST_DIGESTS = FIXTURES / "mnist" / "mnist_digests.json"


@functools.lru_cache(maxsize=1)
def _mnist_arrays():
    with np.load(MNIST_SUBSET, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    for array in arrays.values():
        array.setflags(write=False)  # shared by every caller
    return arrays


def mnist_subset():
    """The real MNIST subset as a dict: `x_train`/`y_train` (first 2,048 digits), `x_test`/`y_test` (all 10,000)."""
    return dict(_mnist_arrays())


def mnist_digests():
    """sha256 digests of the full MNIST arrays (see `tests/fixtures/mnist/README.md`)."""
    return json.loads(MNIST_DIGESTS.read_text())


def load_mnist_fixture(path="mnist.npz"):
    """Stands in for `keras.datasets.mnist.load_data()` in tests: same layout, fresh writable copies, no download."""
    del path  # keras' argument: the cache file name
    arrays = _mnist_arrays()
    return (
        (arrays["x_train"].copy(), arrays["y_train"].copy()),
        (arrays["x_test"].copy(), arrays["y_test"].copy()),
    )
