"""Adversarial losses and gradient penalties."""
