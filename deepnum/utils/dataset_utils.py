"""What the ``*_dataset_from_directory`` functions share, as Keras does it: listing the files
with their labels (and Keras's seeded shuffle of the list), the training / validation split,
label encodings, and the streaming dataset built over the file list. Also ``split_dataset``.

Keras lists the files of each class folder (``os.walk`` order, sorted), then shuffles the list
with ``np.random.RandomState(seed).shuffle`` and shuffles the labels with a second
``RandomState(seed)``; the validation subset is the last ``int(validation_split * n)`` files.
The same steps here give the same ``file_paths``, in the same order, for the same seed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from deepnum.data import Dataset
from deepnum.data.loader import LoaderDataset
from deepnum.utils import data_utils

LABEL_MODES = ("int", "categorical", "binary", None)


def check_labels_args(caller: str, labels: Any, label_mode: Any, class_names: Any) -> None:
    """Keras's checks of ``labels`` / ``label_mode`` / ``class_names``."""
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(
                f'{caller}: labels must be "inferred" (from the subfolder names), None (no '
                "labels) or a list/tuple of integer labels, one per file in the sorted order "
                f"of the file paths; received labels={labels!r}."
            )
        if class_names:
            raise ValueError(
                f'{caller}: class_names can only be given with labels="inferred"; received '
                f"labels={labels!r} and class_names={class_names!r}."
            )
    if label_mode not in LABEL_MODES:
        raise ValueError(
            f'{caller}: label_mode must be "int", "categorical", "binary" or None; received '
            f"label_mode={label_mode!r}."
        )


def check_validation_split_arg(
    validation_split: Any, subset: Any, shuffle: bool, seed: Any, caller: str = "dataset"
) -> None:
    """Keras's checks of ``validation_split`` / ``subset`` / ``seed``."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(
            f"{caller}: validation_split must be between 0 and 1, received "
            f"validation_split={validation_split}."
        )
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError(
            f"{caller}: give both validation_split and subset, or neither; received "
            f"validation_split={validation_split!r} and subset={subset!r}."
        )
    if subset not in ("training", "validation", "both", None):
        raise ValueError(
            f'{caller}: subset must be "training", "validation" or "both", received '
            f"subset={subset!r}."
        )
    if validation_split and shuffle and seed is None:
        raise ValueError(
            f"{caller}: with validation_split and shuffle=True, give a seed, so that the "
            "training and validation subsets (made by separate calls) do not overlap."
        )


def iter_valid_files(directory: str, follow_links: bool, formats: tuple[str, ...]):
    """``(folder, file name)`` of the files with an allowed extension, in Keras's order."""
    walk = os.walk(directory, followlinks=follow_links)
    for root, _, files in sorted(walk, key=lambda x: x[0]):
        for fname in sorted(files):
            if fname.lower().endswith(formats):
                yield root, fname


def _class_folders(directory: str, class_names: Sequence[str] | None, caller: str) -> list[str]:
    subdirs = [
        name
        for name in sorted(os.listdir(directory))
        if os.path.isdir(os.path.join(directory, name)) and not name.startswith(".")
    ]
    if class_names is not None:
        if not set(class_names).issubset(subdirs):
            raise ValueError(
                f"{caller}: class_names must name subfolders of {directory}: expected some of "
                f"{subdirs}, received class_names={list(class_names)}."
            )
        return list(class_names)
    if not subdirs:
        raise ValueError(
            f'{caller}: labels="inferred" takes each class from a subfolder, but {directory} '
            "has no subfolders. Put the files of each class in a subfolder named after it, or "
            "pass labels=None (no labels) or a list of labels."
        )
    return subdirs


def index_directory(
    directory: str | os.PathLike,
    labels: Any,
    formats: tuple[str, ...],
    class_names: Sequence[str] | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    follow_links: bool = False,
    verbose: bool = True,
    caller: str = "index_directory",
) -> tuple[list[str], np.ndarray | list | None, list[str] | None]:
    """List the files of ``directory`` with their labels, exactly as Keras does.

    Args:
        directory: the folder (with one subfolder per class when ``labels="inferred"``).
        labels: ``"inferred"``, ``None`` or a list of integer labels (one per file, in the
            sorted order of the paths).
        formats: the allowed extensions (lower case), e.g. ``(".png", ".jpg")``.
        class_names: the subfolders to use, in label order (default: all, sorted).
        shuffle: shuffle with ``RandomState(seed)`` (else sorted order).
        seed: the shuffle's seed (``None``: ``np.random.randint(1e6)``).
        follow_links: walk into symlinked folders.
        verbose: print how many files and classes were found.
        caller: the public function, named in errors.

    Returns:
        ``(file_paths, labels, class_names)``.

    Example:
        >>> import tempfile, os
        >>> d = tempfile.mkdtemp(); os.makedirs(os.path.join(d, "cat"))
        >>> open(os.path.join(d, "cat", "a.txt"), "w").close()
        >>> paths, labels, names = index_directory(d, "inferred", (".txt",), verbose=False)
        >>> [os.path.relpath(p, d) for p in paths], labels.tolist(), names
        (['cat/a.txt'], [0], ['cat'])
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"{caller}: the directory {directory!r} does not exist.")
    if labels == "inferred":
        subdirs = _class_folders(directory, class_names, caller)
    elif class_names is not None:
        raise ValueError(
            f'{caller}: class_names can only be given with labels="inferred" (with a list of '
            "labels the class names are the sorted labels)."
        )
    else:
        subdirs = [""]
    filenames, file_labels = [], []
    for index, subdir in enumerate(subdirs):
        folder = os.path.join(directory, subdir)
        dirname = os.path.basename(folder)
        for root, fname in iter_valid_files(folder, follow_links, formats):
            relative = os.path.relpath(os.path.join(root, fname), folder)
            filenames.append(os.path.join(dirname, relative))
            file_labels.append(index)
    if labels == "inferred":
        labels, names = np.asarray(file_labels, dtype="int32"), subdirs
    elif labels is None:
        names = None
    else:
        labels = list(labels)  # shuffled below: never the caller's list
        if len(labels) != len(filenames):
            raise ValueError(
                f"{caller}: labels has {len(labels)} entries but {directory} holds "
                f"{len(filenames)} files with the extensions {formats}; give one label per file."
            )
        names = [str(label) for label in sorted(set(labels))]
    if verbose:
        classes = "" if labels is None else f" belonging to {len(names)} classes"
        print(f"Found {len(filenames)} files{classes}.")
    file_paths = [os.path.join(directory, name) for name in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, names


def get_training_or_validation_split(
    samples: list, labels: Any, validation_split: float | None, subset: str | None
) -> tuple[list, Any]:
    """The training part (all but the last ``int(validation_split * n)``) or the validation
    part (those last ones) of ``samples`` and ``labels``, as Keras splits them."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if subset == "training":
        print(f"Using {len(samples) - num_val} files for training.")
        keep = slice(None, -num_val)
    elif subset == "validation":
        print(f"Using {num_val} files for validation.")
        keep = slice(-num_val, None)
    else:
        raise ValueError(f'subset must be "training" or "validation", received {subset!r}.')
    return samples[keep], (labels[keep] if labels is not None else None)


def encode_labels(labels: Any, label_mode: str, num_classes: int) -> np.ndarray:
    """Integer labels as Keras's datasets yield them: ``"int"``: int32 ``(n,)``;
    ``"categorical"``: float32 one-hot ``(n, num_classes)``; ``"binary"``: float32 ``(n, 1)``."""
    labels = np.asarray(labels, dtype="int32").reshape(-1)
    if label_mode == "binary":
        return labels.astype("float32")[:, None]
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labels]
    return labels


def file_dataset(
    paths: list[str],
    labels: np.ndarray | None,
    load: Callable[[np.ndarray], Any],
    shuffle: bool,
    buffer_size: int,
    seed: int | None,
    batch_size: int | None,
) -> Dataset:
    """The streaming dataset over ``paths``: ``load`` reads a batch of files when it is drawn.

    Elements are ``load(paths)`` or ``(load(paths), labels)``; shuffled with a buffer of
    ``buffer_size`` (a new order each epoch, fixed by ``seed``), batched, prefetched.
    """
    rows = np.asarray(paths, dtype=str)
    if labels is None:
        dataset: Dataset = LoaderDataset(rows, load)
    else:
        dataset = LoaderDataset((rows, labels), lambda batch: (load(batch[0]), batch[1]))
    if shuffle:
        dataset = dataset.shuffle(buffer_size, seed=seed)
    if batch_size is not None:
        dataset = dataset.batch(batch_size)
    return dataset.prefetch()


def split_dataset(
    dataset: Any,
    left_size: int | float | None = None,
    right_size: int | float | None = None,
    shuffle: bool = False,
    seed: int | None = None,
    preferred_backend: str | None = None,
) -> tuple[Dataset, Dataset]:
    """Split samples into a left and a right dataset (e.g. train / test), as Keras's
    ``split_dataset``; see :func:`deepnum.utils.data_utils.split_dataset` for the sizes.

    Args:
        dataset: arrays (or a tuple / dict of them) or an unbatched finite deepnum Dataset.
        left_size: the left split's fraction (float) or sample count (int).
        right_size: the right split's fraction or sample count.
        shuffle: shuffle before splitting.
        seed: the shuffling seed.
        preferred_backend: accepted for Keras's signature: deepnum always returns deepnum
            Datasets, whatever the value.

    Returns:
        ``(left, right)`` deepnum Datasets.

    Example:
        >>> left, right = split_dataset(np.arange(10), left_size=0.8)
        >>> len(left), len(right)
        (8, 2)
    """
    if preferred_backend is not None and not isinstance(preferred_backend, str):
        raise TypeError(
            "split_dataset: preferred_backend must be a string or None, received "
            f"{preferred_backend!r}."
        )
    return data_utils.split_dataset(dataset, left_size, right_size, shuffle, seed)


def _nothing_found(caller: str, directory: Any, formats: tuple[str, ...], which: str = "") -> str:
    return f"{caller}: no {which}files with the extensions {formats} found in {directory}" + (
        " (check validation_split: with few files one subset can be empty)." if which else "."
    )


def directory_datasets(
    caller: str,
    directory: Any,
    labels: Any,
    label_mode: str | None,
    class_names: list[str] | None,
    batch_size: int | None,
    shuffle: bool,
    seed: int | None,
    validation_split: float | None,
    subset: str | None,
    follow_links: bool,
    verbose: bool,
    formats: tuple[str, ...],
    load: Callable[[np.ndarray], Any],
) -> Dataset | list[Dataset]:
    """The steps Keras's ``*_dataset_from_directory`` share: check the split arguments, list
    and shuffle the files, split them, and build the streaming dataset(s) with ``load``."""
    check_validation_split_arg(validation_split, subset, shuffle, seed, caller)
    if batch_size is not None and (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or batch_size < 1
    ):
        raise ValueError(
            f"{caller}: batch_size must be a positive int or None, received {batch_size!r}."
        )
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = index_directory(
        directory, labels, formats, class_names, shuffle, seed, follow_links, verbose, caller
    )
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            f'{caller}: label_mode="binary" needs exactly 2 classes, received '
            f"class_names={class_names}."
        )
    num_classes = len(class_names) if class_names else 0
    buffer_size = batch_size * 8 if batch_size is not None else 1024

    def build(part: str | None, shuffled: bool) -> Dataset:
        part_paths, part_labels = get_training_or_validation_split(
            paths, labels, validation_split, part
        )
        if not part_paths:
            which = {"training": "training ", "validation": "validation "}.get(part or "", "")
            raise ValueError(_nothing_found(caller, directory, formats, which))
        encoded = (
            None if label_mode is None else encode_labels(part_labels, label_mode, num_classes)
        )
        dataset = file_dataset(part_paths, encoded, load, shuffled, buffer_size, seed, batch_size)
        dataset.class_names = class_names
        dataset.file_paths = part_paths
        return dataset

    if subset == "both":
        return [build("training", shuffle), build("validation", False)]
    return build(subset, shuffle)
