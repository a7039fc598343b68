"""GAN models."""
