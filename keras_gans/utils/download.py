"""File helpers shared by the downloaders and converters: content hashes and atomic downloads."""

import hashlib
import pathlib
import urllib.request

from keras_gans.utils import durable


def sha256_file(path):
    """The SHA-256 hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_file(url, destination, timeout=60):
    """Downloads `url` to `destination` and returns the path.

    The bytes go to a temporary file beside `destination` that is flushed to the disk and renamed at the end, so
    neither an interrupted download nor a power loss leaves a partial file under the final name. There are no
    retries: an unreachable host fails at once.
    """
    destination = pathlib.Path(destination)
    with urllib.request.urlopen(url, timeout=timeout) as response:
        durable.write_stream(destination, response)
    return destination
