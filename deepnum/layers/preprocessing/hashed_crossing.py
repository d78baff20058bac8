"""``HashedCrossing``: the hashed cross of categorical features (Keras's layer, same bins)."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import default_device, to_device
from deepnum.layers.layer import Layer
from deepnum.layers.preprocessing import _encoding as enc
from deepnum.layers.preprocessing._hash import (
    CROSS_HASH_KEY,
    as_hash_bytes,
    fingerprint64,
    fingerprint_cat64,
)


class HashedCrossing(Layer):
    """Cross features and hash the cross into ``num_bins`` bins (``tf.sparse.cross_hashed``).

    For each sample, h = k; for each feature f in order: h = FingerprintCat64(h, F(f)), with
    k = 0xDECAFCAFFE, F(f) the integer itself for integer features and FarmHash64 of the bytes
    for strings; the bin is h mod num_bins.

    Args:
        num_bins: the number of bins.
        output_mode: ``"int"`` (int64 bins) or ``"one_hot"``.
        sparse: must be False.

    Example:
        >>> import numpy as np
        >>> layer = HashedCrossing(num_bins=5)
        >>> out = layer((np.array(["A", "B", "A"]), np.array([101, 101, 102])))
        >>> out.shape, out.dtype.name
        ((3,), 'int64')
    """

    def __init__(
        self,
        num_bins: int,
        output_mode: str = "int",
        sparse: bool = False,
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        enc.check_output_mode("HashedCrossing", output_mode, ("int", "one_hot"))
        enc.refuse_sparse("HashedCrossing", sparse)
        self.num_bins, self.output_mode, self.sparse = num_bins, output_mode, sparse

    def _standardize(self, inputs: Any) -> Any:
        return inputs

    def call(self, inputs: Any) -> Tensor:
        arrays = self._checked(inputs)
        shape = arrays[0].shape
        crossed = np.full(int(np.prod(shape, dtype=np.int64)), CROSS_HASH_KEY, dtype=np.uint64)
        for array in arrays:
            crossed = fingerprint_cat64(crossed, _feature_hashes(array.reshape(-1)))
        bins = (crossed % np.uint64(self.num_bins)).astype(np.int64).reshape(shape)
        out = enc.encode_categorical(bins, self.output_mode, self.num_bins, self.dtype)
        return Tensor._make(to_device(out, default_device()))

    def _checked(self, inputs: Any) -> list[np.ndarray]:
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(
                "HashedCrossing: call the layer on a list or tuple of at least two inputs, "
                f"received {type(inputs).__name__}."
            )
        arrays = [enc.host(x) for x in inputs]
        shape = arrays[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError(
                "HashedCrossing: inputs must have shape (), (batch_size,) or (batch_size, 1), "
                f"received {shape}."
            )
        if any(a.shape != shape for a in arrays[1:]):
            raise ValueError(
                "HashedCrossing: inputs must have equal shapes, received "
                f"{[a.shape for a in arrays]}."
            )
        for a in arrays:
            if a.dtype.kind not in "iu" and not enc.is_string_array(a):
                raise ValueError(
                    f"HashedCrossing: inputs must be integers or strings, received dtype {a.dtype}."
                )
        return arrays

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shape = tuple(input_shape[0])
        if self.output_mode == "int":
            return shape
        if shape and shape[-1] != 1:
            return shape + (self.num_bins,)
        return shape[:-1] + (self.num_bins,)

    def get_config(self) -> dict:
        return {
            "num_bins": self.num_bins,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self.dtype,
        }


def _feature_hashes(values: np.ndarray) -> np.ndarray:
    """The uint64 a cross takes from each value: integers as they are, strings fingerprinted."""
    if values.dtype.kind in "iu":
        return values.astype(np.int64).view(np.uint64)
    distinct, inverse = as_hash_bytes(values)
    table = np.array([fingerprint64(b) for b in distinct], dtype=np.uint64)
    return table[inverse]
