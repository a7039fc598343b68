"""Training on several devices with each backend's own engine: `keras.distribution` (JAX), `tf.distribute`
(TensorFlow) and `torch.distributed` (PyTorch).

A run on `R` devices reproduces the single-device run with the same global batch (measured to ~1e-6 after ten
steps, R1/R2 and the EMA included; see tests/distribution/):

* batch sizes are global; `setup.fit_inputs` / `setup.process_batch` give each process its part of every global
  batch (for `loss="rpgan"`, the `r`-th slice of the D half and of the G half, see `sharding`);
* the step draws latents and WGAN-GP weights for the global batch from the model's seed and keeps its replica's
  slice, so the random streams of the replicas never repeat and do not depend on `R`; an augmentation pipeline's
  seeds are offset per replica (TensorFlow, PyTorch), so its draws differ between replicas;
* gradients are averaged over replicas (TensorFlow: divided by `R` before Keras' optimizer sums them; PyTorch:
  `all_reduce` in the step), logged losses are global means, `images_seen` counts the global batch;
* checkpoints (`GANCheckpoint`) are written once, by the chief, and hold nothing that depends on `R`: a run
  resumes on any device count.

Usage (the same script on every backend):

```python
setup = keras_gans.distribution.data_parallel()
with setup.scope():                       # TensorFlow creates mirrored variables here
    gan = keras_gans.R3GAN(...)
    gan.compile(...)
gan.fit(**setup.fit_inputs(images, batch_size=2 * 64, halves=gan.real_batches_per_step), epochs=...)
```

Launching:

* JAX, one host: `KERAS_BACKEND=jax python train.py` uses every local device (`keras.distribution.DataParallel`).
  Large weights: `model_parallel(model_axis_size=2)` (`keras.distribution.ModelParallel`). Several hosts: on
  host `i`, `KERAS_DISTRIBUTION_JOB_ADDRESSES=host0:1234,host1:1234 KERAS_DISTRIBUTION_NUM_PROCESSES=2
  KERAS_DISTRIBUTION_PROCESS_ID=i python train.py`; `data_parallel()` then calls
  `keras.distribution.initialize()` first. CPU devices for tests: `XLA_FLAGS=--xla_force_host_platform_device_count=2`.
* TensorFlow, one host: `KERAS_BACKEND=tensorflow python train.py` (`MirroredStrategy` over the local GPUs). Several
  workers: set `TF_CONFIG='{"cluster": {"worker": ["host0:12345", "host1:12345"]}, "task": {"type": "worker",
  "index": i}}'` on worker `i` and run the same command (`MultiWorkerMirroredStrategy`).
* PyTorch: one process per device, `KERAS_BACKEND=torch torchrun --nproc_per_node=4 train.py`; several nodes:
  `torchrun --nnodes=2 --node_rank=i --master_addr=host0 --master_port=29500 --nproc_per_node=4 train.py`.
  `data_parallel()` joins the process group (NCCL with CUDA, each process on GPU `LOCAL_RANK`; Gloo on CPU).
* The CLI: the same launchers with `keras-gans train --distribute ...` (for torchrun: `-m keras_gans.cli train
  --distribute ...`).

Limits: ProGAN's minibatch standard deviation groups samples within each replica's batch on TensorFlow and
PyTorch (as multi-GPU ProGAN did) but within the global batch on JAX; saving model-parallel weights across several
hosts is not handled.
"""

from keras_gans.backend.distribution import data_parallel_setup
from keras_gans.backend.distribution import is_chief
from keras_gans.distribution.setup import DataParallelSetup
from keras_gans.distribution.sharding import batch_order
from keras_gans.distribution.sharding import fit_inputs
from keras_gans.distribution.sharding import process_batch


def data_parallel(devices=None, initialize=None, process_group=None):
    """Sets up data-parallel training on the backend's engine and returns the process's `DataParallelSetup`.

    * JAX: `keras.distribution.DataParallel` over `devices` (default: all), set as the global distribution; with
      `initialize` (default: when `KERAS_DISTRIBUTION_NUM_PROCESSES` > 1) `keras.distribution.initialize()` first.
    * TensorFlow: `MultiWorkerMirroredStrategy` when `TF_CONFIG` names several workers, else `MirroredStrategy`
      over `devices` (default: all GPUs, or the CPU).
    * PyTorch: joins the default process group from the `torchrun` variables (`process_group`: `"nccl"` or
      `"gloo"`, default by device); one replica per process.

    Args:
        devices: JAX devices or TensorFlow device names (e.g. `["/cpu:0", "/cpu:1"]`); not on PyTorch.
        initialize: JAX only: whether to call `keras.distribution.initialize()` (several hosts).
        process_group: PyTorch only: the `torch.distributed` backend name.

    Returns:
        A `DataParallelSetup`: `scope()`, `fit_inputs(...)`, `process_batch(...)`, `num_replicas`, `is_chief`.

    Examples:

    ```python
    setup = keras_gans.distribution.data_parallel()
    with setup.scope():
        gan = keras_gans.GAN(generator, discriminator, seed=0)
        gan.compile(loss="rpgan", r1_gamma=0.05, r2_gamma=0.05)
    gan.fit(**setup.fit_inputs(images, batch_size=128, halves=gan.real_batches_per_step))
    ```
    """
    return DataParallelSetup(*data_parallel_setup(devices=devices, initialize=initialize, process_group=process_group))


def model_parallel(model_axis_size, layout_map=None, shard_weights_larger_than=2**16, devices=None, initialize=None):
    """JAX only: `keras.distribution.ModelParallel` on a `("batch", "model")` mesh; weights split over "model".

    Batches are split over the `len(devices) / model_axis_size` rows of the mesh. Weights named in `layout_map`
    (a `keras.distribution.LayoutMap` on that mesh, or a dict of path regex -> axes) follow it; other weights of
    at least `shard_weights_larger_than` elements are split along their last axis that divides evenly (conv output
    channels, dense units); the rest is replicated. The step is unchanged: XLA inserts the communication.

    Examples:

    ```python
    setup = keras_gans.distribution.model_parallel(model_axis_size=2)   # e.g. 8 GPUs as 4 x 2
    gan = keras_gans.R3GAN.from_preset("ffhq256")                       # created after the distribution is set
    ```
    """
    return DataParallelSetup(
        *data_parallel_setup(
            devices=devices,
            model_axis_size=int(model_axis_size),
            layout_map=layout_map,
            initialize=initialize,
            min_size=shard_weights_larger_than,
        )
    )


__all__ = [
    "DataParallelSetup",
    "batch_order",
    "data_parallel",
    "fit_inputs",
    "is_chief",
    "model_parallel",
    "process_batch",
]
