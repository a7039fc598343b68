"""Packages a trained R3GAN run as a shipped preset (package data, `keras_gans/models/r3gan/weights/<name>/`).

A run of `benchmarks/stacked_mnist.py --output DIR` writes its preset to `DIR/<config>/preset`, and one of
`weights/train_mnist_small.py --output DIR` to `DIR/preset`;

    python weights/package_shipped_preset.py DIR/rpgan_r1_r2/preset --name stacked_mnist_small [--package-copy]
    python weights/package_shipped_preset.py DIR/preset --name mnist_small [--package-copy]

copies it into the package data folder (or `--weights-root`, and with `--package-copy` the package too) without the
optimizer
state, checks that its metadata carries the training command and the measured metrics and holds no absolute paths,
adds the weights' sha256, and prints the line that registers the name in `SHIPPED_PRESETS`
(`keras_gans/models/r3gan/r3gan_presets.py`). `keras_gans.models.r3gan.r3gan_shipped` finds the result.
"""

import argparse
import json
import pathlib
import shutil
import sys

from keras_gans.models.r3gan import r3gan_shipped
from keras_gans.models.r3gan.r3gan_presets import R3GAN_PRESETS
from keras_gans.models.r3gan.r3gan_presets import SHIPPED_PRESETS
from keras_gans.utils import durable
from keras_gans.utils import preset_utils
from keras_gans.utils.download import sha256_file

# Metadata every shipped preset must carry (dotted keys reach into nested dicts).
REQUIRED_METADATA = (
    "training_command",
    "objective",
    "images_seen",
    "metrics.num_samples",
    "metrics.classifier_test_accuracy",
)
# Quality figures: a shipped preset carries one complete group, that of its data (StackedMNIST mode coverage, or
# the MNIST classifier's reading of class-conditional digits).
QUALITY_METRICS = (
    ("metrics.modes", "metrics.kl"),
    ("metrics.label_agreement", "metrics.confident_fraction", "metrics.mean_confidence"),
)
_PRESET_FILES = (preset_utils.CONFIG_FILE, preset_utils.METADATA_FILE, preset_utils.WEIGHTS_FILE)


def _lookup(metadata, dotted):
    value = metadata
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def absolute_paths(value, where="metadata"):
    """Strings in `value` that look like absolute file-system paths (they would leak the training machine)."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in absolute_paths(v, f"{where}.{k}")]
    if isinstance(value, (list, tuple)):
        return [p for i, v in enumerate(value) for p in absolute_paths(v, f"{where}[{i}]")]
    if isinstance(value, str) and any(token.startswith(("/", "~")) or token[1:3] == ":\\" for token in value.split()):
        return [f"{where}: {value!r}"]
    return []


def check_shipped_metadata(metadata, owner="check_shipped_metadata"):
    """Raises `ValueError` when `metadata` lacks a `REQUIRED_METADATA` entry or contains an absolute path."""
    missing = [key for key in REQUIRED_METADATA if _lookup(metadata, key) is None]
    if missing:
        raise ValueError(
            f"{owner}: the preset metadata lacks {missing} (expected the keys {list(REQUIRED_METADATA)};"
            " train with benchmarks/stacked_mnist.py or weights/train_mnist_small.py, which write them)."
        )
    if not any(all(_lookup(metadata, key) is not None for key in group) for group in QUALITY_METRICS):
        groups = " or ".join(str(list(group)) for group in QUALITY_METRICS)
        raise ValueError(f"{owner}: the preset metadata lacks its quality figures: {groups}.")
    paths = absolute_paths(metadata)
    if paths:
        raise ValueError(f"{owner}: the preset metadata contains absolute paths: {paths}.")


def package_preset(run_preset_dir, name, weights_root=None, package_copy=False, allow_smoke=False, extra_metadata=None):
    """Copies a trained preset directory into `weights_root/<name>/` as a shipped preset.

    Args:
        run_preset_dir: a preset directory written by `R3GAN.save_to_preset` (e.g. by `benchmarks/stacked_mnist.py
            --output DIR`: `DIR/<config>/preset`).
        name: the shipped preset's name; `R3GAN_PRESETS` must have an entry of that name whose architecture the
            run used.
        weights_root: destination root; default: the package data folder `keras_gans/models/r3gan/weights/`.
        package_copy: also write a copy into the package data folder when `weights_root` is elsewhere.
        allow_smoke: accept a `--smoke` run (for tests; a smoke run is never worth shipping).
        extra_metadata: entries merged into `metadata.json`.

    Returns:
        The list of directories written.
    """
    owner = "package_preset"
    source = pathlib.Path(run_preset_dir)
    missing = [f for f in _PRESET_FILES if not (source / f).is_file()]
    if missing:
        raise ValueError(f"{owner}: {source} is not a complete preset directory (missing {missing}).")
    if name not in R3GAN_PRESETS:
        raise ValueError(f"{owner}: '{name}' has no entry in R3GAN_PRESETS; add its architecture there first.")
    metadata = json.loads((source / preset_utils.METADATA_FILE).read_text())
    metadata.update(extra_metadata or {})
    if metadata.get("smoke") and not allow_smoke:
        raise ValueError(f"{owner}: {source} comes from a --smoke run; train for real before shipping it.")
    check_shipped_metadata(metadata, owner)
    network_config = preset_utils.load_preset_config(source).get("config", {}).get("generator", {}).get("config", {})
    expected = R3GAN_PRESETS[name]["generator"]
    differs = {
        k: (network_config.get(k), v)
        for k, v in expected.items()
        # None in a preset means the network's default, which the built network's config spells out.
        if k in network_config and v is not None and _normalize(network_config.get(k)) != _normalize(v)
    }
    if differs:
        raise ValueError(f"{owner}: the run's generator differs from the preset '{name}' ((run, preset): {differs}).")
    metadata["preset_name"] = name
    roots = [pathlib.Path(weights_root) if weights_root is not None else r3gan_shipped.package_weights_dir()]
    if package_copy and roots[0] != r3gan_shipped.package_weights_dir():
        roots.append(r3gan_shipped.package_weights_dir())
    written = []
    for root in roots:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        # Staged beside the target and swapped in whole: an interrupted run keeps the preset that was there.
        staging = pathlib.Path(durable.make_staging_directory(target))
        try:
            shutil.copyfile(source / preset_utils.CONFIG_FILE, staging / preset_utils.CONFIG_FILE)
            copy_weights_without_optimizer(source / preset_utils.WEIGHTS_FILE, staging / preset_utils.WEIGHTS_FILE)
            metadata["weights_sha256"] = sha256_file(staging / preset_utils.WEIGHTS_FILE)
            (staging / preset_utils.METADATA_FILE).write_text(json.dumps(metadata, indent=2, sort_keys=True))
            durable.replace_directory(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        written.append(target)
    return written


def copy_weights_without_optimizer(source, target):
    """Copies a Keras `.weights.h5` file without its `optimizer` group (Adam moments: twice the model's size)."""
    import h5py

    with h5py.File(source, "r") as src, h5py.File(target, "w") as dst:
        for key, value in src.attrs.items():
            dst.attrs[key] = value
        for key in src:
            if key != "optimizer":
                src.copy(src[key], dst, name=key)


def _normalize(value):
    return list(value) if isinstance(value, tuple) else value


def main(argv=None):
    parser = argparse.ArgumentParser(description="Package a trained R3GAN run as a shipped preset.")
    parser.add_argument("run_preset_dir", help="the run's preset directory (e.g. OUTPUT/rpgan_r1_r2/preset)")
    parser.add_argument("--name", default="stacked_mnist_small")
    parser.add_argument("--weights-root", default=None, help="destination root (default: the repository's weights/)")
    parser.add_argument(
        "--package-copy",
        action="store_true",
        help="also copy into keras_gans/models/r3gan/weights/ (package data for wheels)",
    )
    args = parser.parse_args(argv)
    written = package_preset(args.run_preset_dir, args.name, args.weights_root, args.package_copy)
    metadata = json.loads((written[0] / preset_utils.METADATA_FILE).read_text())
    print(json.dumps({"written": [str(w) for w in written], "metrics": metadata["metrics"]}, indent=2))
    if args.name not in SHIPPED_PRESETS:
        print(
            f"Now register it: in keras_gans/models/r3gan/r3gan_presets.py set "
            f"SHIPPED_PRESETS = {tuple(sorted(set(SHIPPED_PRESETS) | {args.name}))!r}",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
