"""Magnitude and selection: abs, sign, clip, maximum/minimum, where, heaviside, nan_to_num.

Piecewise-linear ops whose gradient is routed to one input (maximum, clip, where) or passed
through a mask (abs, nan_to_num); ``sign`` and ``heaviside`` are piecewise constant and carry
no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module

# exp, sqrt, tanh and cast are imported from this module by other families and ops.core.
from deepnum.ops.numpy._broadcast import sum_to
from deepnum.ops.numpy._exponential import exp, sqrt  # noqa: F401
from deepnum.ops.numpy._promotion import (
    call_binary,
    cast,  # noqa: F401
    constant,
    float_tensor,
    operands,
    scalar_type,
    tensor,
)
from deepnum.ops.numpy._trigonometric import tanh  # noqa: F401

__all__ = [
    "abs",
    "absolute",
    "clip",
    "fabs",
    "fmax",
    "fmin",
    "heaviside",
    "maximum",
    "minimum",
    "nan_to_num",
    "sign",
    "where",
]


class Abs(Function):
    """y = |x|, dy/dx = sign(x) (0 at 0, as in PyTorch)."""

    def forward(self, x):
        return get_array_module(x).abs(x)

    def backward(self, gy):
        return gy * sign(self.inputs[0])


class _Select(Function):
    """maximum/minimum: the gradient goes to the selected input; ties split it half-half.

    As in PyTorch, an input gets the gradient unless the other one strictly wins, so where
    either is NaN (no comparison holds) both get it.
    """

    def backward(self, gy):
        x, y = self.inputs
        xp = get_array_module(x.data)
        tie = x.data == y.data
        x_loses, y_loses = self.loses(x.data, y.data), self.loses(y.data, x.data)
        gx = gy2 = None
        if self.needs_input_grad[0]:
            gx = sum_to(gy * xp.where(tie, 0.5, ~x_loses).astype(gy.dtype), x.shape)
        if self.needs_input_grad[1]:
            gy2 = sum_to(gy * xp.where(tie, 0.5, ~y_loses).astype(gy.dtype), y.shape)
        return gx, gy2


class Maximum(_Select):
    def forward(self, x, y):
        return get_array_module(x).maximum(x, y)

    @staticmethod
    def loses(a, b):
        return a < b


class Minimum(_Select):
    def forward(self, x, y):
        return get_array_module(x).minimum(x, y)

    @staticmethod
    def loses(a, b):
        return a > b


class _SelectIgnoringNan(Function):
    """fmax/fmin: the gradient goes to x1 where it is picked (ties included) or x2 is NaN."""

    def backward(self, gy):
        x, y = self.inputs
        xp = get_array_module(x.data)
        to_x = (self.pick(x.data, y.data) | xp.isnan(y.data)).astype(gy.dtype)
        gx = sum_to(gy * to_x, x.shape) if self.needs_input_grad[0] else None
        gy2 = sum_to(gy * (1 - to_x), y.shape) if self.needs_input_grad[1] else None
        return gx, gy2


class Fmax(_SelectIgnoringNan):
    def forward(self, x, y):
        return get_array_module(x).fmax(x, y)

    @staticmethod
    def pick(x, y):
        return x >= y


class Fmin(_SelectIgnoringNan):
    def forward(self, x, y):
        return get_array_module(x).fmin(x, y)

    @staticmethod
    def pick(x, y):
        return x <= y


class Clip(Function):
    """Clamp to constant bounds; the gradient passes where lo ≤ x ≤ hi (PyTorch's convention)."""

    def __init__(self, lo: Any, hi: Any) -> None:
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return get_array_module(x).clip(x, self.lo, self.hi)

    def backward(self, gy):
        x = self.inputs[0].data
        mask = x == x  # all True, NaN excluded
        if self.lo is not None:
            mask = mask & (x >= self.lo)
        if self.hi is not None:
            mask = mask & (x <= self.hi)
        return gy * mask.astype(gy.dtype)


class Where(Function):
    """where(condition, x1, x2): condition is a constant; the gradient is routed by it."""

    def __init__(self, condition: Any) -> None:
        self.condition = condition

    def forward(self, x, y):
        return get_array_module(x).where(self.condition, x, y)

    def backward(self, gy):
        x, y = self.inputs
        zero = gy.data.dtype.type(0)
        gx = sum_to(where(self.condition, gy, zero), x.shape) if self.needs_input_grad[0] else None
        gy2 = sum_to(where(self.condition, zero, gy), y.shape) if self.needs_input_grad[1] else None
        return gx, gy2


class NanToNum(Function):
    """Replace NaN and ±inf; the gradient passes where x is finite (PyTorch's convention)."""

    def __init__(self, nan: Any, posinf: Any, neginf: Any) -> None:
        self.values = {"nan": nan, "posinf": posinf, "neginf": neginf}

    def forward(self, x):
        return get_array_module(x).nan_to_num(x, **self.values)

    def backward(self, gy):
        x = self.inputs[0].data
        return gy * get_array_module(x).isfinite(x).astype(gy.dtype)


def abs(x: Any) -> Tensor:  # noqa: A001 - NumPy's name
    """Elementwise absolute value ``|x|``, in ``x``'s dtype; d/dx = sign(x).

    Example:
        >>> abs([-1.5, 2.0]).tolist()
        [1.5, 2.0]
    """
    x = tensor(x)
    return x if x.data.dtype.kind == "b" else Abs()(x)


def absolute(x: Any) -> Tensor:
    """Alias of :func:`abs` (NumPy's name).

    Example:
        >>> absolute([-3]).tolist()
        [3]
    """
    return abs(x)


def fabs(x: Any) -> Tensor:
    """Elementwise ``|x|`` as floats: integer and boolean inputs give ``floatx()``.

    Example:
        >>> fabs([-3, 2]).tolist()
        [3.0, 2.0]
    """
    x = float_tensor(x)
    if x.data.dtype.kind == "c":
        raise TypeError(f"fabs: complex inputs are not supported, received dtype {x.dtype}.")
    return Abs()(x)


def sign(x: Any) -> Tensor:
    """Elementwise sign (-1, 0 or 1; NaN stays NaN) in ``x``'s dtype; carries no gradient.

    Example:
        >>> sign([-2.0, 0.0, 3.0]).tolist()
        [-1.0, 0.0, 1.0]
    """
    x = tensor(x)
    if x.data.dtype.kind == "b":
        return constant(x.data)
    return constant(get_array_module(x.data).sign(x.data))


def maximum(x1: Any, x2: Any) -> Tensor:
    """Elementwise maximum with broadcasting; NaN propagates; ties split the gradient equally.

    Example:
        >>> maximum([1, 5], 3).tolist()
        [3, 5]
    """
    x1, x2 = operands(x1, x2)
    return call_binary(Maximum(), "maximum", x1, x2)


def minimum(x1: Any, x2: Any) -> Tensor:
    """Elementwise minimum with broadcasting; NaN propagates; ties split the gradient equally.

    Example:
        >>> minimum([1, 5], 3).tolist()
        [1, 3]
    """
    x1, x2 = operands(x1, x2)
    return call_binary(Minimum(), "minimum", x1, x2)


def fmax(x1: Any, x2: Any) -> Tensor:
    """Elementwise maximum that ignores NaN: where one operand is NaN the other is returned.

    Example:
        >>> fmax([float("nan"), 1.0], [2.0, float("nan")]).tolist()
        [2.0, 1.0]
    """
    x1, x2 = operands(x1, x2)
    return call_binary(Fmax(), "fmax", x1, x2)


def fmin(x1: Any, x2: Any) -> Tensor:
    """Elementwise minimum that ignores NaN: where one operand is NaN the other is returned.

    Example:
        >>> fmin([float("nan"), 1.0], [2.0, 0.5]).tolist()
        [2.0, 0.5]
    """
    x1, x2 = operands(x1, x2)
    return call_binary(Fmin(), "fmin", x1, x2)


def clip(x: Any, x_min: Any, x_max: Any) -> Tensor:
    """Clamp every element to ``[x_min, x_max]``: ``minimum(maximum(x, x_min), x_max)``.

    Args:
        x: input; booleans compute as int32.
        x_min, x_max: bounds (numbers or tensors broadcastable to ``x``); either may be
            ``None`` for no bound on that side.

    Returns:
        The clipped tensor, of ``x``'s dtype promoted with the bounds'. The gradient passes
        to ``x`` where ``x_min ≤ x ≤ x_max`` and to the bound that was picked elsewhere.

    Example:
        >>> clip([-2.0, 0.5, 3.0], 0.0, 1.0).tolist()
        [0.0, 0.5, 1.0]
    """
    if x_min is None and x_max is None:
        raise ValueError("clip: at least one of x_min and x_max must be given, received None.")
    x = tensor(x)
    if x.data.dtype.kind == "b":
        x = Tensor._make(x.data.astype(np.int32))
    if isinstance(x_min, Tensor) or isinstance(x_max, Tensor) or _is_array_like(x_min, x_max):
        return _clip_tensor_bounds(x, x_min, x_max)
    for bound in (x_min, x_max):
        if bound is not None:
            x, _ = operands(x, bound)
    return Clip(x_min, x_max)(x)


def _is_array_like(*values: Any) -> bool:
    return any(v is not None and scalar_type(v) is None for v in values)


def _clip_tensor_bounds(x: Tensor, x_min: Any, x_max: Any) -> Tensor:
    """clip with tensor bounds, differentiable in the bounds too (as torch.clamp is)."""
    out = x
    if x_min is not None:
        out, lo = operands(out, x_min)
        out = where(out.data < lo.data, lo, out)
    if x_max is not None:
        out, hi = operands(out, x_max)
        out = where(out.data > hi.data, hi, out)
    return out


def where(condition: Any, x1: Any = None, x2: Any = None) -> Tensor:
    """Pick ``x1`` where ``condition`` is true, else ``x2`` (with broadcasting).

    Args:
        condition: booleans (numbers are true where non-zero); a constant for gradients.
        x1, x2: the values; both or neither must be given. Their dtypes are promoted.

    Returns:
        The selection; with ``x1`` and ``x2`` omitted, the indices of the true elements as an
        int64 tensor of shape ``(condition.ndim, n_true)`` (Keras's result on PyTorch; its
        rows unpack like NumPy's tuple: ``rows, cols = where(mask)``).

    Example:
        >>> where([True, False], [1.0, 2.0], 0.0).tolist()
        [1.0, 0.0]
        >>> where([[True, False], [False, True]]).tolist()
        [[0, 1], [0, 1]]
    """
    if (x1 is None) != (x2 is None):
        raise ValueError(
            "where: `x1` and `x2` must both be given or both be None; received "
            f"x1={'None' if x1 is None else 'a value'}, x2={'None' if x2 is None else 'a value'}."
        )
    cond = condition.data if isinstance(condition, Tensor) else condition
    if x1 is None:
        xp = get_array_module(cond)
        return constant(xp.argwhere(xp.asarray(cond).astype(bool)).T.astype(np.int64))
    x1, x2 = operands(x1, x2)
    xp = get_array_module(x1.data, x2.data)
    cond = xp.asarray(cond)
    if cond.dtype != bool:
        cond = cond.astype(bool)
    return call_binary(Where(cond), "where", x1, x2)


def heaviside(x1: Any, x2: Any) -> Tensor:
    """Heaviside step: 0 where ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 where ``x1 > 0``.

    Integer operands give ``floatx()`` (booleans stay boolean); piecewise constant in ``x1``,
    so it carries no gradient (as in PyTorch).

    Example:
        >>> heaviside([-1.0, 0.0, 2.0], 0.5).tolist()
        [0.0, 0.5, 1.0]
    """
    x1, x2 = operands(x1, x2)
    xp = get_array_module(x1.data)
    if x1.data.dtype.kind == "b":  # True where x1 is, x2 where x1 is False (== 0)
        return constant(call_binary(lambda a, b: a.data | b.data, "heaviside", x1, x2))
    if x1.data.dtype.kind in "iu":
        x1, x2 = float_tensor(x1), float_tensor(x2)
    return constant(call_binary(lambda a, b: xp.heaviside(a.data, b.data), "heaviside", x1, x2))


def nan_to_num(
    x: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Tensor:
    """Replace NaN by ``nan``, +inf by ``posinf`` and -inf by ``neginf``.

    Args:
        x: input; integer and boolean inputs are returned unchanged.
        nan: the value for NaN.
        posinf, neginf: the values for ±inf; ``None`` means the dtype's largest finite value
            (its negative for -inf).

    Returns:
        A tensor of ``x``'s dtype; the gradient passes where ``x`` is finite.

    Example:
        >>> nan_to_num([float("nan"), 1.0], nan=-1.0).tolist()
        [-1.0, 1.0]
    """
    x = tensor(x)
    if x.data.dtype.kind not in "fc":
        return x
    return NanToNum(nan, posinf, neginf)(x)
