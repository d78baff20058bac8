"""pad in every mode of NumPy's ``np.pad`` that Keras documents.

``constant`` is one op whose backward slices the gradient back out. The modes that copy
elements of ``x`` (``edge``, ``reflect``, ``symmetric``, ``wrap``/``circular``) gather along
each padded axis with an index array, so their backward scatter-adds. The statistic modes
(``maximum``, ``minimum``, ``mean``, ``median``) and ``linear_ramp`` join a computed border to
each side, one axis after the other as NumPy does (so corners take the statistic of the
already padded border).
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.numpy._broadcast import broadcast_to
from deepnum.ops.numpy._joining import concatenate

__all__ = ["pad"]

_GATHER = {"edge": "edge", "reflect": "reflect", "symmetric": "symmetric", "wrap": "wrap"}
_GATHER["circular"] = "wrap"
_STATS = ("maximum", "minimum", "mean", "median")
MODES = ("constant", "empty", "linear_ramp", *_STATS, *_GATHER)


class Pad(Function):
    def __init__(self, widths: tuple[tuple[int, int], ...], value: Any) -> None:
        self.widths, self.value = widths, value

    def forward(self, x):
        xp = get_array_module(x)
        return xp.pad(x, self.widths, mode="constant", constant_values=self.value)

    def backward(self, gy):
        index = tuple(slice(lo, gy.shape[i] - hi) for i, (lo, hi) in enumerate(self.widths))
        return gy[index]


def pad_widths(pad_width: Any, ndim: int, op: str = "pad") -> tuple[tuple[int, int], ...]:
    """NumPy's forms of ``pad_width`` as one ``(before, after)`` pair per axis.

    Accepted: ``p``, ``(p,)``, ``(before, after)``, ``((before, after),)`` and one pair (or
    one-element sequence) per axis.
    """
    if isinstance(pad_width, Tensor):
        pad_width = pad_width.numpy()
    if hasattr(pad_width, "tolist"):
        pad_width = pad_width.tolist()
    if not isinstance(pad_width, (tuple, list)):
        pad_width = [[pad_width]]
    elif all(not isinstance(p, (tuple, list)) for p in pad_width):
        pad_width = [pad_width]
    pairs = []
    for p in pad_width:
        p = list(p) if isinstance(p, (tuple, list)) else [p]
        if len(p) not in (1, 2):
            raise ValueError(f"{op}: each entry of pad_width must be (before, after); got {p}.")
        pairs.append((int(p[0]), int(p[-1])))
    if len(pairs) == 1:
        pairs = pairs * ndim
    if len(pairs) != ndim:
        raise ValueError(
            f"{op}: pad_width has {len(pairs)} pairs for a tensor of rank {ndim}; give one "
            "(before, after) pair per axis, or a single pair for all axes."
        )
    if any(lo < 0 or hi < 0 for lo, hi in pairs):
        raise ValueError(f"{op}: pad widths must be >= 0, received {pairs}.")
    return tuple(pairs)


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = None) -> Tensor:
    """Pad a tensor (NumPy's ``pad``).

    Args:
        x: input tensor.
        pad_width: ``p``, ``(before, after)``, or one ``(before, after)`` pair per axis.
        mode: ``"constant"`` (the value ``constant_values``, default 0), ``"edge"`` (the edge
            value), ``"reflect"`` (mirror without the edge: 3 2 | 1 2 3), ``"symmetric"``
            (mirror with the edge: 2 1 | 1 2 3), ``"wrap"`` / ``"circular"`` (the other end:
            2 3 | 1 2 3), ``"maximum"``, ``"minimum"``, ``"mean"``, ``"median"`` (of the whole
            axis), ``"linear_ramp"`` (from 0 at the border to the edge value) or ``"empty"``
            (zeros here).
        constant_values: the padding value; only with ``mode="constant"``.

    Returns:
        A tensor with ``before + n + after`` elements along each axis. Integer tensors take
        NumPy's rounding for the computed modes (``mean``/``median`` rounded to nearest,
        ``linear_ramp`` floored).

    Example:
        >>> pad([1.0, 2.0, 3.0], (2, 1), mode="reflect").numpy().tolist()
        [3.0, 2.0, 1.0, 2.0, 3.0, 2.0]
    """
    x = as_tensor(x)
    if mode not in MODES:
        raise ValueError(f"pad: unknown mode {mode!r}; expected one of {', '.join(MODES)}.")
    if constant_values is not None and mode != "constant":
        raise ValueError(
            f"pad: constant_values can only be given with mode='constant'; received mode={mode!r}."
        )
    widths = pad_widths(pad_width, x.ndim)
    if mode in ("constant", "empty"):
        value = 0 if constant_values is None else constant_values
        if isinstance(value, Tensor):
            value = value.item()
        if all(lo == hi == 0 for lo, hi in widths):
            return x
        return Pad(widths, value)(x)
    for axis, (lo, hi) in enumerate(widths):
        if lo == hi == 0:
            continue
        if x.shape[axis] == 0:
            raise ValueError(
                f"pad: cannot pad the empty axis {axis} of a tensor of shape "
                f"{shape_str(x.shape)} in mode {mode!r}; only 'constant' and 'empty' can."
            )
        if mode in _GATHER:
            x = _gather(x, axis, lo, hi, _GATHER[mode])
        elif mode == "linear_ramp":
            x = _ramps(x, axis, lo, hi)
        else:
            x = _statistic(x, axis, lo, hi, mode)
    return x


def _gather(x: Tensor, axis: int, lo: int, hi: int, mode: str) -> Tensor:
    """Pad by copying elements of ``x``: source positions from ``pad`` of ``arange(n)``."""
    from deepnum.ops.numpy._indexing import take

    xp = get_array_module(x.data)
    index = xp.pad(xp.arange(x.shape[axis]), (lo, hi), mode=mode)
    return take(x, index, axis=axis)


def _edge(x: Tensor, axis: int, last: bool) -> Tensor:
    index = -1 if last else 0
    return x[(slice(None),) * axis + (slice(index, index + 1 if index == 0 else None),)]


def _border(value: Tensor, axis: int, width: int) -> Tensor:
    shape = list(value.shape)
    shape[axis] = width
    return broadcast_to(value, tuple(shape))


def _join(x: Tensor, axis: int, before: Tensor, after: Tensor) -> Tensor:
    return concatenate([before, x, after], axis=axis)


def _ramps(x: Tensor, axis: int, lo: int, hi: int) -> Tensor:
    """Ramps from 0 at the outer border to the edge value: edge·j/width (NumPy's
    ``linspace(0, edge, width, endpoint=False)``, reversed on the right)."""
    from deepnum.ops.numpy._elementwise import cast

    xp = get_array_module(x.data)
    compute = x.dtype if x.dtype.kind == "f" else xp.dtype("float64")
    xc = cast(x, compute)
    parts = []
    for width, last in ((lo, False), (hi, True)):
        steps = xp.arange(width, dtype=compute) / max(width, 1)
        shape = [1] * x.ndim
        shape[axis] = width
        weights = Tensor._make(steps[::-1].reshape(shape) if last else steps.reshape(shape))
        parts.append(_edge(xc, axis, last) * weights)
    out = _join(xc, axis, *parts)
    if x.dtype.kind == "f":
        return out
    return Tensor._make(xp.floor(out.data).astype(x.dtype))


def _statistic(x: Tensor, axis: int, lo: int, hi: int, mode: str) -> Tensor:
    """Borders filled with a statistic of the whole axis (integers rounded, as NumPy)."""
    from deepnum.ops.numpy import max, mean, min

    if mode == "median":
        stat = _median(x, axis)
    else:
        reduce = {"maximum": max, "minimum": min, "mean": mean}[mode]
        stat = reduce(x, axis=axis, keepdims=True)
    if stat.dtype != x.dtype:  # an integer mean: NumPy rounds to the nearest
        xp = get_array_module(x.data)
        stat = Tensor._make(xp.around(stat.data).astype(x.dtype))
    return _join(x, axis, _border(stat, axis, lo), _border(stat, axis, hi))


def _median(x: Tensor, axis: int) -> Tensor:
    """The median along ``axis`` (keepdims): the middle of the sorted values, or the mean of
    the two middle ones. Sorting picks the positions; the values keep their gradient."""
    from deepnum.ops.numpy._indexing import take_along_axis

    xp = get_array_module(x.data)
    order = xp.argsort(x.data, axis=axis)
    n = x.shape[axis]
    middle = (slice(None),) * axis + (slice((n - 1) // 2, n // 2 + 1),)
    picked = take_along_axis(x, order[middle], axis=axis)
    if picked.shape[axis] == 1:
        return picked
    if x.dtype.kind != "f":
        return Tensor._make(picked.data.mean(axis=axis, keepdims=True))
    return (_edge(picked, axis, False) + _edge(picked, axis, True)) * 0.5
