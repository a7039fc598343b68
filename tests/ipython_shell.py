"""An IPython shell inside the test process, to run notebook cells and read their inline (display) outputs."""

import base64
import contextlib
import io
import sys

import numpy as np
from PIL import Image


@contextlib.contextmanager
def ipython_shell(ipython_dir):
    """Yields a fresh `InteractiveShell` whose profile lives in `ipython_dir`; afterwards the process is as before.

    The shell keeps no history database, and `sys.modules["__main__"]`, which a shell replaces by its own
    namespace, is put back.
    """
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    if InteractiveShell.initialized():
        raise RuntimeError("an IPython shell is already active in this test process")
    config = Config()
    config.HistoryManager.enabled = False
    main = sys.modules["__main__"]
    try:
        yield InteractiveShell.instance(config=config, ipython_dir=str(ipython_dir))
    finally:
        InteractiveShell.clear_instance()
        sys.modules["__main__"] = main


def png_outputs(captured):
    """The images of the `image/png` outputs that `IPython.utils.capture.capture_output` caught, decoded."""
    images = []
    for rich in captured.outputs:
        if "image/png" in rich.data:
            png = rich.data["image/png"]
            png = base64.b64decode(png) if isinstance(png, str) else png
            images.append(np.asarray(Image.open(io.BytesIO(png))))
    return images
