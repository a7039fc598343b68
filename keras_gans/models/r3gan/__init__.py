"""R3GAN (Huang et al., NeurIPS 2024)."""
