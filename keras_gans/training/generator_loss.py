"""The generator's loss: adversarial term (against the updated discriminator) plus the AC-GAN term."""

from keras_gans import losses
from keras_gans.training.discriminator_loss import mean


def generator_loss(d, fakes, reals, labels, d_state, config):
    """The G loss of one step.

    Args:
        d: a `DiscriminatorCall` over D's trainable values (constants of this loss).
        fakes: `(N, H, W, C)` generated images (differentiated through).
        reals: the G phase's real batch (the relativistic pairing anchor), or None when the loss needs none.
        labels: one-hot labels, or None.
        d_state: `(D's non-trainable values, the augmentation pipeline's)`.
        config: the `TrainConfig`.

    Returns:
        `(loss, terms, d_state)`: the float32 loss, a dict of its terms (`g_loss`, `g_adversarial` and
        `g_classification` when used) and the new state.
    """
    real_scores = None
    if reals is not None and d.can_pair(fakes, reals):
        (fake_scores, fake_cls, _), (real_scores, _, _), d_state = d.pair(fakes, reals, labels, d_state)
    else:
        fake_scores, (fake_cls, d_state) = d.forward(fakes, labels, d_state)
        if reals is not None:
            real_scores, (_, d_state) = d.forward(reals, labels, d_state)
    total = mean(config.loss.generator_loss(fake_scores, real_scores))
    terms = {"g_adversarial": total}
    if fake_cls is not None and labels is not None:
        terms["g_classification"] = mean(losses.auxiliary_classification_loss(fake_cls, labels))
        total = total + config.classification_weight * terms["g_classification"]
    terms["g_loss"] = total
    return total, terms, d_state
