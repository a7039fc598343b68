"""File helpers shared by the downloaders and converters: content hashes and atomic downloads."""

import hashlib
import os
import pathlib
import shutil
import tempfile
import urllib.request


def sha256_file(path):
    """The SHA-256 hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_file(url, destination, timeout=60):
    """Downloads `url` to `destination` and returns the path.

    The bytes go to a temporary file beside `destination` that is renamed at the end, so an interrupted download
    never leaves a partial file under the final name. There are no retries: an unreachable host fails at once.
    """
    destination = pathlib.Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            shutil.copyfileobj(response, out, 1 << 20)
        os.replace(tmp, destination)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return destination
