"""CIFAR-10: 50,000 training and 10,000 test colour images of 32x32 pixels in 10 classes.

Same call and result as ``keras.datasets.cifar10.load_data()``: the archive
``cifar-10-python.tar.gz`` is fetched with ``get_file`` into Keras's cache
(``~/.keras/datasets/cifar-10-batches-py-target_archive``, extracted beside it), so a copy
Keras downloaded is reused. The batch files are pickles, read without running code (see
:mod:`deepnum.datasets.cifar`).
"""

from __future__ import annotations

import os

import numpy as np

from deepnum.datasets._files import get_file
from deepnum.datasets.cifar import load_batch, to_layout

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
CLASS_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)

Split = tuple[np.ndarray, np.ndarray]


def load_data() -> tuple[Split, Split]:
    """Load CIFAR-10 as ``(x_train, y_train), (x_test, y_test)``.

    Returns:
        ``x_train`` uint8 ``(50000, 32, 32, 3)`` (``(50000, 3, 32, 32)`` with channels_first),
        ``y_train`` uint8 ``(50000, 1)`` with labels 0-9 (see ``CLASS_NAMES``), and the same
        for the 10,000 test images.

    Raises:
        FileNotFoundError: the archive is not cached and cannot be downloaded (the message
            names the URL and where to put the file).
        deepnum.saving.FileLoadError: a batch file is damaged or not a CIFAR batch.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
        >>> x_train.shape, y_train.shape  # doctest: +SKIP
        ((50000, 32, 32, 3), (50000, 1))
    """
    path = get_file(
        fname="cifar-10-batches-py-target", origin=ORIGIN, extract=True, file_hash=SHA256
    )
    path = os.path.join(path, "cifar-10-batches-py")
    parts = [load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in parts])
    y_train = np.concatenate([np.asarray(y, dtype=np.uint8) for _, y in parts])
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    y_test = np.asarray(y_test, dtype=np.uint8)
    return (
        (to_layout(x_train), y_train.reshape(-1, 1)),
        (to_layout(x_test), y_test.reshape(-1, 1)),
    )
