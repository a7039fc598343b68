"""benchmarks/stacked_mnist.py: argument handling, the report, and one --smoke run end to end on this backend."""

import json
import math

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gans.models.r3gan import preset_recipe
from keras_gans.utils import preset_utils


def test_steps_follow_kimg_and_whole_executions(stacked_mnist_benchmark):
    parse = stacked_mnist_benchmark.parse_args
    torch = keras.backend.backend() == "torch"  # the PyTorch trainer runs one step per call
    args = parse(["--kimg", "100", "--batch-size", "256", "--steps-per-execution", "8"])
    # ceil(100_000 / 256) = 391 steps, rounded up to whole calls of 8 steps.
    assert args.steps == (391 if torch else 392) and args.steps_per_execution == (1 if torch else 8)
    assert args.configs == ["rpgan_r1_r2", "gan_r1_r2", "gan_r1"]
    default = parse([])
    recipe = preset_recipe("stacked_mnist_small")
    assert default.batch_size == recipe["batch_size"] == 256
    spe = default.steps_per_execution
    assert spe == (1 if torch else 8)
    assert default.steps == math.ceil(math.ceil(recipe["decay_nimg"] / 256) / spe) * spe
    assert default.gamma == recipe["gamma_base"] and default.jit == "auto"
    explicit = parse(["--steps", "10", "--steps-per-execution", "4", "--configs", "gan_r1"])
    assert explicit.steps == (10 if torch else 12) and explicit.configs == ["gan_r1"]
    smoke = parse(["--smoke"])
    smoke_jit = "false" if keras.backend.backend() == "tensorflow" else "auto"
    assert (smoke.steps, smoke.batch_size, smoke.num_samples, smoke.jit) == (2, 4, 64, smoke_jit)
    assert smoke.steps_per_execution == (1 if torch else 2)  # the smoke run's 2 steps are one compiled call
    with pytest.raises(SystemExit):
        parse(["--configs", "wgan"])
    with pytest.raises(SystemExit):
        parse(["--batch-size", "0"])


def test_training_command_reproduces_the_run_without_paths(stacked_mnist_benchmark, packaging_tool):
    bench = stacked_mnist_benchmark
    args = bench.parse_args(
        ["--kimg", "50", "--batch-size", "64", "--gamma", "0.5", "--seed", "3", "--output", "/some/where/runs"]
    )
    command = bench.training_command(args, "gan_r1")
    assert command.startswith(f"KERAS_BACKEND={keras.backend.backend()} python benchmarks/stacked_mnist.py ")
    assert packaging_tool.absolute_paths(command) == [] and command.endswith("--output runs")
    again = bench.parse_args(command.split()[3:])
    assert (again.configs, again.steps, again.batch_size, again.gamma, again.seed, again.num_samples) == (
        ["gan_r1"],
        args.steps,
        64,
        0.5,
        3,
        26_000,
    )
    assert bench._public_argv(["--output", "/a/b/c", "--output=/d/e", "--smoke"]) == [
        "--output",
        "c",
        "--output=e",
        "--smoke",
    ]


def test_markdown_table_lists_every_objective_and_the_real_data(stacked_mnist_benchmark):
    run = {
        "objective": "GAN + R1",
        "modes": 412,
        "kl": 1.23456,
        "images_seen": 1_000_000,
        "train_seconds": 180.4,
        "images_per_second": 5543.2,
    }
    report = {
        "steps": 3907,
        "batch_size": 256,
        "kimg": 1000.192,
        "num_samples": 26_000,
        "backend": "jax",
        "device": "H100",
        "command": "python benchmarks/stacked_mnist.py",
        "configs": {"gan_r1": run},
        "real_data": {"modes": 1000, "kl": 0.0262},
    }
    table = stacked_mnist_benchmark.markdown_table(report)
    assert "| GAN + R1 | 412 | 1.2346 | 1,000,000 | 180 | 5,543 |" in table
    assert "| real data (test digits) | 1000 | 0.0262 |" in table
    assert "`python benchmarks/stacked_mnist.py`" in table and "26,000 samples" in table


def test_merge_reports_joins_objectives_run_separately(stacked_mnist_benchmark, tmp_path):
    def report(config, command, steps=100):
        return {
            "steps": steps,
            "batch_size": 256,
            "gamma": 1.0,
            "seed": 0,
            "num_samples": 26_000,
            "backend": "jax",
            "device": "H100",
            "smoke": False,
            "command": command,
            "configs": {config: {"modes": 1}},
        }

    merged = stacked_mnist_benchmark.merge_reports([report("gan_r1", "b"), report("rpgan_r1_r2", "a")])
    assert list(merged["configs"]) == ["rpgan_r1_r2", "gan_r1"] and merged["command"] == "b ; a"
    with pytest.raises(ValueError, match="differ in {'steps'"):
        stacked_mnist_benchmark.merge_reports([report("gan_r1", "b"), report("gan_r1_r2", "c", steps=50)])
    paths = []
    for i, config in enumerate(("gan_r1_r2", "rpgan_r1_r2")):
        paths.append(tmp_path / f"{i}.json")
        paths[-1].write_text(json.dumps(report(config, "x")))
    assert list(stacked_mnist_benchmark.main(["--merge"] + [str(p) for p in paths])["configs"]) == [
        "rpgan_r1_r2",
        "gan_r1_r2",
    ]


def test_smoke_run_report(stacked_mnist_smoke_run, stacked_mnist_benchmark):
    report, output = stacked_mnist_smoke_run
    assert report["backend"] == keras.backend.backend() and report["smoke"] is True
    assert list(report["configs"]) == ["rpgan_r1_r2"]
    run = report["configs"]["rpgan_r1_r2"]
    # RpGAN: each fit batch holds the D half and the G phase's real half; images_seen counts the D half.
    assert run["fit_batch_size"] == 2 * run["batch_size"] == 8
    assert run["images_seen"] == run["steps"] * run["batch_size"] == 8
    assert run["diverged"] is None and run["images_per_second"] > 0
    assert run["backend"] == report["backend"] and isinstance(run["device"], str)
    for scores in (run, report["real_data"]):
        assert scores["num_samples"] == 64 and 1 <= scores["modes"] <= 64
        # KL(q || u) = log(1000) - H(q) and H(q) <= log(modes): closed-form bounds.
        assert math.log(1000 / scores["modes"]) - 1e-4 <= scores["kl"] <= math.log(1000) + 1e-4
    assert json.loads((output / "results.json").read_text()) == json.loads(json.dumps(report, default=str))
    assert "| RpGAN + R1 + R2 |" in (output / "results.md").read_text()
    grid = np.asarray(Image.open(output / "rpgan_r1_r2" / "samples.png"))
    assert grid.shape == (4 * 32, 4 * 32, 3)


def test_smoke_run_preset_metadata_and_recipe(stacked_mnist_smoke_run, stacked_mnist_benchmark, packaging_tool):
    report, output = stacked_mnist_smoke_run
    run = report["configs"]["rpgan_r1_r2"]
    preset_dir = output / "rpgan_r1_r2" / "preset"
    metadata = preset_utils.load_preset_metadata(preset_dir)
    for key in packaging_tool.REQUIRED_METADATA:
        value = metadata
        for part in key.split("."):
            value = value[part]
        assert value is not None, key
    assert metadata["smoke"] is True and metadata["objective"] == "RpGAN + R1 + R2"
    assert metadata["images_seen"] == run["images_seen"]
    assert {k: metadata["metrics"][k] for k in ("modes", "kl", "num_samples")} == {
        k: run[k] for k in ("modes", "kl", "num_samples")
    }
    assert "--configs rpgan_r1_r2 --steps 2 --batch-size 4" in metadata["training_command"]
    assert packaging_tool.absolute_paths(metadata) == []
    config = preset_utils.load_preset_config(preset_dir)["config"]
    recipe, base = config["recipe"], preset_recipe("stacked_mnist_small")
    run_images = run["steps"] * run["batch_size"]
    # The preset's schedules are stretched over the run: decay = run length, EMA half-life scaled with it.
    assert recipe["decay_nimg"] == run_images
    assert recipe["ema_half_life_nimg_final"] == pytest.approx(
        base["ema_half_life_nimg_final"] * run_images / base["decay_nimg"]
    )
    assert recipe["gamma_final"] / recipe["gamma_base"] == pytest.approx(base["gamma_final"] / base["gamma_base"])
    assert config["augment_pipeline"] is None
    assert config["generator"]["config"]["widths"] == stacked_mnist_benchmark.SMOKE_NETWORKS["widths"]
