"""Safe, torch-free readers for official GAN checkpoints (pickles are parsed as data; no pickled code runs).

* :func:`read_r3gan_snapshot`: official R3GAN snapshots / released Hugging Face pickles.
* :func:`read_torch_checkpoint` (alias :func:`read_torch_zip_checkpoint`): ``torch.save`` files, zip or legacy.
* :func:`read_pytorch_gan_zoo_checkpoint`: pytorch_GAN_zoo PGAN checkpoints (``config``, ``netG``, ``netD``,
  ``avgG``).
* :func:`read_progan_tf_pickle`: official ProGAN TensorFlow 1 pickles ``(G, D, Gs)``.

All of them refuse any global outside a per-format allow-list with :class:`UnsafeCheckpointError` and report
truncated or malformed files with :class:`CheckpointFormatError` (both subclasses of ``ValueError``).
"""

from .progan_tf_pickle import read_progan_tf_pickle
from .r3gan_snapshot import AdamState
from .r3gan_snapshot import R3GANSnapshot
from .r3gan_snapshot import read_r3gan_snapshot
from .safe_unpickler import CheckpointFormatError
from .safe_unpickler import SafeUnpickler
from .safe_unpickler import UnsafeCheckpointError
from .safe_unpickler import safe_load
from .torch_checkpoint import read_pytorch_gan_zoo_checkpoint
from .torch_checkpoint import read_torch_checkpoint
from .torch_checkpoint import read_torch_zip_checkpoint
