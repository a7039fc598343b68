"""ProGAN (Karras et al., ICLR 2018)."""
