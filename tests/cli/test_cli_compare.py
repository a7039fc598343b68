"""`keras-gans compare` checks its inputs and `--output` before it loads the Inception network, and loads the
network only for sides made of images."""

import json

import numpy as np
import pytest
from PIL import Image

from keras_gans import cli
from keras_gans.cli import compare
from keras_gans.metrics.feature_statistics import InceptionStatistics


def _no_network(resize):
    raise AssertionError("the Inception network was loaded")


def _statistics(path, seed):
    stats = InceptionStatistics(max_features=16)
    stats.update(np.random.default_rng(seed).normal(size=(16, 4)))
    stats.save(path)
    return path


def _images(folder, count):
    folder.mkdir()
    for i in range(count):
        Image.fromarray(np.full((8, 8, 3), 30 * i, np.uint8)).save(folder / f"{i}.png")
    return folder


def test_saved_statistics_are_compared_without_the_network(tmp_path, monkeypatch):
    monkeypatch.setattr(compare, "_inception", _no_network)
    a, b = _statistics(tmp_path / "a.npz", 0), _statistics(tmp_path / "b.npz", 1)
    output = tmp_path / "results" / "compare.json"
    report = cli.main(
        ["compare", str(a), str(b), "--metrics", "fid,kid", "--kid-subset-size", "8", "--output", str(output)]
    )
    assert report == 0
    saved = json.loads(output.read_text())
    assert saved["num_images"] == [16, 16] and np.isfinite(saved["metrics"]["fid"]) and "kid" in saved["metrics"]


@pytest.mark.parametrize(
    "make_side, message",
    [
        (lambda tmp: _images(tmp / "empty", 0), "keras-gans compare: .*empty"),
        (lambda tmp: _images(tmp / "one", 1), "keras-gans compare: .*one holds 1 image\\(s\\); FID and KID need"),
        (lambda tmp: tmp / "missing", "keras-gans compare: .*missing does not exist"),
    ],
)
def test_unusable_sides_are_refused_before_the_network_loads(tmp_path, monkeypatch, make_side, message):
    monkeypatch.setattr(compare, "_inception", _no_network)
    side = make_side(tmp_path)
    with pytest.raises(SystemExit, match=message):
        cli.main(["compare", str(_images(tmp_path / "real", 2)), str(side)])


def test_an_output_with_a_file_in_the_way_is_refused_first(tmp_path, monkeypatch):
    monkeypatch.setattr(compare, "_inception", _no_network)
    blocker = tmp_path / "a_file"
    blocker.write_text("keep")
    a, b = _statistics(tmp_path / "a.npz", 0), _statistics(tmp_path / "b.npz", 1)
    with pytest.raises(
        SystemExit,
        match="keras-gans compare: argument --output: .*compare.json cannot be written because .*a_file is a file",
    ):
        cli.main(["compare", str(a), str(b), "--output", str(blocker / "compare.json")])
    with pytest.raises(SystemExit, match="keras-gans compare: argument --output: .* is a folder"):
        cli.main(["compare", str(a), str(b), "--output", str(tmp_path)])
    assert blocker.read_text() == "keep"


def test_missing_inception_weights_are_one_line(tmp_path, monkeypatch):
    from keras_gans.metrics import inception

    class MissingWeights:
        def __init__(self, resize):
            raise OSError("FIDInceptionV3: the weight file pt_inception.h5 is missing and cannot be downloaded.")

    monkeypatch.setattr(inception, "FIDInceptionV3", MissingWeights)
    real = _images(tmp_path / "real", 2)
    with pytest.raises(
        SystemExit, match="^keras-gans compare: the FID Inception network could not be loaded: .*missing"
    ):
        cli.main(["compare", str(real), str(_statistics(tmp_path / "b.npz", 1))])
