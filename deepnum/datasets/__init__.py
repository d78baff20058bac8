"""Data set loaders with Keras's ``load_data()`` calls: ``mnist``, ``fashion_mnist``, ``imdb``,
``reuters``, ``cifar10``, ``cifar100``, ``boston_housing``, ``california_housing``, plus
``digits`` (scikit-learn's bundled 8x8 digits, no download).

``mnist``, ``fashion_mnist`` and ``imdb`` look up their files in deepnum's cache folder
(``$DEEPNUM_DATA``, default ``~/.deepnum/datasets``), then in Keras's (``$KERAS_HOME/datasets``,
default ``~/.keras/datasets``), then in system copies (Debian's
``/usr/share/datasets/fashion-mnist``), then download them with SHA-256 verification. The other
loaders go through ``get_file`` exactly as Keras's do: same file names and hashes in Keras's
cache folder, so the files Keras downloaded are reused. Offline, the error message names the URL
and the exact path to put each file at.

Example:
    >>> from deepnum.datasets import digits
    >>> (x_train, y_train), (x_test, y_test) = digits.load_data()
    >>> x_train.shape
    (1437, 8, 8)
"""

from deepnum.datasets import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    digits,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)
from deepnum.datasets._cache import DatasetNotFoundError, data_dir
from deepnum.datasets.idx import IDXFormatError, read_idx, write_idx

__all__ = [
    "DatasetNotFoundError",
    "IDXFormatError",
    "boston_housing",
    "california_housing",
    "cifar10",
    "cifar100",
    "data_dir",
    "digits",
    "fashion_mnist",
    "imdb",
    "mnist",
    "read_idx",
    "reuters",
    "write_idx",
]
