"""``StringLookup``: strings to integer indices through a vocabulary (Keras's layer)."""

from __future__ import annotations

from typing import Any

from deepnum.layers.preprocessing.index_lookup import IndexLookup


class StringLookup(IndexLookup):
    """Map strings to integer indices (or encodings of them) through a vocabulary.

    The vocabulary is given (``vocabulary=``: a list or a text file, one token per line) or
    learned with ``adapt()``: tokens by count, ties broken by the token, both descending.
    Strings stay host NumPy arrays; the output is an int64 (``int``) or float Tensor.

    Args:
        max_tokens: the most vocabulary entries, mask and OOV indices included (None: no cap).
        num_oov_indices: indices for out-of-vocabulary tokens (hashed among them with FarmHash,
            as Keras); 0 makes an OOV token an error.
        mask_token: a token mapped to index 0 (``int`` mode) or dropped (other modes).
        oov_token: the token ``get_vocabulary`` and ``invert=True`` give for OOV indices.
        vocabulary: a list/array of tokens or the path of a vocabulary file.
        idf_weights: IDF weights for ``output_mode="tf_idf"`` with a given vocabulary.
        invert: map indices back to tokens.
        output_mode: ``"int"``, ``"one_hot"``, ``"multi_hot"``, ``"count"`` or ``"tf_idf"``:
            for ``(batch, n)`` input, ``int`` gives ``(batch, n)`` indices; ``multi_hot``,
            ``count`` and ``tf_idf`` give ``(batch, vocabulary_size)`` with
            tf_idf = count(t) · idf(t); ``one_hot`` encodes each element.
        pad_to_max_tokens: pad encodings to ``max_tokens`` instead of the vocabulary size.
        sparse: must be False (deepnum tensors are dense).
        encoding: the text encoding of byte strings.
        salt: a salt (an int or two) for the OOV hash: SipHash-2-4 instead of FarmHash.

    Example:
        >>> import numpy as np
        >>> layer = StringLookup()
        >>> layer.adapt(np.array(["a", "b", "a", "c", "a", "b"]))
        >>> layer.get_vocabulary()
        ['[UNK]', 'a', 'b', 'c']
        >>> layer(np.array([["a", "z"], ["c", "b"]])).numpy().tolist()
        [[1, 0], [3, 2]]
    """

    _string_vocabulary = True

    def __init__(
        self,
        max_tokens: int | None = None,
        num_oov_indices: int = 1,
        mask_token: str | None = None,
        oov_token: str = "[UNK]",
        vocabulary: Any = None,
        idf_weights: Any = None,
        invert: bool = False,
        output_mode: str = "int",
        pad_to_max_tokens: bool = False,
        sparse: bool = False,
        encoding: str = "utf-8",
        name: str | None = None,
        salt: Any = None,
        **kwargs: Any,
    ) -> None:
        self.encoding = encoding
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=mask_token,
            oov_token=oov_token,
            vocabulary_dtype="string",
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            sparse=sparse,
            pad_to_max_tokens=pad_to_max_tokens,
            name=name,
            salt=salt,
            **kwargs,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        del config["vocabulary_dtype"]
        config["encoding"] = self.encoding
        return config
