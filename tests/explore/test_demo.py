"""`keras-gans demo`: the Gradio page, served on 127.0.0.1 and driven by a real headless Chromium.

The test loads the page, reads the image it shows, changes the seed and checks that the image changes to the
image of the new seed. Reference: `demo_image` (the seed's `GAN.generate`, upscaled), read back from the PNG file
the page displays. Without Chromium, chromedriver, selenium or gradio the test fails with install instructions;
`KERAS_GANS_SKIP_BROWSER_TESTS=1` skips it on request (see tests/browser_testing.py). It runs on every backend.
"""

import argparse
import io
import socket
import urllib.request

import keras
import numpy as np
import pytest
from browser_testing import require_browser
from browser_testing import start_browser
from PIL import Image

import keras_gans

ARCH = {"widths": [8, 8], "cardinalities": [2, 2], "blocks_per_stage": 1, "expansion_factor": 2}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _shown_image(driver, element_id):
    """`(src, pixels)` of the image in the Gradio component `element_id`, or None while it has none."""
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, f"#{element_id} img")
    src = found[0].get_attribute("src") if found else None
    if not src:
        return None
    assert src.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(src, timeout=30) as response:  # the local server only
        return src, np.asarray(Image.open(io.BytesIO(response.read())).convert("RGB"))


def test_demo_page_changes_the_image_with_the_seed(tmp_path, monkeypatch):
    require_browser()
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from keras_gans.cli.demo import demo_command
    from keras_gans.explore.demo import demo_image

    gan = keras_gans.R3GAN(
        keras_gans.R3GANGenerator(**ARCH, latent_dim=8, num_classes=3),
        keras_gans.R3GANDiscriminator(**ARCH, num_classes=3),
        seed=0,
    )
    for variable in gan.ema_generator.weights:
        variable.assign(keras.ops.convert_to_numpy(variable.value) * 0.5)
    preset = gan.save_to_preset(tmp_path / "preset")
    args = argparse.Namespace(
        preset=str(preset), checkpoint=None, no_ema=False, batch_size=32, backend=None, port=_free_port()
    )
    demo, url = demo_command(args, block=False)
    driver = None
    try:
        assert url.startswith(f"http://127.0.0.1:{args.port}")
        driver = start_browser()
        driver.set_page_load_timeout(60)
        driver.get(url)
        wait = WebDriverWait(driver, 60)
        first_src, first = wait.until(lambda d: _shown_image(d, "image"))
        np.testing.assert_array_equal(first, demo_image(gan, 0, 0))
        _, strip = wait.until(lambda d: _shown_image(d, "strip"))
        assert strip.shape[1] == 8 * strip.shape[0]  # 8 square frames in a row (the default steps)

        seed = driver.find_element(By.CSS_SELECTOR, "#seed input")
        seed.send_keys(Keys.CONTROL, "a")
        seed.send_keys("5", Keys.ENTER)
        second_src, second = wait.until(
            lambda d: (shown := _shown_image(d, "image")) and shown[0] != first_src and shown
        )
        expected = demo_image(gan, 5, 0)
        np.testing.assert_array_equal(second, expected)
        assert np.abs(second.astype(int) - first.astype(int)).max() > 0
        assert second_src != first_src
    finally:
        if driver is not None:
            driver.quit()
        demo.close()


def test_demo_command_errors(tmp_path):
    from keras_gans import cli

    with pytest.raises(SystemExit, match="keras-gans demo: --port must be in"):
        cli.main(["demo", "--preset", str(tmp_path), "--port", "0"])
    with pytest.raises(SystemExit, match="keras-gans demo: .*neither a file or folder nor a preset name"):
        cli.main(["demo", "--preset", "nope"])


def test_demo_images_of_an_unconditional_model():
    """What the page shows for an unconditional model: the seed's image and the slerp strip, upscaled (nearest)."""
    from keras_gans.explore import interpolation_frames
    from keras_gans.explore.demo import demo_image
    from keras_gans.explore.demo import demo_strip

    gan = keras_gans.ProGAN(
        keras_gans.ProGANGenerator(resolution=8, channels=[4, 4], latent_dim=4),
        keras_gans.ProGANDiscriminator(resolution=8, channels=[4, 4]),
        seed=0,
    )
    image = demo_image(gan, 3, truncation_psi=0.5, display_size=32)  # 8x8 shown 4x larger
    np.testing.assert_array_equal(image, gan.generate(1, seed=3, truncation_psi=0.5)[0].repeat(4, 0).repeat(4, 1))
    strip = demo_strip(gan, 3, 6, 4, display_size=32)  # frames shown 2x larger, side by side
    frames = interpolation_frames(gan, 3, 6, num_steps=4).repeat(2, 1).repeat(2, 2)
    np.testing.assert_array_equal(strip, np.concatenate(list(frames), axis=1))
    with pytest.raises(ValueError, match=r"the seed must be an integer in \[0, 2147483647\]"):
        demo_image(gan, -1)
