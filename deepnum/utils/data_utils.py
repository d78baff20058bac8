"""Data utilities with Keras 3's names and semantics: ``to_categorical``, ``pad_sequences``,
``normalize`` and ``split_dataset``. NumPy in, NumPy out (``split_dataset`` returns Datasets).
"""

from __future__ import annotations

import numbers
import random
from collections.abc import Sequence
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import default_rng, to_numpy
from deepnum.data import Dataset
from deepnum.data.structure import flatten, pack_like


def to_categorical(x: Any, num_classes: int | None = None) -> np.ndarray:
    """Convert integer class labels to one-hot rows (a binary class matrix).

    A trailing axis of size 1 is dropped first, so labels of shape ``(n, 1)`` give ``(n, C)``,
    not ``(n, 1, C)``.

    Args:
        x: integer labels of any shape, values in ``[0, num_classes)``.
        num_classes: the number of classes ``C``; ``None`` (or 0) infers ``max(x) + 1``.

    Returns:
        A float64 array of shape ``x.shape + (C,)`` (after dropping a trailing 1) with a single 1
        per row, at the label's index.

    Example:
        >>> to_categorical([0, 2, 1], num_classes=3)
        array([[1., 0., 0.],
               [0., 0., 1.],
               [0., 1., 0.]])
    """
    labels = np.array(to_numpy(x), dtype="int64")
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    labels = labels.reshape(-1)
    if not num_classes:
        if labels.size == 0:
            raise ValueError(
                "to_categorical: cannot infer num_classes from empty labels; pass num_classes."
            )
        num_classes = int(labels.max()) + 1
    num_classes = int(num_classes)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)][0]
        raise ValueError(
            f"to_categorical: labels must lie in [0, num_classes) = [0, {num_classes}), received "
            f"label {bad}. Increase num_classes or re-map the labels (e.g. 1-based labels - 1)."
        )
    categorical = np.zeros((labels.size, num_classes))
    categorical[np.arange(labels.size), labels] = 1
    return categorical.reshape(shape + (num_classes,))


def normalize(x: Any, axis: int = -1, order: int | float = 2) -> np.ndarray:
    """Divide ``x`` by its ``order``-norm along ``axis`` (rows of zeros stay zero).

    ``y = x / max(||x||_order, [== 0 -> 1])`` along ``axis``, e.g. each row to unit L2 length.

    Args:
        x: an array.
        axis: the axis along which the norm is taken.
        order: the norm order, as ``np.linalg.norm``'s ``ord`` (2: Euclidean, 1, ``np.inf``).

    Returns:
        A normalized copy of ``x`` (float); for a deepnum Tensor, a Tensor computed by the
        differentiable ``ops.nn.normalize`` (orders 1 and 2), as Keras does for tensors.

    Example:
        >>> normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
        array([[0.6, 0.8],
               [0. , 0. ]])
    """
    if isinstance(x, Tensor):
        from deepnum.ops.nn import normalize as normalize_tensor

        return normalize_tensor(x, axis=axis, order=order)
    x = to_numpy(x)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"normalize: axis must be an integer, received axis={axis!r}.")
    if x.ndim == 0 or not -x.ndim <= axis < x.ndim:
        raise ValueError(f"normalize: axis={axis} is out of range for an array of shape {x.shape}.")
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


def pad_sequences(
    sequences: Sequence[Any],
    maxlen: int | None = None,
    dtype: Any = "int32",
    padding: str = "pre",
    truncating: str = "pre",
    value: Any = 0.0,
) -> np.ndarray:
    """Pad (or cut) a list of sequences to one length, giving a 2-D array.

    Sequences shorter than ``maxlen`` are filled with ``value`` at the start (``padding="pre"``)
    or the end (``"post"``); longer ones lose items at the start (``truncating="pre"``) or the end
    (``"post"``). ``maxlen=None`` uses the longest sequence's length.

    Args:
        sequences: a list of ``n`` sequences (lists or arrays; items may themselves be arrays of
            one common shape ``s``).
        maxlen: the output length ``T``; ``None``: the longest length.
        dtype: the output dtype (``object`` or a string dtype for text).
        padding: ``"pre"`` or ``"post"``.
        truncating: ``"pre"`` or ``"post"``.
        value: the padding value.

    Returns:
        An array of shape ``(n, T, *s)``.

    Example:
        >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2, padding="post")
        array([[1, 0],
               [2, 3],
               [5, 6]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(
            f"pad_sequences: sequences must be a list of sequences, received {type(sequences)}."
        )
    for name, option in (("padding", padding), ("truncating", truncating)):
        if option not in ("pre", "post"):
            raise ValueError(
                f'pad_sequences: {name} must be "pre" or "post", received {name}={option!r}.'
            )
    if maxlen is not None:
        if isinstance(maxlen, bool) or not isinstance(maxlen, numbers.Integral) or maxlen < 0:
            raise ValueError(
                f"pad_sequences: maxlen must be None or an integer >= 0, received {maxlen!r}."
            )
        maxlen = int(maxlen)
    lengths, sample_shape = _lengths_and_sample_shape(sequences)
    if maxlen is None:
        maxlen = max(lengths, default=0)
    is_text_dtype = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_text_dtype:
        raise ValueError(
            f"pad_sequences: dtype={dtype!r} cannot hold the string value={value!r}; use "
            "dtype=object (or a string dtype) for sequences of strings."
        )
    out = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    if maxlen == 0:
        return out
    for i, sequence in enumerate(sequences):
        if not len(sequence):
            continue
        kept = sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(
                f"pad_sequences: the items of sequence {i} have shape {kept.shape[1:]}, but "
                f"those of the first non-empty sequence have {sample_shape}; all items must "
                "have one shape."
            )
        if padding == "post":
            out[i, : len(kept)] = kept
        else:
            out[i, -len(kept) :] = kept
    return out


def _lengths_and_sample_shape(sequences: Sequence[Any]) -> tuple[list[int], tuple[int, ...]]:
    lengths: list[int] = []
    sample_shape: tuple[int, ...] | None = None
    for i, sequence in enumerate(sequences):
        try:
            lengths.append(len(sequence))
        except TypeError as error:
            raise ValueError(
                f"pad_sequences: sequences must be a list of sequences, but item {i} is "
                f"{sequence!r} (no len()). Wrap single values in lists."
            ) from error
        if sample_shape is None and len(sequence):
            sample_shape = np.asarray(sequence).shape[1:]
    return lengths, sample_shape or ()


def split_dataset(
    dataset: Any,
    left_size: int | float | None = None,
    right_size: int | float | None = None,
    shuffle: bool = False,
    seed: int | None = None,
) -> tuple[Dataset, Dataset]:
    """Split samples into a left and a right :class:`~deepnum.data.Dataset` (e.g. train / test).

    Sizes follow Keras: a float in ``(0, 1)`` is a fraction (rounded with ``round(f * n)``), an int
    a number of samples; ``None`` is the complement of the other side. Without shuffling, the
    left split holds the first samples and the right split the last ones.

    Args:
        dataset: an array, a tuple / list / dict of arrays with the same first dimension, or an
            unbatched finite ``Dataset``.
        left_size: the left split's fraction or sample count.
        right_size: the right split's fraction or sample count.
        shuffle: shuffle the samples before splitting.
        seed: the shuffling seed; ``None`` draws one from deepnum's generator.

    Returns:
        ``(left, right)``: two unbatched datasets whose elements have the input's structure
        (a list becomes a tuple).

    Example:
        >>> left, right = split_dataset(np.arange(10), left_size=0.8)
        >>> len(left), len(right)
        (8, 2)
    """
    if left_size is None and right_size is None:
        raise ValueError(
            "split_dataset: give left_size or right_size (or both), received "
            "left_size=None and right_size=None."
        )
    structure = _split_structure(dataset)
    leaves = flatten(structure)
    total = len(leaves[0])
    n_left, n_right = _split_sizes(left_size, right_size, total)
    order = list(range(total))
    if shuffle:
        if seed is None:
            seed = int(default_rng().integers(1_000_000))
        random.Random(seed).shuffle(order)  # the permutation Keras's own split draws
    rows = np.asarray(order, dtype=np.intp)
    parts = []
    for part in (rows[:n_left], rows[total - n_right :]):
        parts.append(Dataset.from_tensor_slices(pack_like(structure, [v[part] for v in leaves])))
    return parts[0], parts[1]


def _split_structure(dataset: Any) -> Any:
    if isinstance(dataset, Dataset):
        if dataset.cardinality() < 0:
            raise ValueError(
                "split_dataset: the Dataset must be finite and of known length, received one "
                f"with cardinality {dataset.cardinality()}; apply split_dataset before repeat()."
            )
        elements = list(dataset)
        if not elements:
            raise ValueError("split_dataset: received an empty Dataset.")
        columns = zip(*(flatten(e) for e in elements))
        return pack_like(elements[0], [np.stack([to_numpy(v) for v in c]) for c in columns])
    if isinstance(dataset, (list, tuple)):
        if not dataset:
            raise ValueError("split_dataset: received an empty list; give arrays of samples.")
        dataset = tuple(dataset)
    probe = Dataset.from_tensor_slices(dataset)  # validates equal lengths, names mismatches
    return probe._structure


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_float(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not _is_int(value) and not isinstance(value, bool)


def _split_sizes(left: Any, right: Any, total: int) -> tuple[int, int]:
    """Keras's rules for turning ``left_size`` / ``right_size`` into two sample counts."""
    for name, size in (("left_size", left), ("right_size", right)):
        if size is None:
            continue
        if not (_is_int(size) or _is_float(size)):
            raise TypeError(
                f"split_dataset: {name} must be an int, a float or None, received "
                f"{name}={size!r} of type {type(size).__name__}."
            )
        if _is_int(size) and not 0 < size < total:
            raise ValueError(
                f"split_dataset: an integer {name} must lie strictly between 0 and the dataset "
                f"size {total}, received {name}={size}."
            )
        if _is_float(size) and not 0 < size < 1:
            raise ValueError(
                f"split_dataset: a float {name} is a fraction and must lie strictly between 0 "
                f"and 1, received {name}={size}."
            )
    if _is_float(left) and _is_float(right) and left + right > 1:
        raise ValueError(
            f"split_dataset: left_size + right_size = {left + right} is more than 1; the two "
            "fractions must add up to at most 1."
        )
    n_left = None if left is None else (round(left * total) if _is_float(left) else int(left))
    n_right = None if right is None else (round(right * total) if _is_float(right) else int(right))
    n_left = total - n_right if n_left is None else n_left
    n_right = total - n_left if n_right is None else n_right
    if n_left + n_right > total:
        raise ValueError(
            f"split_dataset: left_size ({n_left} samples) + right_size ({n_right} samples) is "
            f"more than the dataset's {total} samples."
        )
    for side, n in (("left", n_left), ("right", n_right)):
        if n == 0:
            raise ValueError(
                f"split_dataset: with {total} samples, left_size={left} and right_size={right} "
                f"leave the {side} split empty; use a larger size or more data."
            )
    return n_left, n_right
