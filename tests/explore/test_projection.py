"""`keras_gans.project` and `keras-gans project`: images generated from known latents are found again.

The networks get weights drawn with NumPy (identical on every backend), so every backend runs the same
optimisation. References: the target images themselves (the pixel error of the reconstruction), the error of the
starting latents, and `GAN.generate` of the returned latents and labels (the written reconstructions).
"""

import keras
import numpy as np
import pytest
from PIL import Image

import keras_gans
from keras_gans import cli
from keras_gans.explore import perceptual_distance
from keras_gans.explore.projection import target_images_to_float

ARCH = {"widths": [8, 8], "cardinalities": [2, 2], "blocks_per_stage": 1, "expansion_factor": 2}
# Reconstruction error of the 40-step projection below: measured 0.0085 and 0.0028 (pixel MSE in [-1, 1] units;
# the same to 1e-8 on TensorFlow, JAX and PyTorch) from starting errors of 0.148 and 0.175; the bound leaves a
# margin of more than 2 and is still 7x below the starting errors.
MAX_PROJECTED_MSE = 0.02


def _numpy_weights(network, seed):
    """Kernels from NumPy, std 1/sqrt(fan in); other weights keep their (deterministic) initial values."""
    rng = np.random.default_rng(seed)
    for variable in network.weights:
        shape = tuple(variable.shape)
        if len(shape) >= 2:
            variable.assign(rng.normal(0.0, 1.0 / np.sqrt(np.prod(shape[:-1])), shape).astype("float32"))


def _r3gan(num_classes=0):
    """A tiny R3GAN (8x8) whose images depend strongly on z and stay mostly inside [-1, 1]."""
    gan = keras_gans.R3GAN(
        keras_gans.R3GANGenerator(**ARCH, latent_dim=8, num_classes=num_classes),
        keras_gans.R3GANDiscriminator(**ARCH, num_classes=num_classes),
        seed=0,
    )
    _numpy_weights(gan.ema_generator, 1)
    _numpy_weights(gan.discriminator, 2)
    kernel = gan.ema_generator.aggregation.weights[0]
    kernel.assign(keras.ops.convert_to_numpy(kernel.value) * 4.0)  # output std about 0.5
    return gan


@pytest.fixture(scope="module")
def unconditional():
    return _r3gan()


def test_projection_recovers_generated_images(unconditional):
    gan = unconditional
    z = np.random.default_rng(42).standard_normal((2, 8)).astype("float32")
    images = gan.generate(z)
    result = keras_gans.project(gan, images, steps=40)
    assert result.latents.shape == (2, 8) and result.latents.dtype == np.float32
    assert result.labels is None and result.class_probabilities is None
    assert result.losses.shape == (41,)
    print("pixel MSE", result.pixel_mse, "from", result.initial_pixel_mse)
    assert np.all(result.pixel_mse < MAX_PROJECTED_MSE)
    assert np.all(result.pixel_mse < result.initial_pixel_mse / 6)
    # The reconstructions are the generator's images of the returned latents, and the errors are theirs.
    np.testing.assert_array_equal(result.images, gan.generate(result.latents))
    target, value_range = target_images_to_float(gan, images)
    produced = np.clip(gan.generate(result.latents, output="float"), *value_range)
    np.testing.assert_allclose(result.pixel_mse, ((produced - target) ** 2).mean(axis=(1, 2, 3)), rtol=1e-5)


def test_uint8_targets_are_bin_centres(unconditional):
    """A uint8 value u is the floor of x * 127.5 + 128 for x in [(u - 128) / 127.5, (u - 127) / 127.5)."""
    target, (low, high) = target_images_to_float(
        unconditional, np.array([0, 128, 255], "uint8").reshape(1, 1, 1, 3).repeat(8, 1).repeat(8, 2)
    )
    np.testing.assert_allclose(target[0, 0, 0], [-127.5 / 127.5, 0.5 / 127.5, 127.5 / 127.5], rtol=1e-6)
    assert (low, high) == (-1.0, 1.0)
    with pytest.raises(ValueError, match=r"images must have shape \(N, 8, 8, 3\)"):
        keras_gans.project(unconditional, np.zeros((1, 4, 4, 3), "uint8"))


def test_perceptual_distance_closed_form():
    a = np.array([[[[3.0, 4.0]]]], "float32")  # one 1x1 map, unit vector (0.6, 0.8)
    b = np.array([[[[0.0, 2.0]]]], "float32")  # unit vector (0, 1)
    flat = np.array([[1.0, 0.0, 0.0]], "float32")
    distance = perceptual_distance([a, flat], [b, flat])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(distance), [(0.6**2 + 0.2**2) / 2], rtol=1e-6)


def test_projection_of_a_conditional_model_with_and_without_labels():
    gan = _r3gan(num_classes=3)
    z = np.random.default_rng(5).standard_normal((2, 8)).astype("float32")
    images = gan.generate(z, labels=[0, 2])
    soft = keras_gans.project(gan, images, steps=8)
    np.testing.assert_allclose(soft.class_probabilities.sum(-1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(soft.labels, soft.class_probabilities.argmax(-1))
    np.testing.assert_array_equal(soft.images, gan.generate(soft.latents, labels=soft.class_probabilities))
    assert np.all(soft.pixel_mse < soft.initial_pixel_mse)
    fixed = keras_gans.project(gan, images, steps=8, labels=[0, 2], feature_extractor="none")
    np.testing.assert_array_equal(fixed.labels, [0, 2])
    np.testing.assert_array_equal(fixed.class_probabilities, np.eye(3, dtype="float32")[[0, 2]])
    assert np.all(fixed.pixel_mse < fixed.initial_pixel_mse)
    with pytest.raises(ValueError, match="`feature_extractor` must be one of"):
        keras_gans.project(gan, images, steps=1, feature_extractor="vgg")


def test_projection_of_a_progan():
    gan = keras_gans.ProGAN(
        keras_gans.ProGANGenerator(resolution=8, channels=[8, 8], latent_dim=8),
        keras_gans.ProGANDiscriminator(resolution=8, channels=[8, 8]),
        seed=0,
    )
    for network in (gan.ema_generator, gan.discriminator):
        network.set_lod(0.0)
        _numpy_weights(network, 3)
    images = gan.generate(2, seed=9, output="float")
    result = keras_gans.project(gan, images, steps=6, num_candidates=2)
    assert np.all(result.pixel_mse < result.initial_pixel_mse)
    assert result.losses[-1] < result.losses[0]


def test_cli_project_writes_reconstructions_and_latents(tmp_path):
    gan = _r3gan(num_classes=3)
    preset = gan.save_to_preset(tmp_path / "preset")
    images = gan.generate(2, seed=1, labels=[1, 2])
    paths = []
    for i, image in enumerate(images):
        paths.append(str(tmp_path / f"face{i}.png"))
        Image.fromarray(image).save(paths[-1])
    out = tmp_path / "out"
    assert (
        cli.main(
            [
                "project",
                "--preset",
                str(preset),
                "--images",
                *paths,
                "--steps",
                "3",
                "--class",
                "1",
                "--output",
                str(out),
            ]
        )
        == 0
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "class_probabilities.npy",
        "face0_projected.png",
        "face1_projected.png",
        "latents.npy",
    ]
    latents = np.load(out / "latents.npy", allow_pickle=False)
    probabilities = np.load(out / "class_probabilities.npy", allow_pickle=False)
    assert latents.shape == (2, 8) and latents.dtype == np.float32
    np.testing.assert_array_equal(probabilities, np.eye(3, dtype="float32")[[1, 1]])
    expected = gan.generate(latents, labels=probabilities)
    for i in range(2):
        np.testing.assert_array_equal(np.asarray(Image.open(out / f"face{i}_projected.png")), expected[i])
    base = ["project", "--preset", str(preset), "--output", str(out)]
    with pytest.raises(SystemExit, match="keras-gans project: --images: cannot read the image file .*missing.png"):
        cli.main([*base, "--images", str(tmp_path / "missing.png")])
    # 16-bit images are refused as the dataset loaders refuse them (Pillow would clip them to white).
    Image.fromarray(np.linspace(0, 65535, 64).reshape(8, 8).astype(np.uint16)).save(tmp_path / "deep.png")
    with pytest.raises(SystemExit, match="deep.png has Pillow mode I;16 .*only 8-bit images are supported"):
        cli.main([*base, "--images", str(tmp_path / "deep.png")])
    for option, value in (("--learning-rate", "-1"), ("--learning-rate", "inf"), ("--feature-weight", "-0.5")):
        with pytest.raises(SystemExit, match=f"keras-gans project: {option} must be a finite number"):
            cli.main([*base, "--images", paths[0], option, value])
    for argument, value in (("learning_rate", 0.0), ("pixel_weight", float("nan")), ("feature_weight", -1.0)):
        with pytest.raises(ValueError, match=f"project: `{argument}` must be a finite number"):
            keras_gans.project(gan, images, steps=1, **{argument: value})


def test_projection_feature_extractors(unconditional, tmp_path, monkeypatch):
    gan = unconditional
    images = gan.generate(1, seed=3, output="float")
    # A function images -> feature maps: the perceptual term uses it (here: the pixels themselves as one map).
    calls = []

    def pixels_as_features(x):
        calls.append(tuple(x.shape))
        return [x]

    result = keras_gans.project(gan, images, steps=2, num_candidates=1, feature_extractor=pixels_as_features)
    assert calls and all(shape == (1, 8, 8, 3) for shape in calls)
    assert result.losses.shape == (3,)
    # The FID Inception features need converted weights on disk; nothing is downloaded.
    monkeypatch.setenv("KERAS_GANS_FID_WEIGHTS", str(tmp_path / "missing.weights.h5"))
    with pytest.raises(FileNotFoundError, match="no weights file at .*missing.weights.h5"):
        keras_gans.project(gan, images, steps=1, feature_extractor="inception")
