"""SWD (pyramid, patches, both projection paths) and MS-SSIM give the same numbers on TensorFlow, JAX and PyTorch.

Each backend's own test pass already checks these metrics against the official fixture; this test additionally
runs the `keras.ops` projection/sort path on a full (small) pipeline, which the per-backend passes only exercise
on the core fixture, and compares the backends with each other directly.
"""

import numpy as np
from backend_runner import assert_backends_agree
from backend_runner import run_on_backends

SNIPPET = """
import keras
import numpy as np
from keras_gans.metrics import SlicedWassersteinDistance, images_to_uint8, laplacian_pyramid, ms_ssim

rng = np.random.default_rng(0)
reals = rng.integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
fakes = np.clip(reals.astype(int) + rng.integers(-40, 41, reals.shape), 0, 255).astype(np.uint8)
out = {}
for index, level in enumerate(laplacian_pyramid(reals, 2)):
    out[f"pyramid_{index}"] = keras.ops.convert_to_numpy(level)
for compute in ("keras", "numpy"):
    swd = SlicedWassersteinDistance(32, num_patches=16, num_repeats=2, dirs_per_repeat=16, seed=1, compute=compute)
    swd.update_reals(reals)
    swd.update_fakes(fakes)
    out[f"swd_{compute}"] = np.array(list(swd.result().values()))
out["descriptors"] = swd.descriptors("fakes")[0]
out["ms_ssim"] = ms_ssim(reals, fakes)
out["uint8"] = keras.ops.convert_to_numpy(images_to_uint8(np.linspace(-1.1, 1.1, 101, dtype="float32")))
np.savez(OUT, **out)
"""


def test_image_metrics_agree_across_backends():
    results = run_on_backends(SNIPPET)
    assert_backends_agree(results, atol=1e-5, rtol=1e-5)
    for arrays in results.values():
        np.testing.assert_allclose(arrays["swd_keras"], arrays["swd_numpy"], rtol=1e-5)
        assert np.all(arrays["swd_numpy"] > 0) and np.all((arrays["ms_ssim"] > 0) & (arrays["ms_ssim"] < 1))
