"""The step's hyperparameters: schedules evaluated at `images_seen`, stored in the model's variables."""

from keras import ops

from keras_gans import losses
from keras_gans.training.ema import beta_from_half_life


def update(model, state, images_seen, step, d_batch):
    """Evaluates the schedules at `images_seen` (before this step) and writes them into the model's variables.

    A hyperparameter without a schedule keeps its variable's current value, so a callback may drive it. The
    learning rate and `beta_2`, when scheduled, go into both optimizers' variables (R3GAN: the same for G and D).

    Args:
        model: the `GAN` (its `hyperparameters` variables, `optimizer` and `train_config`).
        state: the step's state.
        images_seen: images seen before this step.
        step: the step counter (`optimizer.iterations`).
        d_batch: images the discriminator trains on in this step (all replicas).

    Returns:
        Dict of float32 scalars: the values of `model.hyperparameters` plus the penalty weights of this step
        (`r1_weight`, `r2_weight`, `gp_factor`, with lazy regularisation) and `regularize` (bool: penalties due).
    """
    config = model.train_config
    variables = model.hyperparameters
    names = list(variables)
    values = dict(zip(names, [ops.cast(v, "float32") for v in state.read([variables[n] for n in names])]))
    schedules = config.schedules
    for name in names:
        if schedules.get(name) is not None:
            values[name] = ops.cast(schedules[name](images_seen), "float32")
    if config.ema_mode == "half_life":
        values["ema_beta"] = beta_from_half_life(
            values["ema_half_life_images"], d_batch, images_seen, config.ema_rampup
        )
    state.write([variables[n] for n in names], [values[n] for n in names])

    optimizers = model.optimizer.optimizers
    for name, attribute in (("learning_rate", "_learning_rate"), ("beta_2", "beta_2")):
        if schedules[name] is not None:
            targets = [getattr(opt, attribute) for opt in optimizers]
            value = ops.cast(schedules[name](images_seen), "float32")
            state.write(targets, [ops.cast(value, v.dtype) for v in targets])

    interval = config.penalty_interval
    values["regularize"] = ops.equal(ops.mod(ops.cast(step, "int32"), interval), 0)
    values["r1_weight"] = losses.lazy_penalty_weight(values["r1_gamma"] * 0.5, interval, step)
    values["r2_weight"] = losses.lazy_penalty_weight(values["r2_gamma"] * 0.5, interval, step)
    values["gp_factor"] = losses.lazy_penalty_weight(1.0, interval, step)
    return values
