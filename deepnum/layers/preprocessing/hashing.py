"""``Hashing``: strings or integers to bins by a stable hash (Keras's layer, same bins)."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import default_device, floatx, to_device
from deepnum.layers.layer import Layer
from deepnum.layers.preprocessing import _encoding as enc
from deepnum.layers.preprocessing._hash import hash_buckets


class Hashing(Layer):
    """Hash each value to one of ``num_bins`` bins, the bins Keras's ``Hashing`` gives.

    bin(v) = FarmHash64(s) mod n (SipHash-2-4 keyed by ``salt`` when given), where s is the
    value as TensorFlow hashes it: a string's UTF-8 bytes, an integer's decimal text (floats
    are truncated to integers first). With ``mask_value``, bin 0 is reserved for it and the
    others shift by one: n − 1 hash bins.

    Args:
        num_bins: the number of bins (mask bin included).
        mask_value: a value sent to bin 0.
        salt: an int or a pair of ints: use the keyed SipHash64.
        output_mode: ``"int"`` (int64 bins), ``"one_hot"``, ``"multi_hot"`` or ``"count"``.
        sparse: must be False.

    Example:
        >>> import numpy as np
        >>> layer = Hashing(num_bins=3)
        >>> layer(np.array([["A"], ["B"], ["C"], ["D"], ["E"]])).numpy().ravel().tolist()
        [1, 0, 1, 1, 2]
    """

    def __init__(
        self,
        num_bins: int,
        mask_value: Any = None,
        salt: Any = None,
        output_mode: str = "int",
        sparse: bool = False,
        **kwargs: Any,
    ) -> None:
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else floatx()
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(
                f"Hashing: num_bins must be a positive integer, received num_bins={num_bins}."
            )
        enc.check_output_mode("Hashing", output_mode)
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError(
                f"Hashing: with output_mode='int' the dtype must be 'int32' or 'int64', received "
                f"dtype={self.dtype!r}."
            )
        enc.refuse_sparse("Hashing", sparse)
        self.num_bins, self.mask_value = num_bins, mask_value
        self.output_mode, self.sparse = output_mode, sparse
        self.strong_hash = salt is not None
        self.salt = None
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                self.salt = [int(s) for s in salt]
            elif isinstance(salt, int):
                self.salt = [salt, salt]
            else:
                raise ValueError(
                    f"Hashing: salt must be an integer or a pair of integers, received {salt!r}."
                )

    def _standardize(self, inputs: Any) -> Any:
        return inputs  # strings stay host arrays

    def hash_values(self, values: np.ndarray) -> np.ndarray:
        """The int64 bins of a host array of values (no output encoding)."""
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = _equal(values, self.mask_value)
        out = hash_buckets(values, bins, self.salt)
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        return out

    def call(self, inputs: Any) -> Tensor:
        values = enc.host(inputs)
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values.reshape(values.shape[:-1])
        bins = self.hash_values(values)
        out = enc.encode_categorical(bins, self.output_mode, self.num_bins, self.dtype)
        return Tensor._make(to_device(out, default_device()))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        if self.output_mode == "int":
            return tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_bins,)
        return tuple(input_shape[:-1]) + (self.num_bins,)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_bins": self.num_bins,
            "salt": self.salt,
            "mask_value": self.mask_value,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
        }


def _equal(values: np.ndarray, target: Any) -> np.ndarray:
    """Elementwise ``values == target``, for strings (str or bytes) and numbers."""
    if enc.is_string_array(values):
        if isinstance(target, bytes):
            target = target.decode("utf-8")
        flat = enc.to_strings(values)
        return np.array([v == target for v in flat], dtype=bool).reshape(values.shape)
    if isinstance(target, (str, bytes)):
        return np.zeros(values.shape, dtype=bool)
    return values == target
