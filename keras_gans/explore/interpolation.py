"""Interpolation videos: images along a latent path (and a class blend), written as GIF or MP4."""

import contextlib
import os
import pathlib

import numpy as np

from keras_gans.explore.files import atomic_output
from keras_gans.explore.latents import interpolate_classes
from keras_gans.explore.latents import interpolate_latents

ANIMATION_FORMATS = (".gif", ".mp4")
# imageio-ffmpeg's switch that starts ffmpeg without a `preexec_fn`
_FFMPEG_NO_PREEXEC = "IMAGEIO_FFMPEG_NO_PREVENT_SIGINT"


@contextlib.contextmanager
def _ffmpeg_started_without_fork_hooks():
    """Within it, imageio-ffmpeg starts ffmpeg without `preexec_fn=os.setpgrp`.

    A `preexec_fn` makes `subprocess` run the interpreter's fork hooks, where JAX warns that forking a multithreaded
    process can deadlock (and it can); without it, ffmpeg is spawned directly. It then shares the terminal's process
    group, so Ctrl-C stops it too, which `atomic_output` already handles.
    """
    before = os.environ.get(_FFMPEG_NO_PREEXEC)
    os.environ[_FFMPEG_NO_PREEXEC] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(_FFMPEG_NO_PREEXEC, None)
        else:
            os.environ[_FFMPEG_NO_PREEXEC] = before


def seed_latent(seed, latent_dim):
    """The latent of seed `seed`: `np.random.default_rng(seed).standard_normal((1, latent_dim))[0]`, as in
    `GAN.generate(1, seed=seed)` and `keras-gans generate`."""
    return np.random.default_rng(int(seed)).standard_normal((1, int(latent_dim)))[0].astype("float32")


def _endpoint(value, latent_dim, name):
    if isinstance(value, (int, np.integer)):
        if value < 0:
            raise ValueError(f"`{name}` seed must be >= 0, got {value}.")
        return seed_latent(value, latent_dim)
    z = np.asarray(value, dtype="float32")
    if z.shape != (latent_dim,):
        raise ValueError(f"`{name}` must be a seed or a latent of shape ({latent_dim},); got shape {z.shape}.")
    return z


def interpolation_inputs(gan, start, end, num_steps=16, method="slerp", start_class=None, end_class=None):
    """Latents `(num_steps, latent_dim)` and labels (`(num_steps, K)` one-hot blends, or None) of an interpolation.

    Args:
        gan: a `keras_gans.GAN` (for `latent_dim` and `num_classes`).
        start: seed (int) or latent `(latent_dim,)` of the first frame.
        end: seed or latent of the last frame.
        num_steps: frames, both endpoints included (>= 2).
        method: `"slerp"` (default) or `"lerp"` between the latents.
        start_class: class of the first frame (conditional models; default 0).
        end_class: class of the last frame (default `start_class`); in between, the labels blend linearly.

    Returns:
        `(latents, labels)`.
    """
    latents = interpolate_latents(
        _endpoint(start, gan.latent_dim, "start"), _endpoint(end, gan.latent_dim, "end"), num_steps, method
    ).astype("float32")
    if not gan.num_classes:
        if start_class is not None or end_class is not None:
            raise ValueError("the model is unconditional; do not give classes.")
        return latents, None
    start_class = 0 if start_class is None else start_class
    end_class = start_class if end_class is None else end_class
    return latents, interpolate_classes(start_class, end_class, num_steps, gan.num_classes)


def interpolation_frames(
    gan,
    start,
    end,
    num_steps=16,
    method="slerp",
    start_class=None,
    end_class=None,
    truncation_psi=1.0,
    use_ema=True,
    output="uint8",
    batch_size=64,
):
    """Images along a latent path from `start` to `end`, optionally blending two classes.

    Frame `i` is `gan.generate(latents[i:i+1], labels=labels[i:i+1], truncation_psi=...)` for the latents and
    labels of `interpolation_inputs` (evaluated in batches): the first frame is exactly the image of `start` with
    `start_class`, the last the image of `end` with `end_class`.

    Args:
        gan: a `keras_gans.GAN`.
        start: seed (int) or latent `(latent_dim,)` of the first frame.
        end: seed or latent of the last frame.
        num_steps: frames, both endpoints included (>= 2).
        method: `"slerp"` (default, for Gaussian latents) or `"lerp"`.
        start_class: class of the first frame (conditional models; default 0).
        end_class: class of the last frame (default `start_class`).
        truncation_psi: truncation toward the mean latent (see `keras_gans.explore.truncate_latents`).
        use_ema: use the EMA generator (default).
        output: `"uint8"` or `"float"`, as in `GAN.generate`.
        batch_size: images per generator call.

    Returns:
        `(num_steps, H, W, C)` array.

    Examples:

    ```python
    frames = keras_gans.explore.interpolation_frames(gan, start=0, end=1, num_steps=24)
    keras_gans.explore.write_animation(frames, "walk.gif", fps=12)
    ```
    """
    latents, labels = interpolation_inputs(gan, start, end, num_steps, method, start_class, end_class)
    return gan.generate(
        latents, labels=labels, use_ema=use_ema, output=output, batch_size=batch_size, truncation_psi=truncation_psi
    )


def upscale(frames, scale):
    """Nearest-neighbour upscaling of NHWC frames by an integer factor (small images stay visible and sharp)."""
    if int(scale) != scale or scale < 1:
        raise ValueError(f"`scale` must be an integer >= 1, got {scale!r}.")
    scale = int(scale)
    return np.asarray(frames).repeat(scale, axis=1).repeat(scale, axis=2)


def write_animation(frames, path, fps=12, loop=True):
    """Writes uint8 NHWC frames as an animated GIF (Pillow) or an MP4 video (imageio with ffmpeg), atomically.

    Args:
        frames: `(T, H, W, C)` uint8, C = 1 or 3.
        path: output file; `.gif` or `.mp4` picks the format. MP4 needs `pip install "keras-gans[video]"`
            (imageio and its ffmpeg binary) and even `H` and `W` (libx264, yuv420p).
        fps: frames per second.
        loop: GIFs loop forever (default) or play once. MP4 has no loop flag.

    Returns:
        The path written.
    """
    path = pathlib.Path(path)
    suffix = path.suffix.lower()
    if suffix not in ANIMATION_FORMATS:
        raise ValueError(f"{path}: the animation format is chosen by the suffix, one of {ANIMATION_FORMATS}.")
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] not in (1, 3) or frames.dtype != np.uint8 or len(frames) < 1:
        raise ValueError(
            f"write_animation: frames must be uint8 (T, H, W, 1 or 3) with T >= 1; got {frames.dtype} {frames.shape}."
        )
    if not fps > 0:
        raise ValueError(f"`fps` must be > 0, got {fps!r}.")
    if frames.shape[-1] == 1:
        frames = frames.repeat(3, axis=-1)
    if suffix == ".gif":
        from PIL import Image

        images = [Image.fromarray(frame) for frame in frames]
        options = {"loop": 0} if loop else {}
        with atomic_output(path) as tmp:
            images[0].save(tmp, save_all=True, append_images=images[1:], duration=round(1000 / fps), **options)
        return path
    if frames.shape[1] % 2 or frames.shape[2] % 2:
        raise ValueError(
            f"{path}: MP4 (libx264) needs even frame sizes; got {frames.shape[1]}x{frames.shape[2]} "
            "(use an even `scale`)."
        )
    try:
        import imageio.v2 as imageio
    except ImportError as error:
        raise ImportError(f'{path}: writing MP4 needs imageio with ffmpeg: pip install "keras-gans[video]".') from error
    with atomic_output(path) as tmp, _ffmpeg_started_without_fork_hooks():
        try:
            writer = imageio.get_writer(
                tmp, format="FFMPEG", mode="I", fps=fps, codec="libx264", pixelformat="yuv420p", macro_block_size=2
            )
        except (ImportError, ValueError, RuntimeError) as error:
            raise ImportError(
                f'{path}: writing MP4 needs the ffmpeg plugin of imageio: pip install "keras-gans[video]" ({error}).'
            ) from error
        with writer:
            for frame in frames:
                writer.append_data(frame)
    return path
