"""Grids of values: linspace, logspace, geomspace, meshgrid, vander.

They are built from differentiable ops, so a sequence is differentiable with respect to tensor
endpoints (∂/∂start of start + t·(stop − start) is 1 − t) and a grid or a Vandermonde matrix
with respect to its vectors.
"""

from __future__ import annotations

import math
from typing import Any

from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import default_device, floatx, get_array_module
from deepnum.ops.numpy._broadcast import broadcast_to
from deepnum.ops.numpy._joining import concatenate, stack
from deepnum.ops.numpy._shape import canonical_axis, moveaxis, ravel, reshape

__all__ = ["geomspace", "linspace", "logspace", "meshgrid", "vander"]


def _float_dtype(dtype: Any, *values: Any) -> Any:
    """The float dtype to compute in: the requested one if float, else the widest float
    tensor among ``values``, else floatx (float64 for an integer result, for exactness)."""
    xp = default_device().xp
    if dtype is not None and xp.dtype(dtype).kind == "f":
        return xp.dtype(dtype)
    floats = [v.dtype for v in values if isinstance(v, Tensor) and v.dtype.kind == "f"]
    if floats:
        return max(floats, key=lambda d: d.itemsize)
    return xp.dtype("float64" if dtype is not None else floatx())


def _endpoint(value: Any, dtype: Any) -> Tensor:
    """A bound as a tensor of ``dtype`` on the default device (a tensor keeps its graph)."""
    from deepnum.ops.numpy._elementwise import cast

    if isinstance(value, Tensor):
        return cast(value, dtype)
    return Tensor._make(default_device().xp.asarray(value, dtype=dtype))


def _finish(y: Tensor, dtype: Any) -> Tensor:
    """Cast to the requested dtype; integers truncate toward zero (as Keras's backends)."""
    from deepnum.ops.numpy._elementwise import cast

    if dtype is None or y.dtype == dtype:
        return y
    return cast(y, dtype)


def _spaced(start: Tensor, stop: Tensor, num: int, endpoint: bool) -> tuple[Tensor, Tensor]:
    """Samples start + i·step along a new leading axis, the last exactly ``stop`` when
    ``endpoint``; and the step (stop − start)/(num − 1 or num), nan with no interval."""
    xp = get_array_module(start.data)
    div = num - 1 if endpoint else num
    shape = (start.data + stop.data).shape  # the bounds broadcast (tiny arrays)
    start, stop = broadcast_to(start, shape), broadcast_to(stop, shape)
    step = (stop - start) / div if div > 0 else (stop - start) * float("nan")
    t = Tensor._make(xp.arange(num, dtype=start.dtype).reshape((num,) + (1,) * len(shape)))
    if div <= 0:
        return start + t * 0 if num else start[None][:0], step
    y = start + t * step
    if endpoint and num > 1:
        y = concatenate([y[:-1], reshape(stop, (1,) + shape)], axis=0)
    return y, step


def linspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype: Any = None,
    axis: int = 0,
) -> Any:
    """``num`` evenly spaced samples from ``start`` to ``stop`` (included when ``endpoint``).

    sample_i = start + i · (stop − start) / (num − 1), or / num without the endpoint. Tensor
    bounds broadcast; the samples then run along ``axis`` of the result.

    Args:
        start, stop: the bounds (numbers or tensors).
        num: how many samples.
        endpoint: whether ``stop`` is the last sample.
        retstep: also return the spacing.
        dtype: the result dtype (default floatx, or a float tensor bound's dtype); integers
            truncate toward zero.
        axis: where the samples go when the bounds are tensors.

    Returns:
        The samples, or ``(samples, step)`` with ``retstep``.

    Example:
        >>> linspace(0.0, 1.0, 5).numpy().tolist()
        [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    if num < 0:
        raise ValueError(f"linspace: num must be >= 0, received {num}.")
    compute = _float_dtype(dtype, start, stop)
    y, step = _spaced(_endpoint(start, compute), _endpoint(stop, compute), int(num), endpoint)
    y = _finish(moveaxis(y, 0, canonical_axis(axis, y.ndim, "linspace")), dtype)
    return (y, step) if retstep else y


def logspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    base: float = 10,
    dtype: Any = None,
    axis: int = 0,
) -> Tensor:
    """``num`` samples evenly spaced on a log scale: base ** linspace(start, stop, num).

    Example:
        >>> logspace(0.0, 2.0, 3).numpy().tolist()
        [1.0, 10.0, 100.0]
    """
    from deepnum.ops.numpy import power

    compute = _float_dtype(dtype, start, stop)
    exponents = linspace(start, stop, num, endpoint, dtype=compute, axis=axis)
    xp = get_array_module(exponents.data)
    return _finish(power(Tensor._make(xp.asarray(base, dtype=compute)), exponents), dtype)


def geomspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    dtype: Any = None,
    axis: int = 0,
) -> Tensor:
    """``num`` samples in geometric progression from ``start`` to ``stop``.

    sample_i = start · (stop / start) ** (i / (num − 1)); the bounds are exact and must be
    non-zero and of one sign.

    Example:
        >>> geomspace(1.0, 100.0, 3).numpy().tolist()
        [1.0, 10.0, 100.0]
    """
    from deepnum.ops.numpy import abs, log, power

    compute = _float_dtype(dtype, start, stop)
    a, b = _endpoint(start, compute), _endpoint(stop, compute)
    xp = get_array_module(a.data)
    if bool((a.data == 0).any()) or bool((b.data == 0).any()):
        raise ValueError("geomspace: a geometric sequence cannot include zero.")
    sign = xp.sign(a.data)
    if bool((sign != xp.sign(b.data)).any()):
        raise ValueError(
            "geomspace: start and stop must have the same sign (the sequence would be complex)."
        )
    a, b = abs(a), abs(b)
    inv_ln10 = 1.0 / math.log(10.0)
    exponents, _ = _spaced(log(a) * inv_ln10, log(b) * inv_ln10, int(num), endpoint)
    y = power(Tensor._make(xp.asarray(10.0, dtype=compute)), exponents)
    if num > 0:  # exact bounds, as NumPy's
        ends = [reshape(broadcast_to(a, y.shape[1:]), (1,) + y.shape[1:])]
        middle = y[1 : num - 1] if endpoint and num > 1 else y[1:]
        if endpoint and num > 1:
            ends.append(reshape(broadcast_to(b, y.shape[1:]), (1,) + y.shape[1:]))
        y = concatenate([ends[0], middle] + ends[1:], axis=0)
    y = y * Tensor._make(sign.astype(compute))
    return _finish(moveaxis(y, 0, canonical_axis(axis, y.ndim, "geomspace")), dtype)


def meshgrid(*x: Any, indexing: str = "xy") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-d coordinate vectors.

    With ``indexing="ij"`` output k has shape (n₀, n₁, …) and varies along axis k; with
    ``"xy"`` (Cartesian) the first two axes are swapped, so output 0 varies along axis 1.

    Example:
        >>> [g.shape for g in meshgrid([1.0, 2.0, 3.0], [4.0, 5.0])]
        [(2, 3), (2, 3)]
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', received {indexing!r}.")
    vectors = [ravel(as_tensor(v)) for v in x]
    sizes = [v.shape[0] for v in vectors]
    positions = list(range(len(vectors)))
    if indexing == "xy" and len(vectors) > 1:
        positions[0], positions[1] = 1, 0
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for v, p in zip(vectors, positions):
        shape = [1] * len(vectors)
        shape[p] = v.shape[0]
        out.append(broadcast_to(reshape(v, tuple(shape)), tuple(sizes)))
    return tuple(out)


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Tensor:  # noqa: N803
    """The Vandermonde matrix of a 1-d tensor: columns x^(N−1), …, x, 1 (reversed when
    ``increasing``).

    Powers are built by repeated multiplication, so the derivative at x = 0 is exact.

    Example:
        >>> vander([2.0, 3.0], 3).numpy().tolist()
        [[4.0, 2.0, 1.0], [9.0, 3.0, 1.0]]
    """
    from deepnum.ops.numpy._creation import ones_like

    x = as_tensor(x)
    if x.ndim != 1:
        raise ValueError(f"vander: x must be 1-d, received shape {shape_str(x.shape)}.")
    n = x.shape[0] if N is None else int(N)
    if n < 0:
        raise ValueError(f"vander: N must be >= 0, received {n}.")
    if n == 0:
        return Tensor._make(get_array_module(x.data).zeros((x.shape[0], 0), dtype=x.dtype))
    columns = [ones_like(x)]
    for _ in range(n - 1):
        columns.append(columns[-1] * x)
    return stack(columns if increasing else columns[::-1], axis=1)
