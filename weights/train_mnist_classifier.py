"""Trains the StackedMNIST mode-counting classifier on real MNIST and writes its weights plus a JSON sidecar.

Usage, from the repository root with keras_gans installed (MNIST comes from `keras.datasets.mnist.load_data()`,
i.e. the Keras cache under `$KERAS_HOME`):

    python weights/train_mnist_classifier.py --output keras_gans/metrics/weights/mnist_classifier.weights.h5

The sidecar (`mnist_classifier.json` beside the weights) records the test accuracy on the full MNIST test set, the
command, the backend, the date, the Keras version and the sha256 of the weights file. The shipped weights (package
data in `keras_gans/metrics/weights/`) came from `KERAS_BACKEND=tensorflow` and the command above (2 epochs); on the
TensorFlow CPU backend a re-run reproduces the file byte for byte (same sha256).
"""

import argparse
import datetime
import json
import pathlib
import sys

import keras
import numpy as np

from keras_gans.metrics import mnist_classifier


def load_mnist():
    """Real MNIST as float32 `(N, 28, 28, 1)` in [0, 1] and int labels, via Keras' (cached) loader."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    to_float = lambda x: (x.astype("float32") / 255.0)[..., None]  # noqa: E731
    return (to_float(x_train), y_train.astype("int64")), (to_float(x_test), y_test.astype("int64"))


def train(epochs=2, batch_size=128, learning_rate=1e-3, seed=0, max_train_samples=None, verbose=2):
    """Trains a fresh classifier; returns `(model, test_accuracy, subset_accuracy, num_train_samples)`.

    `test_accuracy` is over the full 10,000-image MNIST test set, `subset_accuracy` over the fixed 2,000-image
    subset `mnist_classifier.test_subset_indices()` that quick checks use.

    `max_train_samples` keeps only the first that many training images (quick smoke runs); default: all 60,000.
    """
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_mnist()
    x_train, y_train = x_train[:max_train_samples], y_train[:max_train_samples]
    model = mnist_classifier.build_mnist_classifier()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=verbose)
    correct = mnist_classifier.classify_digits(model, x_test) == y_test
    subset = mnist_classifier.test_subset_indices()
    return model, float(np.mean(correct)), float(np.mean(correct[subset])), len(x_train)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True, help="where to write the .weights.h5 file")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-train-samples", type=int, default=None, help="default: all 60,000")
    args = parser.parse_args(argv)
    output = pathlib.Path(args.output)
    if not output.name.endswith(".weights.h5"):
        parser.error("--output must end in .weights.h5")

    model, accuracy, subset_accuracy, num_train = train(
        args.epochs, args.batch_size, args.learning_rate, args.seed, args.max_train_samples
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    # A fresh, never-compiled copy, so the file holds the layer weights only (no optimizer state: ~3x smaller).
    inference_model = mnist_classifier.build_mnist_classifier()
    inference_model.set_weights(model.get_weights())
    inference_model.save_weights(str(output))
    command = "python weights/train_mnist_classifier.py " + " ".join(sys.argv[1:] if argv is None else argv)
    sidecar = {
        "weights_file": output.name,
        "sha256": mnist_classifier.sha256_of(output),
        "test_accuracy": accuracy,
        "test_set": "MNIST test set, all 10000 images (keras.datasets.mnist)",
        "test_subset_accuracy": subset_accuracy,
        "test_subset": {
            "size": mnist_classifier.TEST_SUBSET_SIZE,
            "seed": mnist_classifier.TEST_SUBSET_SEED,
            "indices": "numpy.random.default_rng(seed).choice(10000, size, replace=False)",
        },
        "architecture": "keras_gans.metrics.mnist_classifier.build_mnist_classifier",
        "parameters": model.count_params(),
        "train_samples": num_train,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "seed": args.seed,
        "command": command,
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
        "date": datetime.date.today().isoformat(),
    }
    output.with_name(mnist_classifier.SIDECAR_FILE).write_text(json.dumps(sidecar, indent=2) + "\n")
    print(json.dumps(sidecar, indent=2))


if __name__ == "__main__":
    main()
