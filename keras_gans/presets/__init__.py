"""One preset system for every model: the registry of names and weight sources, and the loader behind
`from_preset`, `save_to_preset` and `presets` (see `registry` and `preset_loader`)."""

from keras_gans.presets.preset_loader import NetworkPresetMixin
from keras_gans.presets.preset_loader import PresetMixin
from keras_gans.presets.preset_loader import converted_checkpoint_dir
from keras_gans.presets.registry import checkpoint_converter
from keras_gans.presets.registry import list_presets
from keras_gans.presets.registry import register_checkpoint_converter
from keras_gans.presets.registry import register_model
from keras_gans.presets.registry import register_presets
from keras_gans.presets.registry import register_weight_source
