"""`benchmarks/step_profile.py` and `benchmarks/step_vs_official.py` on the `tiny` configuration: the keras-gans
step trains, and the profile of it attributes kernel time to kinds of ops on every backend; on PyTorch the kinds
are summed by family, and on a GPU each kernel counts once."""

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


def test_families_sum_the_pytorch_ops_of_each_kind_of_layer():
    profile = load_benchmark("step_profile")
    kinds = {
        "aten::mkldnn_convolution": 3.0,
        "aten::convolution_backward": 2.0,
        "aten::mm": 1.5,
        "aten::bmm": 0.5,
        "aten::leaky_relu_backward": 0.25,
        "aten::_foreach_lerp_": 0.125,
        "aten::copy_": 0.0625,
        "aten::add": 0.03125,
        "aten::sum": 0.015625,
        "aten::something_new": 0.5,
    }
    assert profile.families(kinds) == {
        "convolution": 5.0,
        "matmul (1x1 convolutions, FIR matrices)": 2.0,
        "bias and leaky ReLU": 0.25,
        "optimizer": 0.125,
        "copies and layout": 0.0625,
        "element-wise": 0.03125,
        "reductions": 0.015625,
        "other": 0.5,
    }
    # Nothing is lost or counted twice: the families add up to the kinds.
    assert sum(profile.families(kinds).values()) == sum(kinds.values())


def test_on_a_gpu_each_kernel_counts_once_for_the_op_that_launched_it(monkeypatch):
    """The CUDA branch, with the profiler's events stood in for: a kernel appears both as a device event and in
    its launching op's self device time, and only the latter is counted."""
    torch = pytest.importorskip("torch")
    from torch.autograd import DeviceType

    class Event:
        def __init__(self, key, device_type, self_device_us):
            self.key, self.device_type, self.self_device_time_total = key, device_type, self_device_us

    events = [
        Event("aten::mm", DeviceType.CPU, 300.0),
        Event("aten::convolution_backward", DeviceType.CPU, 200.0),
        Event("aten::reshape", DeviceType.CPU, 0.0),  # launches nothing
        Event("sm90_xmma_gemm_f32f32", DeviceType.CUDA, 300.0),  # aten::mm's kernel, again
        Event("bias_act_kernel", DeviceType.CUDA, 50.0),
        Event("BiasActFunction", DeviceType.CPU, 50.0),  # a custom op's kernel, by its op
    ]

    class Profile:
        def __init__(self, activities):
            assert torch.profiler.ProfilerActivity.CUDA in activities

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def key_averages(self):
            return events

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda: None)
    monkeypatch.setattr(torch.profiler, "profile", Profile)
    steps = []
    kinds = load_benchmark("step_profile")._torch_kinds(lambda: steps.append(1), 2)
    assert steps == [1, 1]
    assert kinds == {"aten::mm": 3e-4, "aten::convolution_backward": 2e-4, "BiasActFunction": 5e-5}


def test_the_timed_steps_wait_for_the_gpu(monkeypatch):
    """The official step queues its kernels and returns: on a GPU each timed step waits for them."""
    if keras.backend.backend() != "torch":
        pytest.skip("JAX's and TensorFlow's steps wait for their logs; only PyTorch's official step needs the wait")
    import torch

    waits = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda: waits.append("sync"))
    calls = []
    load_benchmark("step_profile")._synced(lambda: calls.append("step"))()
    assert calls == ["step"] and waits == ["sync"]
