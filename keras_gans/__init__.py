"""keras-gans: R3GAN and ProGAN for Keras 3, on TensorFlow, JAX and PyTorch."""

# Before anything imports keras (and with it TensorFlow or JAX), whose native logs read the environment once.
from keras_gans.native_logs import filter_lazy_tensorflow_import
from keras_gans.native_logs import filtered_native_stderr
from keras_gans.native_logs import quiet_native_logs

quiet_native_logs()
with filtered_native_stderr():
    import keras as _keras  # with the TensorFlow backend, this loads TensorFlow
filter_lazy_tensorflow_import()

if _keras.backend.backend() not in ("tensorflow", "jax", "torch"):
    # The package imports its networks and training step, which need gradients; Keras' numpy (and openvino)
    # backends have none, so stop here with the reason instead of failing deep inside an import.
    raise ImportError(
        f"keras_gans needs Keras' tensorflow, jax or torch backend; KERAS_BACKEND={_keras.backend.backend()} has no "
        "gradients, which the networks and training use. Set KERAS_BACKEND to tensorflow, jax or torch (the "
        "metrics on precomputed features, keras_gans.metrics.fid / kid, then work on any of them)."
    )

from keras_gans import backend
from keras_gans import callbacks
from keras_gans import datasets
from keras_gans import distribution
from keras_gans import explore
from keras_gans import export
from keras_gans import layers
from keras_gans import losses
from keras_gans import optimizers
from keras_gans import schedules
from keras_gans.explore import project
from keras_gans.models.gan import GAN
from keras_gans.models.progan import ProGAN
from keras_gans.models.progan import ProGANDiscriminator
from keras_gans.models.progan import ProGANGenerator
from keras_gans.models.r3gan import R3GAN
from keras_gans.models.r3gan import R3GANDiscriminator
from keras_gans.models.r3gan import R3GANGenerator
from keras_gans.version import __version__

# On JAX, compiled programs are kept on disk, so a new process does not compile a generator again.
backend.compilation_cache.enable_default()
