"""Reader for official R3GAN training snapshots (``network-snapshot-*.pkl`` and the released Hugging Face pickles).

A snapshot is a plain pickle (no embedded source code) of ``{G, D, G_ema, training_set_kwargs, cur_nimg,
D_opt_state, G_opt_state}``. ``G``/``D``/``G_ema`` are ``torch.nn.Module`` wrappers pickled as "new object of class
+ ``__dict__``" with ``_parameters``/``_buffers``/``_modules`` trees; stages carry ``DataType`` (``torch.float32``
or ``torch.bfloat16``, the "FP16Stages" mixed-precision flags) and the G wrapper carries ``z_dim``, ``c_dim`` and
``img_resolution``. Tensors are ``_rebuild_parameter(_rebuild_tensor_v2(storage, ...))`` with each storage a
nested legacy ``torch.save`` stream (see :mod:`.torch_format`). The optimiser states are Adam ``state_dict()``s
keyed by parameter index in ``module.parameters()`` order.

Current snapshots name the classes ``training.networks.*`` / ``R3GAN.*``; the released checkpoints use the
pre-rename ``training.networks_baseline.*`` / ``BaselineGAN.*``. Both map to the same inert stand-ins: nothing
from the file is imported or executed, and torch is not needed.
"""

import dataclasses
from typing import Any

from .safe_unpickler import CheckpointFormatError
from .safe_unpickler import StandInObject
from .safe_unpickler import make_stand_in_class
from .safe_unpickler import open_binary
from .safe_unpickler import safe_load
from .torch_format import TORCH_ALLOWED
from .torch_format import Tensor
from .torch_format import TorchDType
from .torch_format import tensors_to_numpy


class TorchModuleStandIn(StandInObject):
    """Inert stand-in for a pickled ``torch.nn.Module`` subclass (state: ``_parameters``, ``_modules``, ...)."""


_NETWORK_CLASSES = (
    "Generator", "Discriminator", "GeneratorStage", "DiscriminatorStage", "GenerativeBasis", "DiscriminativeBasis",
    "UpsampleLayer", "DownsampleLayer", "ResidualBlock", "Convolution",
)  # fmt: skip
_RESAMPLER_CLASSES = (
    "InterpolativeUpsampler", "InterpolativeDownsampler", "InterpolativeUpsamplerCUDA",
    "InterpolativeDownsamplerCUDA",
)  # fmt: skip
_FUSED_CLASSES = ("BiasedActivation", "BiasedActivationCUDA")
_TORCH_MODULES = (
    ("torch.nn.modules.conv", "Conv2d"),
    ("torch.nn.modules.linear", "Linear"),
    ("torch.nn.modules.container", "ModuleList"),
)
SNAPSHOT_KEYS = ("G", "D", "G_ema", "training_set_kwargs", "cur_nimg", "D_opt_state", "G_opt_state")


def _r3gan_allow_list():
    names = list(_TORCH_MODULES)
    for package in ("R3GAN", "BaselineGAN"):
        names += [(f"{package}.Networks", n) for n in _NETWORK_CLASSES]
        names += [(f"{package}.Resamplers", n) for n in _RESAMPLER_CLASSES]
        names += [(f"{package}.FusedOperators", n) for n in _FUSED_CLASSES]
    for wrapper_module in ("training.networks", "training.networks_baseline"):
        names += [(wrapper_module, "Generator"), (wrapper_module, "Discriminator")]
    allowed = dict(TORCH_ALLOWED)
    allowed.update({key: make_stand_in_class(*key, base=TorchModuleStandIn) for key in names})
    return allowed


R3GAN_ALLOWED = _r3gan_allow_list()


@dataclasses.dataclass
class AdamState:
    """An Adam ``state_dict()`` with parameter indices replaced by official parameter names.

    Attributes:
        state: ``{name: {"step": float, "exp_avg": np.ndarray, "exp_avg_sq": np.ndarray}}`` (plus any other
            per-parameter entries the optimiser stored, e.g. ``max_exp_avg_sq``).
        param_groups: the hyper-parameters per group (``lr``, ``betas``, ``eps``, ``weight_decay``, ...) with
            ``params`` as the list of parameter names.
    """

    state: dict
    param_groups: list


@dataclasses.dataclass
class R3GANSnapshot:
    """Contents of an official R3GAN snapshot, as plain NumPy data.

    Attributes:
        G, D, G_ema: ``{official state-dict name: np.ndarray}`` in state-dict order, e.g.
            ``"Model.MainLayers.0.Layers.1.LinearLayer1.Layer.weight"``, including the ``Resampler.Kernel``
            buffers. Layouts are PyTorch's (conv ``[out, in/groups, kh, kw]``, linear ``[out, in]``). Arrays may be
            read-only views of the file's bytes (``np.array(x)`` copies).
        bf16_stages: per network, the indices of ``Model.MainLayers`` stages whose ``DataType`` is bfloat16.
        stage_dtypes: per network, every stage's ``DataType`` name (``"float32"``/``"bfloat16"``).
        network_attributes: per network, the wrapper's plain attributes (G: ``z_dim``, ``c_dim``,
            ``img_resolution``).
        class_names: per network, the pickled wrapper class (``training.networks.Generator`` or the legacy
            ``training.networks_baseline.Generator``).
        cur_nimg: images seen by the training loop when the snapshot was written.
        training_set_kwargs: the dataset arguments dict.
        G_opt_state, D_opt_state: :class:`AdamState` (``None`` if absent).
        extra: any other top-level entries, as plain data.
    """

    G: dict
    D: dict
    G_ema: dict
    bf16_stages: dict
    stage_dtypes: dict
    network_attributes: dict
    class_names: dict
    cur_nimg: Any = None
    training_set_kwargs: Any = None
    G_opt_state: Any = None
    D_opt_state: Any = None
    extra: dict = dataclasses.field(default_factory=dict)

    @property
    def uses_legacy_names(self):
        """Whether the file uses the pre-rename ``training.networks_baseline``/``BaselineGAN`` class names."""
        return any(name.startswith("training.networks_baseline.") for name in self.class_names.values())

    @property
    def z_dim(self):
        return self.network_attributes["G"].get("z_dim")

    @property
    def c_dim(self):
        return self.network_attributes["G"].get("c_dim")

    @property
    def img_resolution(self):
        return self.network_attributes["G"].get("img_resolution")


def _module_state(module, where):
    if not isinstance(module, TorchModuleStandIn):
        raise CheckpointFormatError(f"R3GAN snapshot: {where} should be a network module, got {type(module).__name__}.")
    state = module.state
    for key in ("_parameters", "_buffers", "_modules"):
        if not isinstance(state.get(key, {}), dict):
            raise CheckpointFormatError(f"R3GAN snapshot: {where}.{key} is not a dict.")
    return state


def _walk_modules(root, where):
    """Yields ``(prefix, module, state)`` in ``named_modules()`` pre-order (no de-duplication), rejecting cycles."""
    stack = [(root, "", frozenset())]
    while stack:
        module, prefix, ancestors = stack.pop()
        if id(module) in ancestors:
            raise CheckpointFormatError(f"R3GAN snapshot: {where} contains a module cycle at {prefix!r}.")
        state = _module_state(module, f"{where}.{prefix}".rstrip("."))
        yield prefix, module, state
        children = [(n, c) for n, c in state.get("_modules", {}).items() if c is not None]
        for name, child in reversed(children):
            if not isinstance(name, str):
                raise CheckpointFormatError(f"R3GAN snapshot: module name {name!r} in {where} is not a string.")
            stack.append((child, f"{prefix}{name}.", ancestors | {id(module)}))


def _check_tensor(value, name):
    if not isinstance(value, Tensor):
        raise CheckpointFormatError(f"R3GAN snapshot: {name} should be a tensor, got {type(value).__name__}.")
    return value


def _state_dict(root, where):
    """``module.state_dict()`` as ``{name: Tensor}``: per module its parameters, persistent buffers, then children."""
    out = {}
    for prefix, _, state in _walk_modules(root, where):
        non_persistent = state.get("_non_persistent_buffers_set") or set()
        for name, tensor in state.get("_parameters", {}).items():
            if tensor is not None:
                out[prefix + name] = _check_tensor(tensor, f"{where}.{prefix}{name}")
        for name, tensor in state.get("_buffers", {}).items():
            if tensor is not None and name not in non_persistent:
                out[prefix + name] = _check_tensor(tensor, f"{where}.{prefix}{name}")
    return out


def _parameter_names(root, where):
    """Names in ``module.parameters()`` order (modules and parameters de-duplicated by identity)."""
    names, seen_modules, seen_params = [], set(), set()
    for prefix, module, state in _walk_modules(root, where):
        if id(module) in seen_modules:
            continue
        seen_modules.add(id(module))
        for name, tensor in state.get("_parameters", {}).items():
            if tensor is not None and id(tensor) not in seen_params:
                seen_params.add(id(tensor))
                names.append(prefix + name)
    return names


def _stage_dtypes(root, where):
    model = _module_state(root, where).get("_modules", {}).get("Model")
    stages = _module_state(model, f"{where}.Model").get("_modules", {}).get("MainLayers")
    children = _module_state(stages, f"{where}.Model.MainLayers").get("_modules", {})
    if list(children) != [str(i) for i in range(len(children))]:
        raise CheckpointFormatError(f"R3GAN snapshot: {where}.Model.MainLayers is not a list of stages.")
    dtypes = []
    for index, stage in children.items():
        dtype = _module_state(stage, f"{where}.Model.MainLayers.{index}").get("DataType")
        dtypes.append(dtype.name if isinstance(dtype, TorchDType) else None)
    return tuple(dtypes)


def _adam_state(raw, root, key):
    groups = raw.get("param_groups") if isinstance(raw, dict) else None
    valid = isinstance(groups, list) and all(isinstance(g, dict) for g in groups)
    if not valid or not isinstance(raw.get("state"), dict):
        raise CheckpointFormatError(f"R3GAN snapshot: {key} is not an optimiser state_dict.")
    names = _parameter_names(root, key)
    # The optimiser was built from module.parameters(): its indices 0..N-1 follow that order.
    indices = [i for group in groups for i in group.get("params", [])]
    if indices != list(range(len(names))):
        raise CheckpointFormatError(
            f"R3GAN snapshot: {key} covers parameter indices {indices[:5]}... ({len(indices)}) but the network has "
            f"{len(names)} parameters."
        )
    state = {}
    for index, entry in raw["state"].items():
        if not isinstance(index, int) or not 0 <= index < len(names) or not isinstance(entry, dict):
            raise CheckpointFormatError(f"R3GAN snapshot: {key} has a malformed state entry for index {index!r}.")
        plain = tensors_to_numpy(entry)
        if "step" in plain and getattr(plain["step"], "ndim", None) == 0:
            plain["step"] = plain["step"].item()
        state[names[index]] = plain
    named_groups = []
    for group in groups:
        plain = tensors_to_numpy({k: v for k, v in group.items() if k != "params"})
        plain["params"] = [names[i] for i in group["params"]]
        named_groups.append(plain)
    return AdamState(state=state, param_groups=named_groups)


def read_r3gan_snapshot(path_or_fileobj):
    """Reads an official R3GAN snapshot pickle safely (as data only, without torch).

    Args:
        path_or_fileobj: path, bytes, or binary file object of a ``network-snapshot-*.pkl`` (or a released
            Hugging Face ``.pkl``, which has the same format with legacy class names).

    Returns:
        An :class:`R3GANSnapshot`.

    Raises:
        UnsafeCheckpointError: the pickle references anything outside the known R3GAN/torch data globals (e.g. a
            persistent class with embedded code); nothing from it was executed.
        CheckpointFormatError: the file is truncated, not a pickle, or not shaped like a snapshot.

    Examples:

    ```python
    snap = read_r3gan_snapshot("ImageNet-32x32.pkl")
    snap.G_ema["Model.MainLayers.0.Layers.0.Basis"].shape, snap.bf16_stages["G"]  # ((1536, 4, 4), (1, 2, 3))
    ```
    """
    with open_binary(path_or_fileobj, "R3GAN snapshot") as file:
        raw = safe_load(file, R3GAN_ALLOWED, what="R3GAN snapshot")
    if not isinstance(raw, dict):
        raise CheckpointFormatError(f"R3GAN snapshot: the pickle holds a {type(raw).__name__}, expected a dict.")
    missing = [k for k in ("G", "D", "G_ema") if k not in raw]
    if missing:
        raise CheckpointFormatError(f"R3GAN snapshot: missing {missing}; the pickle has keys {sorted(map(str, raw))}.")
    nets, stage_dtypes, attributes, class_names = {}, {}, {}, {}
    for key in ("G", "D", "G_ema"):
        nets[key] = tensors_to_numpy(_state_dict(raw[key], key))
        stage_dtypes[key] = _stage_dtypes(raw[key], key)
        wrapper_state = raw[key].state
        attributes[key] = tensors_to_numpy(
            {k: v for k, v in wrapper_state.items() if isinstance(k, str) and not k.startswith("_") and k != "training"}
        )
        class_names[key] = raw[key].qualname()
    optimizers = {}
    for key, net in (("G_opt_state", "G"), ("D_opt_state", "D")):
        optimizers[key] = _adam_state(raw[key], raw[net], key) if raw.get(key) is not None else None
    extra_keys = [k for k in raw if k not in SNAPSHOT_KEYS]
    cur_nimg = raw.get("cur_nimg")
    if cur_nimg is not None and (not isinstance(cur_nimg, int) or isinstance(cur_nimg, bool)):
        raise CheckpointFormatError(f"R3GAN snapshot: cur_nimg should be an int, got {cur_nimg!r}.")
    return R3GANSnapshot(
        G=nets["G"],
        D=nets["D"],
        G_ema=nets["G_ema"],
        bf16_stages={k: tuple(i for i, d in enumerate(v) if d == "bfloat16") for k, v in stage_dtypes.items()},
        stage_dtypes=stage_dtypes,
        network_attributes=attributes,
        class_names=class_names,
        cur_nimg=cur_nimg,
        training_set_kwargs=tensors_to_numpy(raw.get("training_set_kwargs")),
        G_opt_state=optimizers["G_opt_state"],
        D_opt_state=optimizers["D_opt_state"],
        extra=tensors_to_numpy({k: raw[k] for k in extra_keys}),
    )
