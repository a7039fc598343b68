"""ProGAN's layers and networks give the same numbers on TensorFlow, JAX and PyTorch (same weights, same inputs):
forward outputs, input gradients and WGAN-GP-style gradients of gradients."""

from backend_runner import assert_backends_agree
from backend_runner import run_on_backends

SNIPPET = """
import numpy as np
import keras
from keras import ops
from keras_gans.backend.gradients import input_gradient, value_and_grad
from keras_gans.layers import EqualizedConv2D, EqualizedDense, FadeIn, MinibatchStdDev, PixelNorm
from keras_gans import ProGANDiscriminator, ProGANGenerator

rng = np.random.default_rng(0)
out = {}
np_ = lambda t: np.asarray(ops.convert_to_numpy(t), np.float32)


def set_weights(layer_or_model):
    for v in layer_or_model.trainable_weights:
        v.assign(rng.standard_normal(tuple(v.shape)).astype("float32") * (0.3 if "bias" in v.path else 1.0))


x = rng.standard_normal((4, 8, 8, 3)).astype("float32")
vec = rng.standard_normal((4, 6)).astype("float32")
layers = {
    "dense": (EqualizedDense(32, gain=2 ** 0.5 / 4, bias_units=2, lr_multiplier=0.5), vec),
    "dense_pgz": (EqualizedDense(5, scale_bias=True), vec),
    "conv": (EqualizedConv2D(4, 3), x),
    "conv_up": (EqualizedConv2D(4, 3, resample="up"), x),
    "conv_up_fused": (EqualizedConv2D(4, 3, resample="up", fused_resample=True), x),
    "conv_down": (EqualizedConv2D(4, 3, resample="down"), x),
    "conv_down_fused": (EqualizedConv2D(4, 3, resample="down", fused_resample=True, scale_bias=True), x),
    "to_rgb": (EqualizedConv2D(3, 1, gain=1.0), x),
    "pixel_norm": (PixelNorm(), x),
    "mbstd": (MinibatchStdDev(2), x),
    "mbstd_pgz": (MinibatchStdDev(4, mode="pytorch_gan_zoo"), x[:3]),
}
for name, (layer, inputs) in layers.items():
    layer(inputs)
    set_weights(layer)
    out[name] = np_(layer(inputs))
out["fade"] = np_(FadeIn(alpha=0.3)(x, x[::-1]))

# Input gradient and the gradient of its squared norm, through a nonlinearity.
conv = layers["conv_down_fused"][0]
xt = ops.convert_to_tensor(x)
out["conv_input_grad"] = np_(input_gradient(lambda t: ops.tanh(conv(t)), xt))
penalty = lambda p: ops.sum(ops.square(input_gradient(lambda t: ops.tanh(conv.stateless_call(p, [], t)[0]), xt)))
_, grads = value_and_grad(penalty)([v.value for v in conv.trainable_variables])
out["conv_penalty_grad_kernel"] = np_(grads[0])

# Small networks: fade-in, truncation, AC-GAN head, penalty gradient w.r.t. D's weights.
z = rng.standard_normal((4, 8)).astype("float32")
labels = np.eye(3, dtype="float32")[[0, 1, 2, 0]]
g = ProGANGenerator(resolution=16, fmap_base=64, fmap_max=16, latent_dim=8, num_classes=3)
d = ProGANDiscriminator(resolution=16, fmap_base=64, fmap_max=16, num_classes=3, mbstd_group_size=2)
set_weights(g)
set_weights(d)
images = rng.uniform(-1, 1, (4, 16, 16, 3)).astype("float32")
for lod in (0.0, 0.5, 1.25):
    g.set_lod(lod)
    d.set_lod(lod)
    out[f"g_lod{lod}"] = np_(g(z, labels=labels))
    scores, logits = d(images)
    out[f"d_scores_lod{lod}"], out[f"d_logits_lod{lod}"] = np_(scores), np_(logits)
d.set_lod(0.5)
nt = [v.value for v in d.non_trainable_variables]
it = ops.convert_to_tensor(images)
gp = lambda p: ops.sum(ops.square(input_gradient(lambda t: d.stateless_call(p, nt, t)[0][0], it)))
value, grads = value_and_grad(gp)([v.value for v in d.trainable_variables])
out["d_penalty"] = np_(value)
for v, grad in zip(d.trainable_variables, grads):
    if v.path.endswith("kernel"):
        out["d_penalty_grad/" + v.path.split("/", 1)[1]] = np_(grad)
np.savez(OUT, **out)
"""


def test_progan_layers_and_networks_agree_across_backends():
    results = run_on_backends(SNIPPET)
    assert len(results["jax"]) > 30
    assert_backends_agree(results, atol=1e-5, rtol=1e-5)
