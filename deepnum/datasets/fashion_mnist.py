"""Fashion-MNIST: 60,000 training and 10,000 test images of clothing, 28x28 grayscale, 10 classes.

Same call and result as ``keras.datasets.fashion_mnist.load_data()``. Each of the four IDX files
(``train-images-idx3-ubyte.gz`` ..., also accepted uncompressed) is looked up in the cache's
``fashion-mnist`` subfolder (``$DEEPNUM_DATA`` or ``~/.deepnum/datasets``), then in
``/usr/share/datasets/fashion-mnist`` (where Debian's ``dataset-fashion-mnist`` package puts the
``.gz`` files), then downloaded and checked against its SHA-256.

Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker,
8 Bag, 9 Ankle boot (see :data:`CLASS_NAMES`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from deepnum.datasets._cache import KERAS_ORIGIN, RemoteFile, fetch_all
from deepnum.datasets.mnist import load_idx_split

SUBDIR = "fashion-mnist"
"""The cache subfolder, as Keras's ``~/.keras/datasets/fashion-mnist``."""

SYSTEM_DIRS: list[Path] = [Path("/usr/share/datasets/fashion-mnist")]
"""Folders searched after the cache (Debian's ``dataset-fashion-mnist``)."""

_ZALANDO_ORIGIN = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

# The published SHA-256 digests of the original Zalando files, which Keras mirrors.
FILES = tuple(
    RemoteFile(
        name,
        (KERAS_ORIGIN + name, _ZALANDO_ORIGIN + name),
        sha256,
        alternatives=(name.removesuffix(".gz"),),
    )
    for name, sha256 in (
        (
            "train-images-idx3-ubyte.gz",
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        ),
        (
            "train-labels-idx1-ubyte.gz",
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        ),
        (
            "t10k-images-idx3-ubyte.gz",
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        ),
        (
            "t10k-labels-idx1-ubyte.gz",
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        ),
    )
)

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

Split = tuple[np.ndarray, np.ndarray]


def load_data(*, download: bool = True) -> tuple[Split, Split]:
    """Load Fashion-MNIST as ``(x_train, y_train), (x_test, y_test)``.

    Args:
        download: download missing files (deepnum's addition to Keras's signature); ``False``
            only looks on this machine and raises ``FileNotFoundError`` when they are absent.

    Returns:
        ``x_train`` uint8 ``(60000, 28, 28)`` with pixels 0-255, ``y_train`` uint8 ``(60000,)``
        with labels 0-9 (:data:`CLASS_NAMES`), and the same for the 10,000 test images.

    Raises:
        FileNotFoundError: the files are not on this machine and cannot be downloaded; the
            message says where to put them.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
        >>> x_train.shape, CLASS_NAMES[y_train[0]]  # doctest: +SKIP
        ((60000, 28, 28), 'Ankle boot')
    """
    paths = fetch_all(
        FILES, SUBDIR, SYSTEM_DIRS, dataset="fashion_mnist.load_data", download=download
    )
    return load_idx_split(*paths)
