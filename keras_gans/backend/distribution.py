"""Data-parallel training on each backend's own engine: the backend-specific part.

* JAX: `keras.distribution` (`DataParallel`, `ModelParallel`; `keras.distribution.initialize()` across hosts).
  The training step is one global XLA program over sharded arrays: it sees the global batch, and JAX inserts the
  communication. Nothing changes inside the step.
* TensorFlow: `tf.distribute` (`MirroredStrategy`, `MultiWorkerMirroredStrategy`). Keras runs the step once per
  replica on the replica's share of the batch and its optimizers *sum* gradients over replicas, so the step
  divides its gradients by the number of replicas (equivalently, its losses inside the tape). Variables written
  inside the step with the same value on every replica (EMA, counters, schedules) stay mirrored.
* PyTorch: `torch.distributed`, one process per device. Each process runs `fit()` on its share; the step averages
  gradients with `all_reduce` before the update (DDP's hooks do not fire with `torch.autograd.grad`) and averages
  the logged loss terms, so every process logs, stops and checkpoints alike.

The step asks `step_replicas()` which replicas it runs on. Random numbers that the step draws itself (latents,
WGAN-GP weights) are drawn for the global batch from the shared seed and each replica keeps its slice, so that
every replica count gives the same numbers as one device.
"""

import collections
import json
import os

import keras
import numpy as np
from keras import ops

_BACKEND = keras.backend.backend()

if _BACKEND == "jax":
    import jax
elif _BACKEND == "tensorflow":
    import tensorflow as tf
elif _BACKEND == "torch":
    import torch
    import torch.distributed as torch_dist


# ------------------------------------------------------------------------------------------------ inside the step
class Replicas:
    """The replicas one training step runs on, as the step sees them (`count` 1: a single or a global program).

    Args:
        count: number of replicas that each run this step on their own share of the batch.
        index: this replica's index (a Python int, or a scalar tensor on TensorFlow).
        context: TensorFlow's replica context (`None` elsewhere).
    """

    def __init__(self, count=1, index=0, context=None):
        self.count = int(count)
        self.index = index
        self._context = context

    @property
    def share_one_model(self):
        """Whether several replicas run this step on the same Python model (TensorFlow's strategies)."""
        return self._context is not None and self.count > 1

    def local_part(self, x):
        """This replica's contiguous share of a tensor drawn for the global batch (`x` itself for one replica)."""
        if self.count == 1:
            return x
        shape = tuple(x.shape[1:])
        return ops.take(ops.reshape(x, (self.count, -1) + shape), self.index, axis=0)

    def gradients_for_update(self, grads):
        """Gradients to hand to the optimizer so that the update is the global batch's update.

        TensorFlow: `g / count` (Keras' optimizer sums over replicas). PyTorch: the mean over processes
        (`all_reduce`). JAX or one replica: unchanged.
        """
        if self.count == 1:
            return list(grads)
        if _BACKEND == "tensorflow":
            return [g * (1.0 / self.count) for g in grads]
        return _torch_all_reduce_mean(list(grads))

    def mean(self, values):
        """Dict of scalars averaged over replicas on PyTorch (TensorFlow's metrics sum over replicas themselves)."""
        if self.count == 1 or _BACKEND != "torch" or not values:
            return values
        names = list(values)
        (stacked,) = _torch_all_reduce_mean([ops.stack([ops.cast(values[k], "float32") for k in names])])
        return {name: stacked[i] for i, name in enumerate(names)}

    def all_true(self, flag):
        """A boolean that is true only when it is true on every replica (TensorFlow's per-replica gradients)."""
        if self.count == 1 or _BACKEND != "tensorflow":
            return flag
        agreed = self._context.all_reduce(tf.distribute.ReduceOp.MIN, tf.cast(flag, tf.float32))
        return agreed > 0.5

    def logs_for_engine(self, logs):
        """The step's logs in the form the engine can reduce over replicas.

        Under `MultiWorkerMirroredStrategy` Keras reduces logs with `strategy.reduce("MEAN", v, axis=0)`, which
        needs an axis: scalars become shape `(1,)` there and come back as scalars (equal values on every replica).
        """
        if self.count == 1 or _BACKEND != "tensorflow" or not _tf_multi_worker(tf.distribute.get_strategy()):
            return logs
        return {k: tf.reshape(v, (1,)) if len(getattr(v, "shape", ())) == 0 else v for k, v in logs.items()}

    def seed_offset(self, dtype):
        """Offset `[k, 0]` added to a layer's seed-generator state so that each replica draws its own numbers.

        Replica `r` adds `r * (2**30 // count)` to the seed: distinct keys on TensorFlow, and on PyTorch (which
        seeds with `seed + counter`) streams that only meet after `2**30 / count` draws. `None` for one replica.
        """
        if self.count == 1:
            return None
        step = (2**30) // self.count
        first = ops.cast(self.index, dtype) * ops.cast(step, dtype)
        return ops.stack([first, ops.zeros((), dtype)])


def step_replicas():
    """`Replicas` of the step being traced or run: TensorFlow replica context, PyTorch process group, else one."""
    if _BACKEND == "tensorflow":
        if tf.distribute.has_strategy() and not tf.distribute.in_cross_replica_context():
            context = tf.distribute.get_replica_context()
            if context is not None and context.num_replicas_in_sync > 1:
                return Replicas(context.num_replicas_in_sync, context.replica_id_in_sync_group, context)
    elif _BACKEND == "torch" and _torch_group_active():
        return Replicas(torch_dist.get_world_size(), torch_dist.get_rank())
    return Replicas()


def _torch_group_active():
    return torch_dist.is_available() and torch_dist.is_initialized() and torch_dist.get_world_size() > 1


def _torch_all_reduce_mean(tensors):
    """Mean over processes of a list of tensors, with one `all_reduce` of their concatenation."""
    world = torch_dist.get_world_size()
    flat = torch.cat([t.detach().reshape(-1).float() for t in tensors])
    torch_dist.all_reduce(flat, op=torch_dist.ReduceOp.SUM)
    flat = flat / world
    out, start = [], 0
    for t in tensors:
        out.append(flat[start : start + t.numel()].reshape(t.shape).to(t.dtype))
        start += t.numel()
    return out


def synchronize_variables(variables):
    """Copies the first process's values into every process's variables (PyTorch process groups only).

    Processes that built their networks from different random states start identical, as with DDP.
    """
    if _BACKEND != "torch" or not _torch_group_active():
        return
    with torch.no_grad():
        for v in variables:
            value = v.value
            torch_dist.broadcast(value.data, src=0)


# ------------------------------------------------------------------------------------------------ processes
def is_chief(model=None):
    """Whether this process writes files that must exist once (checkpoints): worker 0 / rank 0 / process 0."""
    if _BACKEND == "jax":
        return jax.process_index() == 0
    if _BACKEND == "torch":
        return not (torch_dist.is_available() and torch_dist.is_initialized()) or torch_dist.get_rank() == 0
    strategy = getattr(model, "distribute_strategy", None) or tf.distribute.get_strategy()
    resolver = getattr(strategy, "cluster_resolver", None)
    task_type = getattr(resolver, "task_type", None)
    if not task_type:
        return True
    if task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return task_type == "worker" and int(resolver.task_id) == 0 and not has_chief


# The parts of a `keras_gans.distribution.DataParallelSetup` that the backend provides.
EngineSetup = collections.namedtuple(
    "EngineSetup", ["engine", "num_replicas", "num_processes", "process_index", "feed", "scope"]
)


def _tf_multi_worker(strategy):
    resolver = getattr(strategy, "cluster_resolver", None)
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) or resolver is None:
        return False
    spec = resolver.cluster_spec().as_dict()
    return len(spec.get("worker", [])) + len(spec.get("chief", [])) > 1


def _tf_config_workers():
    config = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}")
    cluster = config.get("cluster", {})
    return len(cluster.get("worker", [])) + len(cluster.get("chief", []))


def _large_weights_model_parallel(layout_map, min_size):
    """`keras.distribution.ModelParallel` that also splits unmapped weights of `min_size`+ elements.

    Such a weight is split over the `"model"` axis along its last axis divisible by the axis size (a conv kernel's
    output channels, a dense kernel's units); smaller weights, counters and seeds stay replicated.
    """
    base = keras.distribution.ModelParallel

    class LargeWeightsModelParallel(base):
        def get_variable_layout(self, variable):
            layout = super().get_variable_layout(variable)
            if any(axis is not None for axis in layout.axes) or min_size is None:
                return layout
            shape = tuple(variable.shape)
            size = int(np.prod(shape)) if shape else 1
            parts = self.device_mesh.shape[list(self.device_mesh.axis_names).index("model")]
            if size < min_size or parts == 1:
                return layout
            for axis in reversed(range(len(shape))):
                if shape[axis] % parts == 0:
                    axes = [None] * len(shape)
                    axes[axis] = "model"
                    return keras.distribution.TensorLayout(axes, self.device_mesh)
            return layout

    return LargeWeightsModelParallel(layout_map=layout_map, batch_dim_name="batch")


def jax_distribution(devices=None, model_axis_size=1, layout_map=None, initialize=None, min_size=None):
    """JAX: sets `keras.distribution.DataParallel` (or `ModelParallel`) as the global distribution.

    `layout_map` is a `keras.distribution.LayoutMap` on a `("batch", "model")` mesh, or a dict mapping variable-path
    regexes to axis tuples (e.g. `{"conv/kernel$": (None, None, None, "model")}`) placed on that mesh here.
    `min_size`: weights of at least this many elements that the map leaves out are split over the model axis too.

    With `initialize` (default: when `KERAS_DISTRIBUTION_NUM_PROCESSES` is set), first calls
    `keras.distribution.initialize()`, which joins the hosts named by the `KERAS_DISTRIBUTION_*` variables.
    """
    if initialize is None:
        initialize = int(os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES", "1")) > 1
    if initialize:
        keras.distribution.initialize()
    devices = list(devices) if devices is not None else keras.distribution.list_devices()
    if model_axis_size == 1 and layout_map is None and min_size is None:
        distribution = keras.distribution.DataParallel(devices=devices)
    else:
        if len(devices) % model_axis_size:
            raise ValueError(
                f"model_parallel: {len(devices)} devices cannot be split into a model axis of {model_axis_size}."
            )
        mesh = keras.distribution.DeviceMesh(
            (len(devices) // model_axis_size, model_axis_size), ("batch", "model"), devices
        )
        if not isinstance(layout_map, keras.distribution.LayoutMap):
            patterns, layout_map = dict(layout_map or {}), keras.distribution.LayoutMap(mesh)
            for pattern, axes in patterns.items():
                layout_map[pattern] = tuple(axes)
        distribution = _large_weights_model_parallel(layout_map, min_size)
    keras.distribution.set_distribution(distribution)
    batch_replicas = len(devices) // model_axis_size
    return EngineSetup(
        distribution, batch_replicas, jax.process_count(), jax.process_index(), "process", distribution.scope
    )


def tf_strategy(devices=None):
    """TensorFlow: `MultiWorkerMirroredStrategy` when `TF_CONFIG` names several workers, else `MirroredStrategy`."""
    if _tf_config_workers() > 1:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        resolver = strategy.cluster_resolver
        spec = resolver.cluster_spec().as_dict()
        order = [(kind, i) for kind in ("chief", "worker") for i in range(len(spec.get(kind, [])))]
        index = order.index((resolver.task_type, int(resolver.task_id)))
        processes = len(order)
    else:
        strategy = tf.distribute.MirroredStrategy(devices)
        index, processes = 0, 1
    return EngineSetup(strategy, strategy.num_replicas_in_sync, processes, index, "global", strategy.scope)


def torch_process_group(backend=None):
    """PyTorch: joins (or reuses) the default process group, one process per device (`torchrun` variables).

    The group is created from `RANK`, `WORLD_SIZE`, `MASTER_ADDR` and `MASTER_PORT` when they name more than one
    process (`"nccl"` with CUDA, else `"gloo"`). With CUDA, each process uses GPU `LOCAL_RANK`.
    """
    if not torch_dist.is_initialized() and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        cuda = torch.cuda.is_available()
        if cuda:
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        torch_dist.init_process_group(backend or ("nccl" if cuda else "gloo"))
    active = torch_dist.is_initialized()
    world = torch_dist.get_world_size() if active else 1
    rank = torch_dist.get_rank() if active else 0
    return EngineSetup(torch_dist, world, world, rank, "replica", None)


def data_parallel_setup(
    devices=None, model_axis_size=1, layout_map=None, initialize=None, process_group=None, min_size=None
):
    """The backend's data-parallel engine as an `EngineSetup` (see `keras_gans.distribution.data_parallel`)."""
    if _BACKEND == "jax":
        return jax_distribution(devices, model_axis_size, layout_map, initialize, min_size)
    if model_axis_size != 1 or layout_map is not None or min_size is not None:
        raise ValueError(
            f"keras_gans.distribution: model parallelism (layout maps) is available on JAX only, not {_BACKEND}."
        )
    if _BACKEND == "tensorflow":
        return tf_strategy(devices)
    if devices is not None:
        raise ValueError("keras_gans.distribution: on PyTorch each process uses one device; do not pass devices.")
    return torch_process_group(process_group)
