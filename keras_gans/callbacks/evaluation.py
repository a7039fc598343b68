"""Evaluation during training: FID, KID, SWD, MS-SSIM, ... of the EMA generator every N images, in the logs."""

import json
import os
import time

from keras_gans.backend.distribution import is_chief
from keras_gans.callbacks.every_n_images import EveryNImages
from keras_gans.callbacks.nonfinite import training_is_finite
from keras_gans.metrics.evaluation import GeneratorEvaluator
from keras_gans.utils.images_seen import read_images_seen


class GANEvaluation(EveryNImages):
    """Computes the chosen metrics of the EMA generator every `every_n_images` images and adds them to the logs.

    The metrics are those of `keras_gans.metrics.evaluate_generator` (`"fid"`, `"kid"`, `"swd"`, `"ms_ssim"`,
    `"precision_recall"`, `"stacked_mnist"`); the real side (Inception statistics, SWD descriptors) is computed at
    the first evaluation and reused, and every evaluation draws the same latents (`seed`). When `images_seen`
    crosses a multiple of `every_n_images`, the model is evaluated when the next step begins (same weights); the
    results (`fid`, `kid`, `kid_std`, `swd_<res>`, `swd_avg`, `ms_ssim`, `precision`, `recall`,
    `stacked_mnist_modes`, `stacked_mnist_kl`, with `prefix`) go to `history`, `last_results` and the log file,
    and every epoch's logs (hence `History`) get the latest results. Between evaluations the callback does not
    make `fit` wait for the device. Nothing is evaluated once a loss has become non-finite. In a run on several
    processes every process evaluates (the generator may be sharded) and only the chief writes the log file.

    Args:
        metrics: metric names.
        real: real images for FID/KID/SWD/precision-recall: a dataset spec, an array or an iterable of batches
            (see `GeneratorEvaluator`).
        every_n_images: evaluate when `images_seen` crosses a multiple of this.
        num_images: generated images per evaluation.
        batch_size: images per generator call.
        seed: seed of the latents and the metrics' random draws.
        use_ema: evaluate the EMA generator (default) or the trained one.
        labels: class ids for conditional models (default: cycle through the classes).
        log_file: optional path; one JSON line `{"images_seen": ..., "time": ..., <metrics>}` is appended per
            evaluation.
        on_train_begin: also evaluate before the first step.
        on_train_end: also evaluate at the end of `fit()` (unless the last evaluation was at the same point).
        prefix: prepended to every logged name (e.g. `"val_"`).
        verbose: print each evaluation.
        **evaluator_kwargs: other `GeneratorEvaluator` arguments (`num_real_images`, `inception`, `real_id`,
            `cache_dir`, `dataset_options`, `metric_options`).

    Attributes:
        history: one dict per evaluation, `{"images_seen": ..., <metrics>}`.

    Examples:

    ```python
    evaluation = keras_gans.callbacks.GANEvaluation(
        ("fid", "kid"), real="tfds:cifar10", every_n_images=500_000, num_images=10_000,
        log_file="run/metrics.jsonl")
    history = gan.fit(data, epochs=100, callbacks=[evaluation])
    history.history["fid"]   # the latest FID at the end of each epoch
    ```
    """

    def __init__(
        self,
        metrics=("fid",),
        real=None,
        every_n_images=500_000,
        num_images=10_000,
        batch_size=64,
        seed=0,
        use_ema=True,
        labels=None,
        log_file=None,
        on_train_begin=False,
        on_train_end=True,
        prefix="",
        verbose=0,
        **evaluator_kwargs,
    ):
        super().__init__(every_n_images, "GANEvaluation")
        self.evaluator = GeneratorEvaluator(
            metrics, real, num_images=num_images, batch_size=batch_size, seed=seed, **evaluator_kwargs
        )
        self.use_ema = use_ema
        self.labels = labels
        self.log_file = None if log_file is None else os.fspath(log_file)
        self.evaluate_on_train_begin = on_train_begin
        self.evaluate_on_train_end = on_train_end
        self.prefix = prefix
        self.verbose = verbose
        self.history = []
        self.last_results = {}
        self._last_images_seen = None

    def evaluate(self, model=None, images_seen=None):
        """Evaluates now; returns the (prefixed) results and records them in `history` and the log file."""
        model = model or self.model
        if images_seen is None:
            images_seen = read_images_seen(model)
        results = self.evaluator.evaluate(model, use_ema=self.use_ema, labels=self.labels)
        results = {self.prefix + name: value for name, value in results.items()}
        self.last_results = results
        self._last_images_seen = images_seen
        self.history.append({"images_seen": images_seen, **results})
        if self.log_file and is_chief(model):
            directory = os.path.dirname(os.path.abspath(self.log_file))
            os.makedirs(directory, exist_ok=True)
            record = {"images_seen": images_seen, "time": time.strftime("%Y-%m-%dT%H:%M:%S"), **results}
            with open(self.log_file, "a") as f:
                f.write(json.dumps(record) + "\n")
        if self.verbose:
            text = ", ".join(f"{name} {value:.4g}" for name, value in results.items())
            print(f"GANEvaluation at {images_seen} images: {text}")
        return results

    def on_train_begin(self, logs=None):
        images_seen = self.start()
        if self.evaluate_on_train_begin:
            self.evaluate(self.model, images_seen)

    def on_images(self, images_seen):
        if training_is_finite(self.model):
            self.evaluate(self.model, images_seen)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs.update(self.last_results)

    def on_train_end(self, logs=None):
        super().on_train_end(logs)  # an evaluation due at the last step
        if not self.evaluate_on_train_end or not training_is_finite(self.model):
            return
        images_seen = read_images_seen(self.model)
        if images_seen != self._last_images_seen:
            results = self.evaluate(self.model, images_seen)
            if logs is not None:
                logs.update(results)
