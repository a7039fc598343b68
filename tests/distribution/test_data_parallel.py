"""Data-parallel training on two devices reproduces one-device training (R3GAN and ProGAN), on each backend's engine.

The sharding helpers are checked in-process on every backend. The two-device comparison is inherently
backend-specific: the number of devices must be fixed before the backend initialises, and each backend has its own
engine (JAX: `keras.distribution` over two CPU devices from `XLA_FLAGS`; TensorFlow: `MirroredStrategy` over two
logical CPUs; PyTorch: two Gloo processes). So each backend's pass of the suite runs its own backend's engine, in
subprocesses (`distribution_worker.py`), and compares with a one-device run of the same global batches: after 1
and after 10 steps every variable (G, D, EMA G, both Adams, counters, seeds) and every logged loss (R1, R2, WGAN-GP,
drift included), a one-device run resumed from the two-device run's step-5 checkpoint, and on JAX a
`ModelParallel` run that splits weights over the two devices.
"""

import os
import pathlib
import socket
import subprocess
import sys
import types

import keras
import numpy as np
import pytest
from gan_testing import RandomFlip
from gan_testing import tiny_networks

import keras_gans
from keras_gans.backend.distribution import Replicas
from keras_gans.distribution import batch_order
from keras_gans.distribution import fit_inputs
from keras_gans.distribution import process_batch
from keras_gans.training.discriminator_call import read_augment_state
from keras_gans.training.discriminator_call import write_augment_state
from keras_gans.training.state import VariableState

BACKEND = keras.backend.backend()
WORKER = pathlib.Path(__file__).with_name("distribution_worker.py")
REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
# float32 round-off of sums taken in another order (per replica, then over replicas), after ten Adam steps;
# losses of ~10 (WGAN-GP) also get a relative slack.
ATOL = 2e-6
RTOL = 1e-6


def _setup(feed, replicas, processes=1, index=0):
    return types.SimpleNamespace(feed=feed, num_replicas=replicas, num_processes=processes, process_index=index)


def test_batch_order_gives_each_replica_its_slice_of_each_half():
    order = batch_order(12, 3, halves=2)
    # Replica r's contiguous share (4 rows) = D rows [2r, 2r + 2) + G rows [6 + 2r, 6 + 2r + 2).
    expected = np.concatenate([np.r_[2 * r : 2 * r + 2, 6 + 2 * r : 6 + 2 * r + 2] for r in range(3)])
    np.testing.assert_array_equal(order, expected)
    np.testing.assert_array_equal(batch_order(8, 2), np.arange(8))
    with pytest.raises(ValueError, match="multiple of 2 halves x 3 replicas"):
        batch_order(8, 3, halves=2)


def test_fit_inputs_per_engine():
    images = np.arange(16)
    labels = images * 10
    with pytest.warns(UserWarning, match="dropping the last 4 samples"):
        fit_inputs(np.arange(20), None, batch_size=8, setup=_setup("global", 2), halves=2)
    # TensorFlow feeds the whole global batch, reordered; the engine splits it contiguously per replica.
    tf_in = fit_inputs(images, labels, batch_size=8, setup=_setup("global", 2), halves=2)
    np.testing.assert_array_equal(tf_in["x"], [0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15])
    np.testing.assert_array_equal(tf_in["y"], tf_in["x"] * 10)
    assert tf_in["batch_size"] == 8 and tf_in["shuffle"] is False
    # PyTorch: one process per replica, each with its own share of every global batch.
    torch_in = fit_inputs(images, labels, batch_size=8, setup=_setup("replica", 2, 2, 1), halves=2)
    np.testing.assert_array_equal(torch_in["x"], [2, 3, 6, 7, 10, 11, 14, 15])
    assert torch_in["batch_size"] == 4
    # JAX: the global program splits the halves itself; processes feed contiguous shares in order.
    jax_in = fit_inputs(images, None, batch_size=8, setup=_setup("process", 4, 2, 1), halves=2)
    np.testing.assert_array_equal(jax_in["x"], [4, 5, 6, 7, 12, 13, 14, 15])
    assert "y" not in jax_in and jax_in["batch_size"] == 4
    batch = process_batch((images[:8], labels[:8]), _setup("replica", 2, 2, 0), halves=2)
    np.testing.assert_array_equal(batch[0], [0, 1, 4, 5])
    np.testing.assert_array_equal(batch[1], [0, 10, 40, 50])


def test_augmentation_draws_differ_per_replica_and_seeds_are_restored():
    """Each replica's augmentation pipeline draws with its own seed offset; the stored seed is the shared one."""
    generator, discriminator = tiny_networks()
    pipeline = RandomFlip(seed=1)
    gan = keras_gans.GAN(generator, discriminator, augment_pipeline=pipeline)
    gan.compile(loss="rpgan", r1_gamma=1.0)
    assert gan.real_batches_per_step == 2
    variables = pipeline.non_trainable_variables
    initial = [np.asarray(keras.ops.convert_to_numpy(v)) for v in variables]
    images = keras.ops.convert_to_tensor(np.arange(32 * 2 * 2 * 1, dtype="float32").reshape(32, 2, 2, 1))
    flipped, state = [], VariableState()
    for index in range(2):
        for v, value in zip(variables, initial):
            v.assign(value)
        replicas = Replicas(2, index)
        values = read_augment_state(state, gan.step_networks.augment_pipeline, replicas)
        out, new_values = pipeline.stateless_call([], values, images, probability=0.5, training=True)
        write_augment_state(state, gan.step_networks.augment_pipeline, replicas, new_values)
        flipped.append(np.asarray(keras.ops.convert_to_numpy(out)))
        stored = np.asarray(keras.ops.convert_to_numpy(variables[0]))
        np.testing.assert_array_equal(stored, initial[0] + np.array([0, 1]))  # shared seed, counter advanced
    assert not np.array_equal(flipped[0], flipped[1])


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_worker(tmp_path):
    """Runs the worker with two devices of this backend; returns the first (chief) process's arrays."""
    env = dict(os.environ, KERAS_BACKEND=BACKEND, TF_CPP_MIN_LOG_LEVEL="2")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    ranks = [0]
    if BACKEND == "jax":
        env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=2").strip()
    if BACKEND == "torch":
        env.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_free_port()), WORLD_SIZE="2")
        ranks = [0, 1]
    procs = []
    for rank in ranks:
        rank_env = dict(env, RANK=str(rank), LOCAL_RANK=str(rank)) if BACKEND == "torch" else env
        out = tmp_path / f"rank{rank}.npz"
        procs.append(
            (
                out,
                subprocess.Popen(
                    [sys.executable, str(WORKER), str(out)],
                    env=rank_env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                ),
            )
        )
    results = []
    try:
        for out, proc in procs:
            log, _ = proc.communicate(timeout=900)
            assert proc.returncode == 0, f"worker failed on {BACKEND}:\n{log[-6000:]}"
            with np.load(out) as data:
                results.append({k: data[k] for k in data.files})
    finally:
        for _, proc in procs:  # a failed process leaves its peer waiting in a collective
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return results


def _max_difference(results, run, step):
    """Largest |run - one device| over the variables of `step` (or the logs) of a model; checks the tolerance."""
    worst = 0.0
    prefix = f"{run}/{step}/"
    for key, value in results.items():
        if prefix in key:
            reference = results[key.replace(f"/{run}/", "/one/")]
            np.testing.assert_allclose(value, reference, atol=ATOL, rtol=RTOL, err_msg=key)
            worst = max(
                worst, float(np.max(np.abs(value.astype("float64") - reference.astype("float64")), initial=0.0))
            )
    return worst


def test_two_devices_reproduce_one_device(tmp_path):
    """See the module docstring: why this test is backend-specific and what it compares."""
    chief, *others = _run_worker(tmp_path)
    assert int(chief["replicas"]) == 2
    report = []
    for model in ("r3gan", "progan"):
        for step in ("step1", "step10", "logs"):
            count = sum(1 for k in chief if k.startswith(f"{model}/two/{step}/"))
            assert count > 0, (model, step)
            worst = _max_difference({k: v for k, v in chief.items() if k.startswith(model)}, "two", step)
            report.append(f"{model} {step}: {worst:.2e}")
        # A one-device run resumed from the two-device checkpoint of step 5 ends where one device does.
        resumed = [k for k in chief if k.startswith(f"{model}/resumed/")]
        assert resumed, model
        for key in resumed:
            reference = chief[key.replace("/resumed/", "/one/step10/")]
            np.testing.assert_allclose(chief[key], reference, atol=ATOL, rtol=RTOL, err_msg=key)
        # The losses that must be present were logged (R1/R2 for R3GAN, WGAN-GP and drift for ProGAN).
        needed = ("r1", "r2") if model == "r3gan" else ("gp", "drift")
        for term in needed:
            assert f"{model}/two/logs/{term}/10" in chief
        assert bool(chief[f"{model}/two/checkpoint_written"])
        assert int(chief[f"{model}/two/grids_written"]) == 4  # one per step of steps 2-5
        for other in others:  # PyTorch's second process: the same weights, no checkpoint or grid written
            assert not bool(other[f"{model}/two/checkpoint_written"])
            assert int(other[f"{model}/two/grids_written"]) == 0
            for key in (k for k in other if k.startswith(f"{model}/two/step10/")):
                np.testing.assert_array_equal(other[key], chief[key], err_msg=key)
    if BACKEND == "jax":
        for step in ("step1", "step10", "logs"):
            worst = _max_difference({k: v for k, v in chief.items() if k.startswith("r3gan")}, "model_parallel", step)
            report.append(f"r3gan model parallel {step}: {worst:.2e}")
    print("max |two devices - one device|:", "; ".join(report))
