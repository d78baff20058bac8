"""``CategoryEncoding``: one-hot, multi-hot and count encodings of integer features."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.layers.layer import Layer
from deepnum.layers.preprocessing import _encoding as enc


class CategoryEncoding(Layer):
    """Encode integer features in ``[0, num_tokens)``.

    For input of shape ``(batch, n)``: ``one_hot`` gives ``(batch, n, num_tokens)`` (or
    ``(batch, num_tokens)`` when n = 1), ``multi_hot`` ``(batch, num_tokens)`` with 1 where a
    token occurs, ``count`` the number of occurrences (or the sum of ``count_weights``).

    Args:
        num_tokens: the number of distinct tokens.
        output_mode: ``"multi_hot"`` (default), ``"one_hot"`` or ``"count"``.
        sparse: must be False (deepnum tensors are dense).

    Example:
        >>> import numpy as np
        >>> layer = CategoryEncoding(num_tokens=4, output_mode="count")
        >>> layer(np.array([[0, 1], [0, 0], [1, 2], [3, 1]])).numpy().tolist()[1]
        [2.0, 0.0, 0.0, 0.0]
    """

    def __init__(
        self, num_tokens: int | None = None, output_mode: str = "multi_hot", sparse: bool = False,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        enc.check_output_mode("CategoryEncoding", output_mode, ("count", "one_hot", "multi_hot"))
        enc.refuse_sparse("CategoryEncoding", sparse)
        if num_tokens is None:
            raise ValueError(
                "CategoryEncoding: num_tokens must be set; if the number of tokens is not known "
                "in advance, use IntegerLookup instead."
            )
        if num_tokens < 1:
            raise ValueError(f"CategoryEncoding: num_tokens must be >= 1, received {num_tokens}.")
        self.num_tokens, self.output_mode, self.sparse = num_tokens, output_mode, sparse

    def _standardize(self, inputs: Any) -> Any:
        return inputs if isinstance(inputs, Tensor) else Tensor._make(enc.raw(inputs))

    def call(self, inputs: Tensor, count_weights: Any = None) -> Tensor:
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(
                "CategoryEncoding: count_weights are used only with output_mode='count', "
                f"received output_mode={self.output_mode!r}."
            )
        x = inputs.data
        xp = inputs.xp
        if x.dtype.kind not in "iub":
            if x.dtype.kind != "f" or not bool(xp.all(x == xp.round(x))):
                raise ValueError(
                    f"CategoryEncoding: inputs must be integers, received dtype {x.dtype}."
                )
        if x.size and (int(x.min()) < 0 or int(x.max()) >= self.num_tokens):
            raise ValueError(
                f"CategoryEncoding: every input must be in [0, num_tokens={self.num_tokens}), "
                f"received values in [{int(x.min())}, {int(x.max())}]; raise num_tokens or map "
                "the values with IntegerLookup."
            )
        weights = None if count_weights is None else enc.raw(count_weights).astype(self.dtype)
        out = enc.encode_categorical(
            x.astype(np.int64), self.output_mode, self.num_tokens, self.dtype, weights
        )
        return Tensor._make(out)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape)
        if not shape:
            return (self.num_tokens,)
        if self.output_mode == "one_hot":
            if shape[-1] != 1 or len(shape) == 1:
                return shape + (self.num_tokens,)
            return shape[:-1] + (self.num_tokens,)
        return shape[:-1] + (self.num_tokens,)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_tokens": self.num_tokens,
            "output_mode": self.output_mode,
        }
