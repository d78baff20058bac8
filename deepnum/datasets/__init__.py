"""Data set loaders with Keras's ``load_data()`` calls: ``mnist``, ``fashion_mnist``, ``imdb``,
plus ``digits`` (scikit-learn's bundled 8x8 digits, no download).

Files are looked up in the cache folder (``$DEEPNUM_DATA``, default ``~/.deepnum/datasets``),
then in system copies (Debian's ``/usr/share/datasets/fashion-mnist``), then downloaded from the
canonical URLs with SHA-256 verification. Offline, put the files in the cache folder: the error
message names the exact path.

Example:
    >>> from deepnum.datasets import digits
    >>> (x_train, y_train), (x_test, y_test) = digits.load_data()
    >>> x_train.shape
    (1437, 8, 8)
"""

from deepnum.datasets import digits, fashion_mnist, imdb, mnist
from deepnum.datasets._cache import DatasetNotFoundError, data_dir
from deepnum.datasets.idx import IDXFormatError, read_idx, write_idx

__all__ = [
    "DatasetNotFoundError",
    "IDXFormatError",
    "data_dir",
    "digits",
    "fashion_mnist",
    "imdb",
    "mnist",
    "read_idx",
    "write_idx",
]
