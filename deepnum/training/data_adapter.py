"""From what users pass to ``fit`` (arrays, dicts, generators, Datasets, PyDatasets) to an
iterator of batches, with the checks that catch bad input before the first step."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from deepnum import config
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import default_rng, is_array, to_numpy
from deepnum.data import Dataset, PyDataset
from deepnum.data.structure import flatten, map_structure


def unpack_x_y_sample_weight(data: Any) -> tuple[Any, Any, Any]:
    """Split a batch ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` (Keras's convention)."""
    if isinstance(data, tuple):
        if len(data) == 1:
            return data[0], None, None
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data
        raise ValueError(
            f"A batch must be (x,), (x, y) or (x, y, sample_weight); received a tuple of "
            f"{len(data)} elements."
        )
    return data, None, None


def _to_array(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Tensor):
        return value.data
    if is_array(value):
        return value
    return np.asarray(value)


def _num_samples(structure: Any, what: str) -> int | None:
    sizes = [len(a) for a in flatten(structure) if a is not None and np.ndim(a) > 0]
    if not sizes:
        return None
    if len(set(sizes)) > 1:
        raise ValueError(
            f"Data cardinality is ambiguous: {what} arrays have different numbers of samples "
            f"{sorted(set(sizes))}. Make sure all arrays contain the same number of samples."
        )
    return sizes[0]


def check_arrays(x: Any, y: Any, sample_weight: Any) -> int:
    """Check sample counts agree and the data are finite; return the number of samples."""
    n_x = _num_samples(x, "x")
    n_y = _num_samples(y, "y") if y is not None else None
    n_w = _num_samples(sample_weight, "sample_weight") if sample_weight is not None else None
    counts = {k: v for k, v in (("x", n_x), ("y", n_y), ("sample_weight", n_w)) if v is not None}
    if len(set(counts.values())) > 1:
        detail = ", ".join(f"{k} sizes: {v}" for k, v in counts.items())
        raise ValueError(
            f"Data cardinality is ambiguous: {detail}. Make sure all arrays contain the same "
            "number of samples."
        )
    for name, structure in (("x", x), ("y", y), ("sample_weight", sample_weight)):
        for a in flatten(structure) if structure is not None else []:
            arr = to_numpy(a)
            if arr.dtype.kind == "f" and not np.isfinite(arr).all():
                bad = int(np.size(arr) - np.isfinite(arr).sum())
                raise ValueError(
                    f"{name} contains {bad} NaN or infinite value(s); clean or impute them "
                    "before training (e.g. np.nan_to_num)."
                )
    return n_x or 0


def train_validation_split(arrays: Any, validation_split: float) -> tuple[Any, Any]:
    """Keras's rule: the last ``validation_split`` fraction of the samples, before shuffling."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"validation_split must be in (0, 1), received {validation_split}.")
    n = _num_samples(arrays, "x/y")
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"validation_split={validation_split} leaves an empty split of {n} samples."
        )
    train = map_structure(lambda a: None if a is None else a[:split_at], arrays)
    val = map_structure(lambda a: None if a is None else a[split_at:], arrays)
    return train, val


def class_weight_to_sample_weight(y: Any, class_weight: dict) -> np.ndarray:
    """One weight per sample from a ``{class: weight}`` dict (labels sparse or one-hot)."""
    y = to_numpy(y)
    labels = y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y))
    labels = labels.astype(int)
    missing = sorted(set(np.unique(labels).tolist()) - set(class_weight))
    if missing:
        raise ValueError(
            f"class_weight has no entry for class(es) {missing}; give a weight for every class."
        )
    return np.array([class_weight[c] for c in labels], dtype="float32")


class ArrayBatches:
    """Mini-batches over in-memory arrays: a fresh permutation per pass when shuffling.

    An epoch with more ``steps`` than the pass has batches ends early, with Keras's warning.
    With ``resume`` set (fit's ``steps_per_epoch``, as Keras), an epoch continues the pass
    where the previous one stopped; the epoch after the end of a pass starts a new one.
    Otherwise each epoch is a new pass.
    """

    def __init__(
        self,
        x: Any,
        y: Any,
        sample_weight: Any,
        batch_size: int,
        shuffle: Any,
        steps: int | None = None,
    ) -> None:
        self.data = (x, y, sample_weight)
        self.n = check_arrays(x, y, sample_weight)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.steps = config.capped_steps(
            steps if steps is not None else math.ceil(self.n / batch_size)
        )
        self.resume = False
        self._order: Any = None
        self._position: int | None = None  # batches of the current pass already given

    def __len__(self) -> int:
        return self.steps

    def epoch(self) -> Iterator[tuple]:
        per_pass = max(math.ceil(self.n / self.batch_size), 1)
        if not self.resume or self._position is None or self._position >= per_pass:
            self._order = default_rng().permutation(self.n) if self.shuffle else None
            self._position = 0
        for _ in range(self.steps):
            if self._position >= per_pass:  # no wrapping around inside an epoch (Keras)
                warnings.warn(
                    "Your input ran out of data; interrupting training. Make sure that your "
                    "dataset or generator can generate at least `steps_per_epoch * epochs` "
                    "batches. You may need to use the `.repeat()` function when building your "
                    "dataset.",
                    stacklevel=2,
                )
                break
            start = self._position * self.batch_size
            self._position += 1
            stop = min(start + self.batch_size, self.n)
            index = slice(start, stop) if self._order is None else self._order[start:stop]
            yield tuple(
                map_structure(lambda a, index=index: None if a is None else a[index], part)
                for part in self.data
            )


class IterableBatches:
    """Batches from a Dataset, PyDataset or generator (already batched by the user)."""

    def __init__(self, source: Any, steps: int | None = None) -> None:
        self.source = source
        self.steps = steps
        self._iterator: Iterator | None = None
        if steps is None:
            try:
                self.steps = len(source)
            except TypeError:
                self.steps = None
        self.steps = config.capped_steps(self.steps)  # keras.config.set_max_steps_per_epoch

    def __len__(self) -> int:
        return self.steps or 0

    def epoch(self) -> Iterator[tuple]:
        src = self.source
        if isinstance(src, PyDataset):
            src.on_epoch_begin() if hasattr(src, "on_epoch_begin") else None
            it = iter(src)
        elif isinstance(src, Dataset) or hasattr(src, "__len__"):
            it = iter(src)
        else:  # a generator: keep consuming it across epochs, like Keras
            if self._iterator is None:
                self._iterator = iter(src)
            it = self._iterator
        for step, batch in enumerate(it):
            yield unpack_x_y_sample_weight(batch if isinstance(batch, tuple) else (batch,))
            if self.steps is not None and step + 1 >= self.steps:
                break
        if isinstance(src, PyDataset):
            src.on_epoch_end()


def make_batches(
    x: Any,
    y: Any = None,
    sample_weight: Any = None,
    batch_size: int | None = 32,
    shuffle: Any = False,
    steps: int | None = None,
    *,
    caller: str = "fit",
    allow_strings: bool = True,
) -> Any:
    """Choose the batch source for ``x`` (arrays → ArrayBatches, else IterableBatches).

    Arrays are checked first (see :func:`check_leaves`); ``caller`` names the method in the
    errors and ``allow_strings`` lets string arrays through for models that take strings.
    """
    if isinstance(x, (Dataset, PyDataset)) or (
        not is_array(x) and hasattr(x, "__iter__") and hasattr(x, "__next__")
    ):
        if y is not None:
            raise ValueError(
                "`y` must not be given when `x` is a Dataset, PyDataset or generator: they "
                "already yield (x, y) batches."
            )
        return IterableBatches(x, steps)
    if batch_size is None:
        batch_size = 32
    if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, received {batch_size!r}.")
    x = map_structure(_to_array, x)
    y = map_structure(_to_array, y) if y is not None else None
    sw = map_structure(_to_array, sample_weight) if sample_weight is not None else None
    check_leaves(x, "x", caller, allow_strings)
    check_leaves(y, "y", caller, False)
    check_leaves(sw, "sample_weight", caller, False)
    batches = ArrayBatches(x, y, sw, int(batch_size), shuffle, steps)
    if batches.n == 0:
        shapes = [tuple(np.shape(a)) for a in flatten(x) if a is not None]
        raise ValueError(
            f"{caller}: the input contains no samples (x has shape "
            f"{', '.join(map(str, shapes)) or 'none'}); pass at least one sample."
        )
    return batches


def _preview(value: Any) -> str:
    text = repr(value.tolist() if hasattr(value, "tolist") else value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_leaves(structure: Any, what: str, caller: str, allow_strings: bool = True) -> None:
    """Refuse arrays that cannot be a model's data, naming the argument and what is wrong:
    scalars (no batch axis), complex numbers, Python objects (``None``, ragged lists) and,
    unless ``allow_strings``, strings.

    Example:
        >>> import numpy as np
        >>> check_leaves(np.float32(1), "x", "predict")
        Traceback (most recent call last):
        ...
        ValueError: predict: x is a scalar (1.0) without a batch axis; pass an array of shape (samples, ...), e.g. np.array([[...]]).
    """  # noqa: E501
    if structure is None:
        return
    leaves = [leaf for leaf in flatten(structure) if leaf is not None]
    if isinstance(structure, (list, tuple)) and leaves and all(np.ndim(a) == 0 for a in leaves):
        values = _preview([a.item() if hasattr(a, "item") else a for a in leaves])
        raise ValueError(
            f"{caller}: {what} is a {type(structure).__name__} of {len(leaves)} scalar(s) "
            f"({values}), read as {len(leaves)} separate input(s) without a batch axis; pass "
            f"one array of shape (samples, ...), e.g. np.array({values})."
        )
    for leaf in flatten(structure):
        if leaf is None:
            continue
        kind = np.dtype(getattr(leaf, "dtype", np.asarray(leaf).dtype)).kind
        if np.ndim(leaf) == 0:
            raise ValueError(
                f"{caller}: {what} is a scalar ({_preview(leaf)}) without a batch axis; pass an "
                "array of shape (samples, ...), e.g. np.array([[...]])."
            )
        if kind == "c":
            raise ValueError(
                f"{caller}: {what} has the complex dtype {leaf.dtype}; deepnum models take real "
                "numbers: pass the real and imaginary parts as separate features."
            )
        if kind == "O" and allow_strings and _all_strings(leaf):
            continue  # text as Python strings, for models whose inputs are strings
        if kind == "O":
            raise ValueError(
                f"{caller}: {what} has dtype object (shape {tuple(np.shape(leaf))}): it holds "
                "None or Python objects (or rows of different lengths), not numbers; convert "
                "it with np.asarray(..., dtype='float32') after filling the missing values."
            )
        if kind in "USV" and not allow_strings:
            raise ValueError(
                f"{caller}: {what} holds strings (dtype {leaf.dtype}, e.g. "
                f"{_preview(leaf.reshape(-1)[:1])}) but the model takes numbers; encode the "
                "text first (a vocabulary lookup or a tokenizer)."
            )


def _all_strings(leaf: Any) -> bool:
    """Whether an object array holds only ``str``/``bytes`` (text for string inputs)."""
    return all(isinstance(v, (str, bytes)) for v in np.asarray(leaf).reshape(-1).tolist())
