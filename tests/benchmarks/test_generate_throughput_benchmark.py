"""`benchmarks/generate_throughput.py` on a tiny architecture: one row per batch size with positive timings."""

from conftest import load_benchmark


def test_generate_throughput_reports_every_batch_size():
    benchmark = load_benchmark("generate_throughput")
    load_s, run = benchmark.keras_gans_generate("fixture_unconditional", fresh_weights=True)
    assert load_s > 0 and run(3, 0).shape[0] == 3
    report = benchmark.throughput({"keras_gans": run}, [1, 3], repeats=2)
    assert set(report["keras_gans"]) == {"1", "3"}
    for row in report["keras_gans"].values():
        assert row["time_to_first_image_s"] > 0 and row["images_per_s"] > 0 and len(row["images_per_s_runs"]) == 2


def test_images_per_s_is_timed_after_an_untimed_second_call():
    # TensorFlow traces the generator on its second call: that call must not be one of the timed repeats.
    benchmark = load_benchmark("generate_throughput")
    calls = []
    report = benchmark.throughput({"stub": lambda batch, seed: calls.append((batch, seed))}, [2], repeats=3)
    assert calls == [(2, 0), (2, 0), (2, 1), (2, 2), (2, 3)]
    assert len(report["stub"]["2"]["images_per_s_runs"]) == 3
