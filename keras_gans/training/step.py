"""One training iteration of a `GAN`: orchestration only.

Order per step (R3GAN's loop; ProGAN's is the same with one real batch): hyperparameters from `images_seen` ->
D update (`discriminator_loss`) -> G update against the updated D (`generator_loss`) -> EMA of G (`ema`) ->
`images_seen += D batch`, `iterations += 1` -> metrics. The step reads and writes through a `state`
(`keras_gans.training.state`), so the same code runs functionally on JAX and on the variables elsewhere; networks
run through `stateless_call` over the variable lists of `model.step_networks`, and gradients come from
`keras_gans.backend.value_and_grad`.

Several replicas (`keras_gans.distribution`). Where the engine runs this step once per replica (TensorFlow,
PyTorch; JAX runs one global program), `step_replicas()` says so, and the step (1) draws its latents and WGAN-GP
weights for the global batch and keeps its replica's slice, so the numbers do not depend on the replica count,
(2) hands the optimizer gradients that give the global batch's update, (3) counts `images_seen` and the EMA batch
globally, (4) averages the logged terms over replicas, and (5) offsets the augmentation pipeline's seeds per
replica for the duration of the step. Every loss term is a per-sample mean, so the mean over replicas of equal
shares is the global mean.
"""

from keras import ops

from keras_gans.backend import no_grad
from keras_gans.backend import value_and_grad
from keras_gans.backend.distribution import step_replicas
from keras_gans.backend.execution import is_concrete
from keras_gans.training import hyperparameters as hyperparameters_module
from keras_gans.training.discriminator_call import DiscriminatorCall
from keras_gans.training.discriminator_call import read_augment_state
from keras_gans.training.discriminator_call import write_augment_state
from keras_gans.training.discriminator_loss import discriminator_loss
from keras_gans.training.generator_loss import generator_loss
from keras_gans.training.inputs import invalid_label_rows
from keras_gans.training.inputs import small_batch_message
from keras_gans.training.inputs import unpack_batch
from keras_gans.training.loss_scaling import scale_loss


class TrainStep:
    """One training iteration of `model` (a compiled `GAN`), called as `TrainStep(model)(state, data)`.

    After the call, `images_added` (this step's global D batch) and `images_seen` (the new count) tell the model
    how far the count moved, and `eager` whether the step ran op by op.
    """

    def __init__(self, model):
        self.model = model
        self.config = model.train_config
        self.networks = model.step_networks
        self.replicas = step_replicas()

    def __call__(self, state, data):
        model, replicas = self.model, self.replicas
        images_seen, step = state.read([model.images_seen, model.optimizer.iterations])
        model.before_step(state, images_seen)
        images, labels = unpack_batch(data, model.discriminator.image_shape, model.num_classes)
        checks = self.batch_checks(images, labels)
        images = model.transform_reals(images, state)
        self.eager = is_concrete(images)  # a Python bool: whether this step runs op by op
        if self.config.loss.generator_needs_reals:  # every fit batch: a D half, then a G half
            size = ops.shape(images)[0]
            half = (size + 1) // 2
            # A batch of one (only possible with a dynamic batch size, and counted by batch_checks) gives the G phase
            # the same image instead of an empty batch, which some kernels reject and others average into NaN.
            g_start = min(half, size - 1) if isinstance(size, int) else ops.minimum(half, size - 1)
            d_reals, g_reals = images[:half], images[g_start:]
            d_labels, g_labels = (None, None) if labels is None else (labels[:half], labels[g_start:])
        else:
            d_reals, g_reals, d_labels, g_labels = images, None, labels, labels
        d_batch = ops.shape(d_reals)[0]
        g_batch = ops.shape(g_reals)[0] if g_reals is not None else d_batch
        self.images_added = d_batch * replicas.count
        hp = hyperparameters_module.update(model, state, images_seen, step, self.images_added)

        with state.scope([model.seed_generator.state]):
            # Drawn for the global batch, then sliced: the same numbers for any replica count.
            seed, count = model.seed_generator, replicas.count
            z_d = replicas.local_part(model.sample_latents(d_batch * count, "discriminator", seed))
            z_g = replicas.local_part(model.sample_latents(g_batch * count, "generator", seed))
            alpha = None
            if self.config.use_gp:
                alpha = replicas.local_part(model.sample_interpolation_weights(d_batch * count, seed))
        z_g = model.latents_for_generator_phase(z_d, z_g)
        d_values_for_generator = model.discriminator_for_generator_phase(state)

        logs, terms = {}, {}
        terms.update(self.discriminator_phase(state, z_d, d_reals, d_labels, alpha, hp, logs))
        terms.update(self.generator_phase(state, z_g, g_reals, g_labels, hp, d_values_for_generator, logs))
        self.ema_phase(state, hp["ema_beta"])
        self.images_seen = images_seen + ops.cast(self.images_added, "int32")
        state.write([model.images_seen, model.optimizer.iterations], [self.images_seen, step + 1])

        trackers = {**model.loss_trackers, **model.batch_check_trackers}
        logged = replicas.mean({**{k: v for k, v in terms.items() if k in model.loss_trackers}, **checks})
        with state.scope(model.metrics_variables):
            for name, value in logged.items():
                trackers[name].update_state(value)
            logs.update({name: trackers[name].result() for name in logged})
        logs["images_seen"] = self.images_seen
        return replicas.logs_for_engine(logs)

    def batch_checks(self, images, labels):
        """Raises `ValueError` for a batch whose static size is below `model.min_batch_size`; returns the device-side
        checks logged through `model.batch_check_trackers` (see `keras_gans.training.inputs`)."""
        minimum = self.model.min_batch_size
        size = ops.shape(images)[0]
        if isinstance(size, int) and size < minimum:  # JAX traces, PyTorch runs with the concrete size
            raise ValueError(small_batch_message(size, minimum))
        checks = {"small_batches": ops.cast(ops.less(size, minimum), "float32")}
        if labels is not None:
            checks["invalid_labels"] = invalid_label_rows(labels)
        return checks

    def discriminator_phase(self, state, z, reals, labels, alpha, hp, logs):
        """D update on the D half against fakes from `z` (constants of the D loss). Returns the loss terms."""
        model, G, D = self.model, self.networks.generator, self.networks.discriminator
        g_values, g_nt = state.read(G.trainable), state.read(G.non_trainable)
        with no_grad():  # PyTorch: no graph of G's forward pass
            fakes, g_nt = G.stateless_call(g_values, g_nt, z, labels=labels, training=True)
        state.write(G.non_trainable, g_nt)
        scale = self.loss_scale(state, "d")

        def loss_fn(d_values, d_state):
            d = DiscriminatorCall(model, d_values, hp["augment_probability"], self.eager)
            total, terms, d_state = discriminator_loss(
                d, reals, fakes, labels, d_state, alpha=alpha, hyperparameters=hp, config=self.config, scale=scale
            )
            return scale_loss(total, scale), (terms, d_state)

        (_, (terms, d_state)), grads = value_and_grad(loss_fn, has_aux=True)(
            state.read(D.trainable), self.read_discriminator_state(state)
        )
        self.write_discriminator_state(state, d_state)
        self.update(state, "d", grads, D.trainable, scale, logs)
        return terms

    def generator_phase(self, state, z, reals, labels, hp, d_values, logs):
        """G update against D's values `d_values` (None: D's current, updated values). Returns the loss terms."""
        model, G, D = self.model, self.networks.generator, self.networks.discriminator
        if d_values is None:
            d_values = state.read(D.trainable)
        d = DiscriminatorCall(model, d_values, hp["augment_probability"], self.eager)
        scale = self.loss_scale(state, "g")

        def loss_fn(g_values, g_nt, d_state):
            fakes, g_nt = G.stateless_call(g_values, g_nt, z, labels=labels, training=True)
            total, terms, d_state = generator_loss(d, fakes, reals, labels, d_state, self.config)
            return scale_loss(total, scale), (terms, g_nt, d_state)

        (_, (terms, g_nt, d_state)), grads = value_and_grad(loss_fn, has_aux=True)(
            state.read(G.trainable),
            state.read(G.non_trainable),
            self.read_discriminator_state(state),
        )
        state.write(G.non_trainable, g_nt)
        self.write_discriminator_state(state, d_state)
        self.update(state, "g", grads, G.trainable, scale, logs)
        return terms

    def ema_phase(self, state, beta):
        """EMA of the generator's weights after its update."""
        self.model.ema.update(state, beta)

    # ------------------------------------------------------------------ helpers of the phases
    def loss_scale(self, state, which):
        """The current loss scale of `"d"` or `"g"`, or None without loss scaling."""
        return self.model.loss_scales[which].read(state) if self.config.dynamic_loss_scaling else None

    def update(self, state, which, grads, variables, scale, logs):
        """The optimizer update of `"d"` or `"g"` for the global batch (loss-scaled: `{which}_loss_scale` logged)."""
        optimizers = self.model.optimizer
        optimizer = optimizers.discriminator_optimizer if which == "d" else optimizers.generator_optimizer
        grads = self.replicas.gradients_for_update(grads)
        if scale is None:
            state.apply(optimizer, grads, variables)
        else:
            logs[f"{which}_loss_scale"] = self.model.loss_scales[which].apply(
                state, optimizer, grads, variables, scale, self.replicas
            )

    def read_discriminator_state(self, state):
        networks = self.networks
        return state.read(networks.discriminator.non_trainable), read_augment_state(
            state, networks.augment_pipeline, self.replicas
        )

    def write_discriminator_state(self, state, d_state):
        state.write(self.networks.discriminator.non_trainable, d_state[0])
        write_augment_state(state, self.networks.augment_pipeline, self.replicas, d_state[1])
