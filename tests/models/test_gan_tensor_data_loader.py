"""`GAN.fit` on a PyTorch `DataLoader` over a plain tensor, whose batches are tensors rather than tuples, trains on
every backend (PyTorch is installed for all of them): each batch reaches the step whole, not split into images."""

import numpy as np
import pytest
from gan_testing import tiny_networks
from gan_testing import uint8_images
from keras import ops

import keras_gans
from keras_gans.backend.data import peek_first_batch

torch = pytest.importorskip("torch", reason="the DataLoader inputs need PyTorch")


def test_a_data_loader_over_a_tensor_yields_whole_batches_of_the_same_count():
    loader = torch.utils.data.DataLoader(torch.from_numpy(uint8_images(12)), batch_size=4, shuffle=True)
    images, labels, batches = peek_first_batch(loader)
    assert images.shape == (4, 8, 8, 3) and labels is None
    assert len(batches) == 3
    elements = list(batches)
    assert len(elements) == 3
    assert all(len(element) == 1 and tuple(element[0].shape) == (4, 8, 8, 3) for element in elements)


def test_fit_trains_on_a_data_loader_over_a_tensor():
    generator, discriminator = tiny_networks(width=4, latent_dim=4)
    gan = keras_gans.GAN(generator, discriminator, seed=0)
    gan.compile(loss="rpgan", r1_gamma=0.1, r2_gamma=0.1)
    loader = torch.utils.data.DataLoader(torch.from_numpy(uint8_images(12)), batch_size=4, shuffle=True)
    history = gan.fit(loader, epochs=2, verbose=0)
    # 3 batches of 4 per epoch, each split into a discriminator half and a generator half of 2.
    assert int(ops.convert_to_numpy(gan.images_seen)) == 12
    assert len(history.history["d_loss"]) == 2
    for variable in gan.generator.weights:
        assert np.all(np.isfinite(ops.convert_to_numpy(variable.value)))
    assert gan.generate(2, seed=0).shape == (2, 8, 8, 3)


def test_a_data_loader_over_an_unsized_dataset_of_tensors_yields_whole_batches():
    class Images(torch.utils.data.IterableDataset):
        def __iter__(self):
            yield from torch.from_numpy(uint8_images(8))

    _, _, batches = peek_first_batch(torch.utils.data.DataLoader(Images(), batch_size=4))
    with pytest.raises(TypeError):
        len(batches)
    assert [tuple(element[0].shape) for element in batches] == [(4, 8, 8, 3)] * 2
