"""Trains tiny R3GAN and ProGAN models on one device and on two, and writes every state to an `.npz`.

Run as `python distribution_worker.py OUT.npz` with `KERAS_BACKEND` set and two devices made visible the backend's
way (JAX: `XLA_FLAGS=--xla_force_host_platform_device_count=2`; TensorFlow: two logical CPUs, made here; PyTorch:
two processes, `RANK` / `WORLD_SIZE` / `MASTER_ADDR` / `MASTER_PORT`). Per model it records the state after 1 and
after 10 steps on one device and on two, a one-device run resumed at step 5 from the two-device run's checkpoint,
and the logged losses. Kept out of pytest's collection (no `test_` prefix); tests/distribution/ runs it.
"""

import os
import pathlib
import sys
import tempfile
import time

START = time.time()

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import keras  # noqa: E402

BACKEND = keras.backend.backend()
if BACKEND == "tensorflow":
    import tensorflow as tf

    _cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(_cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import numpy as np  # noqa: E402
from gan_testing import RandomFlip  # noqa: E402
from gan_testing import fixed_weights  # noqa: E402
from gan_testing import uint8_images  # noqa: E402

import keras_gans  # noqa: E402
from keras_gans.callbacks import SampleGrid  # noqa: E402
from keras_gans.callbacks import restore_checkpoint  # noqa: E402
from keras_gans.callbacks import save_checkpoint  # noqa: E402
from keras_gans.models.progan import ProGANSchedule  # noqa: E402
from keras_gans.optimizers import Adam  # noqa: E402

BATCH = 8  # global fit batch: R3GAN's D and G halves of 4, ProGAN's 8
STEPS = 10
SEGMENTS = ((0, 1), (1, 5), (5, STEPS))  # fit calls: step 1 (recorded), steps 2-5 (checkpoint), steps 6-10
LOGGED = ("d_loss", "g_loss", "r1", "r2", "gp", "drift", "real_score", "fake_score")


def r3gan():
    g = keras_gans.R3GANGenerator(widths=[8, 8], cardinalities=[2, 2], blocks_per_stage=1, latent_dim=8, num_classes=3)
    d = keras_gans.R3GANDiscriminator(widths=[8, 8], cardinalities=[2, 2], blocks_per_stage=1, num_classes=3)
    # A stand-in augmentation at p = 0: its seed offsets per replica run, but the images stay unchanged.
    gan = keras_gans.R3GAN(g, d, augment_pipeline=RandomFlip(seed=4), seed=5)
    fixed_weights(g, 1)
    fixed_weights(d, 2)
    gan.compile(
        gamma=1.0,
        learning_rate=1e-3,
        beta_2=0.99,
        ema_half_life_images=8.0,
        augment_probability=0.0,
        generator_optimizer=Adam(1e-3, beta_1=0.0, beta_2=0.99, epsilon=1e-8),
        discriminator_optimizer=Adam(1e-3, beta_1=0.0, beta_2=0.99, epsilon=1e-8),
    )
    for g_var, e_var in zip(g.variables, gan.ema_generator.variables):
        e_var.assign(keras.ops.copy(g_var.value))
    return gan


def progan():
    # mbstd_group_size=0: minibatch-stddev groups are formed per replica on TensorFlow / PyTorch (documented).
    g = keras_gans.ProGANGenerator(resolution=8, channels=[4, 4])
    d = keras_gans.ProGANDiscriminator(resolution=8, channels=[4, 4], mbstd_group_size=0)
    # 4x4 for 8 images, then a fade-in towards 8x8: a phase change (Adam reset, new trace) at step 2.
    schedule = ProGANSchedule(8, lod_training_kimg=0.008, lod_transition_kimg=0.2)
    gan = keras_gans.ProGAN(g, d, schedule=schedule, seed=3)
    fixed_weights(g, 3)
    fixed_weights(d, 4)
    for g_var, e_var in zip(g.variables, gan.ema_generator.variables):
        e_var.assign(keras.ops.copy(g_var.value))
    # epsilon 1e-4 instead of the recipe's 1e-8: with beta_1 = 0, Adam turns the float32 round-off of near-zero
    # gradient elements (which differs with the summation order over replicas) into ~1e-5 weight differences.
    gan.compile(
        generator_optimizer=Adam(1e-3, beta_1=0.0, beta_2=0.99, epsilon=1e-4),
        discriminator_optimizer=Adam(1e-3, beta_1=0.0, beta_2=0.99, epsilon=1e-4),
    )
    return gan


MODELS = {"r3gan": (r3gan, True), "progan": (progan, False)}


def data(conditional):
    images = uint8_images(STEPS * BATCH, image_shape=(8, 8, 3), seed=11)
    labels = (np.arange(STEPS * BATCH) * 7 % 3).astype("int32") if conditional else None
    return images, labels


def snapshot(gan):
    arrays = {f"var{i:03d}": np.asarray(keras.ops.convert_to_numpy(v)) for i, v in enumerate(gan.variables)}
    arrays.update(
        {f"opt{i:03d}": np.asarray(keras.ops.convert_to_numpy(v)) for i, v in enumerate(gan.optimizer.variables)}
    )
    return arrays


def train(gan, images, labels, setup=None, checkpoint_dir=None, segments=SEGMENTS, grid_dir=None):
    """Fits segment by segment; returns {"step1/...", "step10/...", "logs/..."} and the checkpoint path.

    With `grid_dir`, steps 2-5 also write a `SampleGrid` after every step (only the chief process writes).
    """
    out, checkpoint = {}, None
    for first, last in segments:
        rows = slice(first * BATCH, last * BATCH)
        seg_labels = labels[rows] if labels is not None else None
        grids = (
            [SampleGrid(grid_dir, every_n_images=1, rows=1, cols=2, on_train_begin=False)]
            if (grid_dir is not None and last == 5)
            else []
        )
        if setup is None:
            history = gan.fit(images[rows], seg_labels, batch_size=BATCH, shuffle=False, verbose=0, callbacks=grids)
        else:
            inputs = setup.fit_inputs(images[rows], seg_labels, batch_size=BATCH, halves=gan.real_batches_per_step)
            history = gan.fit(**inputs, verbose=0, callbacks=grids)
        for key in LOGGED:
            if key in history.history:
                out[f"logs/{key}/{last}"] = np.asarray(history.history[key][-1], "float64")
        if last == 1:
            out.update({f"step1/{k}": v for k, v in snapshot(gan).items()})
        if last == 5 and checkpoint_dir is not None:
            checkpoint = save_checkpoint(gan, checkpoint_dir)
    out.update({f"step10/{k}": v for k, v in snapshot(gan).items()})
    return out, checkpoint


def resume(gan, images, labels, checkpoint):
    """Restores the two-device checkpoint of step 5 into a one-device model and trains it to step 10.

    The one-device model that already ran is reused (the checkpoint overwrites its whole training state), so no
    new train function is compiled.
    """
    restore_checkpoint(gan, checkpoint)
    out, _ = train(gan, images, labels, segments=(SEGMENTS[-1],))
    return {k.replace("step10/", "resumed/"): v for k, v in out.items() if k.startswith("step10/")}


def two_devices(make, conditional, directory, setup):
    images, labels = data(conditional)
    with setup.scope():
        gan = make()
    grid_dir = os.path.join(directory, "grids")
    out, checkpoint = train(
        gan, images, labels, setup, checkpoint_dir=os.path.join(directory, "ckpt"), grid_dir=grid_dir
    )
    out["checkpoint_written"] = np.asarray(os.path.isdir(os.path.join(directory, "ckpt")))
    out["grids_written"] = np.asarray(len(os.listdir(grid_dir)) if os.path.isdir(grid_dir) else 0)
    return out, checkpoint


def _progress(msg):
    """Progress on stderr (shown by the test when the worker fails)."""
    print(f"[{time.time() - START:7.1f}s] {msg}", file=sys.stderr, flush=True)


def main(out_path):
    results, checkpoints, singles = {}, {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        if BACKEND == "torch":  # both processes train on two devices; the first then runs the one-device runs
            setup = keras_gans.distribution.data_parallel(process_group="gloo")
            for name, (make, conditional) in MODELS.items():
                out, checkpoints[name] = two_devices(make, conditional, os.path.join(tmp, name), setup)
                results.update({f"{name}/two/{k}": v for k, v in out.items()})
                _progress(f"two {name}")
            import torch.distributed

            torch.distributed.destroy_process_group()
            if setup.process_index != 0:
                np.savez(out_path, **results)
                return
        for name, (make, conditional) in MODELS.items():
            images, labels = data(conditional)
            singles[name] = make()
            out, _ = train(singles[name], images, labels)
            results.update({f"{name}/one/{k}": v for k, v in out.items()})
            _progress(f"one {name}")
        if BACKEND != "torch":
            setup = keras_gans.distribution.data_parallel()
            for name, (make, conditional) in MODELS.items():
                out, checkpoints[name] = two_devices(make, conditional, os.path.join(tmp, name), setup)
                results.update({f"{name}/two/{k}": v for k, v in out.items()})
                _progress(f"two {name}")
            if BACKEND == "jax":
                # Model parallel on a (1, 2) mesh: weights of >= 64 elements split over the "model" axis.
                mp = keras_gans.distribution.model_parallel(model_axis_size=2, shard_weights_larger_than=64)
                out, _ = two_devices(r3gan, True, os.path.join(tmp, "model_parallel"), mp)
                results.update({f"r3gan/model_parallel/{k}": v for k, v in out.items()})
                _progress("model parallel r3gan")
                keras.distribution.set_distribution(None)
        results["replicas"] = np.asarray(setup.num_replicas)
        for name, (make, conditional) in MODELS.items():
            images, labels = data(conditional)
            out = resume(singles[name], images, labels, checkpoints[name])
            results.update({f"{name}/{k}": v for k, v in out.items()})
            _progress(f"resumed {name}")
    np.savez(out_path, **results)


if __name__ == "__main__":
    main(sys.argv[1])
