"""The lookup layers' vocabulary state and argument checks, and the IDF weights of
``tf_idf`` output."""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import floatx, is_array


class VocabularyState:
    """The vocabulary, its lookup tables and the running counts of ``adapt``, kept out of the
    layer's attributes (which are searched for sub-layers and weights)."""

    def __init__(self) -> None:
        self.tokens: list = []
        self.table: dict | None = None
        self.bytes_table: dict | None = None
        self.sorted: tuple[np.ndarray, np.ndarray] | None = None
        self.counts: collections.Counter = collections.Counter()
        self.doc_counts: collections.Counter = collections.Counter()
        self.num_documents = 0


def check_lookup_arguments(
    label: str, max_tokens: Any, pad_to_max_tokens: bool, num_oov_indices: Any, oov_method: Any
) -> None:
    if max_tokens is not None and max_tokens <= 1:
        raise ValueError(
            f"{label}: max_tokens must be greater than 1 when set, received "
            f"max_tokens={max_tokens}."
        )
    if pad_to_max_tokens and max_tokens is None:
        raise ValueError(f"{label}: pad_to_max_tokens=True needs max_tokens to be set.")
    if not isinstance(num_oov_indices, int) or num_oov_indices < 0:
        raise ValueError(
            f"{label}: num_oov_indices must be an integer >= 0, received "
            f"num_oov_indices={num_oov_indices!r}."
        )
    if oov_method not in ("floormod", "farmhash"):
        raise ValueError(
            f"{label}: unknown oov_method={oov_method!r}; expected 'floormod' or 'farmhash'."
        )


def check_salt(label: str, salt: Any, strings: bool, oov_method: str) -> list | None:
    if salt is None:
        return None
    if not strings and oov_method != "farmhash":
        raise ValueError(
            f"{label}: salt can only be used with oov_method='farmhash', received "
            f"oov_method={oov_method!r}."
        )
    if isinstance(salt, (tuple, list)) and len(salt) == 2:
        return [int(s) for s in salt]
    if isinstance(salt, int):
        return [salt, salt]
    raise ValueError(f"{label}: salt must be an integer or a pair of integers, received {salt!r}.")


def is_stream(data: Any) -> bool:
    """Whether ``adapt`` reads ``data`` as a stream of batches (not one array)."""
    if isinstance(data, (list, tuple, Tensor)) or is_array(data):
        return False
    return hasattr(data, "__iter__")


def listify(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Tensor):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    return value


def inverse_document_frequency(document_counts: np.ndarray, num_documents: int) -> np.ndarray:
    """idf(t) = log(1 + N / (1 + df(t))): N documents, df(t) of them holding t (Keras's
    formula), in ``floatx``.

    Example:
        >>> [round(float(w), 4) for w in inverse_document_frequency(np.array([0.0, 1.0]), 3)]
        [1.3863, 0.9163]
    """
    return np.log(1.0 + num_documents / (1.0 + document_counts)).astype(floatx())


def padded_idf(weights: np.ndarray, front: int, length: int | None) -> np.ndarray:
    """IDF weights with ``front`` leading slots (the mask/OOV indices) set to their mean and,
    when ``length`` is given, zeros up to that length (``pad_to_max_tokens``)."""
    weights = np.asarray(weights, dtype=floatx())
    head = np.full(front, weights.mean(dtype=floatx()) if weights.size else 0.0, dtype=floatx())
    out = np.concatenate([head, weights])
    if length is not None:
        out = np.pad(out, (0, max(length - out.size, 0)))
    return out.astype(floatx())
