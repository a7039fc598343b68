"""Throughput of the official PyTorch R3GAN training step, for comparison with `train_throughput.py`, as JSON.

Needs a checkout of the official code (github.com/brownvc/R3GAN: its `R3GAN/` package, `torch_utils/` and
`dnnlib/`); pass the checkout with `--official-root`. Nothing of it ships with keras-gans. It runs on a CUDA GPU
(its custom ops built by its own `torch_utils`) or, with `--device cpu`, on the CPU, where those ops take their
reference paths.

The timed step is the official loop's order, as in `training/training_loop.py`: a D step on one real batch and
one latent batch (RpGAN + gamma/2 (R1 + R2), double backprop, `Trainer.AdversarialTraining`), a G step on a second
real batch and latent batch against the updated D, both with `torch.optim.Adam(betas=(0, 0.99), eps=1e-8)`, then
the EMA of G. Like `train_throughput.py` it has no augmentation and no data loading, so the two measure the same
work. cuDNN benchmark is on and TF32 is off, as in the official `train.py`; `--tf32` turns TF32 on (the PyTorch
default for convolutions, which the Keras PyTorch backend keeps). `--bfloat16-stages` uses the presets' bf16
stage layout (it needs custom CUDA kernels built with bfloat16 support).

Usage:

    python benchmarks/official_r3gan_throughput.py --official-root PATH --config bench32 --batch 64 [--steps 20]
        [--warmup 3] [--tf32] [--bfloat16-stages] [--device cuda|cpu] [--threads N]
"""

import argparse
import copy
import json
import sys
import time

# The official configurations: per-stage widths and cardinalities (generator order), blocks, classes, bf16 stages.
CONFIGS = {
    "bench32": dict(widths=[128] * 4, cardinalities=[8] * 4, blocks=2, classes=0, bf16=()),
    "cifar10": dict(widths=[768] * 4, cardinalities=[96] * 4, blocks=2, classes=10, bf16=(-1, -2, -3)),
    "cifar10_unconditional": dict(widths=[768] * 4, cardinalities=[96] * 4, blocks=2, classes=0, bf16=(-1, -2, -3)),
}
NOISE_DIM = 64
GAMMA = 0.05


def import_official(root):
    """Puts the official checkout `root` on the import path, ready to build its custom ops on a GPU."""
    sys.path.insert(0, root)
    from torch.utils import cpp_extension

    # The official `torch_utils.custom_ops` imports the plugin it just built by name; recent PyTorch no longer
    # puts the build directory on sys.path, so do that here.
    original_load = cpp_extension.load

    def load_with_import_path(*load_args, build_directory=None, **load_kwargs):
        if build_directory:
            sys.path.insert(0, build_directory)
        return original_load(*load_args, build_directory=build_directory, **load_kwargs)

    cpp_extension.load = load_with_import_path
    _provide_pkg_resources()


def _provide_pkg_resources():
    """The official code imports `parse_version` from `pkg_resources`, which recent setuptools no longer ship;
    `packaging.version.parse` is the same function."""
    try:
        import pkg_resources  # noqa: F401
    except ImportError:
        import types

        from packaging.version import parse

        sys.modules["pkg_resources"] = types.SimpleNamespace(parse_version=parse)


def build(config, bfloat16_stages, device):
    """Official (G, D, number of classes) of a `CONFIGS` name or of a dict with the same keys."""
    import torch
    from R3GAN.Networks import Discriminator
    from R3GAN.Networks import Generator

    c = CONFIGS[config] if isinstance(config, str) else config
    stages = len(c["widths"])
    blocks = [c["blocks"]] * stages
    g_kwargs, d_kwargs = {}, {}
    if c["classes"]:
        g_kwargs = dict(ConditionDimension=c["classes"], ConditionEmbeddingDimension=64)
        d_kwargs = dict(ConditionDimension=c["classes"], ConditionEmbeddingDimension=768)
    G = Generator(
        NoiseDimension=NOISE_DIM,
        WidthPerStage=c["widths"],
        CardinalityPerStage=c["cardinalities"],
        BlocksPerStage=blocks,
        ExpansionFactor=2,
        **g_kwargs,
    ).to(device)
    D = Discriminator(
        WidthPerStage=c["widths"][::-1],
        CardinalityPerStage=c["cardinalities"][::-1],
        BlocksPerStage=blocks,
        ExpansionFactor=2,
        **d_kwargs,
    ).to(device)
    if bfloat16_stages:
        for i in c["bf16"]:
            G.MainLayers[i].DataType = torch.bfloat16
        for i in [x + len(c["bf16"]) for x in c["bf16"]]:
            D.MainLayers[i].DataType = torch.bfloat16
    return G, D, c["classes"]


def training_step(G, D, classes, n, device):
    """The official loop's (D step, G step, EMA) closures for batch `n` (see the module docstring)."""
    import torch
    from R3GAN.Trainer import AdversarialTraining

    G_ema = copy.deepcopy(G).eval().requires_grad_(False)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.0, 0.99), eps=1e-8)
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.0, 0.99), eps=1e-8)
    trainer = AdversarialTraining(G, D)
    gen = torch.Generator(device=device).manual_seed(0)
    reals = [torch.rand(n, 3, 32, 32, device=device, generator=gen) * 2 - 1 for _ in range(2)]
    if classes:
        c = torch.nn.functional.one_hot(torch.randint(0, classes, (n,), device=device, generator=gen), classes)
        c = c.float()
    else:
        c = torch.zeros(n, 0, device=device)
    beta = 0.5 ** (n / 5e5)

    def d_step():
        z = torch.randn(n, NOISE_DIM, device=device)
        opt_d.zero_grad(set_to_none=True)
        G.requires_grad_(False)
        D.requires_grad_(True)
        trainer.AccumulateDiscriminatorGradients(z, reals[0], c, Gamma=GAMMA, Scale=1)
        D.requires_grad_(False)
        opt_d.step()

    def g_step():
        z = torch.randn(n, NOISE_DIM, device=device)
        opt_g.zero_grad(set_to_none=True)
        G.requires_grad_(True)
        trainer.AccumulateGeneratorGradients(z, reals[1], c, Scale=1)
        G.requires_grad_(False)
        opt_g.step()

    def ema():
        with torch.no_grad():
            for p_ema, p in zip(G_ema.parameters(), G.parameters()):
                p_ema.copy_(p.detach().lerp(p_ema, beta))
            for b_ema, b in zip(G_ema.buffers(), G.buffers()):
                b_ema.copy_(b)

    return d_step, g_step, ema


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--official-root", required=True, help="checkout of the official R3GAN repository")
    parser.add_argument("--config", default="bench32", choices=sorted(CONFIGS))
    parser.add_argument("--batch", type=int, default=64, help="images per phase")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--tf32", action="store_true")
    parser.add_argument("--bfloat16-stages", action="store_true")
    parser.add_argument(
        "--device",
        choices=["cuda", "cpu"],
        default=None,
        help="default: cuda when available; on cpu the official ops run their reference path",
    )
    parser.add_argument("--threads", type=int, default=0, help="CPU: torch.set_num_threads (0 = default)")
    args = parser.parse_args()
    if args.steps < 1 or args.warmup < 0:
        parser.error("--steps must be at least 1 and --warmup at least 0.")
    import torch

    import_official(args.official_root)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("official_r3gan_throughput: --device cuda needs a CUDA GPU.")
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    G, D, classes = build(args.config, args.bfloat16_stages, device)
    d_step, g_step, ema = training_step(G, D, classes, args.batch, device)
    n = args.batch

    def synchronize():
        if device == "cuda":
            torch.cuda.synchronize()

    def timed(fn, steps):
        synchronize()
        start = time.perf_counter()
        for _ in range(steps):
            fn()
        synchronize()
        return (time.perf_counter() - start) / steps

    def full_step():
        d_step()
        g_step()
        ema()

    start = time.perf_counter()
    full_step()
    synchronize()
    first_s = time.perf_counter() - start
    for _ in range(args.warmup):
        full_step()
    step_s = timed(full_step, args.steps)
    result = {
        "implementation": "official PyTorch R3GAN",
        "device": torch.cuda.get_device_name(0) if device == "cuda" else f"cpu ({torch.get_num_threads()} threads)",
        "torch": torch.__version__,
        "config": args.config,
        "batch": n,
        "tf32": args.tf32,
        "bfloat16_stages": args.bfloat16_stages,
        "params": {
            "generator": sum(p.numel() for p in G.parameters()),
            "discriminator": sum(p.numel() for p in D.parameters()),
        },
        "first_step_s": round(first_s, 2),
        "step_ms": round(1000 * step_s, 2),
        "images_per_sec": round(n / step_s, 3),
        "breakdown": {
            "d_step_ms": round(1000 * timed(d_step, args.steps), 2),
            "g_step_ms": round(1000 * timed(g_step, args.steps), 2),
            "ema_ms": round(1000 * timed(ema, args.steps), 2),
        },
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
