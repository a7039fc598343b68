"""`benchmarks/step_profile.py` and `benchmarks/step_vs_official.py` on the `tiny` configuration: the keras-gans
step trains, and the profile of it attributes kernel time to kinds of ops on every backend."""

import keras
import numpy as np
import pytest
from conftest import load_benchmark


def test_step_profile_attributes_kernel_time_to_kinds_of_ops():
    if keras.backend.backend() != "torch":
        pytest.importorskip("tensorflow", reason="JAX and TensorFlow traces are read with TensorFlow's XPlane protobuf")
    step = load_benchmark("step_vs_official").keras_gans_step("tiny", 2)
    step()
    kinds = load_benchmark("step_profile").profile_kinds(step, 1)
    assert kinds, "the profile found no kernel events"
    assert all(np.isfinite(seconds) and seconds >= 0 for seconds in kinds.values())
    assert sum(kinds.values()) > 0
