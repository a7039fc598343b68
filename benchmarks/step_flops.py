"""FLOPs of a GAN training step and model-FLOP utilisation (MFU), for `train_throughput.py`.

Two counts:

- analytic (every backend): the forward FLOPs of G and D counted layer by layer (2 multiply-adds per weight
  use: `Dense` and 1x1 convolutions `2 * rows * in * out`, convolutions `2 * output pixels * kh * kw *
  in / groups * out`; elementwise work is ignored) from the layers' input shapes in one call, combined
  with the standard multipliers of the R3GAN step (RpGAN + R1 + R2, batch `B` per phase, `F` = forward FLOPs
  of a network on `B` inputs):

  - D phase: G forward on the latents (`F_G`, no gradient); D on the reals and on the fakes, each a forward
    (`F_D`), the R1/R2 input gradient (a backward that computes activation gradients only, `F_D`) and the
    parameter gradient of loss + penalty, i.e. the backward of the forward (`2 F_D`) and of the input-gradient
    pass (the double backprop, `2 F_D`): `6 F_D` each, `12 F_D`.
  - G phase: G forward and backward (`3 F_G`), D forward on the reals (`F_D`) and on the fakes (`F_D`), and the
    activation backward through D into the fakes (`F_D`; D's weights get no gradient): `3 F_G + 3 F_D`.
  - Step: `4 F_G + 15 F_D` (the Adam and EMA updates are elementwise and not counted).

- compiled (JAX only): XLA's cost analysis of the whole compiled step (`jax.jit(...).lower(...).compile()
  .cost_analysis()["flops"]`), which counts every operation XLA keeps after its simplifications.

MFU is the step FLOPs per second divided by the device's peak (`PEAK_TFLOPS`, dense, by math precision);
`--peak-tflops` overrides it, and on an unlisted device (a CPU) the peak is unknown.
"""

import contextlib

import keras
import numpy as np

# Dense peaks of NVIDIA's data sheets, TFLOP/s (SXM parts; "float32" is plain FP32, "tf32" the tensor cores).
PEAK_TFLOPS = {
    "H200": {"bfloat16": 989.4, "float16": 989.4, "tf32": 494.7, "float32": 66.9},
    "H100": {"bfloat16": 989.4, "float16": 989.4, "tf32": 494.7, "float32": 66.9},
    "A100": {"bfloat16": 312.0, "float16": 312.0, "tf32": 156.0, "float32": 19.5},
}


def peak_tflops(device_name, precision):
    """The peak of `device_name` (matched by the names in `PEAK_TFLOPS`) at `precision`, or None if unknown."""
    for key, peaks in PEAK_TFLOPS.items():
        if key.lower() in str(device_name).lower():
            return peaks.get(precision)
    return None


def _layer_flops(layer, input_shape):
    from keras_gans.layers.grouped_conv import GroupedConv2D

    if isinstance(layer, keras.layers.Dense):
        rows = int(np.prod(input_shape[:-1]))
        return 2 * rows * int(input_shape[-1]) * layer.units
    if isinstance(layer, (keras.layers.Conv2D, GroupedConv2D)):
        groups = getattr(layer, "groups", 1)
        kh, kw = layer.kernel_size
        batch, height, width, channels = input_shape
        # "same" padding, stride 1 in every network here: output pixels = input pixels.
        return 2 * batch * height * width * kh * kw * (int(channels) // groups) * layer.filters
    return 0


@contextlib.contextmanager
def _recording_calls(records):
    from keras_gans.layers.grouped_conv import GroupedConv2D

    classes = (keras.layers.Dense, keras.layers.Conv2D, GroupedConv2D)
    originals = {cls: cls.call for cls in classes}

    def wrap(cls):
        original = originals[cls]

        def call(self, inputs, *args, **kwargs):
            if type(self).call is call:  # only the innermost class records, once
                records.append(_layer_flops(self, tuple(inputs.shape)))
            return original(self, inputs, *args, **kwargs)

        return call

    try:
        for cls in classes:
            cls.call = wrap(cls)
        yield
    finally:
        for cls, original in originals.items():
            cls.call = original


def forward_flops(network, inputs_shape, labels_shape=None):
    """Analytic forward FLOPs of `network(x, labels=...)` for inputs of shape `inputs_shape` (batch included)."""
    records = []
    # A concrete call: symbolic calls of Dense / Conv2D use their output-shape rules instead of `call`.
    x = np.zeros(inputs_shape, "float32")
    labels = None if labels_shape is None else np.zeros(labels_shape, "float32")
    with _recording_calls(records):
        network(x, labels=labels, training=False)
    return int(sum(records))


def analytic_step_flops(gan, batch):
    """`4 F_G + 15 F_D` (see the module docstring) for `batch` images per phase."""
    labels = (batch, gan.num_classes) if gan.num_classes else None
    f_g = forward_flops(gan.generator, (batch, gan.latent_dim), labels)
    f_d = forward_flops(gan.discriminator, (batch,) + gan.image_shape, labels)
    return {"generator_forward": f_g, "discriminator_forward": f_d, "step": 4 * f_g + 15 * f_d}


def compiled_step_flops(gan, data, labels=None):
    """XLA's FLOP count of one compiled training step of `gan` on `data` (JAX; None on other backends)."""
    if keras.backend.backend() != "jax":
        return None
    import jax

    gan.make_train_function()
    state = gan._get_jax_state(
        trainable_variables=True,
        non_trainable_variables=True,
        optimizer_variables=True,
        metrics_variables=True,
        purge_model_variables=False,
    )
    shapes = jax.tree_util.tree_map(lambda v: jax.ShapeDtypeStruct(v.shape, v.dtype), state)
    batch = (
        jax.ShapeDtypeStruct(data.shape, data.dtype),
        None if labels is None else jax.ShapeDtypeStruct(labels.shape, labels.dtype),
        None,
    )
    compiled = jax.jit(gan.train_step).lower(shapes, batch).compile()
    analysis = compiled.cost_analysis()
    if isinstance(analysis, (list, tuple)):
        analysis = analysis[0]
    return float(analysis["flops"])


def utilisation(flops, step_s, peak):
    """Model-FLOP utilisation: `flops / step_s / peak` (peak in TFLOP/s), or None when the peak is unknown."""
    if not peak or not flops:
        return None
    return flops / step_s / (peak * 1e12)
