"""`benchmarks/generate_throughput.py` on a tiny architecture: one row per batch size with positive timings."""

from conftest import load_benchmark


def test_generate_throughput_reports_every_batch_size():
    benchmark = load_benchmark("generate_throughput")
    report = benchmark.keras_gans_throughput("fixture_unconditional", [1, 3], repeats=1, fresh_weights=True)
    assert set(report["batches"]) == {"1", "3"}
    for row in report["batches"].values():
        assert row["time_to_first_image_s"] > 0 and row["images_per_s"] > 0
    assert report["from_preset_s"] > 0
