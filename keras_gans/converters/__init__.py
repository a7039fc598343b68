"""Converters of checkpoints of the original code into Keras presets.

Each converter reads a foreign checkpoint as data (nothing in it is imported or executed) and receives the model
class to build as a parameter: `r3gan_official` (official R3GAN `network-snapshot-*.pkl`, with the tensor mapping in
`r3gan_official_weights`) and `progan_pgz` (pytorch_GAN_zoo PGAN `.pth`, with `progan_pgz_weights`). The model
packages register them (`keras_gans.presets.register_checkpoint_converter`), so `from_preset(FILE)` and
`keras-gans convert` use them.
"""
