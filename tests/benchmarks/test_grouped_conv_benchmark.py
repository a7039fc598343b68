"""benchmarks/grouped_conv_throughput.py: every implementation runs the timed R1 computation on this backend."""

import json

import keras
import pytest

# TensorFlow's native grouped conv has no gradient outside XLA on CPU; there the script reports it as not timed.
TIMED = ["split", "matmul"] + ([] if keras.backend.backend() == "tensorflow" else ["native"])


@pytest.mark.parametrize("implementation", TIMED)
def test_each_implementation_is_timed(grouped_conv_benchmark, implementation):
    times = grouped_conv_benchmark.measure(
        implementation, size=6, channels=8, groups=2, batch=2, dtype="float32", steps=1, warmup=0
    )
    assert sorted(times) == ["forward_ms", "r1_ms"] and all(t > 0 for t in times.values())


def test_torch_builtin_option_swaps_the_native_convolution_only_on_pytorch(grouped_conv_benchmark, capsys, monkeypatch):
    """`--torch-builtin` times `native` through PyTorch's own convolution backward on PyTorch (reported as
    `native_torch_builtin`, with the package's convolution restored afterwards) and is ignored elsewhere."""
    from keras_gans.backend import convolution

    monkeypatch.setattr(
        "sys.argv",
        [
            "grouped_conv_throughput.py",
            "--shape",
            "bench32",
            "--batch",
            "1",
            "--steps",
            "1",
            "--warmup",
            "0",
            "--implementations",
            "split,native",
            "--torch-builtin",
        ],
    )
    before = getattr(convolution, "convolution_nchw", None)
    grouped_conv_benchmark.main()
    results = json.loads(capsys.readouterr().out)["results"]
    backend = keras.backend.backend()
    assert sorted(results) == sorted(["split", "native_torch_builtin" if backend == "torch" else "native"])
    assert all(t > 0 for name, r in results.items() for t in r.values() if backend != "tensorflow" or name == "split")
    assert getattr(convolution, "convolution_nchw", None) is before  # restored
