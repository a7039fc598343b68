"""R3GAN architectures of the official parity fixtures, registered for the test suite only (by `conftest.py`),
together with the benchmark's `bench32` (`benchmarks/r3gan_benchmark_presets.py`; tests use it as an architecture
without weights).

The configurations are those of `shared/fixtures/r3gan` (`configs.json`: stages, cardinalities, blocks, latent and
embedding sizes, bfloat16 stages, parameter counts). Their recipe is the FFHQ-64 recipe, whose schedules the
fixture's training step used.
"""

import pathlib

from script_loading import load_script

from keras_gans.models.r3gan.r3gan_presets import PRESET_FAMILY
from keras_gans.models.r3gan.r3gan_presets import architecture
from keras_gans.models.r3gan.r3gan_presets import preset_recipe
from keras_gans.presets import register_presets

FIXTURE_PRESETS = {
    "fixture_unconditional": {
        "description": "The tiny unconditional 32x32 configuration of the official parity fixture (not for "
        "training; its recipe holds the FFHQ-64 schedules the fixture's training step used).",
        **architecture([16, 16, 12, 12], [2] * 4, bfloat16_stages=(-1, -2, -3), latent_dim=32),
        "recipe": preset_recipe("ffhq64"),
        "official_parameters": {"generator": 36_644, "discriminator": 36_148},
    },
    "fixture_conditional": {
        "description": "The tiny conditional 16x16 configuration of the official parity fixture (5 classes; not "
        "for training; FFHQ-64 schedules as in the fixture's training step).",
        **architecture(
            [24, 16, 12],
            [3, 2, 2],
            num_classes=5,
            bfloat16_stages=(-1, -2),
            latent_dim=16,
            blocks=[1, 2, 2],
            embedding_dims=(16, 24),
        ),
        "recipe": preset_recipe("ffhq64"),
        "official_parameters": {"generator": 28_980, "discriminator": 28_828},
    },
}


BENCHMARK_PRESETS_FILE = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "r3gan_benchmark_presets.py"


def register():
    """Registers the fixture architectures and the benchmark's (idempotent)."""
    register_presets(PRESET_FAMILY, FIXTURE_PRESETS)
    module = load_script(BENCHMARK_PRESETS_FILE, "r3gan_benchmark_presets")
    module.register()
