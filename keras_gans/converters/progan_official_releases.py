"""The official ProGAN releases (Karras et al., ICLR 2018, https://arxiv.org/abs/1710.10196) as `ProGAN` presets.

The authors publish their pretrained networks as TensorFlow pickles in the Google Drive folder
`networks/tensorflow-version` linked from the README of tkarras/progressive_growing_of_gans
(`OFFICIAL_FOLDER_URL`): `karras2018iclr-celebahq-1024x1024.pkl` and `karras2018iclr-lsun-<category>-256x256.pkl`
for 30 LSUN categories. A registered name downloads its file once into `cache_root()/downloads/progan_tf/`, reads it
as data (`read_progan_tf_pickle`: no pickled code runs), converts it once (`convert_progan_tf_pickle`: G, D, and Gs
as the EMA generator) into `cache_root()/presets/<name>/`; later loads use that directory without network access.

Integrity. The authors publish no checksums. Each file is therefore pinned on first use ("trust on first use"): its
size and SHA-256 are written beside it (`<file>.sha256.json`) when it is first downloaded or found, and every later
use checks them; an entry's `sha256` / `size` in `PROGAN_TF_CHECKPOINTS` (none are known today) would be checked
from the first use on. The conversion itself checks the file's structure: every variable of the expected
architecture, with the expected shape, at the registered resolution.

Downloads. The README gives the Google Drive file id of the CelebA-HQ network; for the LSUN networks only the folder
is linked, so they are downloaded by hand (`fetch_progan_tf_checkpoint` names the file, the folder and the local path
to put it at). A file placed at that path by hand is used like a downloaded one.
"""

import html
import json
import os
import pathlib
import re
import shutil
import urllib.parse
import urllib.request

from keras_gans.converters.progan_official import convert_progan_tf_pickle_to_preset
from keras_gans.models.progan.progan_presets import preset_recipe
from keras_gans.utils import durable
from keras_gans.utils import preset_utils
from keras_gans.utils.download import sha256_file

OFFICIAL_FOLDER_URL = "https://drive.google.com/open?id=15hvzxt_XxuokSmj0uO4xxMTMWVc0cIMU"
DRIVE_DOWNLOAD_URL = "https://drive.google.com/uc?export=download&id={id}"

LSUN_CATEGORIES = (
    "airplane",
    "bedroom",
    "bicycle",
    "bird",
    "boat",
    "bottle",
    "bridge",
    "bus",
    "car",
    "cat",
    "chair",
    "churchoutdoor",
    "classroom",
    "conferenceroom",
    "cow",
    "dining_room",
    "diningtable",
    "dog",
    "horse",
    "kitchen",
    "livingroom",
    "motorbike",
    "person",
    "pottedplant",
    "restaurant",
    "sheep",
    "sofa",
    "tower",
    "train",
    "tvmonitor",
)


def _registry():
    entries = {
        "celebahq_1024_official": {
            "file": "karras2018iclr-celebahq-1024x1024.pkl",
            "drive_id": "188K19ucknC6wg1R6jbuPEhTq9zoufOx4",
            "resolution": 1024,
            "architecture": "celebahq_1024_v1",
            "schedule": "theano_celebahq",
            "description": "Official CelebA-HQ 1024x1024 networks of the paper (G, D, Gs), unconditional.",
        }
    }
    for category in LSUN_CATEGORIES:
        entries[f"lsun_{category}_256_official"] = {
            "file": f"karras2018iclr-lsun-{category}-256x256.pkl",
            "drive_id": None,  # only the folder is linked: download by hand
            "resolution": 256,
            "architecture": "lsun_256",
            "schedule": "theano_lsun",
            "description": f"Official LSUN {category} 256x256 networks of the paper (G, D, Gs), unconditional.",
        }
    for entry in entries.values():
        entry.update(sha256=None, size=None)  # the authors publish no checksums (see the module docstring)
    return entries


PROGAN_TF_CHECKPOINTS = _registry()


def open_url(url):
    """Opens `url` for reading (the only network access of this module; tests replace it)."""
    return urllib.request.urlopen(url, timeout=60)


def _is_html(response):
    return "text/html" in (response.headers.get("Content-Type") or "").lower()


def drive_confirmation_url(page, file_id):
    """The download URL behind Google Drive's "file too large to scan for viruses" page, or `None`.

    Handles the current page (a form whose action and hidden inputs give the URL) and the older one (a link with a
    `confirm=<token>` parameter).
    """
    form = re.search(r'<form[^>]*id="download-form"[^>]*action="([^"]+)"(.*?)</form>', page, re.S)
    if form:
        fields = dict(re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(2)))
        return html.unescape(form.group(1)) + "?" + urllib.parse.urlencode(fields)
    token = re.search(r"confirm=([0-9A-Za-z_-]+)", page)
    if token:
        return DRIVE_DOWNLOAD_URL.format(id=file_id) + "&confirm=" + token.group(1)
    return None


def download_from_drive(file_id, destination):
    """Downloads a public Google Drive file to `destination`, passing the large-file confirmation page."""
    destination = pathlib.Path(destination)
    url = DRIVE_DOWNLOAD_URL.format(id=file_id)
    for _ in range(2):
        with open_url(url) as response:
            if not _is_html(response):
                durable.write_stream(destination, response)
                return destination
            page = response.read().decode("utf-8", "replace")
        url = drive_confirmation_url(page, file_id)
        if url is None:
            break
    raise OSError(
        f"Google Drive answered with a web page instead of the file (id {file_id}); the download quota "
        "may be exceeded or the file moved."
    )


def checkpoint_path(name):
    """Where the pickle of a registered name is (or is to be) stored."""
    preset_utils.check_preset_name(name, PROGAN_TF_CHECKPOINTS, "official ProGAN networks")
    return preset_utils.cache_root() / "downloads" / "progan_tf" / PROGAN_TF_CHECKPOINTS[name]["file"]


def _fingerprint(path):
    return {"sha256": sha256_file(path), "size": path.stat().st_size}


def _pin_path(path):
    return path.with_name(path.name + ".sha256.json")


def verify_checkpoint(name, path):
    """Checks a pickle against the registered or first-use fingerprint (recording it on first use).

    Raises:
        ValueError: the size or SHA-256 differs (the message names the file and both values).
    """
    entry = PROGAN_TF_CHECKPOINTS[name]
    found = _fingerprint(path)
    pin = _pin_path(path)
    expected = {k: entry[k] for k in ("sha256", "size") if entry.get(k) is not None}
    if pin.is_file():
        expected = {**json.loads(pin.read_text()), **expected}
    for key, value in expected.items():
        if found[key] != value:
            source = "registered" if entry.get(key) is not None else "recorded at its first use"
            raise ValueError(
                f"{path}: {key} is {found[key]}, but {value} was {source}. The file is damaged or not the released "
                f"{entry['file']}; delete it (and {pin.name}) and fetch it again."
            )
    if not pin.is_file():
        tmp = pin.with_name(pin.name + ".tmp")
        tmp.write_text(json.dumps(found, indent=1))
        os.replace(tmp, pin)
    return found


def _manual_instructions(name, path):
    entry = PROGAN_TF_CHECKPOINTS[name]
    return (
        f"Download {entry['file']} by hand from the authors' folder networks/tensorflow-version "
        f"({OFFICIAL_FOLDER_URL}) and put it at {path}."
    )


def fetch_progan_tf_checkpoint(name):
    """The local path of a registered official pickle, downloading it on first use, checked as described above."""
    path = checkpoint_path(name)
    entry = PROGAN_TF_CHECKPOINTS[name]
    downloaded = not path.is_file()
    if downloaded:
        if entry["drive_id"] is None:
            raise preset_utils.PresetDownloadError(
                f"{entry['file']} has no direct download link. " + _manual_instructions(name, path)
            )
        try:
            download_from_drive(entry["drive_id"], path)
        except Exception as e:  # network errors come in many types
            raise preset_utils.PresetDownloadError(
                f"Could not download {entry['file']} ({e}). " + _manual_instructions(name, path)
            ) from e
    try:
        verify_checkpoint(name, path)
    except ValueError:
        if downloaded:
            path.unlink()
        raise
    return path


def progan_tf_preset_dir(model_cls, name):
    """The converted preset directory of a registered name, downloading and converting it on first use."""

    preset_utils.check_preset_name(name, PROGAN_TF_CHECKPOINTS, "official ProGAN networks")
    target = preset_utils.cache_root() / "presets" / name
    if preset_utils.is_preset_dir(target) and (target / preset_utils.WEIGHTS_FILE).is_file():
        return target
    entry = PROGAN_TF_CHECKPOINTS[name]
    path = fetch_progan_tf_checkpoint(name)
    directory = convert_progan_tf_pickle_to_preset(
        model_cls,
        path,
        target,
        preset=name,
        schedule=entry["schedule"],
        recipe=preset_recipe(entry["architecture"]),
        metadata={"source_folder": OFFICIAL_FOLDER_URL, "description": entry["description"]},
    )
    resolution = preset_utils.load_preset_config(directory)["config"]["generator"]["config"]["resolution"]
    if resolution != entry["resolution"]:
        shutil.rmtree(directory)
        raise ValueError(f"{path}: a {resolution}x{resolution} network, but {name} is {entry['resolution']}.")
    return directory
