"""Image summaries in TensorBoard event files, written without TensorFlow.

`TensorBoardImageWriter` writes the records TensorBoard reads (`events.out.tfevents.*` files of `Event` protocol
buffers, each record framed with masked CRC32C checksums) with the `tensorboard` package's own protocol buffers and
record writer, so on JAX or PyTorch nothing imports TensorFlow. Images are stored PNG-encoded, as
`tf.summary.image` stores them, and show in TensorBoard's Images tab.
"""

import io
import os
import socket
import time
import uuid

import numpy as np


def _tensorboard_modules():
    try:
        from tensorboard.compat.proto import event_pb2
        from tensorboard.compat.proto import summary_pb2
        from tensorboard.summary.writer.record_writer import RecordWriter
    except ImportError as error:
        raise ImportError(
            'Writing to TensorBoard needs the tensorboard package: pip install "keras-gans[tensorboard]".'
        ) from error
    return event_pb2, summary_pb2, RecordWriter


class TensorBoardImageWriter:
    """Appends PNG image summaries to a new event file in `logdir`.

    Args:
        logdir: the TensorBoard log directory (created if needed); point `tensorboard --logdir` at it or a parent.

    Examples:

    ```python
    writer = TensorBoardImageWriter("runs/tb/samples")
    writer.add_image("samples", grid_uint8, step=images_seen)
    writer.close()
    ```
    """

    def __init__(self, logdir):
        self._event_pb2, self._summary_pb2, record_writer = _tensorboard_modules()
        self.logdir = os.fspath(logdir)
        os.makedirs(self.logdir, exist_ok=True)
        # TensorBoard reads every file whose name contains "tfevents"; the suffix keeps writers apart.
        name = (
            f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        )
        self.path = os.path.join(self.logdir, name)
        self._records = record_writer(open(self.path, "wb"))
        self._write(self._event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))

    def _write(self, event):
        self._records.write(event.SerializeToString())
        self._records.flush()

    def add_image(self, tag, image, step):
        """Writes one `(H, W, C)` uint8 image (C = 1 or 3) under `tag` at `step`."""
        from PIL import Image

        image = np.asarray(image)
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[-1] not in (1, 3):
            raise ValueError(
                f"TensorBoardImageWriter.add_image: expected a uint8 (H, W, 1 or 3) image; got dtype "
                f"{image.dtype}, shape {image.shape}."
            )
        buffer = io.BytesIO()
        Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(buffer, format="PNG")
        summary = self._summary_pb2.Summary(
            value=[
                self._summary_pb2.Summary.Value(
                    tag=tag,
                    image=self._summary_pb2.Summary.Image(
                        height=image.shape[0],
                        width=image.shape[1],
                        colorspace=image.shape[-1],
                        encoded_image_string=buffer.getvalue(),
                    ),
                )
            ]
        )
        self._write(self._event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary))

    def close(self):
        """Closes the event file."""
        if not self._records.closed:
            self._records.close()
