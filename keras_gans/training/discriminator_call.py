"""The discriminator as the losses see it: `D(Aug(x))` through `stateless_call`, over explicit values.

`d_state` is the pair `(D's non-trainable values, the augmentation pipeline's non-trainable values)`; every call
returns the new pair. `fn(labels, d_state)` is the `d_fn` that `keras_gans.losses` penalties take.
"""

import keras
from keras import ops

from keras_gans.backend.execution import is_on_cpu
from keras_gans.losses import zero_centered_gradient_penalty


class DiscriminatorCall:
    """`D(Aug(x))` with the discriminator's trainable values `values`.

    Args:
        model: the `GAN` (its `discriminator` and `augment_pipeline`).
        values: D's trainable values (the parameters being differentiated in the D phase).
        augment_probability: the augmentation probability of this step.
        eager: whether the step runs op by op (PyTorch, `run_eagerly`); see `can_pair`.

    Attributes:
        pair_on_cpu: whether `can_pair` also pairs batches whose kernels run on the CPU (default False; see
            `can_pair`).
    """

    pair_on_cpu = False

    def __init__(self, model, values, augment_probability, eager):
        networks = model.step_networks
        self.discriminator = networks.discriminator  # NetworkVariables: the stored lists and `stateless_call`
        self.augment_pipeline = networks.augment_pipeline
        self.values = values
        self.augment_probability = augment_probability
        self.eager = eager

    def forward(self, images, labels, d_state, parts=1):
        """Returns `(scores float32 (N,), (class_logits or None, new d_state))`.

        `parts=2`: `images` are two equal batches side by side, augmented one after the other as two separate
        calls would, then scored by one discriminator call.
        """
        d_nt, aug_nt = d_state
        if self.augment_pipeline is not None:
            # GAN.compile checks that the pipeline has no trainable weights.
            size = ops.shape(images)[0] // parts
            pieces = [images[i * size : (i + 1) * size] for i in range(parts)] if parts > 1 else [images]
            augmented = []
            for piece in pieces:
                piece, aug_nt = self.augment_pipeline.stateless_call(
                    [], aug_nt, piece, probability=self.augment_probability, training=True
                )
                augmented.append(piece)
            images = ops.concatenate(augmented, axis=0) if parts > 1 else augmented[0]
        out, d_nt = self.discriminator.stateless_call(self.values, d_nt, images, labels=labels, training=True)
        if isinstance(out, (tuple, list)):
            scores, class_logits = out
        else:
            scores, class_logits = out, None
        scores = ops.cast(ops.reshape(scores, (-1,)), "float32")
        return scores, (class_logits, (d_nt, aug_nt))

    def fn(self, labels, d_state, parts=1):
        """`images -> forward(images, labels, d_state, parts)`: the `d_fn` of the penalties."""
        return lambda images: self.forward(images, labels, d_state, parts)

    def can_pair(self, first, second):
        """Whether D scores two batches as one batch of twice the size (one pass instead of two).

        Only in an eager step, where every discriminator call costs host work and kernel launches per layer and
        one call on both batches halves them; a compiled step has no such cost per call. Also only for a
        discriminator that declares `batch_independent = True` (no statistic across samples, e.g. no minibatch
        stddev, so each sample's score and input gradient do not depend on the others) and batches of one dtype
        (a bfloat16 fake batch keeps its own pass, as R3GAN computes R2 on it).

        Not on the CPU unless `pair_on_cpu` is set: there a kernel runs while the host waits, so a call's host work
        is not hidden behind the device anyway, and the per-call saving is small next to the kernels at training
        sizes, while activations of twice the batch fall out of the CPU's caches (an R3GAN step of width 128 on
        32x32 images was slower paired than unpaired at batch 2 to 16).
        """
        return (
            self.eager
            and (self.pair_on_cpu or not is_on_cpu(first))
            and bool(getattr(self.discriminator.network, "batch_independent", False))
            and keras.backend.standardize_dtype(first.dtype) == keras.backend.standardize_dtype(second.dtype)
        )

    def pair(self, first, second, labels, d_state, gradient_scale=None, with_penalty=False):
        """D on `first` and `second` (equal sizes, same labels) in one call, as if called on each in turn.

        Returns `((scores, class_logits, penalty) of first, the same of second, new d_state)`, where `penalty` is
        the per-sample zero-centred gradient penalty (R1 of reals, R2 of fakes) with `with_penalty`, else None.
        """
        images = ops.concatenate([first, second], axis=0)
        both_labels = None if labels is None else ops.concatenate([labels, labels], axis=0)
        d_fn = self.fn(both_labels, d_state, parts=2)
        penalty = None
        if with_penalty:
            penalty, (scores, (class_logits, d_state)) = zero_centered_gradient_penalty(
                d_fn, images, gradient_scale, return_output=True
            )
        else:
            scores, (class_logits, d_state) = d_fn(images)
        n = ops.shape(first)[0]

        def halves(t):
            return (None, None) if t is None else (t[:n], t[n:])

        (s1, s2), (c1, c2), (p1, p2) = halves(scores), halves(class_logits), halves(penalty)
        return (s1, c1, p1), (s2, c2, p2), d_state


# ---------------------------------------------------------------------------------------------------- augmentation
def _augment_seed_offsets(pipeline, variables, replicas):
    """Per-replica offsets of the augmentation pipeline's seed states (`None` where nothing is offset)."""
    if replicas.count == 1 or pipeline is None:
        return [None] * len(variables)
    seeds = {
        id(generator.state)
        for layer in pipeline.network._flatten_layers()
        for generator in getattr(layer, "_seed_generators", [])
    }
    return [replicas.seed_offset(v.dtype) if id(v) in seeds else None for v in variables]


def read_augment_state(state, pipeline, replicas):
    """The non-trainable values of the pipeline (`NetworkVariables` or None); with several replicas each draws its
    own augmentations (seeds offset)."""
    if pipeline is None:
        return []
    variables = pipeline.non_trainable
    values = state.read(variables)
    offsets = _augment_seed_offsets(pipeline, variables, replicas)
    return [value if o is None else value + o for value, o in zip(values, offsets)]


def write_augment_state(state, pipeline, replicas, values):
    """Writes the pipeline's new values back (the shared seeds, without this replica's offset)."""
    if pipeline is None:
        return
    variables = pipeline.non_trainable
    offsets = _augment_seed_offsets(pipeline, variables, replicas)
    state.write(variables, [value if o is None else value - o for value, o in zip(values, offsets)])
