"""Order statistics: quantile, percentile, median, and their NaN-skipping forms.

The data is sorted along the reduced axes, and the q-th quantile of n values sits at rank
r = q (n − 1) of the sorted values; between the neighbours v⌊r⌋ and v⌈r⌉ the ``method`` picks:

- ``"linear"``: v⌊r⌋ + (r − ⌊r⌋)(v⌈r⌉ − v⌊r⌋);   ``"midpoint"``: (v⌊r⌋ + v⌈r⌉) / 2;
- ``"lower"``: v⌊r⌋;   ``"higher"``: v⌈r⌉;   ``"nearest"``: v at r rounded half to even.

As in PyTorch (Keras's backend here), a slice holding NaN has a NaN quantile, while the nan*
forms count only the non-NaN values (n above) and give NaN for all-NaN slices. The result is
differentiable: its gradient reaches the one or two sorted values it interpolates.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import floatx, get_array_module
from deepnum.ops.numpy._reduction import axes_last, is_empty_axis, normalize_axis

__all__ = ["median", "nanmedian", "nanpercentile", "nanquantile", "percentile", "quantile"]

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _probabilities(q: Any, dtype: Any, xp: Any, op: str, scale: float = 1.0) -> Any:
    """``q`` (a number or a 1-d sequence in [0, 1]) as an array of the compute dtype."""
    raw = q.data if isinstance(q, Tensor) else q
    if scale != 1.0:  # percentiles: q / 100 in floatx first, as Keras does
        raw = xp.asarray(raw, dtype=floatx()) / scale
    qa = xp.asarray(raw).astype(dtype)
    if qa.ndim > 1:
        raise ValueError(f"{op}: q must be a number or a 1-d sequence, received shape {qa.shape}.")
    if qa.size and not bool(((qa >= 0) & (qa <= 1)).all()):
        bound = "100" if scale != 1.0 else "1"
        raise ValueError(f"{op}: q values must lie in [0, {bound}], received {q!r}.")
    return qa


def _ranks(qa: Any, count: Any, n: int, method: str, xp: Any) -> tuple[Any, Any, Any]:
    """(lower index, upper index, weight of the upper one) of each quantile in each slice.

    ``count`` (rows…, 1) holds the number of values each slice ranks; 0 marks slices whose
    quantile is NaN, which are pointed at their last sorted value (a NaN) instead.
    """
    rank = qa * (count - 1).astype(qa.dtype)  # (rows…, nq), in x's dtype as PyTorch does
    rank = xp.where(count > 0, rank, n - 1)
    if method == "lower":
        rank = xp.floor(rank)
    elif method == "higher":
        rank = xp.ceil(rank)
    elif method == "nearest":
        rank = xp.round(rank)
    lower, upper = xp.floor(rank), xp.ceil(rank)
    weight = xp.full_like(rank, 0.5) if method == "midpoint" else rank - lower
    return lower.astype("int64"), upper.astype("int64"), weight


def _lerp(low: Tensor, high: Tensor, weight: Any) -> Tensor:
    """PyTorch's lerp: low + w (high − low) for w < ½, high − (1 − w)(high − low) otherwise."""
    from deepnum.ops.numpy import where

    step = high - low
    return where(weight < 0.5, low + step * weight, high - step * (1 - weight))


def _quantile(
    x: Any, q: Any, axis: Any, method: str, keepdims: bool, skip_nan: bool, op: str, scale=1.0
) -> Tensor:
    from deepnum.ops.numpy import moveaxis, reshape, sort, take_along_axis, transpose
    from deepnum.ops.numpy._elementwise import cast

    if method not in _METHODS:
        raise ValueError(f"{op}: method must be one of {_METHODS}, received {method!r}.")
    x = as_tensor(x)
    result_dtype = x.dtype if x.dtype.kind == "f" else floatx()
    x = cast(x, "float32" if x.dtype.kind != "f" or x.dtype == "float16" else x.dtype)
    xp = get_array_module(x.data)
    qa = _probabilities(q, x.dtype, xp, op, scale)
    axes = None if axis is None else normalize_axis(axis, x.ndim, op)
    rows, restore = axes_last(x, axes, transpose, reshape)
    n = rows.shape[-1]
    if n == 0:
        raise ValueError(f"{op}: cannot take quantiles of a tensor of shape {shape_str(x.shape)}.")
    ordered = sort(rows, axis=-1)
    nan = xp.isnan(rows.data)
    if skip_nan:
        count = n - nan.sum(axis=-1, keepdims=True)
    else:
        count = xp.where(nan.any(axis=-1, keepdims=True), 0, n)
    lower, upper, weight = _ranks(qa.reshape(-1), count, n, method, xp)
    value = take_along_axis(ordered, lower, axis=-1)
    if method in ("linear", "midpoint"):
        value = _lerp(value, take_along_axis(ordered, upper, axis=-1), weight)
    value = moveaxis(value, -1, 0) if qa.ndim else reshape(value, value.shape[:-1])
    if keepdims:
        kept = tuple(1 if axes is None or i in axes else s for i, s in enumerate(x.shape))
        value = reshape(value, qa.shape + kept)
    return cast(value, result_dtype)


def quantile(
    x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False
) -> Tensor:
    """The q-th quantile(s) of ``x`` over ``axis``.

    Args:
        x: input tensor.
        q: a probability in [0, 1] or a 1-d sequence of them.
        axis: None (all axes), an int or a tuple of ints.
        method: ``"linear"``, ``"lower"``, ``"higher"``, ``"midpoint"`` or ``"nearest"``.
        keepdims: keep the reduced axes with size 1.

    Returns:
        The quantiles; for a sequence ``q`` the first axis runs over it. Float inputs keep their
        dtype, others give floatx. Differentiable in ``x``.

    Example:
        >>> quantile([1.0, 2.0, 3.0, 4.0], [0.25, 0.5]).tolist()
        [1.75, 2.5]
    """
    return _quantile(x, q, axis, method, keepdims, False, "quantile")


def percentile(
    x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False
) -> Tensor:
    """The q-th percentile(s) of ``x`` over ``axis``: ``quantile`` at q / 100 (q in [0, 100]).

    Example:
        >>> percentile([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], 50, axis=1).tolist()
        [2.0, 5.0]
    """
    return _quantile(x, q, axis, method, keepdims, False, "percentile", scale=100.0)


def median(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The median over ``axis``: the mean of the two middle values for an even count.

    Example:
        >>> median([3.0, 1.0, 4.0, 2.0]).item()
        2.5
    """
    return _quantile(x, 0.5, axis, "linear", keepdims, False, "median")


def nanquantile(
    x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False
) -> Tensor:
    """``quantile`` ignoring NaN (all-NaN slices give NaN).

    Example:
        >>> nanquantile([1.0, float("nan"), 3.0], 0.5).item()
        2.0
    """
    return _quantile(x, q, axis, method, keepdims, True, "nanquantile")


def nanpercentile(
    x: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False
) -> Tensor:
    """``percentile`` ignoring NaN (all-NaN slices give NaN).

    Example:
        >>> nanpercentile([1.0, float("nan"), 3.0], 100).item()
        3.0
    """
    return _quantile(x, q, axis, method, keepdims, True, "nanpercentile", scale=100.0)


def nanmedian(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """``median`` ignoring NaN (all-NaN slices give NaN); ``axis=()`` returns ``x``.

    Example:
        >>> nanmedian([[1.0, float("nan")], [2.0, 4.0]], axis=1).tolist()
        [1.0, 3.0]
    """
    if is_empty_axis(axis):
        return as_tensor(x)
    return _quantile(x, 0.5, axis, "linear", keepdims, True, "nanmedian")
