"""The word-index arithmetic shared by the IMDB and Reuters loaders, as Keras does it."""

from __future__ import annotations

import numpy as np


def offset(sequence: list[int], start_char: int | None, index_from: int) -> list[int]:
    """Shift every index by ``index_from`` and put ``start_char`` first (when not None)."""
    words = [w + index_from for w in sequence] if index_from else list(sequence)
    return [start_char, *words] if start_char is not None else words


def drop_long(x: list[list[int]], y: np.ndarray, maxlen: int) -> tuple[list, np.ndarray]:
    """Keep the sequences shorter than ``maxlen`` (Keras's ``remove_long_seq``)."""
    keep = [i for i, sequence in enumerate(x) if len(sequence) < maxlen]
    return [x[i] for i in keep], np.asarray(y)[np.asarray(keep, dtype=np.intp)]


def cut_vocabulary(
    sequences: list[list[int]], num_words: int | None, skip_top: int, oov_char: int | None
) -> list[list[int]]:
    """Replace (or, with ``oov_char=None``, drop) the indexes outside ``[skip_top, num_words)``;
    ``num_words=None`` keeps everything up to the largest index."""
    if not num_words:
        num_words = max(max(s) for s in sequences)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in s] for s in sequences]
    return [[w for w in s if skip_top <= w < num_words] for s in sequences]


def object_array(sequences: list[list[int]]) -> np.ndarray:
    """A 1-D object array of lists (``np.array`` would make a 2-D array of equal lengths)."""
    out = np.empty(len(sequences), dtype=object)
    out[:] = sequences
    return out
