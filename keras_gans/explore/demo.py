"""A local web page to explore a generator (Gradio): seed, class, truncation and an interpolation strip.

Needs `pip install "keras-gans[demo]"`. The page is served on 127.0.0.1 only (this machine); nothing is shared,
and Gradio's usage statistics are turned off. Every image is `GAN.generate` of the seed's latent (as
`keras-gans generate --seeds <seed>`), so the page shows what the command line writes.
"""

import os

import numpy as np

from keras_gans.explore.interpolation import interpolation_frames
from keras_gans.explore.interpolation import seed_latent
from keras_gans.explore.interpolation import upscale

HOST = "127.0.0.1"
MAX_SEED = 2**31 - 1
# System fonts only: Gradio's default theme would fetch web fonts from the internet.
_FONTS = (["ui-sans-serif", "system-ui", "sans-serif"], ["ui-monospace", "monospace"])


def _import_gradio():
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    try:
        import gradio
    except ImportError as error:
        raise ImportError('The demo needs Gradio: pip install "keras-gans[demo]".') from error
    return gradio


def _display_scale(gan, display_size):
    return max(1, display_size // max(gan.image_shape[:2]))


def _check_seed(seed):
    if seed is None or int(seed) != seed or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"the seed must be an integer in [0, {MAX_SEED}]; got {seed!r}.")
    return int(seed)


def demo_image(gan, seed, class_id=None, truncation_psi=1.0, display_size=256):
    """The image of one seed, upscaled (nearest) to about `display_size` pixels: `(H', W', C)` uint8."""
    labels = None if not gan.num_classes else [int(class_id or 0)]
    image = gan.generate(
        seed_latent(_check_seed(seed), gan.latent_dim)[None], labels=labels, truncation_psi=truncation_psi
    )
    return _squeeze_gray(upscale(image, _display_scale(gan, display_size))[0])


def demo_strip(gan, seed, end_seed, num_steps, class_id=None, truncation_psi=1.0, display_size=256):
    """The interpolation from `seed` to `end_seed` as one row of `num_steps` images (slerp, same class)."""
    frames = interpolation_frames(
        gan,
        _check_seed(seed),
        _check_seed(end_seed),
        int(num_steps),
        start_class=None if not gan.num_classes else int(class_id or 0),
        truncation_psi=truncation_psi,
    )
    frames = upscale(frames, max(1, _display_scale(gan, display_size) // 2))
    return _squeeze_gray(np.concatenate(list(frames), axis=1))


def _squeeze_gray(image):
    return image[..., 0] if image.shape[-1] == 1 else image


def build_demo(gan, title="keras-gans", display_size=256):
    """The Gradio page for `gan` (not yet served).

    Args:
        gan: a `keras_gans.GAN`.
        title: page title.
        display_size: approximate size in pixels of the main image (small images are upscaled, nearest).

    Returns:
        A `gradio.Blocks`.
    """
    gr = _import_gradio()
    with gr.Blocks(title=title, analytics_enabled=False) as demo:
        gr.Markdown(
            f"# {title}\n{gan.image_shape[0]}x{gan.image_shape[1]} images, latent size {gan.latent_dim}"
            + (f", {gan.num_classes} classes" if gan.num_classes else "")
        )
        with gr.Row():
            with gr.Column():
                seed = gr.Number(value=0, precision=0, minimum=0, maximum=MAX_SEED, label="Seed", elem_id="seed")
                class_id = gr.Dropdown(
                    choices=list(range(gan.num_classes)),
                    value=0 if gan.num_classes else None,
                    label="Class",
                    elem_id="class",
                    visible=bool(gan.num_classes),
                )
                psi = gr.Slider(
                    0.0,
                    1.0,
                    value=1.0,
                    step=0.05,
                    label="Truncation psi (1 = none, 0 = mean latent)",
                    elem_id="truncation",
                )
                end_seed = gr.Number(
                    value=1, precision=0, minimum=0, maximum=MAX_SEED, label="Interpolate to seed", elem_id="end_seed"
                )
                steps = gr.Slider(2, 16, value=8, step=1, label="Interpolation steps", elem_id="steps")
            image = gr.Image(label="Image", type="numpy", format="png", elem_id="image", interactive=False)
        strip = gr.Image(label="Interpolation (slerp)", type="numpy", format="png", elem_id="strip", interactive=False)

        def update(seed_value, class_value, psi_value, end_value, steps_value):
            try:
                return (
                    demo_image(gan, seed_value, class_value, psi_value, display_size),
                    demo_strip(gan, seed_value, end_value, steps_value, class_value, psi_value, display_size),
                )
            except ValueError as error:
                raise gr.Error(str(error)) from error

        inputs = [seed, class_id, psi, end_seed, steps]
        for component in inputs:
            component.change(update, inputs, [image, strip])
        demo.load(update, inputs, [image, strip])
    return demo


def serve_demo(gan, port=7860, block=True, title="keras-gans"):
    """Serves `build_demo(gan)` on `http://127.0.0.1:<port>/`.

    Args:
        gan: a `keras_gans.GAN`.
        port: TCP port on 127.0.0.1.
        block: wait until interrupted (Ctrl-C), as the command line does; False returns at once with the server
            running in a background thread (call `demo.close()` to stop it).
        title: page title.

    Returns:
        `(demo, url)`.
    """
    gr = _import_gradio()
    demo = build_demo(gan, title)
    theme = gr.themes.Default(font=_FONTS[0], font_mono=_FONTS[1])
    _, url, _ = demo.launch(
        server_name=HOST,
        server_port=int(port),
        share=False,
        inbrowser=False,
        prevent_thread_lock=True,
        quiet=True,
        theme=theme,
    )
    if block:
        try:
            demo.block_thread()
        finally:
            demo.close()
    return demo, url
