"""`keras-gans train` with R3GAN: outputs, --kimg, --checkpoint-dir, --resume, image folders, argument errors.

Tiny shapes (4x4 images, 64-channel single-stage networks, 2 images per half batch) keep the compiled steps cheap.
"""

import json

import numpy as np
import pytest
from PIL import Image

import keras_gans
from keras_gans import cli
from keras_gans.cli import train
from keras_gans.cli import train_digits


def _image_folder(root, count=8, size=6):
    rng = np.random.default_rng(0)
    for i in range(count):
        folder = root / ("cats" if i % 2 else "dogs")
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    return root


def test_train_on_an_image_folder_with_kimg_checkpoint_dir_and_resume(tmp_path):
    images = _image_folder(tmp_path / "images")
    out, checkpoints = tmp_path / "run", tmp_path / "checkpoints"
    args = [
        "train",
        "--dataset",
        str(images),
        "--preset",
        "tiny32",
        "--resolution",
        "4",
        "--batch-size",
        "2",
        "--sample-every",
        "4",
        "--checkpoint-dir",
        str(checkpoints),
        "--output",
        str(out),
    ]
    assert cli.main(args + ["--kimg", "0.004"]) == 0  # 4 images = 2 steps of 2
    metrics = json.loads((out / "metrics.json").read_text())
    assert (metrics["images_seen"], metrics["steps"], metrics["dataset_images"]) == (4, 2, 8)
    assert np.isfinite(metrics["final_d_loss"]) and np.isfinite(metrics["final_g_loss"])
    assert np.asarray(Image.open(out / "samples.png")).shape == (4 * 4, 8 * 4, 3)
    assert Image.open(out / "losses.png").size[0] > 0
    assert (out / "samples-000000000.png").is_file() and (out / "samples-000000004.png").is_file()
    assert [p.name for p in sorted(checkpoints.glob("ckpt-*"))] == ["ckpt-000000000004"]
    assert json.loads((checkpoints / "run.json").read_text())["preset"] == "tiny32"
    assert not (out / "checkpoint").exists()

    with pytest.raises(SystemExit, match="already holds checkpoints; pass --resume"):
        cli.main(args + ["--kimg", "0.008"])
    with pytest.raises(SystemExit, match="other model arguments \\(--model: checkpoint 'r3gan', now 'progan'"):
        cli.main(args + ["--kimg", "0.008", "--resume", "--model", "progan"])
    # Another batch size or seed would show the resumed run other batches than the uninterrupted run's.
    with pytest.raises(SystemExit, match="other data-order arguments \\(--batch-size: checkpoint 2, now 4\\)"):
        cli.main(args + ["--kimg", "0.008", "--resume", "--batch-size", "4"])
    with pytest.raises(SystemExit, match="other data-order arguments \\(--seed: checkpoint 0, now 1\\)"):
        cli.main(args + ["--kimg", "0.008", "--resume", "--seed", "1"])
    assert json.loads((checkpoints / "run.json").read_text())["batch_size"] == 2
    # --resume rebuilds the model from the checkpoint directory and trains 2 more steps (4 in all), with the
    # run's batch size when none is given.
    without_batch_size = args[: args.index("--batch-size")] + args[args.index("--batch-size") + 2 :]
    assert cli.main(without_batch_size + ["--kimg", "0.008", "--resume"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert (metrics["images_seen"], metrics["steps"], metrics["steps_this_run"]) == (8, 4, 2)
    assert [p.name for p in sorted(checkpoints.glob("ckpt-*"))] == ["ckpt-000000000004", "ckpt-000000000008"]


def test_training_batches_continue_where_a_run_stopped():
    images = np.arange(10 * 4 * 4 * 1, dtype=np.uint8).reshape(10, 4, 4, 1)
    data = keras_gans.datasets.ArrayBatches(images, np.arange(10), batch_size=4, seed=3)
    stream = train.training_batches(data)
    uninterrupted = [next(stream) for _ in range(7)]  # 2 batches per epoch: crosses three epoch boundaries
    assert uninterrupted[0][0].shape == (4, 4, 4, 3)  # grey repeated to RGB
    assert len({tuple(batch[1]) for batch in uninterrupted}) == 7  # every epoch has a new order
    resumed = train.training_batches(keras_gans.datasets.ArrayBatches(images, np.arange(10), batch_size=4, seed=3), 5)
    for expected in uninterrupted[5:]:
        got = next(resumed)
        np.testing.assert_array_equal(got[0], expected[0])
        np.testing.assert_array_equal(got[1], expected[1])


def _parsed(*argv):
    args = cli.build_parser().parse_args(["train", *argv])
    return args, train._resolve_arguments(args)


class _Recorder:
    """Stands in for a model class: records `from_preset` and `compile` arguments (building presets is slow)."""

    def __init__(self):
        self.calls = []

    def from_preset(self, name, **kwargs):
        self.calls.append(("from_preset", name, kwargs))
        return self

    def compile(self, **kwargs):
        self.calls.append(("compile", kwargs))


def test_presets_are_built_with_from_preset_and_the_paper_recipe_with_compile_defaults(monkeypatch):
    recorder = _Recorder()
    monkeypatch.setattr(keras_gans, "R3GAN", recorder)
    args, run = _parsed("--preset", "fixture_conditional", "--paper-recipe")
    assert run["resolution"] == 16
    train._compile(train._build_model(run, args, num_classes=0, total_images=64), run, args)
    # Unconditional data: no classes and no class embedding; the recipe's schedules are compile()'s defaults.
    unconditional = {"load_weights": False, "seed": 0, "num_classes": 0, "embedding_dim": None}
    assert recorder.calls == [("from_preset", "fixture_conditional", unconditional), ("compile", {})]

    recorder.calls.clear()
    args, run = _parsed("--preset", "cifar10", "--conditional", "--gamma", "0.1", "--seed", "2")
    train._compile(train._build_model(run, args, num_classes=10, total_images=64), run, args)
    assert recorder.calls == [
        (
            "from_preset",
            "cifar10",
            {"load_weights": False, "seed": 2, "num_classes": 10, "recipe": None, "augment": False},
        ),
        ("compile", {"gamma": 0.1, "learning_rate": 2e-4, "beta_2": 0.99, "ema_half_life_images": 2000.0}),
    ]

    progan = _Recorder()
    monkeypatch.setattr(keras_gans.models.progan.ProGAN, "from_preset", progan.from_preset)
    args, run = _parsed("--model", "progan", "--preset", "cifar10_32", "--lod-training-kimg", "2")
    train._build_model(run, args, num_classes=0, total_images=64)
    ((_, name, kwargs),) = progan.calls
    schedule = kwargs.pop("schedule")
    assert (name, kwargs) == ("cifar10_32", {"load_weights": False, "num_classes": 0})
    assert (schedule.lod_training_kimg, schedule.lod_transition_kimg, schedule.resolution) == (2.0, 400.0, 32)


def test_the_digits_default_is_the_quickstart_configuration(monkeypatch):
    # The MNIST digits train by default with the measured configuration of examples/quickstart.py.
    args, run = _parsed("--dataset", "embedded")
    assert (run["preset"], run["resolution"], run["channels"]) == ("digits", 16, 1)
    assert (args.batch_size, train._target_steps(args)) == (8, 6000) == (train_digits.DIGITS["batch_size"], 6000)
    model = train._build_model(run, args, num_classes=0, total_images=64)
    assert list(model.generator.widths) == [32, 32, 32] and list(model.generator.cardinalities) == [2, 2, 2]
    assert model.generator.image_channels == 1 and model.generator.latent_dim == 64
    recorder = _Recorder()
    train._compile(recorder, run, args)
    assert recorder.calls == [
        ("compile", {"beta_2": 0.99, "gamma": 1.0, "learning_rate": 1e-3, "ema_half_life_images": 2000.0})
    ]
    # Options override it; other datasets and ProGAN keep tiny32; mnist (downloaded) is digits too.
    args, run = _parsed("--dataset", "mnist", "--resolution", "8", "--batch-size", "4", "--kimg", "1", "--gamma", "2")
    assert (run["preset"], run["resolution"], args.batch_size, train._target_steps(args)) == ("digits", 8, 4, 250)
    recorder.calls.clear()
    train._compile(recorder, run, args)
    assert recorder.calls[0][1]["gamma"] == 2.0 and recorder.calls[0][1]["learning_rate"] == 1e-3
    assert _parsed("--dataset", "stacked_mnist")[1]["preset"] == "tiny32"
    assert _parsed("--model", "progan", "--dataset", "embedded")[1]["preset"] == "tiny32"
    assert _parsed("--dataset", "embedded", "--preset", "tiny32")[1]["channels"] == 3


def test_a_digits_run_trains_a_grayscale_model_on_grayscale_digits(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--resolution", "4", "--batch-size", "2", "--steps", "2", "--output", str(out)]
    assert cli.main(argv) == 0
    config = json.loads((out / "checkpoint" / train.MODEL_CONFIG_FILE).read_text())
    assert config["config"]["generator"]["config"]["image_channels"] == 1
    assert json.loads((out / "checkpoint" / train.RUN_FILE).read_text())["preset"] == "digits"
    assert Image.open(out / "samples.png").mode == "L"
    assert cli.main(["generate", "--checkpoint", str(out), "--seeds", "0", "--output", str(tmp_path / "g.png")]) == 0
    assert np.asarray(Image.open(tmp_path / "g.png")).shape == (4, 4)
    # The classifier's reading of 1,000 samples (latents of seed 1) and of 1,000 real digits at 4x4.
    from keras_gans.cli.generate import load_gan
    from keras_gans.metrics.mnist_classifier import digit_quality

    report = json.loads((out / "metrics.json").read_text())["digit_quality"]
    samples = load_gan(checkpoint=str(out)).generate(train_digits.DIGIT_QUALITY_IMAGES, seed=1)
    assert report["generated"] == pytest.approx(digit_quality(samples))
    real, _ = keras_gans.datasets.load_embedded_digits(4, as_rgb=False, pad_or_resize="resize")
    assert report["real_digits"] == pytest.approx(digit_quality(real[:1000]))
    assert "Digits: the shipped MNIST classifier reads" in capsys.readouterr().out


def test_train_rejects_bad_arguments(tmp_path):
    out = str(tmp_path / "out")
    cases = [
        (["--resolution", "12"], "resolution must be 4 \\* 2\\^k"),
        (["--architecture", "nope"], "unknown --preset 'nope' for --model r3gan. Known: tiny32, tiny, digits, bench32"),
        (["--model", "progan", "--preset", "cifar10"], "unknown --preset 'cifar10' for --model progan"),
        (["--paper-recipe"], "--paper-recipe needs an R3GAN preset"),
        (["--model", "progan", "--gamma", "1"], "--gamma is an R3GAN option"),
        (["--lod-training-kimg", "1"], "ProGAN options"),
        (["--preset", "cifar10", "--resolution", "64"], "'cifar10' is 32x32; got --resolution 64"),
        (["--batch-size", "0"], "--batch-size must be >= 1"),
        (["--dataset", str(tmp_path / "missing.npz"), "--resolution", "4"], "no such .npz file"),
        (["--dataset", "not-a-dataset", "--resolution", "4"], "unknown dataset spec 'not-a-dataset'"),
        (["--resume", "--overwrite"], "give --resume or --overwrite, not both"),
        (["--preset", "digits", "--dataset", "stacked_mnist"], "grayscale model of the MNIST digits: --dataset"),
        (["--model", "progan", "--preset", "digits"], "--preset digits is an R3GAN configuration"),
    ]
    for extra, message in cases:
        with pytest.raises(SystemExit, match=message):
            cli.main(["train", "--output", out, *extra])
    with pytest.raises(SystemExit) as info:  # argparse: --steps and --kimg exclude each other
        cli.main(["train", "--steps", "1", "--kimg", "1", "--output", out])
    assert info.value.code == 2
