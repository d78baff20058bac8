"""Reuters newswire topics: 11,228 newswires, each a list of word indexes (words ranked by
frequency), labelled with one of 46 topics.

Same calls and results as ``keras.datasets.reuters``: ``reuters.npz`` and
``reuters_word_index.json`` are fetched with ``get_file`` into Keras's cache
(``~/.keras/datasets``), so copies Keras downloaded are reused. The ragged newswires are NumPy
object arrays, read without letting the file run code (see :mod:`deepnum.datasets._npz`).
"""

from __future__ import annotations

import json

import numpy as np

from deepnum.datasets._cache import KERAS_ORIGIN
from deepnum.datasets._files import get_file
from deepnum.datasets._npz import load_npz
from deepnum.datasets._sequences import cut_vocabulary, drop_long, object_array, offset

NPZ_SHA256 = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_MD5 = "4d44cc38712099c9e383dc6e5f11a921"  # Keras publishes only an MD5 for this file
LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)  # fmt: skip

Split = tuple[np.ndarray, np.ndarray]


def load_data(
    path: str = "reuters.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    test_split: float = 0.2,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
) -> tuple[Split, Split]:
    """Load Reuters as ``(x_train, y_train), (x_test, y_test)``, exactly as Keras does.

    The newswires are shuffled with ``np.random.RandomState(seed)``; each index ``w`` becomes
    ``w + index_from``, each newswire starts with ``start_char``, newswires of ``maxlen`` or more
    words are dropped, words outside ``[skip_top, num_words)`` become ``oov_char`` (or are
    dropped when it is None), and the last ``test_split`` of them form the test set
    (``int(n * (1 - test_split))`` training samples).

    Args:
        path: the file name in Keras's cache folder (``~/.keras/datasets``).
        num_words: keep the ``num_words`` most frequent words (``None``: all).
        skip_top: also replace the ``skip_top`` most frequent words.
        maxlen: drop newswires with ``maxlen`` or more words (``None``: keep all).
        test_split: the fraction of newswires in the test set.
        seed: the shuffling seed.
        start_char: the index that marks a newswire's start (0 is kept for padding).
        oov_char: the index of the words cut by ``num_words`` / ``skip_top``.
        index_from: the index of the most frequent word.

    Returns:
        ``x_train``, ``x_test``: 1-D object arrays of lists of ints; ``y_train``, ``y_test``:
        integer arrays of topics 0-45 (see :func:`get_label_names`).

    Example:
        >>> (x_train, y_train), _ = load_data(num_words=10000)  # doctest: +SKIP
        >>> len(x_train), int(y_train.max())  # doctest: +SKIP
        (8982, 45)
    """
    file = get_file(fname=path, origin=KERAS_ORIGIN + "reuters.npz", file_hash=NPZ_SHA256)
    arrays = load_npz(file)
    xs, labels = arrays["x"], arrays["y"]
    order = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(order)
    xs = [offset(x, start_char, index_from) for x in xs[order]]
    labels = labels[order]
    if maxlen:
        xs, labels = drop_long(xs, labels, maxlen)
        if not xs:
            raise ValueError(
                f"reuters.load_data: no newswire is shorter than maxlen={maxlen}; increase maxlen."
            )
    xs = cut_vocabulary(xs, num_words, skip_top, oov_char)
    idx = int(len(xs) * (1 - test_split))
    return (
        (object_array(xs[:idx]), np.array(labels[:idx])),
        (object_array(xs[idx:]), np.array(labels[idx:])),
    )


def get_word_index(path: str = "reuters_word_index.json") -> dict[str, int]:
    """The word -> index map of the newswires (index 1 is the most frequent word).

    Add ``index_from`` (3 by default) to map into the indexes ``load_data`` returns.

    Example:
        >>> index = get_word_index()  # doctest: +SKIP
    """
    file = get_file(path, origin=KERAS_ORIGIN + "reuters_word_index.json", file_hash=WORD_INDEX_MD5)
    with open(file) as f:
        return json.load(f)


def get_label_names() -> tuple[str, ...]:
    """The names of the 46 topics, in label order.

    Example:
        >>> get_label_names()[:3]
        ('cocoa', 'grain', 'veg-oil')
    """
    return LABEL_NAMES
