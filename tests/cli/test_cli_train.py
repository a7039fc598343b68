import json

import numpy as np
import pytest
from PIL import Image

from keras_gans import cli


def test_train_writes_samples_losses_metrics_and_resumes(tmp_path):
    out = tmp_path / "run"
    args = ["train", "--dataset", "embedded", "--resolution", "8", "--batch-size", "4", "--steps", "2",
            "--sample-every", "8", "--output", str(out)]
    assert cli.main(args) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["images_seen"] == 2 * 4
    assert np.isfinite(metrics["final_d_loss"]) and np.isfinite(metrics["final_g_loss"])
    samples = np.asarray(Image.open(out / "samples.png"))
    assert samples.shape == (4 * 8, 8 * 8, 3)
    assert Image.open(out / "losses.png").size[0] > 0
    # --resume continues from the checkpoint: two more steps reach 4 steps in all.
    assert cli.main(args[:-6] + ["--steps", "4", "--sample-every", "8", "--output", str(out), "--resume"]) == 0
    assert json.loads((out / "metrics.json").read_text())["images_seen"] == 4 * 4


def test_train_rejects_bad_arguments(tmp_path):
    with pytest.raises(SystemExit, match="resolution must be 4"):
        cli.main(["train", "--resolution", "12", "--output", str(tmp_path)])
    with pytest.raises(SystemExit, match="unknown --architecture 'nope'"):
        cli.main(["train", "--architecture", "nope", "--output", str(tmp_path)])
