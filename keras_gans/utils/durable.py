"""Durable writes: files and folders that are complete under their final name even after a crash or power loss.

A write is made durable in three steps: the data goes to a temporary name beside the target, every written file
is flushed to the disk (`os.fsync`), and the temporary name is renamed to the final one (`os.replace`, atomic on
POSIX and Windows) after which the parent folder is flushed too, so the rename itself survives a power loss. A
reader therefore sees the old content or the new one, never a partial or empty file.

Folders are flushed where the platform allows it (POSIX); on Windows `os.open` cannot open a folder, and NTFS
journals the rename itself.
"""

import io
import json
import os
import shutil
import tempfile
import uuid


def fsync_file(path):
    """Flushes the content of the file `path` to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_directory(path):
    """Flushes the entries of the folder `path` (names created, renamed or removed) to the disk, where possible."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # folders cannot be opened on Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on a folder; they commit renames themselves
        pass
    finally:
        os.close(fd)


def fsync_tree(root):
    """Flushes every file under the folder `root`, then every folder (deepest first), to the disk."""
    for folder, _, files in os.walk(root, topdown=False):
        for name in files:
            fsync_file(os.path.join(folder, name))
        fsync_directory(folder)


def publish_directory(tmp, final):
    """Flushes the finished folder `tmp` and renames it to `final` (which must not exist), durably."""
    fsync_tree(tmp)
    os.replace(tmp, final)
    fsync_directory(os.path.dirname(os.path.abspath(final)))


def write_stream(path, stream):
    """Writes the bytes of the binary file object `stream` to `path` atomically and durably (temporary file
    beside `path`, fsync, rename, fsync of the folder)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as file:
            shutil.copyfileobj(stream, file, 1 << 20)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    fsync_directory(folder)
    return path


def write_bytes(path, data):
    """Writes `data` to `path` atomically and durably."""
    return write_stream(path, io.BytesIO(data))


def copy_file(source, path):
    """Copies the file `source` to `path` atomically and durably."""
    with open(source, "rb") as stream:
        return write_stream(path, stream)


def write_text(path, text):
    """`write_bytes` of `text` encoded as UTF-8."""
    return write_bytes(path, text.encode("utf-8"))


def write_json(path, obj, **dump_options):
    """Writes `obj` as JSON (options of `json.dumps`, e.g. `indent`) atomically and durably."""
    return write_text(path, json.dumps(obj, **dump_options))


def make_staging_directory(final):
    """Creates an empty folder beside `final` under a fresh hidden name and returns its path.

    `os.mkdir` applies the process umask, so a folder renamed to `final` gets the permissions of an ordinary
    `mkdir` (`tempfile.mkdtemp` would give it 0700).
    """
    final = os.path.abspath(final)
    staging = os.path.join(os.path.dirname(final), f".{os.path.basename(final)}.{uuid.uuid4().hex}")
    os.mkdir(staging)
    return staging


def replace_directory(tmp, final):
    """Flushes the finished folder `tmp` and puts it in place of the folder `final` (which may not exist), durably.

    An existing `final` is moved aside first and deleted last; if the rename fails it is put back, so `final` holds
    the old folder or the new one at every moment.
    """
    fsync_tree(tmp)
    old = os.fspath(tmp) + ".old"
    if os.path.lexists(final):
        os.replace(final, old)
    try:
        os.replace(tmp, final)
    except BaseException:
        if os.path.lexists(old):
            os.replace(old, final)
        raise
    fsync_directory(os.path.dirname(os.path.abspath(final)))
    shutil.rmtree(old, ignore_errors=True)


def check_not_working_directory(path, owner):
    """Raises `ValueError` when `path` is the current directory or one of its parents (never replaced)."""
    resolved, here = os.path.realpath(path), os.path.realpath(os.getcwd())
    if here == resolved or here.startswith(resolved.rstrip(os.sep) + os.sep):
        raise ValueError(
            f"{owner}: {os.fspath(path)!r} is the current directory or one of its parents; it is never replaced. "
            "Pass a new or empty directory."
        )
