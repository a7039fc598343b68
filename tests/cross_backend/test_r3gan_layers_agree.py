"""R3GAN's layers and both official fixture networks give the same numbers on TensorFlow, JAX and PyTorch (same
weights, same inputs): forward outputs of every layer and network, and R1-style gradients of gradients through the
grouped convolution (both implementations), the resamplers and a residual block."""

import pathlib

from backend_runner import assert_backends_agree
from backend_runner import run_on_backends

SNIPPET = """
import sys
sys.path.insert(0, TESTS_DIR)
import keras
import numpy as np
from keras import ops
from keras_gans import layers as L
from keras_gans.models.r3gan import r3gan_from_official
from r3gan_gradients import r1_penalty_gradients

rng = np.random.default_rng(0)
out = {}
np_ = lambda t: np.asarray(ops.convert_to_numpy(ops.cast(t, "float32")), np.float32)


def randomize(layer):
    for v in layer.trainable_weights:
        v.assign(rng.standard_normal(tuple(v.shape)).astype("float32") * 0.3)
    return layer


x = rng.standard_normal((2, 4, 4, 8)).astype("float32")
vec = rng.standard_normal((2, 6)).astype("float32")
onehot = np.eye(3, dtype="float32")[[2, 0]]
cases = {
    "upsample": (L.InterpolativeUpsample2D(), x), "downsample": (L.InterpolativeDownsample2D(), x),
    "nearest": (L.NearestUpsample2D(2), x), "average": (L.AverageDownsample2D(2), x),
    "gconv_native": (L.GroupedConv2D(6, 3, groups=2, use_bias=True, implementation="native"), x),
    "gconv_split": (L.GroupedConv2D(6, 3, groups=2, use_bias=True, implementation="split"), x),
    "lrelu": (L.BiasedLeakyReLU(), x),
    "block_native": (L.ResidualBlock(4, 3, conv_implementation="native"), x),
    "block_split": (L.ResidualBlock(4, 3, conv_implementation="split"), x),
    "generative_basis": (L.GenerativeBasis(5), vec), "discriminative_basis": (L.DiscriminativeBasis(3), x),
    "up_transition": (L.UpsampleTransition(4), x), "down_transition": (L.DownsampleTransition(12), x),
    "class_embedding": (L.ClassEmbedding(4), onehot),
}
for name, (layer, inputs) in cases.items():
    layer.build(inputs.shape)
    out["out_" + name] = np_(randomize(layer)(inputs))
head = L.ProjectionHead(6)
head.build((2, 6), onehot.shape)
out["out_projection"] = np_(randomize(head)(vec, onehot))

cot = rng.standard_normal((2, 4, 4, 6)).astype("float32")
for implementation in ("native", "split"):
    layer = cases["gconv_" + implementation][0]
    xla = keras.backend.backend() == "tensorflow" and implementation == "native"
    penalty, grad, params = r1_penalty_gradients(layer, x, cot, xla=xla)
    out["grad_gconv_%s_penalty" % implementation] = penalty
    out["grad_gconv_%s_input" % implementation] = grad
    for i, g in enumerate(params):
        out["grad_gconv_%s_param%d" % (implementation, i)] = g
penalty, grad, params = r1_penalty_gradients(cases["block_split"][0], x, x[..., ::-1])
out["grad_block_penalty"], out["grad_block_input"] = penalty, grad
for i, g in enumerate(params):
    out["grad_block_param%d" % i] = g
for name in ("upsample", "downsample"):
    y = cases[name][0](x)
    _, grad, _ = r1_penalty_gradients(cases[name][0], x, rng.standard_normal(y.shape).astype("float32"))
    out["grad_%s_input" % name] = grad

folder = FIXTURES
for config in ("uncond", "cond"):
    io = dict(np.load(folder + "/%s_io.npz" % config))
    generator = r3gan_from_official(dict(np.load(folder + "/%s_G_state.npz" % config)))
    discriminator = r3gan_from_official(dict(np.load(folder + "/%s_D_state.npz" % config)))
    labels = io["c"] if generator.num_classes else None
    images = generator(io["z"], labels)
    out["out_%s_G" % config] = np_(images)
    out["out_%s_D_real" % config] = np_(discriminator(io["x_real"].transpose(0, 2, 3, 1), labels))
    out["out_%s_D_fake" % config] = np_(discriminator(images, labels))
np.savez(OUT, **out)
"""


def test_r3gan_layers_and_networks_agree_across_backends(fixtures_dir):
    tests_dir = pathlib.Path(__file__).resolve().parents[1]
    fixtures = fixtures_dir / "r3gan_official"
    code = f"TESTS_DIR = {str(tests_dir)!r}\nFIXTURES = {str(fixtures)!r}\n" + SNIPPET
    results = run_on_backends(code)
    outputs = {b: {k: v for k, v in r.items() if k.startswith("out_")} for b, r in results.items()}
    grads = {b: {k: v for k, v in r.items() if k.startswith("grad_")} for b, r in results.items()}
    assert len(outputs["tensorflow"]) == 21 and len(grads["tensorflow"]) == 17
    assert_backends_agree(outputs, atol=1e-5, rtol=1e-5)
    # Gradients of gradients reach magnitudes of ~1e2: compare relative to each array's scale.
    scaled = {b: {k: v / max(abs(results["tensorflow"][k]).max(), 1.0) for k, v in g.items()} for b, g in grads.items()}
    assert_backends_agree(scaled, atol=1e-5, rtol=1e-4)
