"""Dataset builders (numpy, deterministic, backend-independent)."""

from keras_gans.datasets.batches import ArrayBatches
from keras_gans.datasets.dataset_info import DatasetInfo
from keras_gans.datasets.dispatch import load_dataset
from keras_gans.datasets.folder_inspection import ImageFolderInfo
from keras_gans.datasets.folder_inspection import inspect_image_folder
from keras_gans.datasets.image_folder import ImageFolderDataset
from keras_gans.datasets.image_folder import load_image_folder
from keras_gans.datasets.mnist import load_embedded_digits
from keras_gans.datasets.mnist import load_mnist
from keras_gans.datasets.npz import load_npz
from keras_gans.datasets.resize import center_crop_and_resize
from keras_gans.datasets.stacked_mnist import load_stacked_mnist
from keras_gans.datasets.stacked_mnist import stack_digits
from keras_gans.datasets.tfds_loader import load_tfds
