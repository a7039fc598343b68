"""Image generation throughput of `GAN.generate` (and, with `--official-root`, of the official PyTorch R3GAN
generator on the same machine), as JSON.

For each batch size it reports the time to the first image (the first `generate` call of that size, tracing and
compilation included) and images/s over `--repeats` further calls. `--config` is an R3GAN preset name
(`stacked_mnist_small` loads its shipped weights; `--fresh-weights` for a preset without weights) or
`bench32` (fresh weights); the official generator is built
with the same architecture from its own `R3GAN/Networks.py`, as in `official_r3gan_throughput.py`.

Usage:

    KERAS_BACKEND=jax python benchmarks/generate_throughput.py --config bench32 [--batch-sizes 1 16 64]
        [--repeats 5] [--official-root PATH_TO_R3GAN_CHECKOUT] [--threads N]
"""

import argparse
import json
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def keras_gans_throughput(config, batch_sizes, repeats, fresh_weights=False):
    """`{batch: {time_to_first_image_s, images_per_s}}` of `R3GAN.generate`, plus the model load time."""
    import r3gan_benchmark_presets

    from keras_gans.models.r3gan import R3GAN

    r3gan_benchmark_presets.register()
    start = time.perf_counter()
    model = R3GAN.from_preset(config, load_weights=not (fresh_weights or config == "bench32"))
    load_s = time.perf_counter() - start
    rows = {}
    for batch in batch_sizes:
        first = _timed(lambda b=batch: model.generate(b, seed=0, batch_size=b))
        total = sum(_timed(lambda b=batch, r=r: model.generate(b, seed=r + 1, batch_size=b)) for r in range(repeats))
        rows[str(batch)] = {"time_to_first_image_s": round(first, 4), "images_per_s": round(batch * repeats / total, 2)}
    return {"from_preset_s": round(load_s, 3), "batches": rows}


def _official_architecture(config):
    """The official CONFIGS entry matching a keras-gans R3GAN preset (widths in generator order)."""
    import r3gan_benchmark_presets

    from keras_gans.models.r3gan import preset_arguments

    r3gan_benchmark_presets.register()
    g = preset_arguments(config, "generator")
    blocks = set(g.get("blocks_per_stage") or [2])
    if len(blocks) != 1 or g.get("num_classes"):
        raise ValueError(f"--official-root: {config!r} is not an unconditional architecture with equal blocks.")
    return {
        "widths": list(g["widths"]),
        "cardinalities": list(g["cardinalities"]),
        "blocks": blocks.pop(),
        "classes": 0,
        "bf16": (),
    }, int(g.get("latent_dim", 64))


def official_throughput(root, config, batch_sizes, repeats):
    """The official generator's `{batch: {time_to_first_image_s, images_per_s}}` on the CPU or one GPU."""
    import official_r3gan_throughput as official
    import torch

    official.import_official(root)
    architecture, latent_dim = _official_architecture(config)
    official.NOISE_DIM = latent_dim
    device = "cuda" if torch.cuda.is_available() else "cpu"
    generator, _, _ = official.build(architecture, False, device)
    generator.eval()

    def run(batch, seed):
        z = torch.from_numpy(np.random.default_rng(seed).standard_normal((batch, latent_dim)).astype("float32"))
        z = z.to(device)
        with torch.inference_mode():
            images = generator(z)
            (images * 127.5 + 128).clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()

    rows = {}
    for batch in batch_sizes:
        first = _timed(lambda b=batch: run(b, 0))
        total = sum(_timed(lambda b=batch, r=r: run(b, r + 1)) for r in range(repeats))
        rows[str(batch)] = {"time_to_first_image_s": round(first, 4), "images_per_s": round(batch * repeats / total, 2)}
    name = torch.cuda.get_device_name(0) if device == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    return {"device": name, "batches": rows}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="bench32", help="bench32 or an R3GAN preset name")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--fresh-weights", action="store_true", help="do not load the preset's weights")
    parser.add_argument("--official-root", default=None, help="checkout of the official R3GAN repository")
    parser.add_argument("--threads", type=int, default=0, help="PyTorch CPU threads for the official generator")
    args = parser.parse_args()

    import keras

    result = {
        "backend": keras.backend.backend(),
        "config": args.config,
        "repeats": args.repeats,
        "keras_gans": keras_gans_throughput(args.config, args.batch_sizes, args.repeats, args.fresh_weights),
    }
    if args.official_root:
        if args.threads:
            import torch

            torch.set_num_threads(args.threads)
        result["official"] = official_throughput(args.official_root, args.config, args.batch_sizes, args.repeats)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
