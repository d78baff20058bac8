"""CIFAR-100: 50,000 training and 10,000 test colour images of 32x32 pixels in 100 fine
classes grouped into 20 coarse ones.

Same call and result as ``keras.datasets.cifar100.load_data()``: ``cifar-100-python.tar.gz``
is fetched with ``get_file`` into Keras's cache, and its pickled batch files are read without
running code (see :mod:`deepnum.datasets.cifar`).
"""

from __future__ import annotations

import os

import numpy as np

from deepnum.datasets._files import get_file
from deepnum.datasets.cifar import load_batch, to_layout

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
SHA256 = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"

Split = tuple[np.ndarray, np.ndarray]


def load_data(label_mode: str = "fine") -> tuple[Split, Split]:
    """Load CIFAR-100 as ``(x_train, y_train), (x_test, y_test)``.

    Args:
        label_mode: ``"fine"`` (100 classes) or ``"coarse"`` (20 superclasses).

    Returns:
        ``x_train`` uint8 ``(50000, 32, 32, 3)`` (channels_first: ``(50000, 3, 32, 32)``),
        ``y_train`` ``(50000, 1)`` integer labels, and the same for the 10,000 test images.

    Example:
        >>> (x_train, y_train), _ = load_data(label_mode="coarse")  # doctest: +SKIP
        >>> int(y_train.max())  # doctest: +SKIP
        19
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(
            f'cifar100.load_data: label_mode must be "fine" or "coarse", received '
            f"label_mode={label_mode!r}."
        )
    path = get_file(fname="cifar-100-python-target", origin=ORIGIN, extract=True, file_hash=SHA256)
    path = os.path.join(path, "cifar-100-python")
    splits = []
    for name in ("train", "test"):
        x, y = load_batch(os.path.join(path, name), label_key=f"{label_mode}_labels")
        splits.append((to_layout(x), np.asarray(y).reshape(-1, 1)))
    return splits[0], splits[1]
