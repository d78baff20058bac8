"""IMDB movie reviews for binary sentiment classification: 25,000 training and 25,000 test
reviews, each a list of word indexes (words ranked by frequency), labelled 0 (negative) or 1.

Same calls and results as ``keras.datasets.imdb``: ``imdb.npz`` and ``imdb_word_index.json`` are
looked up in the cache (``$DEEPNUM_DATA`` or ``~/.deepnum/datasets``), else downloaded and
verified. The ragged reviews are stored as NumPy object arrays; they are read without letting
the file run code (see ``deepnum.datasets._npz``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from deepnum.datasets._cache import KERAS_ORIGIN, RemoteFile, data_dir, fetch
from deepnum.datasets._npz import load_npz
from deepnum.datasets._sequences import cut_vocabulary, drop_long, object_array, offset

NPZ = RemoteFile(
    name="imdb.npz",
    urls=(KERAS_ORIGIN + "imdb.npz",),
    sha256="69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
)
WORD_INDEX = RemoteFile(
    name="imdb_word_index.json",
    urls=(KERAS_ORIGIN + "imdb_word_index.json",),
    md5="bfafd718b763782e994055a2d397834f",  # Keras publishes only an MD5 for this file
)

Split = tuple[np.ndarray, np.ndarray]


def load_data(
    path: str = "imdb.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
    *,
    download: bool = True,
    **kwargs: object,
) -> tuple[Split, Split]:
    """Load IMDB as ``(x_train, y_train), (x_test, y_test)``, exactly as Keras does.

    Each split is shuffled with ``np.random.RandomState(seed)``; every word index ``w`` becomes
    ``w + index_from``, each review starts with ``start_char``, and words outside
    ``[skip_top, num_words)`` become ``oov_char`` (or are dropped when ``oov_char`` is None).

    Args:
        path: the ``.npz`` file name inside the cache folder (or an absolute path).
        num_words: keep the ``num_words`` most frequent words (``None``: all).
        skip_top: also replace the ``skip_top`` most frequent words.
        maxlen: drop reviews with ``maxlen`` or more words (``None``: keep all).
        seed: the shuffling seed.
        start_char: the index that marks the start of a review (0 is kept for padding).
        oov_char: the index of words cut by ``num_words`` / ``skip_top``.
        index_from: the index of the most frequent word.
        download: download missing files (deepnum's addition to Keras's signature); ``False``
            only looks on this machine and raises ``FileNotFoundError`` when they are absent.
        **kwargs: accepted and ignored, as Keras does (its legacy arguments).

    Returns:
        ``x_train``, ``x_test``: object arrays of lists of ints; ``y_train``, ``y_test``: integer
        arrays of 0/1 labels.

    Example:
        >>> (x_train, y_train), _ = load_data(num_words=10000)  # doctest: +SKIP
        >>> len(x_train), max(max(r) for r in x_train)  # doctest: +SKIP
        (25000, 9999)
    """
    npz = Path(path) if Path(path).is_absolute() else data_dir() / path
    file = fetch(
        RemoteFile(npz.name, NPZ.urls, NPZ.sha256),
        str(npz.parent),
        dataset="imdb",
        download=download,
    )
    arrays = load_npz(file)
    rng = np.random.RandomState(seed)
    splits = []
    for x_key, y_key in (("x_train", "y_train"), ("x_test", "y_test")):
        x, y = arrays[x_key], arrays[y_key]
        order = np.arange(len(x))
        rng.shuffle(order)
        splits.append(([offset(review, start_char, index_from) for review in x[order]], y[order]))
    if maxlen:
        splits = [drop_long(x, y, maxlen) for x, y in splits]
        if not splits[0][0] or not splits[1][0]:
            raise ValueError(
                f"imdb.load_data: no review is shorter than maxlen={maxlen}, so a split is "
                "empty; increase maxlen."
            )
    reviews = cut_vocabulary(splits[0][0] + splits[1][0], num_words, skip_top, oov_char)
    n_train = len(splits[0][0])
    x_train, x_test = object_array(reviews[:n_train]), object_array(reviews[n_train:])
    labels = np.concatenate([splits[0][1], splits[1][1]])
    return (x_train, labels[:n_train]), (x_test, labels[n_train:])


def get_word_index(path: str = "imdb_word_index.json", *, download: bool = True) -> dict[str, int]:
    """The word -> index map of the IMDB reviews (index 1 is the most frequent word).

    Add ``index_from`` (3 by default) to map into the indexes ``load_data`` returns.

    Args:
        path: the JSON file name inside the cache folder (or an absolute path).
        download: download missing files (deepnum's addition to Keras's signature); ``False``
            only looks on this machine and raises ``FileNotFoundError`` when they are absent.

    Returns:
        A dict from word to rank.

    Example:
        >>> index = get_word_index()  # doctest: +SKIP
        >>> words = {i + 3: w for w, i in index.items()}  # doctest: +SKIP
    """
    file = Path(path) if Path(path).is_absolute() else data_dir() / path
    remote = RemoteFile(file.name, WORD_INDEX.urls, md5=WORD_INDEX.md5)
    with open(
        fetch(remote, str(file.parent), dataset="imdb.get_word_index", download=download)
    ) as f:
        return json.load(f)
