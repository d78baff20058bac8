"""Reading the CIFAR-10 / CIFAR-100 batch files (``data_batch_1`` ... ``test_batch``,
``train`` / ``test``) without trusting them.

The files of the CIFAR "python version" are Python pickles of a dict (``b"data"``: a uint8
array of shape ``(n, 3072)``, ``b"labels"`` or ``b"fine_labels"`` / ``b"coarse_labels"``: lists of
ints). ``pickle.load`` would run whatever code a tampered file names; here they are read by the
unpickler of :mod:`deepnum.datasets._npz`, which resolves only the three globals NumPy needs to
rebuild an array (``numpy.ndarray``, ``numpy.dtype``, ``_reconstruct``) — dicts, lists, ints and
bytes need no globals — and checks that each rebuilt array's data are really in the stream, so
a small file cannot ask for a large allocation. Anything else is a ``FileLoadError`` naming the
file.
"""

from __future__ import annotations

import os
import pickle
from typing import Any

import numpy as np

from deepnum.datasets._npz import _ArrayOnlyUnpickler

PIXELS = 3 * 32 * 32


def _key(d: dict, name: str) -> Any:
    for key in (name.encode(), name):  # bytes keys (Python 2 pickles), str keys (Python 3)
        if key in d:
            return d[key]
    return None


def _unpickle(path: str) -> dict:
    from deepnum.saving.errors import FileLoadError, reading

    with reading(path), open(path, "rb") as f:
        try:
            d = _ArrayOnlyUnpickler(f, encoding="bytes").load()
        except pickle.UnpicklingError as e:
            raise FileLoadError(path, str(e).rstrip(".") + ".") from None
    if not isinstance(d, dict):
        raise FileLoadError(path, f"not a CIFAR batch file: it holds a {type(d).__name__}.")
    return d


def load_batch(fpath: str | os.PathLike, label_key: str = "labels") -> tuple[np.ndarray, list]:
    """Read one CIFAR batch file as Keras's ``load_batch``: ``(data, labels)``.

    Args:
        fpath: the pickled batch file.
        label_key: ``"labels"`` (CIFAR-10), ``"fine_labels"`` or ``"coarse_labels"`` (CIFAR-100).

    Returns:
        ``data``: uint8 ``(n, 3, 32, 32)``; ``labels``: a list of ``n`` ints.

    Raises:
        deepnum.saving.FileLoadError: the file is damaged, names any global other than NumPy's
            array ones, or does not hold ``n`` images of 3x32x32 and ``n`` labels.
    """
    from deepnum.saving.errors import FileLoadError

    path = os.fspath(fpath)
    d = _unpickle(path)
    data, labels = _key(d, "data"), _key(d, label_key)
    if not isinstance(data, np.ndarray) or data.ndim != 2 or data.shape[1] != PIXELS:
        shape = getattr(data, "shape", type(data).__name__)
        raise FileLoadError(path, f"'data' must be an array of shape (n, {PIXELS}), found {shape}.")
    if not isinstance(labels, list) or len(labels) != len(data):
        found = len(labels) if isinstance(labels, list) else type(labels).__name__
        raise FileLoadError(
            path,
            f"'{label_key}' must be a list of {len(data)} labels, one per image; found {found}.",
        )
    return data.astype(np.uint8, copy=False).reshape(len(data), 3, 32, 32), labels


def to_layout(x: np.ndarray) -> np.ndarray:
    """``(n, 3, 32, 32)`` to the configured image layout (channels_last: ``(n, 32, 32, 3)``)."""
    from deepnum.backend import image_data_format

    return x.transpose(0, 2, 3, 1) if image_data_format() == "channels_last" else x
