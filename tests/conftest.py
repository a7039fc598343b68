"""Common test set-up.

Keras reads ``KERAS_HOME`` once at import, so it is pointed at a scratch directory here, before any test module
imports keras. ``keras.datasets.mnist.load_data()`` is served from the real MNIST subset in ``tests/fixtures/mnist``
(see ``fixture_paths.py``), so nothing downloads. Every file the tests read is under ``tests/fixtures/``.
"""

import os
import pathlib
import tempfile

from fixture_paths import FIXTURES
from fixture_paths import load_mnist_fixture

_keras_home = pathlib.Path(tempfile.mkdtemp(prefix="keras_gans_test_home_"))
(_keras_home / "datasets").mkdir()
os.environ["KERAS_HOME"] = str(_keras_home)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pytest  # noqa: E402
import r3gan_test_presets  # noqa: E402

# The official parity fixtures' architectures (and the benchmark's bench32) are R3GAN presets for the tests only.
r3gan_test_presets.register()

keras.datasets.mnist.load_data = load_mnist_fixture


# Tests under tests/cross_backend/ start one subprocess per backend and compare them, so they are inherently
# multi-backend: they run once, in the TensorFlow pass of the suite, instead of three times.
collect_ignore = [] if keras.backend.backend() == "tensorflow" else ["cross_backend"]
# The PyTorch autograd functions are tested with PyTorch's gradcheck; conv2d_same itself is tested on every backend.
if keras.backend.backend() != "torch":
    collect_ignore.append("backend/test_torch_convolution.py")


def pytest_report_header(config):
    return f"keras {keras.__version__}, backend {keras.backend.backend()}, fixtures at {FIXTURES}"


@pytest.fixture
def fixtures_dir():
    """`tests/fixtures/`: the official parity fixtures and the MNIST subset (READMEs inside)."""
    return FIXTURES


@pytest.fixture(autouse=True)
def _fixed_seed_and_policy():
    keras.utils.set_random_seed(1234)
    policy = keras.config.dtype_policy()
    yield
    keras.config.set_dtype_policy(policy)
