"""A headless Chromium driven by Selenium, for the tests of the web demo.

The browser is Debian's `chromium` with its `chromedriver` (`apt-get install chromium chromium-driver`; the CI
script `.ci/env.sh` installs both). A missing browser fails the test with these instructions; only setting
`KERAS_GANS_SKIP_BROWSER_TESTS=1` skips the browser tests, and the skip says so.
"""

import os
import shutil
import tempfile

import pytest

SKIP_VARIABLE = "KERAS_GANS_SKIP_BROWSER_TESTS"
INSTALL = (
    "Install the browser with `apt-get install -y chromium chromium-driver` (Debian/Ubuntu; .ci/env.sh does "
    'it) and the Python packages with `pip install "keras-gans[demo]" selenium`, or set '
    f"{SKIP_VARIABLE}=1 to skip the browser tests."
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1600",
)


def _find(*names):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def require_browser():
    """Paths `(chromium, chromedriver)`; fails (or skips, when opted out) with instructions when missing."""
    if os.environ.get(SKIP_VARIABLE) == "1":
        pytest.skip(f"{SKIP_VARIABLE}=1: the headless-browser test of the demo is skipped on request.")
    browser = _find("chromium", "chromium-browser", "google-chrome")
    driver = _find("chromedriver")
    missing = [name for name, path in (("chromium", browser), ("chromedriver", driver)) if path is None]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the Python package selenium")
    try:
        import gradio  # noqa: F401
    except ImportError:
        missing.append("the Python package gradio")
    if missing:
        pytest.fail(f"The demo's browser test needs {', '.join(missing)}. {INSTALL}")
    return browser, driver


def start_browser():
    """A headless Chromium WebDriver with a fresh, empty profile; the caller quits it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='keras_gans_chromium_')}")
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)
