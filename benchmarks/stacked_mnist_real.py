"""StackedMNIST mode coverage of *real* data: the metric's ceiling, printed as JSON.

Builds StackedMNIST from the real MNIST test digits (which the classifier never saw), draws the protocol's 26,000
samples and scores them with `stacked_mnist_modes`, for both ways of reaching 32x32 ("pad", the default, and
"resize"). Alongside, the same numbers from the builder's true labels (a perfect classifier) and the expectations
for a sampler that is exactly uniform over the 1000 modes:

* expected modes: `1000 * (1 - (1 - 1/1000)^n)`;
* expected KL of the empirical distribution (Monte Carlo over multinomial draws, `--kl-draws` of them).

Usage (MNIST from the Keras cache, see `keras.datasets.mnist.load_data`):

    python benchmarks/stacked_mnist_real.py [--num-samples 26000] [--seed 0]
"""

import argparse
import json
import time

import keras
import numpy as np

from keras_gans.datasets.stacked_mnist import load_stacked_mnist
from keras_gans.metrics import mnist_classifier
from keras_gans.metrics.stacked_mnist import NUM_MODES
from keras_gans.metrics.stacked_mnist import classify_stacked
from keras_gans.metrics.stacked_mnist import kl_to_uniform
from keras_gans.metrics.stacked_mnist import mode_counts


def uniform_expectations(num_samples, draws, seed):
    rng = np.random.default_rng(seed)
    kls = [kl_to_uniform(rng.multinomial(num_samples, np.full(NUM_MODES, 1.0 / NUM_MODES))) for _ in range(draws)]
    return {
        "expected_modes": NUM_MODES * (1.0 - (1.0 - 1.0 / NUM_MODES) ** num_samples),
        "expected_kl_mean": float(np.mean(kls)),
        "expected_kl_std": float(np.std(kls)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-samples", type=int, default=26_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kl-draws", type=int, default=200)
    args = parser.parse_args()

    weights = mnist_classifier.classifier_weights_path()
    classifier = mnist_classifier.load_mnist_classifier(weights)
    report = {
        "backend": keras.backend.backend(),
        "num_samples": args.num_samples,
        "source_split": "test",
        "seed": args.seed,
        "classifier_sha256": mnist_classifier.sha256_of(weights),
        "classifier_test_accuracy": mnist_classifier.classifier_sidecar(weights).get("test_accuracy"),
        "uniform_sampler": uniform_expectations(args.num_samples, args.kl_draws, args.seed),
    }
    for size_mode in ("pad", "resize"):
        images, labels = load_stacked_mnist("test", num_samples=args.num_samples, seed=args.seed, size_mode=size_mode)
        start = time.perf_counter()
        predicted = classify_stacked(images, classifier, size_mode=size_mode)
        seconds = time.perf_counter() - start
        counts, true_counts = mode_counts(predicted), mode_counts(labels)
        report[size_mode] = {
            "modes": int(np.count_nonzero(counts)),
            "kl": kl_to_uniform(counts),
            "triple_accuracy": float(np.mean(predicted == labels)),
            "true_label_modes": int(np.count_nonzero(true_counts)),
            "true_label_kl": kl_to_uniform(true_counts),
            "classify_seconds": round(seconds, 2),
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
