"""Loads `tests/fixtures/swd_official` (made by running ProGAN's official SWD and MS-SSIM code) once per run."""

import functools
import json

import numpy as np


@functools.lru_cache(maxsize=None)
def _load(folder):
    with np.load(f"{folder}/swd_io.npz") as data:
        arrays = {key: data[key] for key in data.files}
    with open(f"{folder}/swd_expected.json") as file:
        expected = json.load(file)
    return arrays, expected


def load_swd_fixture(fixtures_dir):
    """`(arrays, expected)`: the npz arrays (NCHW, as stored) and the expected numbers."""
    return _load(str(fixtures_dir / "swd_official"))


def to_nhwc(images):
    return np.ascontiguousarray(np.transpose(images, (0, 2, 3, 1)))
