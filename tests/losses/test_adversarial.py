"""Adversarial losses against their closed forms in NumPy."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_gans import losses

REAL = np.array([1.3, -0.4, 0.0, 2.5, -3.0], "float32")
FAKE = np.array([-0.8, 0.9, 0.2, -2.0, 1.1], "float32")


def softplus(x):
    return np.logaddexp(0.0, x)


def _np(x):
    return np.asarray(ops.convert_to_numpy(x), dtype="float64")


CLOSED_FORMS = {
    # name: (D loss, G loss) per sample, from the formulas in the specs.
    "rpgan": (lambda r, f: softplus(-(r - f)), lambda r, f: softplus(-(f - r))),
    "nonsaturating": (lambda r, f: softplus(-r) + softplus(f), lambda r, f: softplus(-f)),
    "wgan": (lambda r, f: f - r, lambda r, f: -f),
    # ProGAN's Theano LSGAN: reals to 0, fakes to 1, fake term weighted 0.1; G pushes fakes to 0.
    "lsgan": (lambda r, f: r**2 + 0.1 * (f - 1) ** 2, lambda r, f: f**2),
    "lsgan_standard": (lambda r, f: 0.5 * (r - 1) ** 2 + 0.5 * f**2, lambda r, f: 0.5 * (f - 1) ** 2),
    "hinge": (lambda r, f: np.maximum(0, 1 - r) + np.maximum(0, 1 + f), lambda r, f: -f),
}


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_losses_match_closed_form(name):
    loss = losses.get(name)
    d_ref, g_ref = CLOSED_FORMS[name]
    r, f = REAL.astype("float64"), FAKE.astype("float64")
    d = loss.discriminator_loss(ops.convert_to_tensor(REAL), ops.convert_to_tensor(FAKE))
    g = loss.generator_loss(ops.convert_to_tensor(FAKE), ops.convert_to_tensor(REAL))
    assert tuple(d.shape) == (5,) and tuple(g.shape) == (5,)
    np.testing.assert_allclose(_np(d), d_ref(r, f), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(_np(g), g_ref(r, f), rtol=1e-6, atol=1e-6)


def test_only_the_relativistic_loss_needs_reals_for_the_generator():
    needs = {name: losses.get(name).generator_needs_reals for name in CLOSED_FORMS}
    assert needs == {name: name == "rpgan" for name in CLOSED_FORMS}
    with pytest.raises(ValueError, match="real_logits"):
        losses.get("rpgan").generator_loss(ops.convert_to_tensor(FAKE))


def test_losses_cast_low_precision_logits_to_float32():
    d = losses.get("rpgan").discriminator_loss(ops.cast(REAL, "bfloat16"), ops.cast(FAKE, "bfloat16"))
    assert keras.backend.standardize_dtype(d.dtype) == "float32"


def test_auxiliary_classification_loss_is_softmax_cross_entropy():
    logits = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]], "float32")
    labels = np.eye(3, dtype="float32")[[2, 1]]
    ce = losses.auxiliary_classification_loss(ops.convert_to_tensor(logits), ops.convert_to_tensor(labels))
    log_softmax = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    np.testing.assert_allclose(_np(ce), -(labels * log_softmax).sum(-1), rtol=1e-6)


def test_registry_and_serialization_round_trip():
    assert set(CLOSED_FORMS) <= set(losses.available_losses())
    loss = losses.LeastSquaresLoss(variant="standard", fake_weight=0.3)
    restored = losses.get(keras.saving.serialize_keras_object(loss))
    assert isinstance(restored, losses.LeastSquaresLoss)
    assert (restored.variant, restored.fake_weight) == ("standard", 0.3)
    assert losses.get(loss) is loss
    with pytest.raises(ValueError, match="unknown adversarial loss"):
        losses.get("no_such_loss")
    with pytest.raises(ValueError, match="variant"):
        losses.LeastSquaresLoss(variant="other")


def test_custom_loss_registration():
    @losses.register_loss("test_negated_wgan")
    class Negated(losses.AdversarialLoss):
        def discriminator_loss(self, real_logits, fake_logits):
            return ops.cast(real_logits - fake_logits, "float32")

        def generator_loss(self, fake_logits, real_logits=None):
            return ops.cast(fake_logits, "float32")

    d = losses.get("test_negated_wgan").discriminator_loss(ops.convert_to_tensor(REAL), ops.convert_to_tensor(FAKE))
    np.testing.assert_allclose(_np(d), REAL - FAKE, rtol=1e-6)
    with pytest.raises(ValueError, match="AdversarialLoss subclass"):
        losses.register_loss("bad")(object)
