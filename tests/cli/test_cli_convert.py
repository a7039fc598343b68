"""`keras-gans convert`: official R3GAN snapshots and pytorch_GAN_zoo checkpoints to preset directories.

References: the R3GAN networks built directly from the same snapshot with `r3gan_from_official`, and for ProGAN the
pytorch_GAN_zoo outputs of the fixture (`fixtures/progan_pgz/pgz_pgan_io.npz`, produced by the original code). The
`.pth` file is written with torch (installed for every backend's test run) from the fixture's state dicts.
"""

import collections
import json
import pickle

import keras
import numpy as np
import pytest

from keras_gans import cli
from keras_gans.models.progan import ProGAN
from keras_gans.models.r3gan import R3GAN
from keras_gans.models.r3gan import preset_recipe
from keras_gans.models.r3gan import r3gan_from_official
from keras_gans.utils.checkpoints import read_r3gan_snapshot

SNAPSHOT = "cond_network-snapshot-000010000.pkl"


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(x, "float32")))


def test_convert_r3gan_snapshot_matches_the_networks_built_from_it(fixtures_dir, tmp_path):
    pkl = fixtures_dir / "r3gan_official" / SNAPSHOT
    out = tmp_path / "r3gan_preset"
    assert cli.main(["convert", str(pkl), str(out), "--recipe", "fixture_conditional"]) == 0
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["source_file"] == SNAPSHOT and metadata["cur_nimg"] == 10_000_004

    # The stored weights in float32 give exactly the official-weight generators of the same snapshot.
    model = R3GAN.from_preset(str(out), bfloat16_stages=())
    assert model.recipe == preset_recipe("fixture_conditional") and model.augment_pipeline is not None
    snapshot = read_r3gan_snapshot(pkl)
    rng = np.random.default_rng(0)
    z = rng.standard_normal((4, model.latent_dim)).astype("float32")
    labels = np.eye(model.num_classes, dtype="float32")[[0, 1, 3, 4]]
    reference = r3gan_from_official(snapshot.G, bfloat16_stages=())
    np.testing.assert_allclose(_np(model.generator(z, labels)), _np(reference(z, labels)), atol=1e-6, rtol=0)

    with pytest.raises(SystemExit, match="already holds a preset; pass --overwrite"):
        cli.main(["convert", str(pkl), str(out)])


def _pgz_checkpoint(fixtures_dir, path):
    import torch

    folder = fixtures_dir / "progan_pgz"

    def state_dict(name, scale=1.0):
        with np.load(folder / name) as data:
            return collections.OrderedDict((k, torch.from_numpy(data[k] * scale)) for k in data.files)

    # netG differs from avgG (pytorch_GAN_zoo's moving average), which must become the EMA generator.
    torch.save(
        {
            "netG": state_dict("pgz_pgan_G_state_dict.npz", 0.5),
            "netD": state_dict("pgz_pgan_D_state_dict.npz"),
            "avgG": state_dict("pgz_pgan_G_state_dict.npz"),
        },
        path,
    )
    with np.load(folder / "pgz_pgan_io.npz") as io:
        return dict(io)


def test_convert_pytorch_gan_zoo_checkpoint_to_a_progan_preset(fixtures_dir, tmp_path):
    pth = tmp_path / "pgan_s3_i1000.pth"
    io = _pgz_checkpoint(fixtures_dir, pth)
    out = tmp_path / "progan_preset"
    assert cli.main(["convert", str(pth), str(out)]) == 0
    model = ProGAN.from_preset(str(out))
    assert model.image_shape == (32, 32, 3) and model.generator.active_resolution == 32
    # EMA generator = avgG: the fixture's pytorch_GAN_zoo output (float32 round-off through 8 layers).
    expected = io["G_out_alpha0"].transpose(0, 2, 3, 1)
    got = _np(model.ema_generator(io["z"]))
    assert np.abs(got - expected).max() <= 1e-5 * np.abs(expected).max()
    # The trained generator holds netG: pytorch_GAN_zoo's parametrisation is kept, so every stored value is the
    # same layout transform of the state dict as the EMA generator's, and netG = avgG / 2 here.
    for g, ema in zip(model.generator.weights, model.ema_generator.weights):
        scale = 0.5 if g.trainable else 1.0
        np.testing.assert_allclose(_np(g.value), scale * _np(ema.value), rtol=1e-7, atol=0, err_msg=g.path)


def test_convert_errors_are_helpful(fixtures_dir, tmp_path):
    out = str(tmp_path / "out")
    with pytest.raises(SystemExit, match="no such checkpoint file"):
        cli.main(["convert", str(tmp_path / "missing.pkl"), out])
    odd = tmp_path / "weights.bin"
    odd.write_bytes(b"0")
    with pytest.raises(SystemExit, match="cannot tell the format of weights.bin.*pass --format"):
        cli.main(["convert", str(odd), out])
    not_a_snapshot = tmp_path / "other.pkl"
    not_a_snapshot.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    with pytest.raises(SystemExit, match="could not be converted as an official R3GAN snapshot"):
        cli.main(["convert", str(not_a_snapshot), out])
    pkl = fixtures_dir / "r3gan_official" / SNAPSHOT
    with pytest.raises(SystemExit, match="could not be converted as a pytorch_GAN_zoo PGAN checkpoint"):
        cli.main(["convert", str(pkl), out, "--format", "pgz"])
    with pytest.raises(SystemExit, match="unknown --recipe 'nope'"):
        cli.main(["convert", str(pkl), out, "--recipe", "nope"])
    with pytest.raises(SystemExit, match="--recipe applies to R3GAN snapshots only"):
        cli.main(["convert", str(pkl), out, "--format", "pgz", "--recipe", "cifar10"])
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("keep")
    with pytest.raises(SystemExit, match="non-empty directory that is not a preset"):
        cli.main(["convert", str(pkl), str(tmp_path / "busy")])
