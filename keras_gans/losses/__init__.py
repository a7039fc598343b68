"""Adversarial losses and gradient penalties."""

from keras_gans.losses.adversarial import AdversarialLoss
from keras_gans.losses.adversarial import HingeLoss
from keras_gans.losses.adversarial import LeastSquaresLoss
from keras_gans.losses.adversarial import NonSaturatingLoss
from keras_gans.losses.adversarial import RelativisticPairingLoss
from keras_gans.losses.adversarial import StandardLeastSquaresLoss
from keras_gans.losses.adversarial import WassersteinLoss
from keras_gans.losses.adversarial import auxiliary_classification_loss
from keras_gans.losses.adversarial import available_losses
from keras_gans.losses.adversarial import get
from keras_gans.losses.adversarial import register_loss
from keras_gans.losses.penalties import drift_penalty
from keras_gans.losses.penalties import interpolate
from keras_gans.losses.penalties import lazy_penalty_weight
from keras_gans.losses.penalties import r1_penalty
from keras_gans.losses.penalties import r2_penalty
from keras_gans.losses.penalties import squared_gradient_norm
from keras_gans.losses.penalties import wgan_gp_from_gradient
from keras_gans.losses.penalties import wgan_gp_penalty
from keras_gans.losses.penalties import zero_centered_gradient_penalty
