"""Image folders: real PNG/JPEG files written here, decoded by the loader, checked against Pillow called directly."""

import pathlib

import numpy as np
import pytest
from PIL import Image
from PIL import ImageOps

from keras_gans.datasets import load_image_folder
from keras_gans.datasets.image_folder import ImageFolderDataset
from keras_gans.datasets.image_folder import index_image_folder
from keras_gans.utils.data import mirror_images

RES = 16


def random_rgb(seed, height, width):
    return np.random.default_rng(seed).integers(0, 256, size=(height, width, 3), dtype=np.uint8)


def expected_pixels(path, resolution=RES, mode="RGB", resample=Image.Resampling.LANCZOS):
    """Reference: decode with Pillow, crop the centred square with NumPy slicing, resize with Pillow."""
    array = np.asarray(Image.open(path).convert(mode))
    height, width = array.shape[:2]
    crop = min(height, width)
    top, left = (height - crop) // 2, (width - crop) // 2
    square = Image.fromarray(array[top : top + crop, left : left + crop])
    out = np.asarray(square.resize((resolution, resolution), resample))
    return out.reshape(resolution, resolution, -1)


@pytest.fixture
def class_folder(tmp_path):
    """Two classes of real files: landscape, portrait, odd-margin and exact-size PNGs, a JPEG, grey and RGBA."""
    cats, dogs = tmp_path / "cats", tmp_path / "dogs"
    cats.mkdir()
    dogs.mkdir()
    Image.fromarray(random_rgb(0, 30, 40)).save(cats / "a_landscape.png")
    Image.fromarray(random_rgb(1, 41, 26)).save(cats / "b_portrait_odd.PNG")
    Image.fromarray(random_rgb(2, 16, 16)).save(cats / "c_exact.png")
    Image.fromarray(random_rgb(3, 48, 64)).save(dogs / "a_photo.jpg", quality=90)
    Image.fromarray(random_rgb(4, 20, 20)[..., 0], "L").save(dogs / "b_grey.png")
    rgba = np.concatenate([random_rgb(5, 24, 24), np.full((24, 24, 1), 7, np.uint8)], axis=-1)
    Image.fromarray(rgba, "RGBA").save(dogs / "c_rgba.png")
    (dogs / "notes.txt").write_text("not an image")
    (dogs / ".hidden.png").write_bytes(b"ignored: hidden")
    return tmp_path


def test_pixels_labels_and_order_match_pillow(class_folder):
    images, labels = load_image_folder(class_folder, RES, as_numpy=True)
    paths, _, class_names = index_image_folder(class_folder)
    names = ["/".join(pathlib.Path(p).parts[-2:]) for p in paths]
    assert names == [
        "cats/a_landscape.png",
        "cats/b_portrait_odd.PNG",
        "cats/c_exact.png",
        "dogs/a_photo.jpg",
        "dogs/b_grey.png",
        "dogs/c_rgba.png",
    ]
    assert class_names == ("cats", "dogs")
    assert images.shape == (6, RES, RES, 3) and images.dtype == np.uint8
    np.testing.assert_array_equal(labels, [0, 0, 0, 1, 1, 1])
    assert labels.dtype == np.int32
    for image, path in zip(images, paths):
        np.testing.assert_array_equal(image, expected_pixels(path))
    # The exact-size image is not resampled; grey is repeated over RGB; RGBA keeps its colour, drops alpha.
    np.testing.assert_array_equal(images[2], random_rgb(2, 16, 16))
    grey = np.asarray(Image.fromarray(random_rgb(4, 20, 20)[..., 0]).resize((RES, RES), Image.Resampling.LANCZOS))
    np.testing.assert_array_equal(images[4], np.repeat(grey[..., None], 3, axis=-1))
    rgb_of_rgba = Image.fromarray(random_rgb(5, 24, 24)).resize((RES, RES), Image.Resampling.LANCZOS)
    np.testing.assert_array_equal(images[5], np.asarray(rgb_of_rgba))


def test_grayscale_mode_bicubic_and_no_labels(class_folder):
    images, labels = load_image_folder(
        class_folder, 8, labels=None, as_numpy=True, color_mode="grayscale", interpolation="bicubic"
    )
    paths, _, _ = index_image_folder(class_folder, labels=None)
    assert labels is None and images.shape == (6, 8, 8, 1)
    for image, path in zip(images, paths):
        np.testing.assert_array_equal(image, expected_pixels(path, 8, "L", Image.Resampling.BICUBIC))


def test_exif_orientation_is_applied(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    Image.fromarray(random_rgb(6, 20, 30)).save(tmp_path / "phone.jpg", exif=exif, quality=95)
    images, _ = load_image_folder(tmp_path, RES, labels=None, as_numpy=True)
    upright = np.asarray(ImageOps.exif_transpose(Image.open(tmp_path / "phone.jpg")).convert("RGB"))
    assert upright.shape[:2] == (30, 20)
    crop = upright[5:25]
    reference = np.asarray(Image.fromarray(crop).resize((RES, RES), Image.Resampling.LANCZOS))
    np.testing.assert_array_equal(images[0], reference)


def test_lazy_batches_shuffle_per_epoch_and_mirror_like_mirror_images(class_folder):
    all_images, all_labels = load_image_folder(class_folder, RES, as_numpy=True)
    mirrored, mirrored_labels = mirror_images(all_images, all_labels)
    unshuffled = load_image_folder(class_folder, RES, mirror=True, shuffle=False, batch_size=4, drop_remainder=False)
    assert isinstance(unshuffled, ImageFolderDataset) and len(unshuffled) == 3 and unshuffled.num_images == 12
    batches = [unshuffled[i] for i in range(len(unshuffled))]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), mirrored)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), mirrored_labels)
    np.testing.assert_array_equal(load_image_folder(class_folder, RES, mirror=True, as_numpy=True)[0], mirrored)

    data = load_image_folder(class_folder, RES, mirror=True, batch_size=4, seed=3)
    assert len(data) == 3
    for epoch in range(2):
        order = np.random.default_rng([3, epoch]).permutation(12)
        images = np.concatenate([data[i][0] for i in range(3)])
        labels = np.concatenate([data[i][1] for i in range(3)])
        np.testing.assert_array_equal(images, mirrored[order])
        np.testing.assert_array_equal(labels, mirrored_labels[order])
        data.on_epoch_end()
    assert data.epoch == 2


def test_class_names_select_and_order_classes(class_folder):
    _, labels = load_image_folder(class_folder, RES, class_names=["dogs", "cats"], as_numpy=True)
    np.testing.assert_array_equal(labels, [0, 0, 0, 1, 1, 1])  # dogs are class 0 now, listed first
    paths, _, names = index_image_folder(class_folder, class_names=["dogs"])
    assert names == ("dogs",) and len(paths) == 3


def test_loose_files_warn_with_inferred_labels(class_folder):
    Image.fromarray(random_rgb(9, 8, 8)).save(class_folder / "loose.png")
    with pytest.warns(UserWarning, match="1 image files directly in"):
        paths, _, _ = index_image_folder(class_folder)
    assert len(paths) == 6


def test_errors_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_image_folder(tmp_path / "missing", RES)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no image files"):
        load_image_folder(empty, RES, labels=None)
    flat = tmp_path / "flat"
    flat.mkdir()
    Image.fromarray(random_rgb(0, 8, 8)).save(flat / "one.png")
    with pytest.raises(ValueError, match="no sub-folders. It has 1 image files directly inside: use labels=None"):
        load_image_folder(flat, RES)
    with pytest.raises(ValueError, match="labels to be 'inferred' or None"):
        load_image_folder(flat, RES, labels="folders")
    with pytest.raises(ValueError, match="batch_size 4 is larger than the dataset"):
        load_image_folder(flat, RES, labels=None, batch_size=4)
    with pytest.raises(ValueError, match="interpolation"):
        load_image_folder(flat, RES, labels=None, interpolation="cubic")
    with pytest.raises(ValueError, match="resolution"):
        load_image_folder(flat, 0, labels=None)
    (flat / "empty_class").mkdir()
    with pytest.raises(ValueError, match="empty_class has no image files"), pytest.warns(UserWarning):
        load_image_folder(flat, RES)
    with pytest.raises(ValueError, match="unknown or repeated"):
        load_image_folder(flat, RES, class_names=["nope"])


def test_unreadable_and_16_bit_files_are_named(tmp_path):
    Image.fromarray(random_rgb(0, 8, 8)).save(tmp_path / "good.png")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 this is not really a JPEG")
    # Without the up-front check (tests/datasets/test_datasets_hardening.py), a batch read names the file.
    data = load_image_folder(tmp_path, RES, labels=None, shuffle=False, batch_size=1, verify_files=False)
    data[1]  # good.png reads fine; the broken file fails only when its batch is read
    with pytest.raises(ValueError, match=r"cannot read the image file .*broken\.jpg"):
        data[0]
    with pytest.raises(ValueError, match=r"broken\.jpg"):
        load_image_folder(tmp_path, RES, labels=None, as_numpy=True, verify_files=False)
    (tmp_path / "broken.jpg").unlink()
    deep = np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000
    Image.fromarray(deep).save(tmp_path / "deep.png")
    assert Image.open(tmp_path / "deep.png").mode.startswith("I")
    with pytest.raises(ValueError, match=r"deep\.png has Pillow mode I.*only 8-bit"):
        load_image_folder(tmp_path, RES, labels=None, as_numpy=True, verify_files=False)
