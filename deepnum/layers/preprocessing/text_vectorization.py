"""``TextVectorization``: raw text to token indices or bag-of-words encodings (Keras's layer).

Text is processed on the host, a batch at a time, as UTF-8 bytes: the batch is joined into one
byte string, lower-cased (ASCII letters only, as TensorFlow's ``strings.lower``) and stripped
of ASCII punctuation (Keras's regex ``[!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~']``, a set of single
bytes that UTF-8 never uses inside a multi-byte character) by two C-level passes, then split
on ASCII whitespace (``bytes.split``: space, \\t, \\n, \\v, \\f, \\r, as TensorFlow's
``strings.split``). Counting uses one ``Counter`` over all tokens; lookups a dict.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Callable
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import default_device, to_device
from deepnum.layers.layer import Layer
from deepnum.layers.preprocessing import _encoding as enc
from deepnum.layers.preprocessing._vocabulary import is_stream, listify
from deepnum.layers.preprocessing.index_lookup import LOOKUP_MODES
from deepnum.layers.preprocessing.string_lookup import StringLookup

PUNCTUATION = string.punctuation.encode()  # the 32 ASCII characters of Keras's regex
_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
_SEP = "\x00"
_SENTINEL = _SEP.encode()  # the token between texts in a joined batch
SENTINEL_ID = -3


class TextVectorization(Layer):
    """Turn a batch of strings into token indices or bag-of-words encodings.

    Pipeline: standardize → split → n-grams → vocabulary lookup → output encoding. The
    vocabulary is given (``vocabulary=``) or learned with ``adapt()`` (tokens by count, ties
    broken by the token, both descending). Index 0 is padding (the mask token ``""``), index 1
    the OOV token ``"[UNK]"``.

    Args:
        max_tokens: the vocabulary's maximum size, padding and OOV included.
        standardize: ``"lower_and_strip_punctuation"`` (default), ``"lower"``,
            ``"strip_punctuation"``, None, or a callable taking and returning a NumPy array of
            strings.
        split: ``"whitespace"`` (default), ``"character"``, None, or a callable taking a NumPy
            array of strings and returning one sequence of tokens per string.
        ngrams: None, an int n (all 1..n-grams) or a tuple of widths; tokens joined by spaces.
        output_mode: ``"int"`` (``(batch, length)`` int64 indices, padded with 0),
            ``"multi_hot"``, ``"count"`` (int64, ``(batch, vocabulary_size)``) or
            ``"tf_idf"`` (float: count(t) · idf(t), idf(t) = log(1 + N / (1 + df(t))) over the
            N documents of ``adapt``, df(t) of them holding t).
        output_sequence_length: ``int`` mode: pad or cut every sequence to this length.
        pad_to_max_tokens: encodings have ``max_tokens`` columns.
        vocabulary: a list of tokens or a vocabulary file's path.
        idf_weights: IDF weights that go with ``vocabulary`` in ``tf_idf`` mode.
        sparse, ragged: must be False (deepnum has dense tensors only).
        encoding: the text encoding of byte strings.

    Example:
        >>> import numpy as np
        >>> layer = TextVectorization(output_sequence_length=4)
        >>> layer.adapt(["The cat sat.", "The dog sat!", "A cat"])
        >>> layer.get_vocabulary()
        ['', '[UNK]', 'the', 'sat', 'cat', 'dog', 'a']
        >>> layer(np.array(["the cat ran"])).numpy().tolist()
        [[2, 4, 1, 0]]
    """

    def __init__(
        self,
        max_tokens: int | None = None,
        standardize: str | Callable | None = "lower_and_strip_punctuation",
        split: str | Callable | None = "whitespace",
        ngrams: int | tuple | None = None,
        output_mode: str = "int",
        output_sequence_length: int | None = None,
        pad_to_max_tokens: bool = False,
        vocabulary: Any = None,
        idf_weights: Any = None,
        sparse: bool = False,
        ragged: bool = False,
        encoding: str = "utf-8",
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        _check_callable_or(standardize, _STANDARDIZE, "standardize")
        _check_callable_or(split, _SPLIT, "split")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        enc.check_output_mode("TextVectorization", output_mode, LOOKUP_MODES)
        _check_ngrams_and_length(ngrams, output_mode, output_sequence_length)
        if output_mode == "one_hot" and split is not None:
            raise ValueError(
                "TextVectorization: output_mode='one_hot' encodes one token per sample and needs "
                "split=None; for a bag of words use output_mode='multi_hot' or 'count'."
            )
        enc.refuse_sparse("TextVectorization", sparse)
        if ragged:
            raise ValueError(
                "TextVectorization: ragged=True is not supported (deepnum has no ragged tensors, "
                "like Keras's torch backend); sequences are padded with 0 instead."
            )
        has_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._max_tokens, self._standardize_arg, self._split = max_tokens, standardize, split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._ragged, self._encoding = ragged, encoding
        self._output_mode, self._output_sequence_length = output_mode, output_sequence_length
        self._has_input_vocabulary = has_vocabulary
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens,
            mask_token="",
            output_mode=output_mode,
            sparse=sparse,
            has_input_vocabulary=has_vocabulary,
            encoding=encoding,
            vocabulary_size=vocabulary_size,
        )
        self._lookup_layer._key_encoding = encoding

    def build(self, input_shape: Any = None) -> None:
        """Nothing to create; the first call records its input shape (the ``build_config``
        that Keras writes into ``.keras`` files)."""

    # ---------------------------------------------------------------- vocabulary
    def adapt(self, data: Any, batch_size: int | None = None, steps: int | None = None) -> None:
        """Learn the vocabulary (and IDF weights) from text, one batch at a time.

        Args:
            data: a list or array of strings, a ``deepnum.data.Dataset`` (batched or not), a
                ``PyDataset`` or an iterable (e.g. a generator) of batches of strings.
            batch_size: accepted for Keras's signature; batches are the data's own.
            steps: the most batches to read from an iterable.
        """
        self.reset_state()
        single = not is_stream(data)
        for batch in enc.adapt_batches("TextVectorization", data, steps):
            if single and batch.ndim == 1 and self._split is None:
                batch = batch[:, None]
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data: Any) -> None:
        """Add one batch of texts to the running token (and document) counts."""
        lookup = self._lookup_layer
        if lookup._has_input_vocabulary:
            raise ValueError(
                f"TextVectorization: cannot adapt layer {self.name!r} after setting a static "
                "vocabulary with `vocabulary` or set_vocabulary()."
            )
        array = enc.host(data)
        if self._output_mode != "tf_idf":
            stream = self._whitespace_stream(array)
            if stream is not None:  # counts need no document boundaries
                lookup._st.counts.update(stream)
                lookup._st.counts.pop(_SENTINEL, None)
                return
        flat, lengths, shape = self._tokenize(array)
        if lengths is None:
            rows = shape[0] if len(shape) > 1 else 1
            lengths = np.full(rows, len(flat) // max(rows, 1), dtype=np.int64)
        ends = np.cumsum(lengths).tolist()
        lookup.count_documents([flat[e - n : e] for e, n in zip(ends, lengths.tolist())])

    def finalize_state(self) -> None:
        self._lookup_layer.finalize_state()

    def reset_state(self) -> None:
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary in index order (``""`` and ``"[UNK]"`` first unless excluded)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        """The vocabulary's size, padding and OOV tokens included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Set the vocabulary (a list or a file's path) and, for ``tf_idf``, its IDF weights."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # ---------------------------------------------------------------- text → tokens
    def _texts(self, array: np.ndarray) -> tuple[list[str], tuple]:
        """The batch's strings and its shape (a last axis of size 1 is dropped to split)."""
        if array.ndim == 0:
            array = array.reshape(1)
        if self._split is not None and array.ndim > 1:
            if array.shape[-1] != 1:
                raise ValueError(
                    "TextVectorization: to split strings the input must be 1-D or have a last "
                    f"axis of size 1, received shape {array.shape}; pass one string per sample."
                )
            array = array.reshape(array.shape[:-1])
        texts = enc.to_strings(array, self._encoding)
        if callable(self._standardize_arg):
            result = self._standardize_arg(np.array(texts, dtype=str))
            texts = enc.to_strings(enc.host(result), self._encoding)
        return texts, array.shape

    def _clean_flags(self) -> tuple[bool, bool]:
        lower = self._standardize_arg in ("lower", "lower_and_strip_punctuation")
        strip = self._standardize_arg in ("strip_punctuation", "lower_and_strip_punctuation")
        return lower, strip

    def _standardized(self, texts: list[str]) -> list[bytes]:
        """Each text standardized, as UTF-8 bytes (one pass over the joined batch)."""
        lower, strip = self._clean_flags()
        joined = _SEP.join(texts)
        if joined.count(_SEP) != len(texts) - 1:  # a text holds the separator: one at a time
            return [_clean(t.encode("utf-8"), lower, strip) for t in texts]
        return _clean(joined.encode("utf-8"), lower, strip).split(_SEP.encode())

    def _whitespace_stream(self, array: np.ndarray) -> list[bytes] | None:
        """All tokens of a batch from one split of the joined, standardized batch, texts
        separated by a sentinel token; None unless the split is on whitespace without n-grams
        (or when a text holds the sentinel's character)."""
        if self._split != "whitespace" or self._ngrams is not None:
            return None
        texts, _ = self._texts(array)
        joined = f" {_SEP} ".join(texts)
        if joined.count(_SEP) != len(texts) - 1:
            return None
        return _clean(joined.encode("utf-8"), *self._clean_flags()).split()

    def _split_texts(self, texts: list[bytes]) -> list[list[bytes]]:
        if self._split == "whitespace":
            return [t.split() for t in texts]
        if self._split == "character":
            return [[c.encode("utf-8") for c in t.decode("utf-8")] for t in texts]
        pieces = self._split(np.array([t.decode("utf-8") for t in texts], dtype=str))
        return [[_as_bytes(tok) for tok in enc.host(p).reshape(-1).tolist()] for p in pieces]

    def _tokenize(self, array: np.ndarray) -> tuple[list, np.ndarray | None, tuple]:
        """(all tokens of the batch as bytes, the number of tokens of each sample — None
        with ``split=None`` and no n-grams: one token per element — and the batch's shape)."""
        texts, shape = self._texts(array)
        flat = self._standardized(texts)
        if self._split is not None:
            docs = self._split_texts(flat)
        elif self._ngrams is not None:
            docs = np.array(flat, dtype=object).reshape(shape[0], -1).tolist()
        else:
            return flat, None, shape
        if self._ngrams is not None:
            docs = [_ngrams(d, self._ngrams) for d in docs]
        lengths = np.fromiter(map(len, docs), np.int64, len(docs))
        return list(itertools.chain.from_iterable(docs)), lengths, shape

    def _ids(self, array: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, tuple]:
        """The vocabulary indices of a batch's tokens, with :meth:`_tokenize`'s lengths."""
        lookup = self._lookup_layer
        stream = self._whitespace_stream(array)
        if stream is None:
            flat, lengths, shape = self._tokenize(array)
            return lookup.lookup_bytes(flat), lengths, shape
        ids = lookup.lookup_bytes(stream, sentinel=_SENTINEL)
        marks = np.flatnonzero(ids == SENTINEL_ID)
        bounds = np.concatenate([[-1], marks, [ids.size]])
        shape = array.shape[:1] if array.ndim else (1,)
        return ids[ids != SENTINEL_ID], np.diff(bounds) - 1, shape

    # ---------------------------------------------------------------- call
    def call(self, inputs: Any) -> Any:
        lookup = self._lookup_layer
        lookup._ensure_known_vocab_size()
        array = enc.host(inputs)
        ids, lengths, shape = self._ids(array)
        if lengths is None:
            ids = ids.reshape(shape)
            if self._output_mode == "int" and self._output_sequence_length is not None:
                ids = _fit_length(ids, self._output_sequence_length)
            return lookup.encode_ids(ids)
        longest = int(lengths.max(initial=0))
        if self._output_mode == "int":
            width = (
                longest if self._output_sequence_length is None else self._output_sequence_length
            )
            padded = _pad_ragged(ids, lengths, width, 0)
            return Tensor._make(
                to_device(padded[0] if array.ndim == 0 else padded, default_device())
            )
        return lookup.encode_ids(_pad_ragged(ids, lengths, longest, -1))

    def _standardize(self, inputs: Any) -> Any:
        return inputs  # strings stay host arrays; call() converts

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape)
        if self._output_mode == "int":
            if self._split is None and self._ngrams is None:
                if self._output_sequence_length is None:
                    return shape
                return shape[:-1] + (self._output_sequence_length,)
            return (shape[0], self._output_sequence_length)
        depth = self._lookup_layer._depth()
        if self._split is None and self._output_mode == "one_hot":
            return self._lookup_layer.compute_output_shape(shape)
        return (shape[0], depth)

    @property
    def output_dtype(self) -> str:
        return self._lookup_layer.output_dtype

    # ---------------------------------------------------------------- config and state
    def get_config(self) -> dict:
        lookup = self._lookup_layer
        config = super().get_config()
        config.update(
            {
                "max_tokens": lookup.max_tokens,
                "standardize": _serialize_callable(self._standardize_arg),
                "split": _serialize_callable(self._split),
                "ngrams": listify(self._ngrams_arg),
                "output_mode": self._output_mode,
                "output_sequence_length": self._output_sequence_length,
                "pad_to_max_tokens": lookup.pad_to_max_tokens,
                "sparse": lookup.sparse,
                "ragged": self._ragged,
                "vocabulary": listify(lookup.input_vocabulary),
                "idf_weights": listify(lookup.input_idf_weights),
                "encoding": self._encoding,
                "vocabulary_size": self.vocabulary_size(),
            }
        )
        return config

    @classmethod
    def from_config(cls, config: dict) -> TextVectorization:
        config = dict(config)
        for key in ("standardize", "split"):
            if isinstance(config.get(key), dict):
                from deepnum.saving.serialization import deserialize_keras_object

                config[key] = deserialize_keras_object(config[key])
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)

    def state_size_bound(self) -> int:
        return self._lookup_layer.state_size_bound()

    def save_own_variables(self, store: dict) -> None:
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store: dict) -> None:
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path: str) -> None:
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path: str) -> None:
        self._lookup_layer.load_assets(dir_path)


# ------------------------------------------------------------------------ helpers
def _clean(data: bytes, lower: bool, strip: bool) -> bytes:
    if lower:
        data = data.lower()  # bytes.lower changes ASCII letters only
    if strip:
        data = data.translate(None, PUNCTUATION)
    return data


def _as_bytes(token: Any) -> bytes:
    return token if isinstance(token, bytes) else str(token).encode("utf-8")


def _ngrams(tokens: list, widths: tuple) -> list:
    """``tf.strings.ngrams(tokens, widths, separator=" ")``: all n-grams of each width, in
    width order; a width longer than the sequence gives none."""
    out: list = []
    for w in widths:
        if w == 1:
            out.extend(tokens)
        else:
            out.extend(b" ".join(tokens[i : i + w]) for i in range(len(tokens) - w + 1))
    return out


def _pad_ragged(ids: np.ndarray, lengths: np.ndarray, width: int, fill: int) -> np.ndarray:
    """Rows of ``ids`` (row i has ``lengths[i]`` entries) in a ``(rows, width)`` array, cut or
    padded with ``fill``."""
    out = np.full((lengths.size, width), fill, dtype=np.int64)
    if ids.size == 0 or width == 0:
        return out
    rows = np.repeat(np.arange(lengths.size), lengths)
    starts = np.cumsum(lengths) - lengths
    cols = np.arange(ids.size) - np.repeat(starts, lengths)
    keep = cols < width
    out[rows[keep], cols[keep]] = ids[keep]
    return out


def _fit_length(ids: np.ndarray, length: int) -> np.ndarray:
    ids = ids[..., :length]
    pad = length - ids.shape[-1]
    if pad > 0:
        ids = np.pad(ids, [(0, 0)] * (ids.ndim - 1) + [(0, pad)])
    return ids


def _check_callable_or(value: Any, allowed: tuple, argument: str) -> None:
    if value is None or callable(value) or value in allowed:
        return
    raise ValueError(
        f"TextVectorization: unknown {argument}={value!r}; expected one of "
        f"{', '.join(repr(a) for a in allowed)}, None or a callable."
    )


def _check_ngrams_and_length(ngrams: Any, output_mode: str, length: Any) -> None:
    ok = ngrams is None or (isinstance(ngrams, int) and not isinstance(ngrams, bool))
    ok = ok or (isinstance(ngrams, tuple) and all(isinstance(n, int) for n in ngrams))
    if not ok:
        raise ValueError(
            f"TextVectorization: ngrams must be None, an integer or a tuple of integers, "
            f"received ngrams={ngrams!r}."
        )
    if output_mode == "int" and not (length is None or isinstance(length, int)):
        raise ValueError(
            "TextVectorization: output_sequence_length must be None or an integer when "
            f"output_mode='int', received output_sequence_length={length!r}."
        )
    if output_mode != "int" and length is not None:
        raise ValueError(
            "TextVectorization: output_sequence_length must not be set if output_mode is not "
            f"'int', received output_sequence_length={length!r}."
        )


def _serialize_callable(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    from deepnum.saving.serialization import serialize_keras_object

    return serialize_keras_object(value)
