"""Public readers for ``torch.save`` files (zip and legacy formats), e.g. pytorch_GAN_zoo PGAN checkpoints.

pytorch_GAN_zoo saves ``{'config': models.utils.config.BaseConfig, 'netG': state_dict, 'netD': state_dict,
'avgG': state_dict}`` with ``torch.save``. The config object is a plain attribute bag; here it becomes a dict of its
attributes. Only data is read: storage types, dtypes, the tensor rebuild functions, ``OrderedDict`` and the listed
attribute-bag classes are allowed; any other global is refused with
:class:`~keras_gans.utils.checkpoints.UnsafeCheckpointError`.
"""

from .safe_unpickler import CheckpointFormatError
from .safe_unpickler import make_stand_in_class
from .torch_format import TORCH_ALLOWED
from .torch_format import load_torch_pickle_raw
from .torch_format import tensors_to_numpy

PGAN_ZOO_CONFIG_CLASS = "models.utils.config.BaseConfig"


def _allow_list(attribute_bag_classes):
    allowed = dict(TORCH_ALLOWED)
    for qualified in attribute_bag_classes:
        module, _, name = qualified.rpartition(".")
        if not module or not name:
            raise ValueError(f"read_torch_checkpoint: expected 'module.Class' names, got {qualified!r}.")
        allowed[(module, name)] = make_stand_in_class(module, name)
    return allowed


def read_torch_checkpoint(path_or_fileobj, *, attribute_bag_classes=(PGAN_ZOO_CONFIG_CLASS,)):
    """Reads a ``torch.save`` file (zip or legacy format) as plain data, without torch and without running code.

    A plain ``pickle.dump`` of tensors (storages nested with ``torch.storage._load_from_bytes``) is read too.

    Args:
        path_or_fileobj: path, bytes, or seekable binary file object.
        attribute_bag_classes: fully qualified names of plain classes whose instances may appear; each becomes a
            dict of its attributes. Defaults to pytorch_GAN_zoo's config class.

    Returns:
        The saved object with ``OrderedDict`` -> ``dict``, tensors and parameters -> ``np.ndarray`` (bfloat16 as
        float32; arrays may be read-only views), allowed objects -> attribute dicts, ``torch.<dtype>`` ->
        ``"torch.<dtype>"`` strings.

    Raises:
        UnsafeCheckpointError: the file references any other global.
        CheckpointFormatError: the file is truncated or malformed.

    Examples:

    ```python
    ckpt = read_torch_checkpoint("celebaHQ_s6_i80000-6196db68.pth")
    ckpt["avgG"]["formatLayer.module.weight"].shape  # (8192, 512)
    ```
    """
    raw = load_torch_pickle_raw(path_or_fileobj, _allow_list(attribute_bag_classes), what="torch checkpoint")
    return tensors_to_numpy(raw)


# The zip container is the common case; the same reader also handles the legacy format.
read_torch_zip_checkpoint = read_torch_checkpoint


def read_pytorch_gan_zoo_checkpoint(path_or_fileobj):
    """Reads a pytorch_GAN_zoo PGAN checkpoint: ``{'config': dict, 'netG', 'netD', 'avgG': {name: np.ndarray}}``.

    ``avgG`` is the EMA generator used for sampling. Raises ``CheckpointFormatError`` if the file is not of that
    form (see :func:`read_torch_checkpoint` for the format and safety guarantees).
    """
    ckpt = read_torch_checkpoint(path_or_fileobj)
    if not isinstance(ckpt, dict):
        raise CheckpointFormatError(f"pytorch_GAN_zoo checkpoint: expected a dict, got {type(ckpt).__name__}.")
    missing = [k for k in ("netG", "netD") if k not in ckpt]
    if missing:
        raise CheckpointFormatError(f"pytorch_GAN_zoo checkpoint: missing {missing}; it has {sorted(ckpt)}.")
    for key in ("netG", "netD", "avgG"):
        if key in ckpt and not (isinstance(ckpt[key], dict) and all(hasattr(v, "shape") for v in ckpt[key].values())):
            raise CheckpointFormatError(f"pytorch_GAN_zoo checkpoint: {key!r} is not a state dict of tensors.")
    ckpt.setdefault("config", {})
    if not isinstance(ckpt["config"], dict):
        raise CheckpointFormatError("pytorch_GAN_zoo checkpoint: 'config' is not an attribute bag.")
    return ckpt
