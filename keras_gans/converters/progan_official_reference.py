"""Checking a converted official ProGAN against the authors' reference images.

The authors' folder `networks/tensorflow-version/example_import_script` holds `import_example.py` and the ten images
it writes, `img0.png` ... `img9.png`, from `karras2018iclr-celebahq-1024x1024.pkl`: the latents are
`np.random.RandomState(1000).randn(1000, 512)` rows 477, 56, 83, 887, 583, 391, 86, 340, 341, 415 ("hand-picked
top-10"), the labels are empty, the images come from `Gs` and are converted with
`clip(rint((x + 1) / 2 * 255), 0, 255)` (`ProGAN.generate`'s uint8 conversion). `compare_with_reference_images`
regenerates them and reports the per-image difference; `keras-gans check-official-progan` runs it.
"""

import pathlib

import numpy as np

IMPORT_EXAMPLE_SEED = 1000
IMPORT_EXAMPLE_INDICES = (477, 56, 83, 887, 583, 391, 86, 340, 341, 415)
REFERENCE_IMAGES = len(IMPORT_EXAMPLE_INDICES)


def import_example_latents(latent_dim=512):
    """The latents of the official `import_example.py` (float64, `(10, latent_dim)`)."""
    return np.random.RandomState(IMPORT_EXAMPLE_SEED).randn(1000, latent_dim)[list(IMPORT_EXAMPLE_INDICES)]


def reference_image_problem(reference_dir, count=REFERENCE_IMAGES, file_pattern="img{}.png"):
    """Why `reference_dir` cannot serve as the reference images (not a folder, or images missing), or `None`.
    Cheap: checked before a model is loaded."""
    reference_dir = pathlib.Path(reference_dir)
    if not reference_dir.is_dir():
        return f"{reference_dir} is not a folder (the folder of the reference images {file_pattern.format(0)} ...)."
    files = (reference_dir / file_pattern.format(i) for i in range(count))
    missing = [str(f) for f in files if not f.is_file()]
    return f"Missing reference images: {', '.join(missing)}." if missing else None


def _read_png(path):
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image)


def compare_with_reference_images(
    model, reference_dir, latents=None, labels=None, file_pattern="img{}.png", max_diff=1
):
    """Generates the reference latents' images with `model`'s EMA generator (the official `Gs`) and compares them
    with the reference PNGs.

    Args:
        model: a `ProGAN` (e.g. `ProGAN.from_preset("celebahq_1024_official")`).
        reference_dir: the folder with the reference images.
        latents: the latents (default `import_example_latents(model.latent_dim)`); image `i` is
            `file_pattern.format(i)`.
        labels: labels for a conditional model (the official script passes empty labels).
        file_pattern: the reference file names.
        max_diff: the largest per-pixel difference (uint8 levels) that passes: float32 results of another
            implementation may round a value that lies near .5 the other way.

    Returns:
        `{"passed": bool, "max_abs_diff": int, "images": [{"file", "max_abs_diff", "differing_fraction"}]}`.

    Raises:
        FileNotFoundError: the folder or a reference image is missing (the message names it).
        ValueError: a reference image has another shape than the generated one.
    """
    reference_dir = pathlib.Path(reference_dir)
    latents = import_example_latents(model.latent_dim) if latents is None else np.asarray(latents)
    files = [reference_dir / file_pattern.format(i) for i in range(len(latents))]
    problem = reference_image_problem(reference_dir, len(latents), file_pattern)
    if problem:
        raise FileNotFoundError(problem)
    generated = model.generate(latents.astype("float32"), labels=labels)
    if generated.shape[-1] == 1:
        generated = generated[..., 0]
    report = []
    for file, image in zip(files, generated):
        reference = _read_png(file)
        if reference.shape != image.shape:
            raise ValueError(f"{file}: a {reference.shape} image, but the model generates {image.shape}.")
        diff = np.abs(reference.astype(np.int16) - image.astype(np.int16))
        report.append(
            {"file": file.name, "max_abs_diff": int(diff.max()), "differing_fraction": float(np.mean(diff > 0))}
        )
    worst = max(r["max_abs_diff"] for r in report)
    return {"passed": worst <= max_diff, "max_abs_diff": worst, "images": report}
