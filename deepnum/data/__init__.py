"""Input pipelines: :class:`Dataset` (the ``tf.data`` methods Keras code uses) and
:class:`PyDataset` (Keras 3's ``keras.utils.PyDataset`` protocol).

Example:
    >>> import numpy as np
    >>> from deepnum.data import Dataset
    >>> x, y = np.zeros((10, 3)), np.arange(10)
    >>> ds = Dataset.from_tensor_slices((x, y)).shuffle(10, seed=0).batch(4).prefetch(1)
    >>> [len(yb) for _, yb in ds]
    [4, 4, 2]
"""

from deepnum.data.dataset import AUTOTUNE, INFINITE, UNKNOWN, Dataset
from deepnum.data.py_dataset import PyDataset, iterate_py_dataset

INFINITE_CARDINALITY = INFINITE
UNKNOWN_CARDINALITY = UNKNOWN

__all__ = [
    "AUTOTUNE",
    "Dataset",
    "INFINITE",
    "INFINITE_CARDINALITY",
    "PyDataset",
    "UNKNOWN",
    "UNKNOWN_CARDINALITY",
    "iterate_py_dataset",
]
