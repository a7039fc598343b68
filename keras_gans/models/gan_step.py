"""The GAN training step, written once over explicit variable values.

The step reads and writes state through a small interface, so the same code runs

* on JAX inside `jax.jit`, over the trainer's state lists (`ValueState`: values in, new values out), and
* on TensorFlow (graph or XLA) and PyTorch (eager) on the variables themselves (`VariableState`). Keras'
  TensorFlow optimizers refuse `stateless_apply` (tf.distribute needs real variables), so there the optimizer
  updates the variables in place; reading variables directly also avoids copying every weight each step.

Networks run through `stateless_call` with parameter values, so gradients are taken with
`keras_gans.backend.value_and_grad` over those values; the only backend-specific calls are in `keras_gans.backend`.

Order per step (R3GAN's loop, section 4 of its training loop; ProGAN's is the same with one real batch):
hyperparameters from `images_seen` -> D update (adversarial loss, R1/R2/WGAN-GP/drift/AC terms) -> G update against
the updated D -> EMA of G -> `images_seen += D batch`, `iterations += 1` -> metrics.

Several replicas (`keras_gans.distribution`). Where the engine runs this step once per replica (TensorFlow,
PyTorch; JAX runs one global program), `keras_gans.backend.distribution.step_replicas()` says so, and the step
(1) draws its latents and WGAN-GP weights for the global batch and keeps its replica's slice, so the numbers do not
depend on the replica count, (2) hands the optimizer gradients that give the global batch's update, (3) counts
`images_seen` and the EMA batch globally, (4) averages the logged terms over replicas, and (5) offsets the
augmentation pipeline's seeds per replica for the duration of the step. Every loss term is a per-sample mean, so
the mean over replicas of equal shares is the global mean.
"""

import contextlib

import keras
from keras import ops

from keras_gans import losses as losses_module
from keras_gans.backend import fused_updates
from keras_gans.backend import no_grad
from keras_gans.backend import value_and_grad
from keras_gans.backend import value_and_input_gradient
from keras_gans.backend.execution import is_concrete
from keras_gans.backend.distribution import Replicas
from keras_gans.backend.distribution import step_replicas
from keras_gans.models import gan_inputs

LOSS_SCALE_GROWTH_INTERVAL = 2000


class ValueState:
    """Variable values for one functional (JAX) step, keyed by variable identity."""

    stateless = True

    def __init__(self, pairs):
        self._values = {id(v): value for v, value in pairs}

    def read(self, variables):
        return [self._values[id(v)] for v in variables]

    def write(self, variables, values):
        for v, value in zip(variables, values):
            self._values[id(v)] = value

    def apply(self, optimizer, grads, variables):
        new_values, new_optimizer_values = optimizer.stateless_apply(
            self.read(optimizer.variables), grads, self.read(variables)
        )
        self.write(variables, new_values)
        self.write(optimizer.variables, new_optimizer_values)

    @contextlib.contextmanager
    def scope(self, variables):
        """Runs stateful Keras code (seed generators, metrics) against these values, collecting its updates."""
        variables = list(variables)
        with keras.StatelessScope(state_mapping=list(zip(variables, self.read(variables)))) as scope:
            yield
        for v in variables:
            value = scope.get_current_value(v)
            if value is not None:
                self._values[id(v)] = value


class VariableState:
    """Direct access to the variables (TensorFlow graphs, PyTorch eager).

    On PyTorch a value read here shares storage with its variable: after writing a variable, read it again
    instead of reusing an earlier value (the step computes every new value before writing it).
    """

    stateless = False

    def read(self, variables):
        return [ops.stop_gradient(v.value) for v in variables]

    def write(self, variables, values):
        for v, value in zip(variables, values):
            v.assign(value)

    def apply(self, optimizer, grads, variables):
        with no_grad():
            optimizer.apply(grads, variables)

    def scope(self, variables):
        return contextlib.nullcontext()


def _mean(x):
    return ops.mean(ops.cast(x, "float32"))


def _all_finite(tensors):
    flags = [ops.all(ops.isfinite(t)) for t in tensors]
    return ops.all(ops.stack(flags))


class GANTrainStep:
    """Mixin with the training step of `GAN` (see the module docstring)."""

    # ------------------------------------------------------------------ random inputs
    def sample_latents(self, batch_size, phase, seed):
        """Latents of one phase (`"discriminator"` or `"generator"`): `N(0, 1)` of shape `(batch, latent_dim)`.

        Override to change the latent distribution; `seed` is the model's `SeedGenerator` (use it for every
        random draw so that checkpoints resume the same stream). `batch_size` counts every replica's samples; with
        several replicas each keeps its own slice.
        """
        return keras.random.normal((batch_size, self.generator.latent_dim), dtype="float32", seed=seed)

    def sample_interpolation_weights(self, batch_size, seed):
        """WGAN-GP interpolation weights `U(0, 1)` of shape `(batch, 1, 1, 1)` (one per sample, all replicas)."""
        return keras.random.uniform((batch_size, 1, 1, 1), dtype="float32", seed=seed)

    # ------------------------------------------------------------------ discriminator forward
    def _d_forward(self, d_values, images, labels, d_state, augment_probability, parts=1):
        """D(Aug(x)) via stateless calls. Returns `(scores f32 (N,), (class_logits, new_state))`.

        `parts=2`: `images` are two equal batches side by side (see `_pair_in_one_pass`), augmented one after the
        other as two separate calls would, then scored by one discriminator call.
        """
        d_nt, aug_nt = d_state
        if self.augment_pipeline is not None:
            # compile() checks that the pipeline has no trainable weights.
            size = ops.shape(images)[0] // parts
            pieces = [images[i * size:(i + 1) * size] for i in range(parts)] if parts > 1 else [images]
            augmented = []
            for piece in pieces:
                piece, aug_nt = self.augment_pipeline.stateless_call(
                    [], aug_nt, piece, probability=augment_probability, training=True
                )
                augmented.append(piece)
            images = ops.concatenate(augmented, axis=0) if parts > 1 else augmented[0]
        out, d_nt = self.discriminator.stateless_call(d_values, d_nt, images, labels=labels, training=True)
        if isinstance(out, (tuple, list)):
            scores, class_logits = out
        else:
            scores, class_logits = out, None
        scores = ops.cast(ops.reshape(scores, (-1,)), "float32")
        return scores, (class_logits, (d_nt, aug_nt))

    def _d_forward_with_gradient(self, d_values, images, labels, d_state, p, scale, parts=1):
        """Forward plus the differentiable input gradient of the summed scores (divided by `scale`)."""

        def fn(x):
            scores, aux = self._d_forward(d_values, x, labels, d_state, p, parts)
            return (scores * scale if scale is not None else scores), (scores, aux)

        (_, (scores, aux)), grad = value_and_input_gradient(fn, images, has_aux=True)
        grad = ops.cast(grad, "float32")
        if scale is not None:
            grad = grad / scale
        return scores, aux, grad

    def _input_gradient_only(self, d_values, images, labels, d_state, p, scale):
        return self._d_forward_with_gradient(d_values, images, labels, d_state, p, scale)[2]

    def _pair_in_one_pass(self, first, second, hp):
        """Whether D scores two batches as one batch of twice the size (one pass instead of two).

        Only in an eager step (PyTorch, `run_eagerly`), where every discriminator call costs host work and kernel
        launches per layer and one call on both batches halves them (bench32 structure at width 16, batch 1, on a
        CPU: 3,976 -> 2,654 ATen ops per step). A compiled step has no such cost per call, and on a CPU the
        doubled batch was slower there (JAX bench32, batch 8: 700-740 -> 800-850 ms per step). Also only for a
        discriminator that declares `batch_independent = True` (no statistic across samples, e.g. no minibatch
        stddev, so each sample's score and input gradient do not depend on the others) and batches of one dtype
        (a bfloat16 fake batch keeps its own pass, as R3GAN computes R2 on it).
        """
        return (hp["eager"] and bool(getattr(self.discriminator, "batch_independent", False))
                and keras.backend.standardize_dtype(first.dtype) == keras.backend.standardize_dtype(second.dtype))

    def _d_forward_pair(self, d_values, first, second, labels, d_state, p, scale, with_gradient):
        """D on `first` and `second` (equal batch sizes, same labels) in one call, as if called on each in turn.

        Returns `((scores, class_logits, input_gradient) of first, the same of second, new_state)`; the gradients
        are None without `with_gradient`.
        """
        images = ops.concatenate([first, second], axis=0)
        both_labels = None if labels is None else ops.concatenate([labels, labels], axis=0)
        grad = None
        if with_gradient:
            scores, (class_logits, d_state), grad = self._d_forward_with_gradient(
                d_values, images, both_labels, d_state, p, scale, parts=2
            )
        else:
            scores, (class_logits, d_state) = self._d_forward(d_values, images, both_labels, d_state, p, parts=2)
        n = ops.shape(first)[0]

        def halves(t):
            return (None, None) if t is None else (t[:n], t[n:])

        (s1, s2), (c1, c2), (g1, g2) = halves(scores), halves(class_logits), halves(grad)
        return (s1, c1, g1), (s2, c2, g2), d_state

    # ------------------------------------------------------------------ D loss
    def _discriminator_loss(self, d_values, d_state, reals, fakes, labels, alpha, hp, scale):
        cfg = self._train_config
        p = hp["augment_probability"]
        lazy = cfg["penalty_interval"] > 1
        terms = {}
        state_before_real = state_before_fake = d_state  # the lazy penalties re-run their pass from these
        if not lazy and cfg["use_r1"] == cfg["use_r2"] and self._pair_in_one_pass(reals, fakes, hp):
            (real_scores, real_cls, r1_grad), (fake_scores, fake_cls, r2_grad), d_state = self._d_forward_pair(
                d_values, reals, fakes, labels, d_state, p, scale, with_gradient=cfg["use_r1"]
            )
        else:
            if cfg["use_r1"] and not lazy:
                real_scores, (real_cls, d_state), r1_grad = self._d_forward_with_gradient(
                    d_values, reals, labels, d_state, p, scale
                )
            else:
                real_scores, (real_cls, d_state) = self._d_forward(d_values, reals, labels, d_state, p)
            state_before_fake = d_state
            if cfg["use_r2"] and not lazy:
                fake_scores, (fake_cls, d_state), r2_grad = self._d_forward_with_gradient(
                    d_values, fakes, labels, d_state, p, scale
                )
            else:
                fake_scores, (fake_cls, d_state) = self._d_forward(d_values, fakes, labels, d_state, p)

        adversarial = self._adversarial_loss.discriminator_loss(real_scores, fake_scores)
        total = _mean(adversarial)
        terms["d_adversarial"] = _mean(adversarial)
        terms["real_score"] = _mean(real_scores)
        terms["fake_score"] = _mean(fake_scores)

        def penalties():
            out = []
            if cfg["use_r1"]:
                grad = r1_grad if not lazy else self._input_gradient_only(
                    d_values, reals, labels, state_before_real, p, scale
                )
                out.append(_mean(losses_module.squared_gradient_norm(grad)))
            if cfg["use_r2"]:
                grad = r2_grad if not lazy else self._input_gradient_only(
                    d_values, fakes, labels, state_before_fake, p, scale
                )
                out.append(_mean(losses_module.squared_gradient_norm(grad)))
            if cfg["use_gp"]:
                mixed = losses_module.interpolate(reals, fakes, alpha)
                grad = self._input_gradient_only(d_values, mixed, labels, d_state, p, scale)
                term = losses_module.wgan_gp_from_gradient(grad, cfg["gp_target"], cfg["gp_weight"])
                out.append(_mean(term))
            return tuple(out)

        if cfg["use_r1"] or cfg["use_r2"] or cfg["use_gp"]:
            if lazy:
                n_terms = int(cfg["use_r1"]) + int(cfg["use_r2"]) + int(cfg["use_gp"])
                values = ops.cond(
                    hp["regularize"], penalties, lambda: tuple(ops.zeros((), "float32") for _ in range(n_terms))
                )
                values = tuple(values) if isinstance(values, (tuple, list)) else (values,)
            else:
                values = penalties()
            values = list(values)
            if cfg["use_r1"]:
                terms["r1"] = values.pop(0)
                total = total + hp["r1_weight"] * terms["r1"]
            if cfg["use_r2"]:
                terms["r2"] = values.pop(0)
                total = total + hp["r2_weight"] * terms["r2"]
            if cfg["use_gp"]:
                terms["gp"] = values.pop(0)
                total = total + hp["gp_factor"] * terms["gp"]
        if cfg["use_drift"]:
            terms["drift"] = _mean(losses_module.drift_penalty(real_scores, cfg["drift_weight"]))
            total = total + terms["drift"]
        if self._discriminator_has_classifier and labels is not None:
            ce = losses_module.auxiliary_classification_loss(real_cls, labels)
            ce = ce + losses_module.auxiliary_classification_loss(fake_cls, labels)
            terms["d_classification"] = _mean(ce)
            total = total + cfg["classification_weight"] * terms["d_classification"]
        terms["d_loss"] = total
        return total, terms, d_state

    # ------------------------------------------------------------------ update helpers
    def _loss_scale_value(self, state, which):
        if not self._loss_scaling:
            return None
        return state.read([self._loss_scale_variables[which][0]])[0]

    def _apply_update(self, state, optimizer, grads, variables, scale, which):
        """Optimizer update; with loss scaling, unscales, skips non-finite updates and adapts the scale."""
        if scale is None:
            state.apply(optimizer, grads, variables)
            return {}
        grads = [ops.cast(g, "float32") / scale for g in grads]
        finite = self._replicas.all_true(_all_finite(grads))
        grads = [ops.where(finite, g, ops.zeros_like(g)) for g in grads]
        watched = list(variables) + list(optimizer.variables)
        before = [ops.copy(v) for v in state.read(watched)]
        state.apply(optimizer, grads, variables)
        after = state.read(watched)
        state.write(watched, [ops.where(finite, a, b) for a, b in zip(after, before)])
        scale_var, count_var = self._loss_scale_variables[which]
        count = state.read([count_var])[0]
        count = ops.where(finite, count + 1, ops.zeros_like(count))
        grow = ops.greater_equal(count, LOSS_SCALE_GROWTH_INTERVAL)
        new_scale = ops.where(finite, ops.where(grow, scale * 2.0, scale), ops.maximum(scale * 0.5, 1.0))
        count = ops.where(grow, ops.zeros_like(count), count)
        state.write([scale_var, count_var], [new_scale, count])
        return {f"{which}_loss_scale": new_scale}

    # ------------------------------------------------------------------ hyperparameters
    def _hyperparameters(self, state, images_seen, step, d_batch):
        """Evaluates the schedules at `images_seen` (before this step) and stores them in their variables.

        A hyperparameter without a schedule keeps its variable's current value, so a callback may drive it.
        """
        cfg = self._train_config
        hp_vars = self._hyperparameter_variables
        names = list(hp_vars)
        values = dict(zip(names, [ops.cast(v, "float32") for v in state.read([hp_vars[n] for n in names])]))
        for name in names:
            schedule = cfg["schedules"].get(name)
            if schedule is not None:
                values[name] = ops.cast(schedule(images_seen), "float32")
        if cfg["ema_mode"] == "half_life":
            # R3GAN / StyleGAN: beta = 0.5 ** (batch / half-life in images); a zero half-life gives beta = 0.
            half_life = values["ema_half_life_images"]
            if cfg["ema_rampup"] is not None:
                half_life = ops.minimum(half_life, ops.cast(images_seen, "float32") * cfg["ema_rampup"])
            batch = ops.cast(d_batch, "float32")
            values["ema_beta"] = ops.power(0.5, batch / ops.maximum(half_life, 1e-8))
        state.write([hp_vars[n] for n in names], [values[n] for n in names])
        interval = cfg["penalty_interval"]
        hp = dict(values)
        hp["regularize"] = ops.equal(ops.mod(ops.cast(step, "int32"), interval), 0)
        hp["r1_weight"] = losses_module.lazy_penalty_weight(values["r1_gamma"] * 0.5, interval, step)
        hp["r2_weight"] = losses_module.lazy_penalty_weight(values["r2_gamma"] * 0.5, interval, step)
        hp["gp_factor"] = losses_module.lazy_penalty_weight(1.0, interval, step)
        return hp

    def _set_optimizer_hyperparameters(self, state, images_seen):
        """Writes scheduled learning rate / beta_2 into both optimizers' variables (R3GAN: same for G and D)."""
        schedules = self._train_config["schedules"]
        optimizers = self.optimizer.optimizers
        for name, attribute in (("learning_rate", "_learning_rate"), ("beta_2", "beta_2")):
            schedule = schedules.get(name)
            if schedule is not None:
                variables = [getattr(opt, attribute) for opt in optimizers]
                value = ops.cast(schedule(images_seen), "float32")
                state.write(variables, [ops.cast(value, v.dtype) for v in variables])

    # ------------------------------------------------------------------ the step
    def _count_images_on_host(self, new_images_seen, added, eager):
        """Keeps `_host_images_seen` equal to `images_seen` while the step runs eagerly (PyTorch, `run_eagerly`).

        Callbacks read the host copy (`keras_gans.callbacks.every_n_images`) instead of the device value, which
        would make the host wait for every step. A traced step (jit, tf.function) runs this once, at tracing, so
        there the copy is dropped and callbacks read the device.
        """
        if not (eager and isinstance(added, int)) or self._replicas.share_one_model:
            self._host_images_seen = None
        elif self._host_images_seen is None:
            # Once per fit(). Not from the value read before the update: PyTorch variables update in place.
            self._host_images_seen = int(ops.convert_to_numpy(new_images_seen))
        else:
            self._host_images_seen += added

    @property
    def _replicas(self):
        return getattr(self, "_step_replicas", None) or Replicas()

    def _train_step_on_state(self, state, data):
        self._step_replicas = step_replicas()
        try:
            return self._train_step_on_replica(state, data)
        finally:
            self._step_replicas = None

    def _train_step_on_replica(self, state, data):
        images, labels = self._prepare_batch(data)
        cfg = self._train_config
        replicas = self._replicas
        if self._adversarial_loss.generator_needs_reals:
            n = ops.shape(images)[0]
            half = (n + 1) // 2
            d_images, g_images = images[:half], images[half:]
            d_labels = labels[:half] if labels is not None else None
            g_labels = labels[half:] if labels is not None else None
        else:
            d_images, g_images, d_labels, g_labels = images, None, labels, labels
        d_batch = ops.shape(d_images)[0]
        g_batch = ops.shape(g_images)[0] if g_images is not None else d_batch
        global_d_batch = d_batch * replicas.count

        images_seen, step = state.read([self._images_seen, self.optimizer.iterations])
        hp = self._hyperparameters(state, images_seen, step, global_d_batch)
        hp["eager"] = is_concrete(images)  # Python bool: whether this step runs op by op (see _pair_in_one_pass)
        self._set_optimizer_hyperparameters(state, images_seen)

        seed_state = self._seed_generator.state
        with state.scope([seed_state]):
            # Drawn for the global batch, then sliced: the same numbers for any replica count.
            z_d = replicas.local_part(
                self.sample_latents(d_batch * replicas.count, "discriminator", self._seed_generator)
            )
            z_g = replicas.local_part(
                self.sample_latents(g_batch * replicas.count, "generator", self._seed_generator)
            )
            alpha = None
            if cfg["use_gp"]:
                alpha = replicas.local_part(
                    self.sample_interpolation_weights(d_batch * replicas.count, self._seed_generator)
                )

        aug_nt_vars = self.augment_pipeline.non_trainable_variables if self.augment_pipeline is not None else []
        logs = {}

        # Benchmarks time the phases separately by leaving some out (benchmarks/train_throughput.py).
        phases = getattr(self, "_step_phases", None) or ("discriminator", "generator", "ema")
        if "discriminator" in phases:
            logs.update(self._discriminator_phase(state, z_d, d_images, d_labels, alpha, hp, aug_nt_vars))
        if "generator" in phases:
            logs.update(self._generator_phase(state, z_g, g_images, g_labels, hp, aug_nt_vars))
        if "ema" in phases:
            self._update_ema(state, hp["ema_beta"])
        new_images_seen = images_seen + ops.cast(global_d_batch, "int32")
        state.write([self._images_seen, self.optimizer.iterations], [new_images_seen, step + 1])
        self._count_images_on_host(new_images_seen, global_d_batch, hp["eager"])

        # ---- metrics
        values = {k: logs.pop(k) for k in list(logs) if k.startswith("term:")}
        values = {k[len("term:"):]: v for k, v in values.items()}
        logged = replicas.mean({k: v for k, v in values.items() if k in self._trackers})
        with state.scope(self.metrics_variables):
            for name, value in logged.items():
                self._trackers[name].update_state(value)
            logs.update({name: self._trackers[name].result() for name in logged})
        logs["images_seen"] = new_images_seen
        return replicas.logs_for_engine(logs)

    def _discriminator_phase(self, state, z_d, d_images, d_labels, alpha, hp, aug_nt_vars):
        """D update on the D half (fakes from `z_d`, detached). Returns logs (`term:` prefixed loss terms)."""
        G, D = self.generator, self.discriminator
        logs = {}
        g_values, g_nt = state.read(G.trainable_variables), state.read(G.non_trainable_variables)
        with no_grad():  # the fakes are constants of the D loss: no graph of G's forward pass (PyTorch)
            fakes, g_nt = G.stateless_call(g_values, g_nt, z_d, labels=d_labels, training=True)
        fakes = ops.stop_gradient(fakes)
        state.write(G.non_trainable_variables, g_nt)
        d_scale = self._loss_scale_value(state, "d")

        def d_loss_fn(d_values, d_state):
            total, terms, d_state = self._discriminator_loss(
                d_values, d_state, d_images, fakes, d_labels, alpha, hp, d_scale
            )
            scaled = total * d_scale if d_scale is not None else total
            return scaled, (terms, d_state)

        d_state = (state.read(D.non_trainable_variables), self._read_augment_state(state, aug_nt_vars))
        (_, (d_terms, d_state)), d_grads = value_and_grad(d_loss_fn, has_aux=True)(
            state.read(D.trainable_variables), d_state
        )
        d_grads = self._replicas.gradients_for_update(d_grads)
        state.write(D.non_trainable_variables, d_state[0])
        self._write_augment_state(state, aug_nt_vars, d_state[1])
        logs.update(self._apply_update(
            state, self.optimizer.discriminator_optimizer, d_grads, D.trainable_variables, d_scale, "d"
        ))
        logs.update({f"term:{k}": v for k, v in d_terms.items()})
        return logs

    def _generator_phase(self, state, z_g, g_images, g_labels, hp, aug_nt_vars):
        """G update against the (already updated) D; `g_images` is the G phase's real batch or None."""
        G, D = self.generator, self.discriminator
        cfg = self._train_config
        p = hp["augment_probability"]
        logs = {}
        d_values = state.read(D.trainable_variables)
        g_scale = self._loss_scale_value(state, "g")

        def g_loss_fn(g_values, g_nt, d_state):
            fake, g_nt = G.stateless_call(g_values, g_nt, z_g, labels=g_labels, training=True)
            real_scores = None
            if g_images is not None and self._pair_in_one_pass(fake, g_images, hp):
                (fake_scores, fake_cls, _), (real_scores, _, _), d_state = self._d_forward_pair(
                    d_values, fake, g_images, g_labels, d_state, p, None, with_gradient=False
                )
            else:
                fake_scores, (fake_cls, d_state) = self._d_forward(d_values, fake, g_labels, d_state, p)
                if g_images is not None:
                    real_scores, (_, d_state) = self._d_forward(d_values, g_images, g_labels, d_state, p)
            adversarial = self._adversarial_loss.generator_loss(fake_scores, real_scores)
            total = _mean(adversarial)
            terms = {"g_adversarial": total}
            if self._discriminator_has_classifier and g_labels is not None:
                terms["g_classification"] = _mean(losses_module.auxiliary_classification_loss(fake_cls, g_labels))
                total = total + cfg["classification_weight"] * terms["g_classification"]
            terms["g_loss"] = total
            scaled = total * g_scale if g_scale is not None else total
            return scaled, (terms, g_nt, d_state)

        d_state = (state.read(D.non_trainable_variables), self._read_augment_state(state, aug_nt_vars))
        (_, (g_terms, g_nt, d_state)), g_grads = value_and_grad(g_loss_fn, has_aux=True)(
            state.read(G.trainable_variables), state.read(G.non_trainable_variables), d_state
        )
        g_grads = self._replicas.gradients_for_update(g_grads)
        state.write(G.non_trainable_variables, g_nt)
        state.write(D.non_trainable_variables, d_state[0])
        self._write_augment_state(state, aug_nt_vars, d_state[1])
        logs.update(self._apply_update(
            state, self.optimizer.generator_optimizer, g_grads, G.trainable_variables, g_scale, "g"
        ))
        logs.update({f"term:{k}": v for k, v in g_terms.items()})
        return logs

    def _augment_seed_offsets(self, variables):
        """Per-replica offsets of the augmentation pipeline's seed states (`None` where nothing is offset)."""
        if self._replicas.count == 1 or self.augment_pipeline is None:
            return [None] * len(variables)
        seeds = {
            id(generator.state)
            for layer in self.augment_pipeline._flatten_layers()
            for generator in getattr(layer, "_seed_generators", [])
        }
        return [self._replicas.seed_offset(v.dtype) if id(v) in seeds else None for v in variables]

    def _read_augment_state(self, state, variables):
        """The pipeline's state; with several replicas each draws its own augmentations (seeds offset)."""
        values = state.read(variables)
        offsets = self._augment_seed_offsets(variables)
        return [value if o is None else value + o for value, o in zip(values, offsets)]

    def _write_augment_state(self, state, variables, values):
        offsets = self._augment_seed_offsets(variables)
        state.write(variables, [value if o is None else value - o for value, o in zip(values, offsets)])

    def _update_ema(self, state, beta):
        g_vars = [g for g, _, _ in self._ema_pairs]
        e_vars = [e for _, e, _ in self._ema_pairs]
        if not state.stateless and fused_updates.fused_updates_available():
            # PyTorch (eager): one multi-tensor update instead of three small ops per generator variable.
            pairs = [(g, e) for g, e, averaged in self._ema_pairs if averaged]
            fused_updates.moving_average_update([e for _, e in pairs], [g for g, _ in pairs], beta)
            copied = [(g, e) for g, e, averaged in self._ema_pairs if not averaged]
            state.write([e for _, e in copied], state.read([g for g, _ in copied]))
            return
        g_values, e_values = state.read(g_vars), state.read(e_vars)
        new = []
        for (_, e, averaged), g_value, e_value in zip(self._ema_pairs, g_values, e_values):
            if averaged:
                b = ops.cast(beta, e.dtype)
                new.append(g_value + b * (e_value - g_value))
            else:
                new.append(g_value)
        state.write(e_vars, new)

    # ------------------------------------------------------------------ data
    def _prepare_batch(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        images, labels = x, y
        if isinstance(images, (tuple, list)):
            raise ValueError("GAN.fit: `x` must be a batch of images; give labels as `y` or as `(images, labels)`.")
        gan_inputs.check_image_spec(
            tuple(images.shape), keras.backend.standardize_dtype(images.dtype), self.discriminator.image_shape
        )
        gan_inputs.check_label_spec(
            None if labels is None else tuple(labels.shape),
            None if labels is None else keras.backend.standardize_dtype(labels.dtype),
            self.num_classes,
        )
        return gan_inputs.images_to_float(images), gan_inputs.labels_to_one_hot(labels, self.num_classes)
