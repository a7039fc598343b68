"""The uint8 conversion and the input checks shared by the image-statistics metrics."""

import keras
import numpy as np
import pytest

from keras_gans.metrics import images_to_uint8
from keras_gans.metrics.image_inputs import check_uint8_images


def test_images_to_uint8_rounds_half_to_even_and_saturates():
    values = np.array([-1.5, -1.0, -0.5, 0.0, 0.5, 0.999, 1.0, 1.2], np.float32)
    expected = np.clip(np.rint(values.astype(np.float64) * 127.5 + 127.5), 0, 255).astype(np.uint8)
    result = images_to_uint8(values)
    assert keras.backend.standardize_dtype(result.dtype) == "uint8"
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(result), expected)


def test_check_uint8_images_tiles_grayscale_and_accepts_backend_tensors():
    gray = np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4, 1)
    rgb = keras.ops.convert_to_numpy(check_uint8_images(keras.ops.convert_to_tensor(gray), "f"))
    np.testing.assert_array_equal(rgb, np.repeat(gray, 3, axis=-1))


def test_check_uint8_images_errors_name_the_caller_and_the_expectation():
    good = np.zeros((2, 8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match="my_metric: `x` must be uint8 pixels in .0, 255., got dtype float32"):
        check_uint8_images(keras.ops.convert_to_tensor(good.astype(np.float32)), "my_metric", name="x")
    with pytest.raises(ValueError, match="empty batch"):
        check_uint8_images(good[:0], "my_metric")
    with pytest.raises(ValueError, match="divisible by 16, got 8x8"):
        check_uint8_images(good, "my_metric", divisible_by=16)
