"""Shared test set-up.

Keras reads ``KERAS_HOME`` once at import, so it is pointed at a scratch directory here, before any test module
imports keras. The real MNIST file from ``../shared/data`` is linked into its dataset cache so that
``keras.datasets.mnist.load_data()`` works offline.
"""

import os
import pathlib
import tempfile

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED_DIR = pathlib.Path(os.environ.get("KERAS_GANS_SHARED", REPO_ROOT.parent / "shared")).resolve()

_keras_home = pathlib.Path(tempfile.mkdtemp(prefix="keras_gans_test_home_"))
(_keras_home / "datasets").mkdir()
if (SHARED_DIR / "data" / "mnist.npz").exists():
    os.symlink(SHARED_DIR / "data" / "mnist.npz", _keras_home / "datasets" / "mnist.npz")
os.environ["KERAS_HOME"] = str(_keras_home)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pytest  # noqa: E402
import r3gan_test_presets  # noqa: E402

# The official parity fixtures' architectures (and the benchmark's bench32) are R3GAN presets for the tests only.
r3gan_test_presets.register()


# Tests under tests/cross_backend/ start one subprocess per backend and compare them, so they are inherently
# multi-backend: they run once, in the TensorFlow pass of the suite, instead of three times.
collect_ignore = [] if keras.backend.backend() == "tensorflow" else ["cross_backend"]
# The PyTorch autograd functions are tested with PyTorch's gradcheck; conv2d_same itself is tested on every backend.
if keras.backend.backend() != "torch":
    collect_ignore.append("backend/test_torch_convolution.py")


def pytest_report_header(config):
    return f"keras {keras.__version__}, backend {keras.backend.backend()}, shared data at {SHARED_DIR}"


@pytest.fixture
def shared_dir():
    """The read-only reference folder beside the repository (specs, official fixtures, MNIST)."""
    if not SHARED_DIR.is_dir():
        pytest.fail(
            f"The reference folder {SHARED_DIR} is missing. Put the project's shared/ folder beside the "
            "repository or set KERAS_GANS_SHARED."
        )
    return SHARED_DIR


@pytest.fixture(autouse=True)
def _fixed_seed_and_policy():
    keras.utils.set_random_seed(1234)
    policy = keras.config.dtype_policy()
    yield
    keras.config.set_dtype_policy(policy)
