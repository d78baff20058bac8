"""MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28 grayscale, 10 classes.

Same call and result as ``keras.datasets.mnist.load_data()``. The files are looked up in the
cache (``$DEEPNUM_DATA`` or ``~/.deepnum/datasets``): Keras's ``mnist.npz``, or the four original
IDX files (``train-images-idx3-ubyte`` ... raw or ``.gz``) in its ``mnist`` subfolder; then
downloaded (``mnist.npz``, SHA-256 verified).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from deepnum.datasets._cache import KERAS_ORIGIN, RemoteFile, data_dir, fetch, find_local
from deepnum.datasets._npz import load_npz
from deepnum.datasets.idx import read_idx

NPZ = RemoteFile(
    name="mnist.npz",
    urls=(KERAS_ORIGIN + "mnist.npz",),
    sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
)

IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
"""The original IDX file names; each may also end in ``.gz``."""

SYSTEM_DIRS: list[Path] = [Path("/usr/share/datasets/mnist")]
"""Folders searched for the IDX files after the cache."""

Split = tuple[np.ndarray, np.ndarray]


def load_data(path: str = "mnist.npz", *, download: bool = True) -> tuple[Split, Split]:
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)``.

    Args:
        path: the ``.npz`` file name inside the cache folder (or an absolute path).
        download: download missing files (deepnum's addition to Keras's signature); ``False``
            only looks on this machine and raises ``FileNotFoundError`` when they are absent.

    Returns:
        ``x_train`` uint8 ``(60000, 28, 28)`` with pixels 0-255, ``y_train`` uint8 ``(60000,)``
        with digits 0-9, and the same for the 10,000 test images.

    Raises:
        FileNotFoundError: the files are not on this machine and cannot be downloaded; the
            message says where to put them.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
        >>> x_train.shape, y_test.dtype  # doctest: +SKIP
        ((60000, 28, 28), dtype('uint8'))
    """
    npz = Path(path) if os.path.isabs(path) else data_dir() / path
    if npz.is_file():
        return _from_npz(npz)
    folders = [data_dir() / "mnist", *SYSTEM_DIRS]
    if all(find_local(_names(f), folders) for f in IDX_FILES):
        return load_idx_split(*(find_local(_names(f), folders) for f in IDX_FILES))
    remote = RemoteFile(npz.name, NPZ.urls, NPZ.sha256)
    return _from_npz(fetch(remote, str(npz.parent), dataset="mnist.load_data", download=download))


def _names(base: str) -> list[str]:
    return [base, base + ".gz"]


def _from_npz(path: Path) -> tuple[Split, Split]:
    arrays = load_npz(path)  # checked: no array larger than the file holds
    missing = sorted({"x_train", "y_train", "x_test", "y_test"} - set(arrays))
    if missing:
        from deepnum.saving.errors import FileLoadError

        raise FileLoadError(path, f"not an MNIST archive: it has no {', '.join(missing)}.")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_idx_split(
    train_images: str | os.PathLike,
    train_labels: str | os.PathLike,
    test_images: str | os.PathLike,
    test_labels: str | os.PathLike,
) -> tuple[Split, Split]:
    """Read four IDX files (raw or ``.gz``) into ``(x_train, y_train), (x_test, y_test)``.

    Shared by MNIST and Fashion-MNIST. Images must be 3-D and labels 1-D with as many entries.

    Example:
        >>> (x, y), _ = load_idx_split(*paths)  # doctest: +SKIP
    """
    splits = []
    for images_path, labels_path in ((train_images, train_labels), (test_images, test_labels)):
        images, labels = read_idx(images_path), read_idx(labels_path)
        if images.ndim != 3:
            raise ValueError(
                f"{images_path}: expected images of shape (n, height, width), found shape "
                f"{images.shape}; is this a labels file (idx1) in place of an images file (idx3)?"
            )
        if labels.ndim != 1 or len(labels) != len(images):
            raise ValueError(
                f"{labels_path}: expected {len(images)} labels of shape ({len(images)},) to match "
                f"{images_path}, found shape {labels.shape}; the files belong to different splits."
            )
        splits.append((images, labels))
    return splits[0], splits[1]
