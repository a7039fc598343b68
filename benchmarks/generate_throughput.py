"""Image generation throughput of `GAN.generate` (and, with `--official-root`, of the official PyTorch R3GAN
generator on the same machine), as JSON.

For each batch size it reports the time to the first image (the first `generate` call of that size, tracing and
compilation included) and images/s (the median over `--repeats` further calls); with `--official-root` the two
implementations are called in turn in one process, so that load on a shared machine affects both alike.
`--config` is an R3GAN preset name (`stacked_mnist_small` loads its shipped weights; `--fresh-weights` for a preset
without weights) or `bench32` (fresh weights); the official generator is built with the same architecture from
its own `R3GAN/Networks.py`, as in `official_r3gan_throughput.py`.

Usage:

    KERAS_BACKEND=jax python benchmarks/generate_throughput.py --config bench32 [--batch-sizes 1 16 64]
        [--repeats 5] [--official-root PATH_TO_R3GAN_CHECKOUT] [--threads N]
"""

import argparse
import json
import pathlib
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def keras_gans_generate(config, fresh_weights=False):
    """`(seconds to load the model, run(batch, seed))`: `R3GAN.generate` of `batch` uint8 images in one chunk."""
    import r3gan_benchmark_presets

    from keras_gans.models.r3gan import R3GAN

    r3gan_benchmark_presets.register()
    start = time.perf_counter()
    model = R3GAN.from_preset(config, load_weights=not (fresh_weights or config == "bench32"))
    load_s = time.perf_counter() - start
    return load_s, lambda batch, seed: model.generate(batch, seed=seed, batch_size=batch)


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


def official_generate(root, config):
    """`(device name, run(batch, seed))`: the official generator's uint8 images on the CPU or one GPU."""
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
            return (images * 127.5 + 128).clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()

    name = torch.cuda.get_device_name(0) if device == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    return name, run


def throughput(runs, batch_sizes, repeats):
    """`{implementation: {batch: {time_to_first_image_s, images_per_s, images_per_s_runs}}}` of `runs`
    (name -> run(batch, seed)): per batch size the first call of each, an untimed second call (TensorFlow traces
    the generator on its second call, see `InferenceFunction`), then `repeats` rounds that call each
    once in turn, so that a load change on the machine affects every implementation alike."""
    rows = {name: {} for name in runs}
    for batch in batch_sizes:
        per_call = {name: [] for name in runs}
        for name, run in runs.items():
            rows[name][str(batch)] = {"time_to_first_image_s": round(_timed(lambda: run(batch, 0)), 4)}
            run(batch, 0)
        for r in range(repeats):
            for name, run in runs.items():
                per_call[name].append(_timed(lambda: run(batch, r + 1)))
        for name, times in per_call.items():
            rows[name][str(batch)]["images_per_s"] = round(batch / statistics.median(times), 2)
            rows[name][str(batch)]["images_per_s_runs"] = [round(batch / t, 2) for t in times]
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="bench32", help="bench32 or an R3GAN preset name")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--fresh-weights", action="store_true", help="do not load the preset's weights")
    parser.add_argument("--official-root", default=None, help="checkout of the official R3GAN repository")
    parser.add_argument("--threads", type=int, default=0, help="PyTorch CPU threads for the official generator")
    parser.add_argument(
        "--official-only",
        action="store_true",
        help="time only the official generator (run it in its own process, alternating with a process that times "
        "keras-gans, where the two frameworks' CPU thread pools would slow each other down in one process)",
    )
    args = parser.parse_args()
    if args.official_only and not args.official_root:
        parser.error("--official-only needs --official-root")

    import keras

    runs, result = {}, {"backend": keras.backend.backend(), "config": args.config, "repeats": args.repeats}
    if not args.official_only:
        load_s, runs["keras_gans"] = keras_gans_generate(args.config, args.fresh_weights)
    if args.official_root:
        import torch

        if args.threads:
            torch.set_num_threads(args.threads)
        result["official_device"], runs["official"] = official_generate(args.official_root, args.config)
    result.update(throughput(runs, args.batch_sizes, args.repeats))
    if "keras_gans" in runs:
        result["keras_gans"]["from_preset_s"] = round(load_s, 3)
    if len(runs) == 2:
        result["speed_vs_official"] = {
            batch: round(result["keras_gans"][batch]["images_per_s"] / result["official"][batch]["images_per_s"], 3)
            for batch in result["official"]
            if batch != "from_preset_s"
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
