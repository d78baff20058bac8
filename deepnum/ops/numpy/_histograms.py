"""Counting into bins: bincount, digitize, histogram. Their results are counts and indices,
which carry no gradient."""

from __future__ import annotations

import builtins
from typing import Any

from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import floatx, get_array_module
from deepnum.backend.dtypes import promote_types

__all__ = ["bincount", "digitize", "histogram"]


def bincount(x: Any, weights: Any = None, minlength: int = 0, sparse: bool = False) -> Tensor:
    """Count the occurrences of each non-negative integer in ``x`` (summing ``weights``).

    Args:
        x: a 1-d tensor of non-negative integers, or 2-d (one count per row).
        weights: optional weights of ``x``'s shape; each occurrence adds its weight.
        minlength: the least number of bins.
        sparse: must be False (deepnum tensors are dense).

    Returns:
        Counts of length max(minlength, max(x) + 1) (per row for 2-d ``x``): int32 without
        weights, else the dtype of ``x`` and ``weights`` promoted (a float ``weights`` dtype).

    Example:
        >>> bincount([1, 1, 3], minlength=5).tolist()
        [0, 2, 0, 1, 0]
    """
    if sparse:
        raise ValueError("bincount: sparse=True is not supported; deepnum tensors are dense.")
    data = _integers(x, "bincount")
    xp = get_array_module(data)
    if data.ndim not in (1, 2):
        raise ValueError(f"bincount: x must be 1-d or 2-d, received shape {shape_str(data.shape)}.")
    if data.size and int(data.min()) < 0:
        raise ValueError("bincount: x must hold non-negative integers; it has negative values.")
    if not isinstance(minlength, int) or minlength < 0:
        raise ValueError(f"bincount: minlength must be a non-negative int, received {minlength!r}.")
    length = builtins.max(minlength, int(data.max()) + 1 if data.size else 0)
    w = None if weights is None else as_tensor(weights).data
    if w is not None and w.shape != data.shape:
        raise ValueError(
            f"bincount: weights of shape {shape_str(w.shape)} must match x's shape "
            f"{shape_str(data.shape)}."
        )
    dtype = "int32" if w is None else promote_types(data.dtype, w.dtype)
    flat = data.astype("int64")
    rows = data.shape[0] if data.ndim == 2 else 1
    if data.ndim == 2:  # each row counts into its own block of `length` bins
        flat = (flat + xp.arange(rows)[:, None] * length).reshape(-1)
        w = None if w is None else w.reshape(-1)
    counts = xp.bincount(flat, weights=w, minlength=length * rows)
    return Tensor._make(counts.reshape(data.shape[:-1] + (length,)).astype(dtype))


def _integers(x: Any, op: str) -> Any:
    data = as_tensor(x).data if not isinstance(x, (list, tuple)) else _int_list(x)
    if data.dtype.kind not in "iub":
        raise TypeError(f"{op}: x must hold integers, received dtype {data.dtype}.")
    return data


def _int_list(x: Any) -> Any:
    """A Python list of ints as an int32 array (Keras converts it so), floats as floatx."""
    arr = as_tensor(x).data
    if arr.dtype.kind == "f" and (arr == arr.astype("int64")).all():
        return arr.astype("int32")
    return arr


def digitize(x: Any, bins: Any) -> Tensor:
    """The index of the bin of each element: i such that bins[i − 1] ≤ x < bins[i].

    Args:
        x: input tensor (bool is treated as 0/1).
        bins: a 1-d tensor of increasing bin edges.

    Returns:
        An int32 tensor of ``x``'s shape (0 below the first edge, len(bins) from the last).

    Example:
        >>> digitize([0.0, 1.0, 3.0, 1.6], [0.0, 3.0, 4.5, 7.0]).tolist()
        [1, 1, 2, 1]
    """
    data, edges = as_tensor(x).data, as_tensor(bins).data
    if edges.ndim != 1:
        raise ValueError(f"digitize: bins must be 1-d, received shape {shape_str(edges.shape)}.")
    if data.dtype == bool:
        data = data.astype("uint8")
    xp = get_array_module(data)
    return Tensor._make(xp.searchsorted(edges, data, side="right").astype("int32"))


def histogram(x: Any, bins: int = 10, range: Any = None) -> tuple[Tensor, Tensor]:  # noqa: A002
    """Count the values of a 1-d tensor in ``bins`` equal-width bins.

    Args:
        x: a 1-d tensor.
        bins: the number of bins (a positive int).
        range: ``(low, high)``; by default (min(x), max(x)), widened by ½ on each side when
            they are equal. Values outside are not counted; the last bin includes ``high``.

    Returns:
        ``(counts, edges)``: counts of x's float dtype (floatx for integer input) and the
        ``bins + 1`` edges, computed as PyTorch's ``linspace`` does.

    Example:
        >>> counts, edges = histogram([0.0, 1.0, 1.0, 2.0, 5.0], bins=3)
        >>> counts.tolist()
        [3.0, 1.0, 1.0]
    """
    _check_histogram_args(bins, range)
    data = as_tensor(x).data
    if data.ndim > 1:
        raise ValueError(f"histogram: x must be 1-d, received shape {shape_str(data.shape)}.")
    if data.dtype.kind != "f":
        data = data.astype(floatx())
    xp = get_array_module(data)
    if range is not None:
        low, high = float(range[0]), float(range[1])
    elif data.size:
        low, high = float(data.min()), float(data.max())
    else:
        low, high = 0.0, 1.0
    if low == high:
        low, high = low - 0.5, high + 0.5
    edges = _linspace(xp, low, high, bins + 1, data.dtype)
    counts, _ = xp.histogram(data, bins=edges)
    return Tensor._make(counts.astype(data.dtype)), Tensor._make(edges)


def _check_histogram_args(bins: Any, range: Any) -> None:  # noqa: A002
    if not isinstance(bins, int) or isinstance(bins, bool):
        raise TypeError(f"histogram: bins must be an int, received {bins!r}.")
    if bins < 1:
        raise ValueError(f"histogram: bins must be a positive int, received {bins}.")
    if range is not None:
        if not isinstance(range, tuple) or len(range) != 2:
            raise ValueError(f"histogram: range must be a tuple (low, high), received {range!r}.")
        if range[1] < range[0]:
            raise ValueError(f"histogram: range must have low <= high, received {range!r}.")


def _linspace(xp: Any, low: float, high: float, num: int, dtype: Any) -> Any:
    """``num`` evenly spaced values from low to high, as PyTorch computes them: the first half
    counted up from ``low``, the second half down from ``high`` (both ends exact)."""
    step = (xp.asarray(high, dtype=dtype) - xp.asarray(low, dtype=dtype)) / (num - 1)
    index = xp.arange(num)
    up = xp.asarray(low, dtype=dtype) + step * index.astype(dtype)
    down = xp.asarray(high, dtype=dtype) - step * (num - 1 - index).astype(dtype)
    return xp.where(index < num // 2, up, down).astype(dtype)
