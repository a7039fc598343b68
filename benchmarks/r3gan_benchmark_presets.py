"""R3GAN architectures of the benchmarks (not published configurations), registered by the scripts that use them.

`bench32`: 32x32, 4 stages of width 128, cardinality 8, 2 blocks per stage, 64-d noise, unconditional, float32,
with the CIFAR-10 unconditional recipe. Call `register()` before `R3GAN.from_preset("bench32", load_weights=False)`
or `keras_gans.models.r3gan.preset_arguments("bench32", ...)`.
"""

from keras_gans.models.r3gan.r3gan_presets import PRESET_FAMILY
from keras_gans.models.r3gan.r3gan_presets import architecture
from keras_gans.models.r3gan.r3gan_presets import preset_recipe
from keras_gans.presets import register_presets

BENCHMARK_PRESETS = {
    "bench32": {
        "description": "Reduced 32x32 benchmark configuration (not an official preset): 4 stages of width 128, "
        "cardinality 8, 2 blocks per stage, 64-d noise, unconditional, float32; CIFAR-10 "
        "unconditional recipe.",
        **architecture([128] * 4, [8] * 4),
        "recipe": preset_recipe("cifar10_unconditional"),
    },
}


def register():
    register_presets(PRESET_FAMILY, BENCHMARK_PRESETS)
