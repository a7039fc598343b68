"""`benchmarks/step_flops.py`: the analytic forward count against a closed form, the analytic step count against
XLA's cost analysis of the compiled step (JAX), and the MFU arithmetic."""

import keras
import numpy as np
import pytest
from conftest import load_benchmark
from gan_testing import TinyGenerator

from keras_gans.models.r3gan import R3GAN


@pytest.fixture(scope="module")
def step_flops():
    return load_benchmark("step_flops")


def test_forward_flops_of_dense_and_convolutions_follow_the_closed_form(step_flops):
    network = TinyGenerator(latent_dim=8, image_shape=(8, 8, 3), width=8)
    network.build((None, 8))
    batch = 3
    # Dense 8 -> 4*4*8, then at 8x8: Conv2D 3x3 8 -> 8 and Conv2D 3x3 8 -> 3; 2 FLOPs per multiply-add.
    expected = 2 * batch * (8 * 128 + 64 * 9 * 8 * 8 + 64 * 9 * 8 * 3)
    assert step_flops.forward_flops(network, (batch, 8)) == expected


def test_mfu_uses_the_device_peak_table(step_flops):
    assert step_flops.peak_tflops("NVIDIA H100 80GB HBM3", "bfloat16") == 989.4
    assert step_flops.peak_tflops("cpu", "float32") is None
    assert step_flops.utilisation(2e12, 0.5, 8.0) == pytest.approx(0.5)
    assert step_flops.utilisation(2e12, 0.5, None) is None


H100 = "NVIDIA H100 80GB HBM3"  # the model name NVIDIA's driver reports for an H100 SXM


def _pretend_the_first_device_is_an_h100(monkeypatch):
    """Answers each backend's device query as its API does on a machine with one H100."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        class FakeDevice:
            device_kind = H100

            def __str__(self):
                return "cuda:0"  # what str(jax.devices()[0]) is on a GPU: no model name

        monkeypatch.setattr(jax, "devices", lambda *args: [FakeDevice()])
    elif backend == "tensorflow":
        import tensorflow as tf

        gpu = tf.config.PhysicalDevice(name="/physical_device:GPU:0", device_type="GPU")
        monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: [gpu] if kind == "GPU" else [])
        details = {"device_name": H100, "compute_capability": (9, 0)}
        monkeypatch.setattr(tf.config.experimental, "get_device_details", lambda device: details)
    else:
        import torch

        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=None: H100)


def test_the_benchmarks_device_name_finds_the_peak_of_an_h100(monkeypatch, step_flops):
    # train_throughput.py reports MFU against step_flops.peak_tflops(device_name(), ...), which matches a model
    # name ("H100"); JAX's str(device) ("cuda:0") and TensorFlow's physical device name carry none.
    from keras_gans.backend import device_name

    train_throughput = load_benchmark("train_throughput")
    assert train_throughput.device_name is device_name
    _pretend_the_first_device_is_an_h100(monkeypatch)
    assert device_name() == H100
    assert step_flops.peak_tflops(device_name(), "bfloat16") == 989.4


def test_analytic_step_count_matches_the_compiled_step_on_jax(step_flops):
    model = R3GAN.from_preset("fixture_unconditional", load_weights=False, augment=False, bfloat16_stages=(), seed=0)
    model.compile()
    batch = 2
    analytic = step_flops.analytic_step_flops(model, batch)
    assert analytic["step"] == 4 * analytic["generator_forward"] + 15 * analytic["discriminator_forward"]
    if keras.backend.backend() != "jax":
        # XLA's cost analysis of the whole step is read on JAX only; the multipliers are backend-independent.
        assert step_flops.compiled_step_flops(model, None) is None
        return
    data = np.zeros((2 * batch,) + model.image_shape, "uint8")
    model.train_on_batch(data)
    compiled = step_flops.compiled_step_flops(model, data)
    # XLA also counts elementwise work (activations, resampling, the optimizer) that the analytic count leaves
    # out; the multiplier model must agree within 10%.
    assert 0.9 < analytic["step"] / compiled < 1.1, (analytic, compiled)
