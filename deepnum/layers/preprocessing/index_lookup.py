"""``IndexLookup``: the vocabulary table behind ``StringLookup``, ``IntegerLookup`` and
``TextVectorization`` (Keras's base class of the same name, not exported).

The vocabulary is a Python list of tokens; lookups go through a dict (strings) or a sorted
array and ``searchsorted`` (integers), on the host. ``adapt`` keeps running counts of the
tokens (and, for ``tf_idf``, of the documents holding them), so data may arrive in batches
larger than memory allows at once; ``finalize_state`` orders the vocabulary as Keras does: by
count, ties broken by the token, both descending.

Index layout (``int`` output): ``[mask] [OOV × num_oov_indices] tokens...``, the mask slot
only when ``mask_token`` is set. Other output modes have no mask slot.
"""

from __future__ import annotations

import collections
import os
from itertools import repeat
from operator import itemgetter
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import default_device, floatx, to_device
from deepnum.layers.layer import Layer
from deepnum.layers.preprocessing import _encoding as enc
from deepnum.layers.preprocessing._hash import hash_buckets
from deepnum.layers.preprocessing._vocabulary import (
    VocabularyState,
    check_lookup_arguments,
    check_salt,
    inverse_document_frequency,
    is_stream,
    listify,
    padded_idf,
)

LOOKUP_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_OOV = -2  # internal marker of out-of-vocabulary positions before OOV hashing


class IndexLookup(Layer):
    """Maps tokens to integer indices through a vocabulary (base of the lookup layers).

    Args: see :class:`StringLookup` and :class:`IntegerLookup`.
    """

    _string_vocabulary = True

    def __init__(
        self,
        max_tokens: int | None,
        num_oov_indices: int,
        mask_token: Any,
        oov_token: Any,
        vocabulary_dtype: str,
        vocabulary: Any = None,
        idf_weights: Any = None,
        invert: bool = False,
        output_mode: str = "int",
        sparse: bool = False,
        pad_to_max_tokens: bool = False,
        oov_method: str = "floormod",
        name: str | None = None,
        salt: Any = None,
        **kwargs: Any,
    ) -> None:
        label = type(self).__name__
        check_lookup_arguments(label, max_tokens, pad_to_max_tokens, num_oov_indices, oov_method)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        enc.check_output_mode(label, output_mode, LOOKUP_MODES)
        if invert and output_mode != "int":
            raise ValueError(
                f"{label}: output_mode must be 'int' when invert=True, received "
                f"output_mode={output_mode!r}."
            )
        enc.refuse_sparse(label, sparse)
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(
                f"{label}: idf_weights should only be set if output_mode is 'tf_idf', received "
                f"output_mode={output_mode!r}."
            )
        self.salt = check_salt(label, salt, self._string_vocabulary, oov_method)
        self._frozen_vocab_size = kwargs.pop("vocabulary_size", None)
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        self.invert, self.max_tokens = bool(invert), max_tokens
        self.num_oov_indices, self.mask_token, self.oov_token = (
            num_oov_indices,
            mask_token,
            oov_token,
        )
        self.output_mode, self.sparse = output_mode, sparse
        self.pad_to_max_tokens, self.oov_method = pad_to_max_tokens, oov_method
        self.vocabulary_dtype = vocabulary_dtype
        self.input_vocabulary = (
            vocabulary if not isinstance(vocabulary, (str, os.PathLike)) else None
        )
        self.input_idf_weights = idf_weights
        self._st = VocabularyState()
        self._key_encoding: str | None = None  # TextVectorization counts and looks up bytes
        self.idf_weights: np.ndarray | None = None
        self.reset_state()
        if output_mode == "tf_idf" and self._has_input_vocabulary and idf_weights is None:
            raise ValueError(
                f"{label}: with output_mode='tf_idf' and a `vocabulary`, the `idf_weights` "
                "argument must also be given."
            )
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.built = True

    # ---------------------------------------------------------------- indices
    def _oov_start_index(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self) -> int:
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self) -> int:
        """The size of the vocabulary, mask and OOV indices included."""
        return len(self._st.tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary in index order: a token's index is its position in the list.

        Args:
            include_special_tokens: include the mask and OOV tokens at the front.
        """
        vocab = [self.oov_token] * self._token_start_index() + list(self._st.tokens)
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        if not include_special_tokens:
            vocab = vocab[self._token_start_index() :]
        return vocab

    # ---------------------------------------------------------------- vocabulary
    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Set the vocabulary (and, for ``tf_idf``, the IDF weights) directly.

        Args:
            vocabulary: a list/tuple/1-D array of tokens, or the path of a text file with one
                token per line. It may start with the mask and OOV tokens, in index order.
            idf_weights: one weight per vocabulary entry (``tf_idf`` only).
        """
        label = type(self).__name__
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f"{label}: idf_weights must be set if output_mode is 'tf_idf'.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(
                f"{label}: idf_weights should only be set if output_mode is 'tf_idf', received "
                f"output_mode={self.output_mode!r}."
            )
        if isinstance(vocabulary, (str, os.PathLike)):
            self._set_vocabulary_file(os.fspath(vocabulary))
            return
        values = enc.host(vocabulary).reshape(-1)
        tokens = self._as_tokens(values)
        if not tokens:
            raise ValueError(f"{label}: cannot set an empty vocabulary (vocabulary=[]).")
        start = self._token_start_index()
        special = [self.mask_token] * self._oov_start_index() + [self.oov_token] * (
            self.num_oov_indices
        )
        found_special = len(tokens) >= start and tokens[:start] == special
        if found_special:
            tokens = tokens[start:]
        self._check_tokens(tokens, special)
        self._install(tokens)
        if self.output_mode == "tf_idf":
            self._set_idf(idf_weights, len(values), found_special)

    def _set_vocabulary_file(self, path: str) -> None:
        label = type(self).__name__
        if not os.path.exists(path):
            raise ValueError(f"{label}: vocabulary file {path!r} does not exist.")
        if self.output_mode == "tf_idf":
            raise ValueError(f"{label}: output_mode='tf_idf' cannot load a vocabulary file.")
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        tokens = self._as_tokens(np.array(lines, dtype=object))
        self._check_tokens(tokens, [])
        self._install(tokens)

    def _as_tokens(self, values: np.ndarray) -> list:
        if self._string_vocabulary:
            return enc.to_strings(values, getattr(self, "encoding", "utf-8"))
        return [int(v) for v in values.tolist()]

    def _check_tokens(self, tokens: list, special: list) -> None:
        label = type(self).__name__
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(
                f"{label}: the vocabulary has repeated terms {repeated[:10]}; a vocabulary must "
                "hold each token once (deduplicate it, e.g. list(dict.fromkeys(vocabulary)))."
            )
        reserved = [("mask_token", self.mask_token)]
        if self.invert:
            reserved.append(("oov_token", self.oov_token))
        for argument, token in reserved:
            if token is not None and token in tokens:
                raise ValueError(
                    f"{label}: the vocabulary holds the reserved {argument}={token!r} at index "
                    f"{tokens.index(token)}; remove it, or put the special tokens only at the "
                    f"start, in this order: {special}."
                )
        size = self._token_start_index() + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(
                f"{label}: the vocabulary has {size} entries with the special tokens, more than "
                f"max_tokens={self.max_tokens}."
            )

    def _install(self, tokens: list) -> None:
        self._st.tokens = list(tokens)
        self._st.table, self._st.bytes_table, self._st.sorted = None, None, None
        self._record_vocabulary_size()

    def _record_vocabulary_size(self) -> None:
        new = self.vocabulary_size()
        fixed = self.output_mode == "int" or self.pad_to_max_tokens
        if not fixed and self._frozen_vocab_size is not None and new != self._frozen_vocab_size:
            raise RuntimeError(
                f"{type(self).__name__}: with output_mode={self.output_mode!r} and "
                "pad_to_max_tokens=False the vocabulary size cannot change once set: it was "
                f"{self._frozen_vocab_size}, the new one is {new}. Create a new layer, or set "
                "pad_to_max_tokens=True with max_tokens."
            )
        self._frozen_vocab_size = new

    def _set_idf(self, idf_weights: Any, vocab_length: int, found_special: bool) -> None:
        weights = enc.host(idf_weights).astype(np.float64).reshape(-1)
        if len(weights) != vocab_length:
            raise ValueError(
                f"{type(self).__name__}: idf_weights must have the length of the vocabulary: "
                f"len(idf_weights)={len(weights)}, len(vocabulary)={vocab_length}."
            )
        front = 0 if found_special else self._token_start_index()
        self.idf_weights = padded_idf(weights, front, self._idf_length())

    def _idf_length(self) -> int | None:
        """The IDF weights' length with ``pad_to_max_tokens`` (None: no padding)."""
        return self.max_tokens if self.pad_to_max_tokens and self.max_tokens else None

    # ---------------------------------------------------------------- adapt
    def reset_state(self) -> None:
        """Forget the counts of an ``adapt`` in progress."""
        self._st.counts = collections.Counter()
        self._st.doc_counts = collections.Counter()
        self._st.num_documents = 0

    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Learn the vocabulary (and, for ``tf_idf``, the IDF weights) from ``data``.

        Tokens are ordered by count, ties broken by the token, both descending; ``max_tokens``
        keeps the most frequent. A 2-D array is a batch of documents (one per row); a 1-D
        array is a column of one-token documents; an iterable yields such batches.

        Args:
            data: an array or list, a ``deepnum.data.Dataset``, a ``PyDataset`` or an iterable
                of batches (read one batch at a time).
            steps: the most batches to read from an iterable.
        """
        self.reset_state()
        single = not is_stream(data)
        for batch in enc.adapt_batches(type(self).__name__, data, steps):
            if single and batch.ndim == 1:
                batch = batch[:, None]
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data: Any) -> None:
        """Add one batch of documents to the running counts (rank ≤ 1: one document)."""
        if self._has_input_vocabulary:
            raise ValueError(
                f"{type(self).__name__}: cannot adapt layer {self.name!r} after setting a "
                "static vocabulary with `vocabulary` or set_vocabulary()."
            )
        array = enc.host(data)
        if array.ndim <= 1:
            array = array.reshape(1, -1)
        rows = [self._as_tokens(row) for row in array.reshape(array.shape[0], -1)]
        self.count_documents(rows)

    def count_documents(self, documents: list) -> None:
        """Add documents (lists of hashable tokens) to the running counts."""
        for doc in documents:
            self._st.counts.update(doc)
        if self.output_mode == "tf_idf":
            for doc in documents:
                self._st.doc_counts.update(set(doc))
            self._st.num_documents += len(documents)

    def finalize_state(self) -> None:
        """Turn the running counts into the vocabulary (Keras's order) and IDF weights."""
        if self._has_input_vocabulary or not self._st.counts:
            self._record_vocabulary_size()
            return
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                self._st.counts.pop(self._count_key(special), None)
        ranked = sorted(self._st.counts.items(), key=itemgetter(1, 0), reverse=True)
        if self.max_tokens:
            ranked = ranked[: self.max_tokens - self._token_start_index()]
        keys = [k for k, _ in ranked]
        if self.output_mode == "tf_idf":
            self._finalize_idf(keys)
        self._install([self._from_count_key(k) for k in keys])
        self.reset_state()

    def _count_key(self, token: Any) -> Any:
        """The form a token takes in the counts (TextVectorization counts encoded bytes)."""
        return token.encode(self._key_encoding) if self._key_encoding else token

    def _from_count_key(self, key: Any) -> Any:
        return key.decode(self._key_encoding) if self._key_encoding else key

    def _finalize_idf(self, keys: list) -> None:
        df = np.array([self._st.doc_counts[k] for k in keys], dtype=np.float64)
        idf = inverse_document_frequency(df, self._st.num_documents)
        self.idf_weights = padded_idf(idf, self._token_start_index(), self._idf_length())

    # ---------------------------------------------------------------- lookup
    def _lookup_table(self) -> dict:
        if self._st.table is None:
            start = self._token_start_index()
            self._st.table = {t: i + start for i, t in enumerate(self._st.tokens)}
        return self._st.table

    def _with_mask(self, table: dict, mask: Any) -> dict:
        if self.mask_token is None:
            return table
        return {**table, mask: 0 if self.output_mode == "int" else -1}

    def lookup_flat(self, tokens: list | np.ndarray) -> np.ndarray:
        """Indices (int64) of a flat sequence of tokens, with the mask and OOV rules applied."""
        if self._string_vocabulary:
            table = self._with_mask(self._lookup_table(), self.mask_token)
            ids = np.fromiter(map(table.get, tokens, repeat(_OOV)), np.int64, len(tokens))
        else:
            ids = self._lookup_integers(np.asarray(tokens, dtype=np.int64))
        return self._resolve_oov(ids, tokens)

    def lookup_bytes(self, tokens: list, sentinel: bytes | None = None) -> np.ndarray:
        """:meth:`lookup_flat` for tokens given as bytes in ``encoding`` (TextVectorization);
        a ``sentinel`` token (between texts) gets index -3."""
        encoding = self._key_encoding or "utf-8"
        if self._st.bytes_table is None:
            table = {t.encode(encoding): i for t, i in self._lookup_table().items()}
            mask = None if self.mask_token is None else self.mask_token.encode(encoding)
            self._st.bytes_table = self._with_mask(table, mask)
        table = self._st.bytes_table if sentinel is None else {**self._st.bytes_table, sentinel: -3}
        ids = np.fromiter(map(table.get, tokens, repeat(_OOV)), np.int64, len(tokens))
        return self._resolve_oov(ids, tokens)

    def _lookup_integers(self, values: np.ndarray) -> np.ndarray:
        if self._st.sorted is None:
            keys = np.array(self._st.tokens, dtype=np.int64)
            order = np.argsort(keys, kind="stable")
            self._st.sorted = (keys[order], order.astype(np.int64) + self._token_start_index())
        keys, index = self._st.sorted
        ids = np.full(values.shape, _OOV, dtype=np.int64)
        if keys.size:
            pos = np.minimum(np.searchsorted(keys, values), keys.size - 1)
            found = keys[pos] == values
            ids[found] = index[pos[found]]
        if self.mask_token is not None:
            ids[values == self.mask_token] = 0 if self.output_mode == "int" else -1
        return ids

    def _resolve_oov(self, ids: np.ndarray, tokens: Any) -> np.ndarray:
        oov = ids == _OOV
        if not oov.any():
            return ids
        if self.num_oov_indices == 0:
            values = np.asarray(tokens, dtype=object)[oov][:10].tolist()
            raise ValueError(
                f"{type(self).__name__}: when num_oov_indices=0 all inputs should be in the "
                f"vocabulary; found out-of-vocabulary values {values}; consider setting "
                "num_oov_indices=1."
            )
        start = self._oov_start_index()
        if self.num_oov_indices == 1:
            ids[oov] = start
            return ids
        values = np.asarray(tokens, dtype=None if not self._string_vocabulary else object)[oov]
        if not self._string_vocabulary and self.oov_method != "farmhash":
            ids[oov] = np.mod(values, self.num_oov_indices) + start
        else:
            salt = self.salt if self.salt is not None else None
            ids[oov] = hash_buckets(values, self.num_oov_indices, salt) + start
        return ids

    def _invert(self, ids: np.ndarray) -> np.ndarray:
        vocab = self.get_vocabulary()
        table = np.empty(len(vocab) + 1, dtype=object)
        table[:-1] = vocab
        table[-1] = self.oov_token
        flat = ids.reshape(-1).astype(np.int64)
        flat = np.where((flat < 0) | (flat >= len(vocab)), len(vocab), flat)
        special = (flat >= self._oov_start_index()) & (flat < self._token_start_index())
        flat = np.where(special, len(vocab), flat)
        out = table[flat].reshape(ids.shape)
        if self._string_vocabulary:
            return out.astype(str)
        return out.astype(np.int64)

    def _ensure_known_vocab_size(self) -> None:
        if self.output_mode == "int" or self.pad_to_max_tokens:
            return
        if self._frozen_vocab_size is None:
            raise RuntimeError(
                f"{type(self).__name__}: with output_mode={self.output_mode!r} and "
                "pad_to_max_tokens=False the vocabulary must be set before calling the layer: "
                "pass `vocabulary=` or call adapt() on sample data."
            )

    def _depth(self) -> int | None:
        return self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size

    def encode_ids(self, ids: np.ndarray, count_weights: Any = None) -> Tensor:
        """The layer's output for looked-up indices, as a Tensor on the default device."""
        if self.output_mode == "int":
            return Tensor._make(to_device(ids, default_device()))
        if self.output_mode != "tf_idf":  # Keras's lookups count in int64
            out = enc.encode_categorical(ids, self.output_mode, self._depth(), np.int64)
            return Tensor._make(to_device(out, default_device()))
        out = enc.encode_categorical(ids, "count", self._depth(), floatx()) * self.idf_weights
        return Tensor._make(to_device(out.astype(floatx()), default_device()))

    def call(self, inputs: Any) -> Any:
        self._ensure_known_vocab_size()
        array = enc.host(inputs)
        if self.invert:
            return self._invert(array)
        shape = array.shape
        flat = array.reshape(-1)
        tokens = self._as_tokens(flat) if self._string_vocabulary else flat
        ids = self.lookup_flat(tokens).reshape(shape)
        return self.encode_ids(ids)

    def _standardize(self, inputs: Any) -> Any:
        return inputs  # strings stay host arrays; call() converts

    def compute_output_shape(self, input_shape: Any) -> tuple:
        if self.output_mode == "int":
            return tuple(input_shape)
        shape = tuple(input_shape)
        depth = self._depth()
        if self.output_mode == "one_hot":
            if len(shape) > 1 and shape[-1] == 1:
                return shape[:-1] + (depth,)
            return shape + (depth,)
        return shape[:-1] + (depth,)

    @property
    def output_dtype(self) -> str:
        if self.invert:
            return "string" if self._string_vocabulary else "int64"
        return floatx() if self.output_mode == "tf_idf" else "int64"

    # ---------------------------------------------------------------- config and state
    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "invert": self.invert,
                "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices,
                "oov_token": self.oov_token,
                "mask_token": self.mask_token,
                "output_mode": self.output_mode,
                "sparse": self.sparse,
                "pad_to_max_tokens": self.pad_to_max_tokens,
                "vocabulary_dtype": self.vocabulary_dtype,
                "idf_weights": listify(self.input_idf_weights),
                "vocabulary": listify(self.input_vocabulary),
                "vocabulary_size": self._frozen_vocab_size,
                "oov_method": self.oov_method,
                "salt": self.salt,
            }
        )
        return config

    def save_own_variables(self, store: dict) -> None:
        """Keras's layout: the IDF weights (``tf_idf``) under the key ``idf_weights``."""
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            store["idf_weights"] = np.asarray(self.idf_weights, dtype=floatx())

    def load_own_variables(self, store: dict) -> None:
        if self.output_mode == "tf_idf" and "idf_weights" in store:
            self.idf_weights = np.asarray(store["idf_weights"], dtype=floatx())

    def state_size_bound(self) -> int:
        """The most numbers ``save_own_variables`` writes (bounds a weights file on load)."""
        if self.output_mode != "tf_idf":
            return 0
        return max(self._frozen_vocab_size or 0, self.max_tokens or 0)

    def save_assets(self, dir_path: str) -> None:
        """Write ``vocabulary.txt`` (one entry per line, special tokens first), as Keras does,
        unless the vocabulary is in the config."""
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(w) for w in self.get_vocabulary(include_special_tokens=True)))

    def load_assets(self, dir_path: str) -> None:
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        values = lines if self._string_vocabulary else [int(v) for v in lines]
        idf = self.idf_weights if self.output_mode == "tf_idf" else None
        self.set_vocabulary(np.array(values, dtype=object), idf_weights=idf)
