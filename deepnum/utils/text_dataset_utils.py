"""``text_dataset_from_directory``: a dataset of texts read from class subfolders of ``.txt``
files, a batch at a time (Keras's function, its arguments, file order and splits)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from deepnum.data import Dataset
from deepnum.utils import dataset_utils

CALLER = "text_dataset_from_directory"


class TextLoader:
    """Reads a batch of UTF-8 text files into a 1-D object array of ``str``, each cut to its
    first ``max_length`` characters."""

    def __init__(self, max_length: int | None) -> None:
        self.max_length = max_length

    def __call__(self, paths: np.ndarray) -> np.ndarray:
        out = np.empty(len(paths), dtype=object)
        for i, path in enumerate(paths):
            out[i] = self._read(str(path))
        return out

    def _read(self, path: str) -> str:
        try:
            with open(path, encoding="utf-8") as f:
                return f.read(self.max_length) if self.max_length is not None else f.read()
        except UnicodeDecodeError as error:
            raise ValueError(f"{CALLER}: {path} is not UTF-8 text: {error}") from error


def text_dataset_from_directory(
    directory: str | os.PathLike,
    labels: Any = "inferred",
    label_mode: str | None = "int",
    class_names: list[str] | None = None,
    batch_size: int | None = 32,
    max_length: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    follow_links: bool = False,
    format: str = "tf",
    verbose: bool = True,
) -> Dataset | list[Dataset]:
    """A dataset of ``(texts, labels)`` batches read from the ``.txt`` files of ``directory``.

    With ``labels="inferred"`` the directory holds one subfolder per class; the files are
    listed, shuffled and split exactly as Keras does (same ``file_paths`` for the same seed) and
    read when their batch is drawn.

    Args:
        directory: the root folder.
        labels: ``"inferred"``, ``None`` (texts only) or a list of integer labels, one per file
            in the sorted order of the file paths.
        label_mode: ``"int"``, ``"categorical"``, ``"binary"`` or ``None``.
        class_names: with ``labels="inferred"``: the subfolders to use, in label order.
        batch_size: texts per batch; ``None``: single texts.
        max_length: keep at most the first ``max_length`` characters of each text.
        shuffle: shuffle the file list (seeded) and, each epoch, the batches' order.
        seed: the shuffling seed (required with ``validation_split`` and ``shuffle``).
        validation_split: the fraction of files for validation.
        subset: ``"training"``, ``"validation"`` or ``"both"``.
        follow_links: walk into symlinked subfolders.
        format: ``"tf"`` or ``"grain"``: accepted for Keras's signature; both give a deepnum
            Dataset of Python strings (as Keras's ``"grain"`` format; TensorFlow's strings are
            bytes and its ``max_length`` counts bytes).
        verbose: print how many files and classes were found.

    Returns:
        A :class:`deepnum.data.Dataset` of ``(texts, labels)``, texts a 1-D object array of
        ``str``, with ``class_names`` and ``file_paths`` attributes; ``[train, validation]``
        with ``subset="both"``.

    Example:
        >>> train = text_dataset_from_directory(
        ...     "aclImdb/train", batch_size=32, validation_split=0.2, subset="training", seed=42
        ... )  # doctest: +SKIP
    """
    dataset_utils.check_labels_args(CALLER, labels, label_mode, class_names)
    if format not in ("tf", "grain"):
        raise ValueError(f'{CALLER}: format must be "tf" or "grain", received format={format!r}.')
    is_int = isinstance(max_length, (int, np.integer)) and not isinstance(max_length, bool)
    if max_length is not None and (not is_int or max_length < 0):
        raise ValueError(
            f"{CALLER}: max_length must be None or an int >= 0, received max_length={max_length!r}."
        )
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    return dataset_utils.directory_datasets(
        CALLER,
        directory,
        labels,
        label_mode,
        class_names,
        batch_size,
        shuffle,
        seed,
        validation_split,
        subset,
        follow_links,
        verbose,
        (".txt",),
        TextLoader(max_length),
    )
