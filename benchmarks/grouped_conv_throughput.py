"""Time of one R3GAN grouped convolution per `GroupedConv2D` implementation on the active backend, as JSON.

The discriminator step of R3GAN differentiates its penalties R1/R2 once more, so every grouped convolution of D runs
forward, backward (input gradient, kept differentiable) and the second-order backward (kernel gradient of the
penalty). This script times exactly that, `r1_ms`:

    f(x)    = sum(c * leaky_relu(conv(x), 0.2))
    g       = d f / d x                       (first order, differentiable)
    penalty = sum(g ** 2)
    grads   = d penalty / d kernel            (second order)

and the forward pass alone, `forward_ms`, for each implementation (`native`: one grouped-convolution kernel, cuDNN
on GPUs; `split`: one dense convolution per group; `matmul`: the shifted windows of each group as the columns of one
batched matmul), so that the choice of `implementation="auto"` per backend and device rests on measurements.

On PyTorch `native` takes the convolution of `keras_gans.backend.torch_convolution`, whose gradients of every order
are single grouped kernels; with `--torch-builtin` it runs `torch.nn.functional.conv2d` and PyTorch's own
second-order backward (one convolution per group for the kernel gradient) instead, reported as
`native_torch_builtin`. Compare the two in separate runs: a second measurement in one process is faster.

Shapes: `cifar10` is the largest grouped convolution of the paper's CIFAR-10 model (32 x 32, 1536 channels, 96
groups), `bench32` that of the `bench32` benchmark config (32 x 32, 256 channels, 8 groups); `--batch` sets N.

Usage:

    KERAS_BACKEND=torch python benchmarks/grouped_conv_throughput.py --shape cifar10 --batch 64
        [--implementations native,split,matmul] [--steps 10] [--warmup 2] [--dtype float32|bfloat16]
        [--tf32 default|on|off] [--cudnn-benchmark] [--torch-builtin]
"""

import argparse
import contextlib
import json
import time

import keras
import numpy as np
from keras import ops
from train_throughput import set_gpu_math

from keras_gans.backend import device_name
from keras_gans.backend import input_gradient
from keras_gans.backend import value_and_grad
from keras_gans.layers import GroupedConv2D
from keras_gans.layers.grouped_conv import IMPLEMENTATIONS

# name -> (height = width, channels, groups) of the grouped convolution.
SHAPES = {"cifar10": (32, 1536, 96), "bench32": (32, 256, 8)}


def _synchronize(value):
    """Waits until `value` is computed (GPU queues are asynchronous) by reading one element back."""
    return float(np.asarray(ops.convert_to_numpy(ops.reshape(value, (-1,))[:1]))[0])


def _compiled(function):
    """JAX runs the function jitted (as in a training step); TensorFlow and PyTorch run it eagerly."""
    if keras.backend.backend() == "jax":
        import jax

        return jax.jit(function)
    return function


def _timed_ms(function, args, steps, warmup):
    for _ in range(warmup):
        _synchronize(function(*args)[0])
    start = time.perf_counter()
    for _ in range(steps):
        out = function(*args)
    _synchronize(out[0])
    return 1000 * (time.perf_counter() - start) / steps


def measure(implementation, size, channels, groups, batch, dtype, steps, warmup):
    """`{"forward_ms", "r1_ms"}` of one `GroupedConv2D(channels, 3, groups)` on `(batch, size, size, channels)`."""
    layer = GroupedConv2D(channels, 3, groups=groups, implementation=implementation, dtype=dtype)
    layer.build((batch, size, size, channels))
    rng = np.random.default_rng(0)
    x = ops.convert_to_tensor(rng.standard_normal((batch, size, size, channels)), dtype)
    cotangent = ops.convert_to_tensor(rng.standard_normal((batch, size, size, channels)), dtype)
    kernel = [v.value for v in layer.trainable_variables]

    def forward(params, x):
        return (layer.stateless_call(params, [], x)[0],)

    def penalty(params, x):
        def summed(t):
            return cotangent * ops.leaky_relu(layer.stateless_call(params, [], t)[0], 0.2)

        grad = input_gradient(summed, x)
        return ops.sum(ops.cast(grad, "float32") ** 2)

    def r1(params, x):
        value, grads = value_and_grad(penalty)(params, x)
        return grads[0], value

    return {
        "forward_ms": round(_timed_ms(_compiled(forward), (kernel, x), steps, warmup), 3),
        "r1_ms": round(_timed_ms(_compiled(r1), (kernel, x), steps, warmup), 3),
    }


@contextlib.contextmanager
def torch_builtin_convolution():
    """PyTorch only: the NHWC convolutions of `keras_gans.backend.convolution` run `aten.convolution` with
    PyTorch's built-in backward passes meanwhile."""
    import torch

    from keras_gans.backend import convolution

    def builtin(x, w, stride=1, padding=(0, 0), transposed=False, groups=1):
        return torch.ops.aten.convolution(
            x, w, None, [stride, stride], list(padding), [1, 1], transposed, [0, 0], groups
        )

    original, convolution.convolution_nchw = convolution.convolution_nchw, builtin
    try:
        yield
    finally:
        convolution.convolution_nchw = original


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", default="bench32", choices=sorted(SHAPES))
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument(
        "--implementations",
        default="native,split,matmul",
        help=f"comma-separated, from {[i for i in IMPLEMENTATIONS if i != 'auto']}",
    )
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    parser.add_argument("--cudnn-benchmark", action="store_true", help="PyTorch: torch.backends.cudnn.benchmark")
    parser.add_argument(
        "--tf32",
        default="default",
        choices=["default", "on", "off"],
        help="float32 math on GPUs, as in train_throughput.py",
    )
    parser.add_argument(
        "--torch-builtin", action="store_true", help="PyTorch: time native with PyTorch's own convolution backward"
    )
    args = parser.parse_args()
    implementations = [name.strip() for name in args.implementations.split(",") if name.strip()]
    unknown = [name for name in implementations if name not in IMPLEMENTATIONS or name == "auto"]
    if unknown or args.batch < 1 or args.steps < 1 or args.warmup < 0:
        parser.error(f"unknown implementations {unknown}, or a non-positive --batch/--steps, or negative --warmup.")
    backend = keras.backend.backend()
    set_gpu_math(args.tf32, args.cudnn_benchmark)
    size, channels, groups = SHAPES[args.shape]
    results = {}
    builtin = args.torch_builtin and backend == "torch"
    with torch_builtin_convolution() if builtin else contextlib.nullcontext():
        for name in implementations:
            key = "native_torch_builtin" if builtin and name == "native" else name
            if backend == "tensorflow" and name == "native":
                # TensorFlow's grouped conv has no gradient outside XLA on CPU (see GroupedConv2D).
                results[key] = {"error": "needs XLA on TensorFlow; not timed"}
                continue
            results[key] = measure(name, size, channels, groups, args.batch, args.dtype, args.steps, args.warmup)
    print(
        json.dumps(
            {
                "backend": backend,
                "device": device_name(),
                "shape": args.shape,
                "input": [args.batch, size, size, channels],
                "groups": groups,
                "dtype": args.dtype,
                "tf32": args.tf32,
                "cudnn_benchmark": bool(args.cudnn_benchmark),
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    main()
