"""`keras_gans.metrics.fid` / `kid` on two image sets and `keras-gans compare`: the same numbers as the streaming
`FrechetInceptionDistance` / `KernelInceptionDistance` fed the same images, for arrays, float images, folders of
PNGs, precomputed features and saved statistics; on features, the NumPy formula (mean and `np.cov`).

The stand-in feature extractor of test_fid.py (a fixed random projection of the pixels) replaces Inception, so no
weights are needed.
"""

import json

import numpy as np
import pytest
from PIL import Image
from test_fid import ProjectionFeatures

from keras_gans import cli
from keras_gans.metrics import FrechetInceptionDistance
from keras_gans.metrics import KernelInceptionDistance
from keras_gans.metrics import fid
from keras_gans.metrics import frechet_distance
from keras_gans.metrics import image_set_statistics
from keras_gans.metrics import kid


def _images(seed, n):
    return np.random.default_rng(seed).integers(0, 256, (n, 8, 8, 3), dtype=np.uint8)


REAL, FAKE = _images(0, 11), _images(1, 9)
KID_OPTIONS = {"num_subsets": 7, "subset_size": 6, "seed": 3}


def _streamed(extractor):
    fid_metric = FrechetInceptionDistance(inception=extractor, batch_size=4)
    kid_metric = KernelInceptionDistance(inception=extractor, batch_size=4, **KID_OPTIONS)
    for metric in (fid_metric, kid_metric):
        metric.update_state(REAL[:6], real=True)
        metric.update_state(REAL[6:], real=True)
        metric.update_state(FAKE)
    return fid_metric.result(), kid_metric.result()


def _write_folder(folder, images):
    folder.mkdir()
    for index, image in enumerate(images):
        Image.fromarray(image).save(folder / f"{index:03d}.png")
    return folder


def test_arrays_floats_and_folders_match_the_streaming_metrics(tmp_path):
    extractor = ProjectionFeatures()
    streamed_fid, streamed_kid = _streamed(extractor)
    assert streamed_fid > 0
    assert fid(REAL, FAKE, inception=extractor) == pytest.approx(streamed_fid, rel=1e-12)
    assert kid(REAL, FAKE, inception=extractor, **KID_OPTIONS) == pytest.approx(streamed_kid, rel=1e-12)
    # Float images in [-1, 1] that quantize back to the same pixels give the same numbers.
    as_float = (REAL.astype("float32") - 127.5) / 127.5
    assert fid(as_float, FAKE, inception=extractor) == pytest.approx(streamed_fid, rel=1e-12)
    # PNG folders (lossless, read at their own 8x8 size), in batches of 4 and in one list of batches.
    real_dir, fake_dir = _write_folder(tmp_path / "real", REAL), _write_folder(tmp_path / "fake", FAKE)
    assert fid(real_dir, str(fake_dir), inception=extractor, batch_size=4) == pytest.approx(streamed_fid, rel=1e-12)
    batches = [REAL[:5], (REAL[5:], np.zeros(6))]
    assert kid(batches, fake_dir, inception=extractor, **KID_OPTIONS) == pytest.approx(streamed_kid, rel=1e-12)


def test_features_and_saved_statistics(tmp_path):
    """Precomputed features need no network: FID equals the NumPy formula; saved statistics load from .npz."""
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(40, 5)), rng.normal(1.0, 2.0, size=(30, 5))
    expected = frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))
    assert fid(a, b) == pytest.approx(expected, rel=1e-10)
    saved = image_set_statistics(a, max_features=40)
    saved.save(tmp_path / "a.npz")
    assert fid(tmp_path / "a.npz", b) == pytest.approx(expected, rel=1e-10)
    assert kid(saved, b, num_subsets=5, subset_size=20) == pytest.approx(
        kid(a, b, num_subsets=5, subset_size=20), rel=1e-12
    )


def test_input_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing does not exist"):
        fid(tmp_path / "missing", REAL)
    with pytest.raises(ValueError, match=r"images \(N, H, W, C\) or features \(N, D\)"):
        fid(np.zeros((4, 8, 8)), REAL)
    with pytest.raises(ValueError, match=r"must be in \[-1, 1\]"):
        fid(REAL.astype("float32"), REAL, inception=ProjectionFeatures())
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no image files"):
        fid(tmp_path / "empty", REAL, inception=ProjectionFeatures())


def test_compare_command(tmp_path, monkeypatch, capsys):
    extractor = ProjectionFeatures()
    monkeypatch.setattr("keras_gans.cli.compare._inception", lambda resize: extractor)
    real_dir, fake_dir = _write_folder(tmp_path / "real", REAL), _write_folder(tmp_path / "fake", FAKE)
    output = tmp_path / "compare.json"
    assert (
        cli.main(
            [
                "compare",
                str(real_dir),
                str(fake_dir),
                "--metrics",
                "fid,kid",
                "--kid-subsets",
                "7",
                "--kid-subset-size",
                "6",
                "--seed",
                "3",
                "--output",
                str(output),
            ]
        )
        == 0
    )
    streamed_fid, streamed_kid = _streamed(extractor)
    report = json.loads(output.read_text())
    assert report["num_images"] == [11, 9]
    assert report["metrics"]["fid"] == pytest.approx(streamed_fid, rel=1e-12)
    assert report["metrics"]["kid"] == pytest.approx(streamed_kid["kid"], rel=1e-12)
    assert "fid" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="unknown --metrics"):
        cli.main(["compare", str(real_dir), str(fake_dir), "--metrics", "swd"])
    with pytest.raises(SystemExit, match="nowhere does not exist"):
        cli.main(["compare", str(real_dir), str(tmp_path / "nowhere")])
