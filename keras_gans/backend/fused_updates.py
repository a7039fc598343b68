"""Multi-tensor parameter updates for PyTorch's eager mode.

A training step on PyTorch runs eagerly, so an update written per variable with `keras.ops` launches one small
kernel per op and per variable and spends its time in Python (Adam: ~15 ops x every variable; the EMA: 3 ops x
every generator variable). `torch._foreach_*` applies each op to the whole list in a few fused launches. JAX and
TensorFlow compile the step, where XLA fuses the per-variable code itself, so these functions return `False`
there and the caller runs its `keras.ops` version.

The arithmetic is the same as the per-variable code, in the same order, so results agree to float32 round-off.
"""

import keras

_BACKEND = keras.backend.backend()

if _BACKEND == "torch":
    import torch


def fused_updates_available():
    """True where the multi-tensor updates below run (PyTorch)."""
    return _BACKEND == "torch"


def _by_dtype(*lists):
    groups = {}
    for items in zip(*lists):
        groups.setdefault(items[0].dtype, []).append(items)
    return [tuple(list(column) for column in zip(*group)) for group in groups.values()]


def adam_update(variables, gradients, momentums, velocities, learning_rate, beta_1, beta_2, epsilon, step):
    """PyTorch-rule Adam on lists of Keras variables; returns False (nothing done) off PyTorch.

    `m = m + (g - m)(1 - beta_1)`, `v = beta_2 v + (1 - beta_2) g^2`,
    `p = p - (lr / (1 - beta_1^t)) m / (sqrt(v) / sqrt(1 - beta_2^t) + epsilon)`, with `t = step`.
    `learning_rate`, `beta_2` and `step` may be tensors (no host sync); `beta_1` and `epsilon` are floats.
    """
    if _BACKEND != "torch":
        return False
    with torch.no_grad():
        params = [v.value for v in variables]
        m_list = [m.value for m in momentums]
        v_list = [v.value for v in velocities]
        for params_g, grads_g, m_g, v_g in _by_dtype(params, list(gradients), m_list, v_list):
            dtype = params_g[0].dtype
            device = params_g[0].device
            grads_g = [g.to(dtype) for g in grads_g]
            as_tensor = lambda x: torch.as_tensor(x, dtype=dtype, device=device)  # noqa: E731
            t = as_tensor(step)
            b2 = as_tensor(beta_2)
            step_size = as_tensor(learning_rate) / (1.0 - torch.pow(as_tensor(beta_1), t))
            sqrt_bc2 = torch.sqrt(1.0 - torch.pow(b2, t))
            torch._foreach_add_(m_g, torch._foreach_mul(torch._foreach_sub(grads_g, m_g), 1.0 - beta_1))
            squares = torch._foreach_mul(grads_g, grads_g)
            torch._foreach_mul_(squares, 1.0 - b2)
            torch._foreach_mul_(v_g, b2)
            torch._foreach_add_(v_g, squares)
            denominators = torch._foreach_sqrt(v_g)
            torch._foreach_div_(denominators, sqrt_bc2)
            torch._foreach_add_(denominators, epsilon)
            updates = torch._foreach_mul(m_g, step_size)
            torch._foreach_div_(updates, denominators)
            torch._foreach_sub_(params_g, updates)
    return True


def moving_average_update(averages, sources, beta):
    """`average = source + beta (average - source)` on lists of Keras variables; False (nothing done) off PyTorch.

    `beta` may be a tensor (no host sync).
    """
    if _BACKEND != "torch":
        return False
    with torch.no_grad():
        avg = [a.value for a in averages]
        src = [s.value for s in sources]
        for avg_g, src_g in _by_dtype(avg, src):
            b = torch.as_tensor(beta, dtype=avg_g[0].dtype, device=avg_g[0].device)
            differences = torch._foreach_sub(avg_g, src_g)
            torch._foreach_mul_(differences, b)
            torch._foreach_add_(differences, [s.to(avg_g[0].dtype) for s in src_g])
            torch._foreach_copy_(avg_g, differences)
    return True
