"""Adversarial losses for GAN training, per sample, written with `keras.ops`.

Each loss maps discriminator logits to per-sample loss values of shape `(N,)`; the training step averages them.
Real and fake logits are paired by batch index where a loss needs both (the relativistic loss).

Names for `GAN.compile(loss=...)`: `"rpgan"`, `"nonsaturating"`, `"wgan"`, `"lsgan"`, `"lsgan_standard"`,
`"hinge"`. Custom losses subclass `AdversarialLoss` (and may be registered with `register_loss`).
"""

import keras
from keras import ops

_REGISTRY = {}


def register_loss(name):
    """Class decorator registering an `AdversarialLoss` subclass under `name` for `get()` / `compile(loss=...)`.

    Args:
        name: the string users pass as `loss=`.

    Examples:

    >>> from keras_gans.losses import AdversarialLoss, register_loss
    >>> @register_loss("my_wgan")
    ... class MyWGAN(AdversarialLoss):
    ...     def discriminator_loss(self, real_logits, fake_logits):
    ...         return fake_logits - real_logits
    ...     def generator_loss(self, fake_logits, real_logits=None):
    ...         return -fake_logits
    """

    def decorator(cls):
        if not (isinstance(cls, type) and issubclass(cls, AdversarialLoss)):
            raise ValueError(f"register_loss({name!r}): expected an AdversarialLoss subclass, got {cls!r}.")
        _REGISTRY[name] = cls
        return cls

    return decorator


@keras.saving.register_keras_serializable(package="keras_gans")
class AdversarialLoss:
    """Base class of adversarial losses: per-sample D and G losses from discriminator logits.

    Subclasses implement `discriminator_loss(real_logits, fake_logits)` and
    `generator_loss(fake_logits, real_logits=None)`, both returning float32 tensors of shape `(N,)`. A loss whose
    generator term needs real logits (relativistic losses) sets `generator_needs_reals = True`; the training step
    then feeds the generator phase its own batch of real images.

    Args:
        name: optional name, used in logs.

    Examples:

    >>> import keras
    >>> from keras_gans.losses import WassersteinLoss
    >>> loss = WassersteinLoss()
    >>> d = loss.discriminator_loss(keras.ops.ones((2,)), keras.ops.zeros((2,)))
    >>> [float(v) for v in keras.ops.convert_to_numpy(d)]
    [-1.0, -1.0]
    """

    generator_needs_reals = False

    def __init__(self, name=None):
        self.name = name or type(self).__name__

    def discriminator_loss(self, real_logits, fake_logits):
        raise NotImplementedError(f"{type(self).__name__}.discriminator_loss is not implemented.")

    def generator_loss(self, fake_logits, real_logits=None):
        raise NotImplementedError(f"{type(self).__name__}.generator_loss is not implemented.")

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _f32(x):
    """Logits in float32 (float64 logits stay float64)."""
    x = ops.convert_to_tensor(x)
    if keras.backend.standardize_dtype(x.dtype) == "float64":
        return x
    return ops.cast(x, "float32")


@register_loss("rpgan")
@keras.saving.register_keras_serializable(package="keras_gans")
class RelativisticPairingLoss(AdversarialLoss):
    """Relativistic pairing GAN loss (RpGAN), as in R3GAN.

    With `f(t) = softplus(-t)` and real/fake logits paired by batch index:
    D: `f(D(x_i) - D(G(z_i)))`; G: `f(D(G(z_i)) - D(x_i))`. The generator term needs a real batch.

    Reference: [Huang et al., 2024, "The GAN is dead; long live the GAN!"](https://arxiv.org/abs/2501.05441),
    building on [Jolicoeur-Martineau, 2018](https://arxiv.org/abs/1807.00734).

    Args:
        name: optional name.

    Examples:

    >>> import keras
    >>> from keras_gans.losses import RelativisticPairingLoss
    >>> loss = RelativisticPairingLoss()
    >>> d = loss.discriminator_loss(keras.ops.zeros((1,)), keras.ops.zeros((1,)))
    >>> round(float(d[0]), 6)  # softplus(0) = log 2
    0.693147
    """

    generator_needs_reals = True

    def discriminator_loss(self, real_logits, fake_logits):
        return ops.softplus(-(_f32(real_logits) - _f32(fake_logits)))

    def generator_loss(self, fake_logits, real_logits=None):
        if real_logits is None:
            raise ValueError("RelativisticPairingLoss.generator_loss needs `real_logits` (the paired real batch).")
        return ops.softplus(-(_f32(fake_logits) - _f32(real_logits)))


@register_loss("nonsaturating")
@keras.saving.register_keras_serializable(package="keras_gans")
class NonSaturatingLoss(AdversarialLoss):
    """Non-saturating logistic GAN loss.

    D: `softplus(-D(x)) + softplus(D(G(z)))`; G: `softplus(-D(G(z)))`.
    Reference: [Goodfellow et al., 2014](https://arxiv.org/abs/1406.2661).

    Args:
        name: optional name.

    Examples:

    >>> import keras
    >>> from keras_gans.losses import NonSaturatingLoss
    >>> g = NonSaturatingLoss().generator_loss(keras.ops.zeros((1,)))
    >>> round(float(g[0]), 6)
    0.693147
    """

    def discriminator_loss(self, real_logits, fake_logits):
        return ops.softplus(-_f32(real_logits)) + ops.softplus(_f32(fake_logits))

    def generator_loss(self, fake_logits, real_logits=None):
        return ops.softplus(-_f32(fake_logits))


@register_loss("wgan")
@keras.saving.register_keras_serializable(package="keras_gans")
class WassersteinLoss(AdversarialLoss):
    """Wasserstein GAN loss (the ProGAN default together with WGAN-GP and drift).

    D: `D(G(z)) - D(x)`; G: `-D(G(z))`.
    Reference: [Arjovsky et al., 2017](https://arxiv.org/abs/1701.07875).

    Args:
        name: optional name.

    Examples:

    >>> import keras
    >>> from keras_gans.losses import WassersteinLoss
    >>> g = WassersteinLoss().generator_loss(keras.ops.ones((1,)))
    >>> float(g[0])
    -1.0
    """

    def discriminator_loss(self, real_logits, fake_logits):
        return _f32(fake_logits) - _f32(real_logits)

    def generator_loss(self, fake_logits, real_logits=None):
        return -_f32(fake_logits)


@register_loss("lsgan")
@keras.saving.register_keras_serializable(package="keras_gans")
class LeastSquaresLoss(AdversarialLoss):
    """Least-squares GAN loss, by default in ProGAN's (Theano) form.

    `variant="progan"` (the default, used by `loss="lsgan"`): reals are pushed to 0 and fakes to 1, and the fake
    term is weighted by `fake_weight` (0.1):
    D: `D(x)^2 + 0.1 * (D(G(z)) - 1)^2`; G: `D(G(z))^2`. This is the loss of the ProGAN Theano code
    (`type='lsgan'`); the TensorFlow ProGAN has no LSGAN loss.

    `variant="standard"` (also `loss="lsgan_standard"`), Mao et al.'s a=0, b=c=1 form:
    D: `0.5 * (D(x) - 1)^2 + 0.5 * D(G(z))^2`; G: `0.5 * (D(G(z)) - 1)^2`.

    Reference: [Mao et al., 2017](https://arxiv.org/abs/1611.04076); [Karras et al., 2018](https://arxiv.org/abs/1710.10196).

    Args:
        variant: `"progan"` or `"standard"`.
        fake_weight: weight of the fake term of the D loss in the `"progan"` variant.
        name: optional name.

    Examples:

    >>> import keras
    >>> from keras_gans.losses import LeastSquaresLoss
    >>> d = LeastSquaresLoss().discriminator_loss(keras.ops.ones((1,)), keras.ops.zeros((1,)))
    >>> round(float(d[0]), 6)  # 1^2 + 0.1 * (0 - 1)^2
    1.1
    """

    def __init__(self, variant="progan", fake_weight=0.1, name=None):
        if variant not in ("progan", "standard"):
            raise ValueError(f"LeastSquaresLoss: `variant` must be 'progan' or 'standard', got {variant!r}.")
        super().__init__(name=name)
        self.variant = variant
        self.fake_weight = float(fake_weight)

    def discriminator_loss(self, real_logits, fake_logits):
        real, fake = _f32(real_logits), _f32(fake_logits)
        if self.variant == "progan":
            return ops.square(real) + self.fake_weight * ops.square(fake - 1.0)
        return 0.5 * ops.square(real - 1.0) + 0.5 * ops.square(fake)

    def generator_loss(self, fake_logits, real_logits=None):
        fake = _f32(fake_logits)
        if self.variant == "progan":
            return ops.square(fake)
        return 0.5 * ops.square(fake - 1.0)

    def get_config(self):
        return {**super().get_config(), "variant": self.variant, "fake_weight": self.fake_weight}


@register_loss("lsgan_standard")
@keras.saving.register_keras_serializable(package="keras_gans")
class StandardLeastSquaresLoss(LeastSquaresLoss):
    """`LeastSquaresLoss(variant="standard")`, registered as `"lsgan_standard"`.

    Args:
        name: optional name.

    Examples:

    >>> from keras_gans.losses import StandardLeastSquaresLoss
    >>> StandardLeastSquaresLoss().variant
    'standard'
    """

    def __init__(self, name=None, **kwargs):
        kwargs.pop("variant", None)
        super().__init__(variant="standard", name=name, **kwargs)


@register_loss("hinge")
@keras.saving.register_keras_serializable(package="keras_gans")
class HingeLoss(AdversarialLoss):
    """Hinge GAN loss.

    D: `relu(1 - D(x)) + relu(1 + D(G(z)))`; G: `-D(G(z))`.
    Reference: [Lim & Ye, 2017](https://arxiv.org/abs/1705.02894); [Miyato et al., 2018](https://arxiv.org/abs/1802.05957).

    Args:
        name: optional name.

    Examples:

    >>> import keras
    >>> from keras_gans.losses import HingeLoss
    >>> d = HingeLoss().discriminator_loss(keras.ops.zeros((1,)), keras.ops.zeros((1,)))
    >>> float(d[0])
    2.0
    """

    def discriminator_loss(self, real_logits, fake_logits):
        return ops.relu(1.0 - _f32(real_logits)) + ops.relu(1.0 + _f32(fake_logits))

    def generator_loss(self, fake_logits, real_logits=None):
        return -_f32(fake_logits)


def get(identifier):
    """Returns an `AdversarialLoss` from a registered name, a serialized config, or an instance.

    Args:
        identifier: a string from the registry (`"rpgan"`, `"nonsaturating"`, `"wgan"`, `"lsgan"`,
            `"lsgan_standard"`, `"hinge"`, or one added with `register_loss`), a dict from
            `keras.saving.serialize_keras_object`, or an `AdversarialLoss` instance (returned as is).

    Returns:
        An `AdversarialLoss`.

    Examples:

    >>> from keras_gans import losses
    >>> type(losses.get("rpgan")).__name__
    'RelativisticPairingLoss'
    """
    if isinstance(identifier, AdversarialLoss):
        return identifier
    if isinstance(identifier, str):
        if identifier not in _REGISTRY:
            raise ValueError(
                f"keras_gans.losses.get: unknown adversarial loss {identifier!r}; "
                f"known: {sorted(_REGISTRY)} (or pass an AdversarialLoss instance)."
            )
        return _REGISTRY[identifier]()
    if isinstance(identifier, dict):
        obj = keras.saving.deserialize_keras_object(identifier)
        if isinstance(obj, AdversarialLoss):
            return obj
    raise ValueError(
        "keras_gans.losses.get: expected a loss name, a serialized AdversarialLoss or an AdversarialLoss "
        f"instance; received {identifier!r}."
    )


def available_losses():
    """Sorted names accepted by `get()` / `GAN.compile(loss=...)`.

    Examples:

    >>> from keras_gans.losses import available_losses
    >>> "rpgan" in available_losses()
    True
    """
    return sorted(_REGISTRY)


def auxiliary_classification_loss(class_logits, labels):
    """Per-sample softmax cross-entropy of an AC-GAN discriminator's class logits (ProGAN's conditional loss).

    Args:
        class_logits: `(N, K)` logits from the discriminator's auxiliary classifier.
        labels: `(N, K)` one-hot (or soft) float labels.

    Returns:
        Float32 tensor `(N,)`: `-sum_k labels_k * log_softmax(class_logits)_k`.

    Examples:

    >>> import keras
    >>> from keras_gans.losses import auxiliary_classification_loss
    >>> ce = auxiliary_classification_loss(keras.ops.zeros((1, 4)), keras.ops.one_hot([2], 4))
    >>> round(float(ce[0]), 6)  # log 4
    1.386294
    """
    logits = ops.cast(class_logits, "float32")
    return -ops.sum(ops.cast(labels, "float32") * ops.log_softmax(logits, axis=-1), axis=-1)
