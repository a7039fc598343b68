"""The preset registry: which names a model family knows, where their weights come from, what converts a file.

Presets are grouped by *family* (`"r3gan"`, `"progan"`): the name a model class and its networks declare in
`preset_family`. The data modules register their tables here without importing the model classes, and the model
package binds the class to the family (`register_model`), as KerasHub's `register_presets` does in a model's
`__init__.py`. Everything registered is read through the functions below, live, so a table extended later (for
instance by a test that registers a fixture architecture) is seen at once.

* `register_presets(family, presets)`: a mapping `name -> entry` of architectures. An entry holds `description`,
  the constructor arguments of each network (`generator`, `discriminator`) and model-specific data (`recipe`,
  `schedule`, `official_parameters`).
* `register_weight_source(family, source, names, fetch)`: names whose weights come from `source` (`"shipped"`,
  `"official"`, `"pgz"`); `fetch(model_cls, name)` returns the preset directory, downloading and converting once.
* `register_checkpoint_converter(family, suffixes, convert)`: `convert(model_cls, path, output_dir)` turns a
  checkpoint file of the original code into a preset directory (used by `from_preset(path)` and `keras-gans
  convert`).
* `register_model(family, model_cls, network_arguments)`: the model class that owns the presets and the function
  giving a network's constructor arguments for a registered architecture.
"""

import collections
import pathlib

_PRESETS = {}
_SOURCES = {}
_CONVERTERS = {}
_MODELS = {}


def presets_table(family):
    """Every registered architecture of `family`: a live read-through view (`collections.ChainMap`) of the
    registered tables, first registration first."""
    return _PRESETS.setdefault(family, collections.ChainMap())


def register_presets(family, presets):
    """Registers a mapping of architecture presets (`name -> entry`) for `family`; later tables may add names."""
    table = presets_table(family)
    if not any(registered is presets for registered in table.maps):
        table.maps.append(presets)


def preset_entry(family, name):
    """The registered entry of `name` (the first table that has it), or `None`."""
    return presets_table(family).get(name)


def architecture_names(family):
    """The names of every registered architecture of `family`, sorted."""
    return sorted(presets_table(family))


def register_weight_source(family, source, names, fetch, describe=None, architecture=None):
    """Registers a source of weights.

    Args:
        family: the preset family.
        source: a short name of the source (`"shipped"`, `"official"`, `"pgz"`), shown in listings.
        names: a callable returning the names the source serves (read at every lookup).
        fetch: `fetch(model_cls, name)` -> the preset directory holding the weights.
        describe: optional `describe(name)` -> a description, for names without an architecture entry.
        architecture: optional `architecture(name)` -> `(architecture name, {argument: value})`, the registered
            architecture (and `from_preset` arguments) that the weights of a name without an architecture entry
            fit, so that `load_weights=False` builds it without fetching the weights.
    """
    sources = _SOURCES.setdefault(family, [])
    sources[:] = [s for s in sources if s[0] != source] + [(source, names, fetch, describe, architecture)]


def weight_source(family, name):
    """`(source, fetch)` of the first registered source serving `name`, or `None`."""
    for source, names, fetch, *_ in _SOURCES.get(family, ()):
        if name in names():
            return source, fetch
    return None


def source_architecture(family, name):
    """`(architecture name, {argument: value})` that the weights of `name` fit, where its source says, or `None`."""
    for _, names, _, _, architecture in _SOURCES.get(family, ()):
        if name in names():
            return architecture(name) if architecture else None
    return None


def weighted_names(family):
    """Every name some weight source of `family` serves, sorted."""
    return sorted({name for _, names, *_ in _SOURCES.get(family, ()) for name in names()})


def register_checkpoint_converter(family, suffixes, convert):
    """Registers `convert(model_cls, path, output_dir)` for checkpoint files ending in one of `suffixes`."""
    converters = _CONVERTERS.setdefault(family, [])
    converters.append((tuple(s.lower() for s in suffixes), convert))


def checkpoint_converter(family, path):
    """The converter registered for the file `path` (by its suffix), or `None`."""
    suffix = pathlib.Path(path).suffix.lower()
    for suffixes, convert in _CONVERTERS.get(family, ()):
        if suffix in suffixes:
            return convert
    return None


def checkpoint_suffixes(family):
    return sorted({s for suffixes, _ in _CONVERTERS.get(family, ()) for s in suffixes})


def families_with(name):
    """The registered families (with a model class) that know `name` as an architecture or a weighted preset."""
    return [family for family in sorted(_MODELS) if name in presets_table(family) or name in weighted_names(family)]


def register_model(family, model_cls, network_arguments):
    """Binds `family` to its model class and to `network_arguments(name, role)` (constructor arguments)."""
    _MODELS[family] = (model_cls, network_arguments)


def model_class(family):
    if family not in _MODELS:
        raise ValueError(f"No model class is registered for the preset family '{family}'.")
    return _MODELS[family][0]


def network_arguments(family, name, role):
    """Constructor arguments of the network `role` of the architecture `name` (the family's own lookup, which
    raises its error for an unknown name)."""
    if family not in _MODELS:
        raise ValueError(f"No model class is registered for the preset family '{family}'.")
    return _MODELS[family][1](name, role)


def list_presets(family):
    """`{name: {"description", "weights", "source"}}` for every registered name of `family`, sorted by name.

    `weights` says whether the name loads trained weights; `source` is the registered source (`None` for an
    architecture that builds fresh weights).
    """
    listing = {}
    for name in sorted(set(architecture_names(family)) | set(weighted_names(family))):
        entry = preset_entry(family, name) or {}
        found = weight_source(family, name)
        description = entry.get("description")
        if description is None:
            for source, names, _, describe, _ in _SOURCES.get(family, ()):
                if describe is not None and name in names():
                    description = describe(name)
                    break
        listing[name] = {
            "description": description or "",
            "weights": found is not None,
            "source": found[0] if found else None,
        }
    return listing
