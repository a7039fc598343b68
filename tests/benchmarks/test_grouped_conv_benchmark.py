"""benchmarks/grouped_conv_throughput.py: every implementation runs the timed R1 computation on this backend."""

import keras
import pytest

# TensorFlow's native grouped conv has no gradient outside XLA on CPU; there the script reports it as not timed.
TIMED = ["split", "matmul"] + ([] if keras.backend.backend() == "tensorflow" else ["native"])


@pytest.mark.parametrize("implementation", TIMED)
def test_each_implementation_is_timed(grouped_conv_benchmark, implementation):
    times = grouped_conv_benchmark.measure(implementation, size=6, channels=8, groups=2, batch=2, dtype="float32",
                                          steps=1, warmup=0)
    assert sorted(times) == ["forward_ms", "r1_ms"] and all(t > 0 for t in times.values())
