"""Two full GAN training steps from fixed weights: TensorFlow, JAX and PyTorch agree with each other and with an
independent PyTorch re-implementation of the training iteration written here from the R3GAN / ProGAN specs.

Latents and WGAN-GP interpolation weights are injected through `GAN.sample_latents` /
`GAN.sample_interpolation_weights` (the backends' random streams differ). Two configurations:

* `r3gan`: RpGAN + R1 + R2 (gamma/2 each, double backprop), Adam beta_1 = 0 with a beta_2 schedule, EMA from a
  half-life in images, uint8 data whose fit batch is split into the D half and the G half.
* `progan`: WGAN + WGAN-GP (lambda 10, target 1) + drift 0.001, conditional AC-GAN discriminator
  (cross-entropy on reals and fakes), EMA beta 0.999 per step, one real batch per step.
"""

import json

import numpy as np
import pytest
from backend_runner import REPO_ROOT
from backend_runner import assert_backends_agree
from backend_runner import run_on_backends

CONFIGS = {
    "r3gan": dict(
        num_classes=0,
        ac_gan=False,
        loss="rpgan",
        gamma=0.5,
        lr=1e-3,
        beta_2=(0.9, 0.99, 64.0),
        ema_half_life=8.0,
        batch=8,
    ),
    "progan": dict(
        num_classes=3,
        ac_gan=True,
        loss="wgan",
        gp_weight=10.0,
        gp_target=1.0,
        drift=0.001,
        lr=1e-3,
        beta_2_const=0.99,
        ema_beta=0.999,
        batch=4,
    ),
}
LATENT, WIDTH, SHAPE = 8, 8, (8, 8, 3)


def _inputs():
    rng = np.random.default_rng(7)
    out = {}
    for name, cfg in CONFIGS.items():
        half = cfg["batch"] // 2 if cfg["loss"] == "rpgan" else cfg["batch"]
        g_n = cfg["batch"] - half if cfg["loss"] == "rpgan" else cfg["batch"]
        out[f"{name}/x"] = rng.integers(0, 256, size=(2, cfg["batch"]) + SHAPE).astype("uint8")
        out[f"{name}/labels"] = rng.integers(0, max(cfg["num_classes"], 1), size=(2, cfg["batch"])).astype("int32")
        out[f"{name}/z_d"] = rng.standard_normal((half, LATENT)).astype("float32")
        out[f"{name}/z_g"] = rng.standard_normal((g_n, LATENT)).astype("float32")
        out[f"{name}/alpha"] = rng.uniform(size=(half, 1, 1, 1)).astype("float32")
    return out


SNIPPET = """
import json, sys
sys.path.insert(0, TESTS_DIR)
import numpy as np, keras
from keras import ops
import keras_gans
from gan_testing import tiny_networks, fixed_weights

CONFIGS = json.loads(CONFIGS_JSON)
inputs = dict(np.load(INPUTS))
results = {}
for name, cfg in CONFIGS.items():
    class FixedGAN(keras_gans.GAN):
        def sample_latents(self, batch_size, phase, seed):
            return ops.convert_to_tensor(inputs[name + ("/z_d" if phase == "discriminator" else "/z_g")])
        def sample_interpolation_weights(self, batch_size, seed):
            return ops.convert_to_tensor(inputs[name + "/alpha"])
    g, d = tiny_networks(num_classes=cfg["num_classes"], ac_gan=cfg["ac_gan"], latent_dim=8, width=8)
    gan = FixedGAN(g, d)
    fixed_weights(gan.generator, 1)
    fixed_weights(gan.discriminator, 2)
    for gv, ev in zip(gan.generator.variables, gan.ema_generator.variables):
        ev.assign(ops.copy(gv.value))
    for net, key in ((gan.generator, "G0"), (gan.discriminator, "D0")):
        for v in net.weights:
            results[f"{name}/{key}/{v.path.split('/', 1)[1]}"] = ops.convert_to_numpy(v.value)
    kw = dict(loss=cfg["loss"],
              generator_optimizer=keras_gans.optimizers.Adam(cfg["lr"], beta_1=0.0, beta_2=0.99),
              discriminator_optimizer=keras_gans.optimizers.Adam(cfg["lr"], beta_1=0.0, beta_2=0.99))
    if cfg["loss"] == "rpgan":
        kw.update(r1_gamma=cfg["gamma"], r2_gamma=cfg["gamma"], ema_half_life_images=cfg["ema_half_life"],
                  beta_2=keras_gans.schedules.CosineDecay(*cfg["beta_2"]))
    else:
        kw.update(gp_weight=cfg["gp_weight"], gp_target=cfg["gp_target"], drift_weight=cfg["drift"],
                  ema_beta=cfg["ema_beta"])
    gan.compile(**kw)
    for step in range(2):
        x = inputs[name + "/x"][step]
        y = inputs[name + "/labels"][step] if cfg["num_classes"] else None
        logs = gan.train_on_batch(x, y, return_dict=True)
        for k, v in logs.items():
            results[f"{name}/step{step}/{k}"] = np.asarray(v, dtype="float64")
    for net, key in ((gan.generator, "G"), (gan.discriminator, "D"), (gan.ema_generator, "EMA")):
        # The EMA copy is named after the generator's variable at the same position.
        names = gan.generator.weights if key == "EMA" else net.weights
        for ref, v in zip(names, net.weights):
            results[f"{name}/{key}/{ref.path.split('/', 1)[1]}"] = ops.convert_to_numpy(v.value)
    for opt, key in ((gan.optimizer.generator_optimizer, "G"), (gan.optimizer.discriminator_optimizer, "D")):
        results[f"{name}/{key}_opt/iterations"] = ops.convert_to_numpy(opt.iterations.value)
        results[f"{name}/{key}_opt/beta_2"] = ops.convert_to_numpy(opt.beta_2.value)
        for i, m in enumerate(opt._velocities):
            results[f"{name}/{key}_opt/v{i}"] = ops.convert_to_numpy(m.value)
np.savez(OUT, **results)
"""


def _reference(weights, inputs, name, cfg):
    """The training iteration in plain PyTorch (float64), following R3GAN section 4 / ProGAN section 5."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)
    t = {k.split("/", 1)[1]: torch.tensor(v, dtype=torch.float64) for k, v in weights.items()}
    G = {k[3:]: v.clone().requires_grad_() for k, v in t.items() if k.startswith("G0/")}
    D = {k[3:]: v.clone().requires_grad_() for k, v in t.items() if k.startswith("D0/")}
    E = {k: v.detach().clone() for k, v in G.items()}

    def conv(x, kernel, bias):
        return F.conv2d(x.permute(0, 3, 1, 2), kernel.permute(3, 2, 0, 1), bias, padding=1).permute(0, 2, 3, 1)

    def gen(P, z, onehot):
        h = z if onehot is None else torch.cat([z, onehot @ P["embed/kernel"]], dim=-1)
        x = F.leaky_relu((h @ P["dense/kernel"] + P["dense/bias"]).reshape(-1, 4, 4, WIDTH), 0.2)
        x = x.repeat_interleave(2, dim=1).repeat_interleave(2, dim=2)
        x = F.leaky_relu(conv(x, P["conv1/kernel"], P["conv1/bias"]), 0.2)
        return conv(x, P["to_rgb/kernel"], P["to_rgb/bias"])

    def disc(P, x, onehot):
        h = F.leaky_relu(conv(x, P["conv1/kernel"], P["conv1/bias"]), 0.2)
        h = F.avg_pool2d(h.permute(0, 3, 1, 2), 2).permute(0, 2, 3, 1)
        h = F.leaky_relu(conv(h, P["conv2/kernel"], P["conv2/bias"]), 0.2)
        feat = h.mean(dim=(1, 2))
        scores = (feat @ P["head/kernel"] + P["head/bias"]).reshape(-1)
        if "classifier/kernel" in P:
            return scores, feat @ P["classifier/kernel"] + P["classifier/bias"]
        return scores, None

    def ce(logits, onehot):
        return -(onehot * torch.log_softmax(logits, dim=-1)).sum(-1)

    beta_2 = cfg.get("beta_2_const", cfg.get("beta_2", [None])[0])
    opt_d = torch.optim.Adam(D.values(), lr=cfg["lr"], betas=(0.0, beta_2), eps=1e-8)
    opt_g = torch.optim.Adam(G.values(), lr=cfg["lr"], betas=(0.0, beta_2), eps=1e-8)
    z_d = torch.tensor(inputs[f"{name}/z_d"], dtype=torch.float64)
    z_g = torch.tensor(inputs[f"{name}/z_g"], dtype=torch.float64)
    alpha = torch.tensor(inputs[f"{name}/alpha"], dtype=torch.float64)
    logs = {}
    images_seen = 0
    for step in range(2):
        x = torch.tensor(inputs[f"{name}/x"][step], dtype=torch.float64) / 127.5 - 1.0
        labels = inputs[f"{name}/labels"][step]
        onehot = torch.tensor(np.eye(cfg["num_classes"])[labels]) if cfg["num_classes"] else None
        if cfg["loss"] == "rpgan":
            half = x.shape[0] // 2
            x_d, x_g = x[:half], x[half:]
            b2 = cfg["beta_2"]
            beta_2 = b2[0] + (1 - 0.5 * (1 + np.cos(np.pi * min(images_seen / b2[2], 1.0)))) * (b2[1] - b2[0])
            for opt in (opt_d, opt_g):
                opt.param_groups[0]["betas"] = (0.0, beta_2)
        else:
            half = x.shape[0]
            x_d, x_g = x, None
        # D phase.
        fake = gen(G, z_d, onehot).detach()
        real_in = x_d.clone().requires_grad_()
        fake_in = fake.clone().requires_grad_()
        real_s, real_c = disc(D, real_in, onehot)
        fake_s, fake_c = disc(D, fake_in, onehot)
        if cfg["loss"] == "rpgan":
            (r1g,) = torch.autograd.grad(real_s.sum(), real_in, create_graph=True)
            (r2g,) = torch.autograd.grad(fake_s.sum(), fake_in, create_graph=True)
            r1, r2 = r1g.square().sum((1, 2, 3)), r2g.square().sum((1, 2, 3))
            d_loss = (F.softplus(-(real_s - fake_s)) + cfg["gamma"] / 2 * (r1 + r2)).mean()
            logs[f"step{step}/r1"], logs[f"step{step}/r2"] = r1.mean(), r2.mean()
        else:
            mixed = (x_d + alpha * (fake - x_d)).requires_grad_()
            mixed_s, _ = disc(D, mixed, onehot)
            (gg,) = torch.autograd.grad(mixed_s.sum(), mixed, create_graph=True)
            norm = gg.square().sum((1, 2, 3)).sqrt()
            gp = cfg["gp_weight"] / cfg["gp_target"] ** 2 * (norm - cfg["gp_target"]) ** 2
            drift = cfg["drift"] * real_s**2
            cls = ce(real_c, onehot) + ce(fake_c, onehot)
            d_loss = (fake_s - real_s + gp + drift + cls).mean()
            logs[f"step{step}/gp"], logs[f"step{step}/drift"] = gp.mean(), drift.mean()
            logs[f"step{step}/d_classification"] = cls.mean()
        logs[f"step{step}/d_loss"] = d_loss
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        # G phase against the updated D.
        for p in D.values():
            p.requires_grad_(False)
        fake_s, fake_c = disc(D, gen(G, z_g, onehot), onehot)
        if cfg["loss"] == "rpgan":
            real_s, _ = disc(D, x_g, onehot)
            g_loss = F.softplus(-(fake_s - real_s)).mean()
        else:
            g_loss = (-fake_s + ce(fake_c, onehot)).mean()
        logs[f"step{step}/g_loss"] = g_loss
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        for p in D.values():
            p.requires_grad_(True)
        # EMA, then the counter.
        beta = cfg["ema_beta"] if "ema_beta" in cfg else 0.5 ** (half / cfg["ema_half_life"])
        with torch.no_grad():
            for k in E:
                E[k] = G[k].detach() + beta * (E[k] - G[k].detach())
        images_seen += half
    out = {k: float(v.detach()) for k, v in logs.items()}
    for prefix, params in (("G", G), ("D", D), ("EMA", E)):
        for k, v in params.items():
            out[f"{prefix}/{k}"] = v.detach().numpy()
    return out


@pytest.mark.cross_backend
def test_two_training_steps_agree_across_backends_and_with_a_torch_reference(tmp_path):
    inputs = _inputs()
    path = tmp_path / "inputs.npz"
    np.savez(path, **inputs)
    code = (
        f"TESTS_DIR = {str(REPO_ROOT / 'tests')!r}\nINPUTS = {str(path)!r}\n"
        f"CONFIGS_JSON = {json.dumps(json.dumps(CONFIGS))}\n" + SNIPPET
    )
    results = run_on_backends(code)
    comparable = {
        backend: {k: v for k, v in arrays.items() if "loss_scale" not in k} for backend, arrays in results.items()
    }
    assert_backends_agree(comparable, atol=2e-5, rtol=1e-4)
    between = max(
        float(np.max(np.abs(arrays[k] - comparable["tensorflow"][k]))) for arrays in comparable.values() for k in arrays
    )
    worst = {}
    for backend, arrays in results.items():
        for name, cfg in CONFIGS.items():
            weights = {k: v for k, v in arrays.items() if k.startswith(f"{name}/G0/") or k.startswith(f"{name}/D0/")}
            ref = _reference(weights, inputs, name, cfg)
            for key, value in ref.items():
                got = arrays[f"{name}/{key}"]
                np.testing.assert_allclose(got, value, atol=2e-5, rtol=1e-4, err_msg=f"{backend} {name} {key}")
                worst[key] = max(worst.get(key, 0.0), float(np.max(np.abs(got - value))))
            # Both optimizers took two steps; the scheduled beta_2 reached the variables.
            for net in ("G", "D"):
                assert int(arrays[f"{name}/{net}_opt/iterations"]) == 2
    assert worst, "no comparisons were made"
    losses = {k: v for k, v in worst.items() if k.startswith("step")}
    print(
        f"max |difference| between backends: {between:.3g}; vs the torch reference: losses "
        f"{max(losses.values()):.3g}, weights {max(v for k, v in worst.items() if k not in losses):.3g}"
    )
