"""The discriminator's loss: adversarial term plus R1, R2, WGAN-GP, drift and AC-GAN terms.

The penalties are the public `keras_gans.losses` functions, given the discriminator as a function of the images
(`DiscriminatorCall.fn`). R1 and R2 come from the same pass as the adversarial scores (`return_output=True`);
with lazy regularisation (`penalty_interval > 1`) they are separate passes inside a `cond`.
"""

from keras import ops

from keras_gans import losses


def mean(x):
    """Float32 mean of a per-sample term."""
    return ops.mean(ops.cast(x, "float32"))


def _scores(d, images, labels, d_state, penalty, scale):
    """`(scores, (class_logits, d_state), per-sample penalty or None)` of one batch, the penalty from that pass."""
    d_fn = d.fn(labels, d_state)
    if penalty is None:
        scores, aux = d_fn(images)
        return scores, aux, None
    value, (scores, aux) = penalty(d_fn, images, scale, return_output=True)
    return scores, aux, value


def discriminator_loss(d, reals, fakes, labels, d_state, alpha, hyperparameters, config, scale):
    """The D loss of one step.

    Args:
        d: a `DiscriminatorCall` over D's trainable values (being differentiated).
        reals: `(N, H, W, C)` real images.
        fakes: `(N, H, W, C)` generated images (constants of this loss).
        labels: one-hot labels of both batches, or None.
        d_state: `(D's non-trainable values, the augmentation pipeline's)`.
        alpha: WGAN-GP interpolation weights `(N, 1, 1, 1)`, or None.
        hyperparameters: the step's values (`keras_gans.training.hyperparameters.update`).
        config: the `TrainConfig`.
        scale: the loss scale, or None.

    Returns:
        `(loss, terms, d_state)`: the float32 loss, a dict of its float32 terms (the logged names: `d_loss`,
        `d_adversarial`, `real_score`, `fake_score`, and `r1`, `r2`, `gp`, `drift`, `d_classification` when
        used), and the new state.
    """
    lazy = config.penalty_interval > 1
    use_r1, use_r2 = config.use_r1 and not lazy, config.use_r2 and not lazy
    before_real = before_fake = d_state  # the lazy penalties re-run their pass from these
    if not lazy and use_r1 == use_r2 and d.can_pair(reals, fakes):
        (real_scores, real_cls, r1), (fake_scores, fake_cls, r2), d_state = d.pair(
            reals, fakes, labels, d_state, scale, with_penalty=use_r1
        )
    else:
        real_scores, (real_cls, d_state), r1 = _scores(
            d, reals, labels, d_state, losses.r1_penalty if use_r1 else None, scale
        )
        before_fake = d_state
        fake_scores, (fake_cls, d_state), r2 = _scores(
            d, fakes, labels, d_state, losses.r2_penalty if use_r2 else None, scale
        )

    total = mean(config.loss.discriminator_loss(real_scores, fake_scores))
    terms = {"d_adversarial": total, "real_score": mean(real_scores), "fake_score": mean(fake_scores)}

    def penalties():
        out = []
        if config.use_r1:
            out.append(mean(r1 if not lazy else losses.r1_penalty(d.fn(labels, before_real), reals, scale)))
        if config.use_r2:
            out.append(mean(r2 if not lazy else losses.r2_penalty(d.fn(labels, before_fake), fakes, scale)))
        if config.use_gp:
            out.append(
                mean(
                    losses.wgan_gp_penalty(
                        d.fn(labels, d_state),
                        reals,
                        fakes,
                        alpha,
                        target=config.gp_target,
                        weight=config.gp_weight,
                        gradient_scale=scale,
                    )
                )
            )
        return tuple(out)

    used = [name for name, use in (("r1", config.use_r1), ("r2", config.use_r2), ("gp", config.use_gp)) if use]
    if used:
        if lazy:
            values = ops.cond(
                hyperparameters["regularize"], penalties, lambda: tuple(ops.zeros((), "float32") for _ in used)
            )
            values = tuple(values) if isinstance(values, (tuple, list)) else (values,)
        else:
            values = penalties()
        weights = {
            "r1": hyperparameters["r1_weight"],
            "r2": hyperparameters["r2_weight"],
            "gp": hyperparameters["gp_factor"],
        }
        for name, value in zip(used, values):
            terms[name] = value
            total = total + weights[name] * value
    if config.use_drift:
        terms["drift"] = mean(losses.drift_penalty(real_scores, config.drift_weight))
        total = total + terms["drift"]
    if real_cls is not None and labels is not None:
        ce = losses.auxiliary_classification_loss(real_cls, labels)
        ce = ce + losses.auxiliary_classification_loss(fake_cls, labels)
        terms["d_classification"] = mean(ce)
        total = total + config.classification_weight * terms["d_classification"]
    terms["d_loss"] = total
    return total, terms, d_state
