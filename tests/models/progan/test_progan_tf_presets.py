"""The registered official ProGAN releases: Google Drive download through a mocked network layer (including the
large-file confirmation page), first-use pinning of size and SHA-256, conversion cache, manual placement, offline
errors; and the reference-image check (`check-official-progan`) and `keras-gans convert` on an official pickle.

The served file is the official-network fixture `tests/fixtures/progan_tf_official/progan_tiny32_uncond.pkl`
(registered here under the CelebA-HQ name with its resolution); tests never download.
"""

import io
import json
import pathlib
import shutil

import numpy as np
import pytest
from progan_network_checks import to_numpy

from keras_gans import cli
from keras_gans.converters import progan_official_releases as progan_tf_presets
from keras_gans.converters.progan_official_reference import compare_with_reference_images
from keras_gans.converters.progan_official_reference import import_example_latents
from keras_gans.models.progan import PROGAN_TF_CHECKPOINTS
from keras_gans.models.progan import ProGAN
from keras_gans.models.progan import convert_progan_tf_pickle
from keras_gans.utils.preset_utils import PresetDownloadError

FIXTURE = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "progan_tf_official"
PKL = FIXTURE / "progan_tiny32_uncond.pkl"
NAME = "celebahq_1024_official"
DRIVE_ID = PROGAN_TF_CHECKPOINTS[NAME]["drive_id"]
# Google Drive's page for files too large to scan (the form of the current page).
CONFIRM_PAGE = (
    '<html><body>Google Drive can\'t scan this file for viruses.<form id="download-form" '
    'action="https://drive.usercontent.google.com/download" method="get">'
    f'<input type="hidden" name="id" value="{DRIVE_ID}"><input type="hidden" name="export" value="download">'
    '<input type="hidden" name="confirm" value="t"><input type="hidden" name="uuid" value="abc-123">'
    "</form></body></html>"
)


class Response(io.BytesIO):
    def __init__(self, payload, content_type):
        super().__init__(payload)
        self.headers = {"Content-Type": content_type}


@pytest.fixture
def served(monkeypatch, tmp_path):
    """The fixture pickle behind a fake Google Drive (first the confirmation page); returns the requested URLs."""
    monkeypatch.setenv("KERAS_GANS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setitem(PROGAN_TF_CHECKPOINTS, NAME, {**PROGAN_TF_CHECKPOINTS[NAME], "resolution": 32})
    urls = []

    def fake_open(url):
        urls.append(url)
        if "confirm=" not in url:
            return Response(CONFIRM_PAGE.encode(), "text/html; charset=utf-8")
        return Response(PKL.read_bytes(), "application/octet-stream")

    monkeypatch.setattr(progan_tf_presets, "open_url", fake_open)
    return urls


def test_registry_lists_the_official_releases():
    assert PROGAN_TF_CHECKPOINTS[NAME]["file"] == "karras2018iclr-celebahq-1024x1024.pkl"
    lsun = [n for n in PROGAN_TF_CHECKPOINTS if n.startswith("lsun_")]
    assert len(lsun) == 30 and "lsun_bedroom_256_official" in lsun
    assert PROGAN_TF_CHECKPOINTS["lsun_bedroom_256_official"]["file"] == "karras2018iclr-lsun-bedroom-256x256.pkl"


def test_download_confirm_page_pin_convert_once_and_cache(served):
    gan = ProGAN.from_preset(NAME)
    assert served == [
        f"https://drive.google.com/uc?export=download&id={DRIVE_ID}",
        f"https://drive.usercontent.google.com/download?id={DRIVE_ID}&export=download&confirm=t&uuid=abc-123",
    ]
    path = progan_tf_presets.checkpoint_path(NAME)
    pin = json.loads(path.with_name(path.name + ".sha256.json").read_text())
    assert pin["size"] == PKL.stat().st_size and len(pin["sha256"]) == 64
    reference = convert_progan_tf_pickle(PKL)
    z = np.random.default_rng(0).standard_normal((4, reference.latent_dim)).astype("float32")
    np.testing.assert_array_equal(gan.generate(z, output="float"), reference.generate(z, output="float"))
    assert gan.recipe["gp_weight"] == 10.0 and gan.growth_schedule.lr_rampup_kimg == 40  # theano_celebahq
    # Converted once: the next load reads the preset directory without any network access.
    served.clear()
    again = ProGAN.from_preset(NAME)
    assert served == []
    np.testing.assert_array_equal(to_numpy(again.ema_generator.lod), to_numpy(gan.ema_generator.lod))


def test_pinned_hash_offline_and_manual_placement_errors(served, monkeypatch):
    progan_tf_presets.fetch_progan_tf_checkpoint(NAME)
    path = progan_tf_presets.checkpoint_path(NAME)
    data = bytearray(path.read_bytes())
    data[-100] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="sha256 is .* recorded at its first use.*delete it"):
        progan_tf_presets.fetch_progan_tf_checkpoint(NAME)
    # A registered checksum is checked from the first use on; a bad download is removed.
    path.unlink()
    path.with_name(path.name + ".sha256.json").unlink()
    monkeypatch.setitem(PROGAN_TF_CHECKPOINTS, NAME, {**PROGAN_TF_CHECKPOINTS[NAME], "size": 12})
    with pytest.raises(ValueError, match="size is .* but 12 was registered"):
        progan_tf_presets.fetch_progan_tf_checkpoint(NAME)
    assert not path.exists()

    def offline(url):
        raise OSError("network is unreachable")

    monkeypatch.setattr(progan_tf_presets, "open_url", offline)
    with pytest.raises(PresetDownloadError) as info:
        ProGAN.from_preset(NAME)
    message = str(info.value)
    assert "karras2018iclr-celebahq-1024x1024.pkl" in message and str(path) in message
    assert progan_tf_presets.OFFICIAL_FOLDER_URL in message and "network is unreachable" in message

    # LSUN files have no direct link: the error says where to put a manually downloaded file, which is then used.
    lsun = "lsun_cat_256_official"
    monkeypatch.setitem(PROGAN_TF_CHECKPOINTS, lsun, {**PROGAN_TF_CHECKPOINTS[lsun], "resolution": 32})
    manual = progan_tf_presets.checkpoint_path(lsun)
    with pytest.raises(PresetDownloadError, match=f"karras2018iclr-lsun-cat-256x256.pkl .*put it at {manual}"):
        ProGAN.from_preset(lsun)
    manual.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PKL, manual)
    assert ProGAN.from_preset(lsun).image_shape == (32, 32, 3)

    # A Drive answer that is a page without a download form is an error, not a saved web page.
    monkeypatch.setattr(progan_tf_presets, "open_url", lambda url: Response(b"<html>quota</html>", "text/html"))
    with pytest.raises(OSError, match="web page instead of the file"):
        progan_tf_presets.download_from_drive("xyz", path)
    assert not path.exists()


def test_wrong_resolution_is_refused(served, monkeypatch):
    monkeypatch.setitem(PROGAN_TF_CHECKPOINTS, NAME, {**PROGAN_TF_CHECKPOINTS[NAME], "resolution": 1024})
    with pytest.raises(ValueError, match="a 32x32 network, but celebahq_1024_official is 1024"):
        ProGAN.from_preset(NAME)


def test_reference_image_check_and_its_command(tmp_path, capsys, monkeypatch):
    """The official fixture's Gs outputs at lod 0 as reference PNGs (converted like `import_example.py`)."""
    from PIL import Image

    with np.load(FIXTURE / "progan_tiny32_uncond_io.npz") as data:
        latents, official = data["latents"], data["Gs_images"][0]
    for i, image in enumerate(np.clip(np.rint((official + 1.0) / 2.0 * 255.0), 0, 255).astype("uint8")):
        Image.fromarray(image.transpose(1, 2, 0)).save(tmp_path / f"img{i}.png")
    gan = convert_progan_tf_pickle(PKL)
    report = compare_with_reference_images(gan, tmp_path, latents=latents)
    assert report["passed"] and report["max_abs_diff"] <= 1 and len(report["images"]) == 4

    # The command uses the official script's latents; here the references are regenerated for them.
    assert import_example_latents(32).shape == (10, 32)
    expected = np.random.RandomState(1000).randn(1000, 32)[[477, 56, 83, 887, 583, 391, 86, 340, 341, 415]]
    np.testing.assert_array_equal(import_example_latents(32), expected)
    for i, image in enumerate(gan.generate(expected.astype("float32"))):
        Image.fromarray(image).save(tmp_path / f"img{i}.png")
    assert cli.main(["check-official-progan", "--pkl", str(PKL), "--reference-dir", str(tmp_path)]) == 0
    assert '"passed": true' in capsys.readouterr().out
    image = np.asarray(Image.open(tmp_path / "img3.png")).copy()
    image[0, 0, 0] ^= 0x10
    Image.fromarray(image).save(tmp_path / "img3.png")
    with pytest.raises(SystemExit) as info:
        cli.main(["check-official-progan", "--pkl", str(PKL), "--reference-dir", str(tmp_path)])
    assert info.value.code == 1 and "img3.png: max |difference| 16" in capsys.readouterr().out
    (tmp_path / "img9.png").unlink()
    with pytest.raises(SystemExit, match="--reference-dir: Missing reference images: .*img9.png"):
        cli.main(["check-official-progan", "--pkl", str(PKL), "--reference-dir", str(tmp_path)])
    # The folder is checked before the model is fetched (a registered name downloads and converts its file).
    monkeypatch.setattr(ProGAN, "from_preset", lambda *a, **k: pytest.fail("the model was loaded first"))
    with pytest.raises(SystemExit, match="--reference-dir: .*nowhere is not a folder"):
        cli.main(
            [
                "check-official-progan",
                "--preset",
                "celebahq_1024_official",
                "--reference-dir",
                str(tmp_path / "nowhere"),
            ]
        )
    with pytest.raises(SystemExit, match="--reference-dir: Missing reference images: .*img9.png"):
        cli.main(["check-official-progan", "--preset", "celebahq_1024_official", "--reference-dir", str(tmp_path)])


def test_convert_command_tells_an_official_progan_pickle_from_an_r3gan_snapshot(tmp_path):
    out = tmp_path / "preset"
    assert cli.main(["convert", str(FIXTURE / "progan_tiny64_cond.pkl"), str(out), "--schedule", "celeba_128"]) == 0
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["source_file"] == "progan_tiny64_cond.pkl" and metadata["lod"] == pytest.approx(1.3)
    gan = ProGAN.from_preset(str(out))
    assert gan.growth_schedule.lod_at(int(to_numpy(gan.images_seen))) == pytest.approx(1.3)
    with pytest.raises(SystemExit, match="--schedule applies to official ProGAN TensorFlow pickles only"):
        cli.main(
            [
                "convert",
                str(FIXTURE / "progan_tiny64_cond.pkl"),
                str(tmp_path / "x"),
                "--format",
                "pgz",
                "--schedule",
                "tf_default",
            ]
        )
