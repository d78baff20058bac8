"""The shuffle-and-split of Keras's regression data sets (Boston and California housing)."""

from __future__ import annotations

import numpy as np

from deepnum.datasets._cache import KERAS_ORIGIN
from deepnum.datasets._files import get_file
from deepnum.datasets._npz import load_npz

Split = tuple[np.ndarray, np.ndarray]


def check_test_split(test_split: float, caller: str) -> None:
    if not 0 <= test_split < 1:
        raise ValueError(
            f"{caller}: test_split must be in [0, 1), received test_split={test_split}."
        )


def load_xy(path: str, name: str, sha256: str, caller: str) -> tuple[np.ndarray, np.ndarray]:
    """The arrays ``x`` and ``y`` of Keras's ``<name>.npz``, fetched with ``get_file``."""
    from deepnum.saving.errors import FileLoadError

    file = get_file(path, origin=KERAS_ORIGIN + name, file_hash=sha256)
    arrays = load_npz(file)  # numeric arrays, headers checked against the stored bytes
    if "x" not in arrays or "y" not in arrays or len(arrays["x"]) != len(arrays["y"]):
        raise FileLoadError(file, f"{caller}: expected arrays 'x' and 'y' of the same length.")
    return arrays["x"], arrays["y"]


def shuffle_split(
    x: np.ndarray, y: np.ndarray, test_split: float, seed: int
) -> tuple[Split, Split]:
    """Shuffle with ``RandomState(seed)`` and keep ``int(n * (1 - test_split))`` for training."""
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    n = int(len(x) * (1 - test_split))
    return (x[:n], y[:n]), (x[n:], y[n:])
