"""``IntegerLookup``: integers to contiguous indices through a vocabulary (Keras's layer)."""

from __future__ import annotations

from typing import Any

from deepnum.layers.preprocessing.index_lookup import IndexLookup


class IntegerLookup(IndexLookup):
    """Map integer features to contiguous indices (or encodings of them) through a vocabulary.

    Lookups are vectorised: a sorted copy of the vocabulary and ``searchsorted``.

    Args:
        max_tokens: the most vocabulary entries, mask and OOV indices included (None: no cap).
        num_oov_indices: indices for out-of-vocabulary values; several are chosen by
            ``value mod num_oov_indices`` (``oov_method="floormod"``) or by the FarmHash of the
            value's decimal text (``"farmhash"``, with optional ``salt``: SipHash-2-4).
        mask_token: a value mapped to index 0 (``int`` mode) or dropped (other modes).
        oov_token: the value ``invert=True`` gives for OOV indices (default -1).
        vocabulary: a list/array of integers or the path of a vocabulary file.
        vocabulary_dtype: must be ``"int64"``.
        idf_weights, invert, output_mode, sparse, pad_to_max_tokens: as in
            :class:`StringLookup`.

    Example:
        >>> import numpy as np
        >>> layer = IntegerLookup(vocabulary=[12, 36, 1138, 42])
        >>> layer(np.array([[12, 1138, 42], [42, 1000, 36]])).numpy().tolist()
        [[1, 3, 4], [4, 0, 2]]
    """

    _string_vocabulary = False

    def __init__(
        self,
        max_tokens: int | None = None,
        num_oov_indices: int = 1,
        mask_token: int | None = None,
        oov_token: int = -1,
        vocabulary: Any = None,
        vocabulary_dtype: str = "int64",
        idf_weights: Any = None,
        invert: bool = False,
        output_mode: str = "int",
        sparse: bool = False,
        pad_to_max_tokens: bool = False,
        oov_method: str = "floormod",
        salt: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if vocabulary_dtype != "int64":
            raise ValueError(
                "IntegerLookup: only vocabulary_dtype='int64' is supported, received "
                f"vocabulary_dtype={vocabulary_dtype!r}."
            )
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=None if mask_token is None else int(mask_token),
            oov_token=None if oov_token is None else int(oov_token),
            vocabulary_dtype=vocabulary_dtype,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            sparse=sparse,
            pad_to_max_tokens=pad_to_max_tokens,
            oov_method=oov_method,
            name=name,
            salt=salt,
            **kwargs,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config
