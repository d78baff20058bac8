"""Moments, range and correlation: var, std, ptp, average, corrcoef, correlate.

Keras's ``var`` and ``std`` are the population moments (no ``ddof``); ``variance`` and
``standard_deviation`` below take ``ddof`` for ``Tensor.var``/``Tensor.std``. Result dtypes are
Keras's: float inputs keep their dtype (64-bit stays 64-bit), integer and bool inputs give floatx.
"""

from __future__ import annotations

import builtins
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import floatx, get_array_module
from deepnum.backend.dtypes import promote_types
from deepnum.ops.numpy._reduction import (
    amax,
    amin,
    expand_grad,
    expand_grad_array,
    is_empty_axis,
    normalize_axis,
    reduced_count,
    reduction_axes,
    single_axis,
)

__all__ = ["average", "corrcoef", "correlate", "ptp", "std", "var"]


def float_input(x: Any, default: str | None = None) -> Tensor:
    """``x`` as a float Tensor: float dtypes are kept, others become ``default`` (floatx)."""
    from deepnum.ops.numpy._elementwise import cast

    x = as_tensor(x)
    if x.data.dtype.kind == "f":
        return x
    return cast(x, default or floatx())


# --------------------------------------------------------------------------- variance
class Var(Function):
    """y = Σ (x − x̄)² / (n − ddof) over ``axes``; ∂y/∂xᵢ = 2 (xᵢ − x̄) / (n − ddof) (the x̄
    term cancels because Σ (xᵢ − x̄) = 0). float16 is computed in float32, as Keras does."""

    def __init__(self, axes: Any, keepdims: bool, n: int, ddof: int) -> None:
        self.axes, self.keepdims = axes, keepdims
        # n ≤ ddof divides by 0 (inf, or nan for 0/0), as NumPy and PyTorch do.
        self.divisor = builtins.max(n - ddof, 0)
        self.n = n

    def forward(self, x):
        work = x.astype("float32") if x.dtype == "float16" else x
        centred = work - work.sum(axis=self.axes, keepdims=True) * (1.0 / builtins.max(self.n, 1))
        total = (centred * centred).sum(axis=self.axes, keepdims=self.keepdims)
        return (total / self.divisor).astype(x.dtype, copy=False)

    def backward(self, gy):
        from deepnum.ops.numpy import mean

        x = self.inputs[0]
        centred = x - mean(x, axis=self.axes, keepdims=True)
        return expand_grad(gy, x.shape, self.axes) * centred * (2.0 / self.divisor)

    def backward_arrays(self, gy):
        x = self.inputs[0].data
        centred = x - x.mean(axis=self.axes, keepdims=True)
        return expand_grad_array(gy, x.shape, self.axes) * centred * (2.0 / self.divisor)


class SqrtZeroGrad(Function):
    """y = √x with the gradient gy / 2y set to 0 where y = 0, as PyTorch's ``std`` does."""

    save_outputs = True

    def forward(self, x):
        return get_array_module(x).sqrt(x)

    def backward(self, gy):
        from deepnum.ops.numpy import where

        y = self.outputs[0]
        zero = y.data == 0
        return where(zero, 0, gy / (2 * where(zero, 1, y)))

    def backward_arrays(self, gy):
        y = self._saved[0]
        xp = get_array_module(y)
        zero = y == 0
        return xp.where(zero, 0, gy / (2 * xp.where(zero, 1, y)))


def variance(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Variance with ``ddof`` degrees of freedom removed: Σ (x − x̄)² / (n − ddof).

    The engine of ``var`` (ddof=0) and of ``Tensor.var(ddof=...)``. Integer and bool inputs
    give floatx.

    Example:
        >>> variance([1.0, 2.0, 3.0, 4.0], ddof=1).item()
        1.6666666269302368
    """
    from deepnum.ops.numpy import zeros_like

    x = float_input(x)
    if is_empty_axis(axis):
        return zeros_like(x)
    axes = normalize_axis(axis, x.ndim, "var")
    return Var(axes, keepdims, reduced_count(x.shape, axes), ddof)(x)


def standard_deviation(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """√variance; the gradient is 0 where the deviation is 0 (PyTorch's ``std``). Integer and
    bool inputs give float32 (Keras's ``std``, whatever floatx is).

    Example:
        >>> standard_deviation([1.0, 3.0]).item()
        1.0
    """
    x = float_input(x, "float32")
    return SqrtZeroGrad()(variance(x, axis=axis, keepdims=keepdims, ddof=ddof))


def var(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Population variance over ``axis``: (1/n) Σ (x − x̄)².

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints; ``()`` gives zeros.
        keepdims: keep the reduced axes with size 1.

    Returns:
        The variance (float inputs keep their dtype, others give floatx); ∂/∂xᵢ = 2(xᵢ − x̄)/n.

    Example:
        >>> var([[1.0, 3.0], [2.0, 2.0]], axis=1).tolist()
        [1.0, 0.0]
    """
    return variance(x, axis=axis, keepdims=keepdims)


def std(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Population standard deviation over ``axis``: √((1/n) Σ (x − x̄)²).

    Args:
        x: input tensor.
        axis: None (all axes), an int or a tuple of ints; ``()`` gives zeros.
        keepdims: keep the reduced axes with size 1.

    Returns:
        The deviation (float inputs keep their dtype, others give float32); the gradient is
        (xᵢ − x̄)/(n σ), and 0 where σ = 0 (PyTorch's convention).

    Example:
        >>> std([[1.0, 3.0], [2.0, 2.0]], axis=1).tolist()
        [1.0, 0.0]
    """
    return standard_deviation(x, axis=axis, keepdims=keepdims)


# --------------------------------------------------------------------------- range
def ptp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Peak to peak, max − min over ``axis``.

    Args:
        x: input tensor (not bool).
        axis: None (all axes), an int or a tuple of ints; ``()`` gives zeros.
        keepdims: keep the reduced axes with size 1.

    Returns:
        The range, in ``x``'s dtype; differentiable as max − min.

    Example:
        >>> ptp([[1.0, 5.0], [3.0, 2.0]], axis=1).tolist()
        [4.0, 1.0]
    """
    x = as_tensor(x)
    if x.dtype == bool:
        raise TypeError("ptp: boolean tensors have no difference; cast x to an integer dtype.")
    if is_empty_axis(axis):
        return Tensor._make(get_array_module(x.data).zeros_like(x.data))
    return amax(x, axis, keepdims) - amin(x, axis, keepdims)


# --------------------------------------------------------------------------- average
def average(x: Any, axis: Any = None, weights: Any = None) -> Tensor:
    """Weighted average over ``axis``: Σ wᵢxᵢ / Σ wᵢ (the mean without weights).

    Args:
        x: input tensor.
        axis: None (all axes) or an int; ``()`` returns ``x`` (as float).
        weights: None, a tensor of ``x``'s shape, or a 1-d tensor of length ``x.shape[axis]``.

    Returns:
        The average, differentiable in ``x`` and ``weights``; float dtypes of ``x`` and
        ``weights`` are promoted, integer and bool inputs give floatx.

    Example:
        >>> average([1.0, 2.0, 4.0], weights=[1.0, 1.0, 2.0]).item()
        2.75
    """
    from deepnum.ops.numpy import mean, reshape, sum
    from deepnum.ops.numpy._elementwise import cast

    x = as_tensor(x)
    w = None if weights is None else as_tensor(weights)
    dtype = x.dtype if w is None else promote_types(x.dtype, w.dtype)
    dtype = promote_types(dtype, float)  # Keras's result_type(x, float, weights)
    x = cast(x, dtype)
    if is_empty_axis(axis):
        return x
    if w is None:
        return mean(x, axis=axis)
    w = cast(w, dtype)
    if w.shape != x.shape:
        if axis is None or isinstance(axis, (tuple, list)) or w.shape != (x.shape[axis],):
            raise ValueError(
                f"average: weights of shape {shape_str(w.shape)} do not fit x of shape "
                f"{shape_str(x.shape)}; give weights of x's shape, or 1-d weights of length "
                "x.shape[axis] together with an int axis."
            )
        axis = single_axis(axis, x.ndim, "average")
        w_full = reshape(w, (-1,) + (1,) * (x.ndim - 1 - axis))
        return sum(x * w_full, axis=axis) / sum(w)
    axes = reduction_axes(x, axis, "average")
    return sum(x * w, axis=axes) / sum(w, axis=axes)


# --------------------------------------------------------------------------- correlation
def corrcoef(x: Any) -> Tensor:
    """Pearson correlation coefficients of the rows of ``x`` (variables × observations).

    ρᵢⱼ = Cᵢⱼ / √(Cᵢᵢ Cⱼⱼ) with C the covariance of the rows, clipped to [−1, 1] as PyTorch does.

    Args:
        x: a 2-d tensor (N variables, D observations) or a 1-d tensor (one variable).

    Returns:
        An (N, N) tensor (0-d for 1-d ``x``), differentiable. float inputs keep their dtype,
        int64 gives float64 and other integer and bool inputs floatx (Keras's rule).

    Example:
        >>> corrcoef([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]]).tolist()
        [[1.0, -1.0], [-1.0, 1.0]]
    """
    from deepnum.ops.numpy import clip, matmul, mean, reshape, sqrt, sum, transpose

    x = as_tensor(x)
    if x.ndim not in (1, 2):
        raise ValueError(
            f"corrcoef: x must be 1-d or 2-d (variables × observations), received shape "
            f"{shape_str(x.shape)}."
        )
    x = float_input(x, "float64" if x.dtype == "int64" else None)
    rows = reshape(x, (1, -1)) if x.ndim == 1 else x
    centred = rows - mean(rows, axis=1, keepdims=True)
    # The 1/(D − 1) of the covariance cancels between Cᵢⱼ and √(Cᵢᵢ Cⱼⱼ).
    cov = matmul(centred, transpose(centred))
    scale = sqrt(sum(centred * centred, axis=1))
    rho = clip(cov / reshape(scale, (-1, 1)) / reshape(scale, (1, -1)), -1, 1)
    return reshape(rho, ()) if x.ndim == 1 else rho


class CorrelateFull(Function):
    """The full cross-correlation of 1-d a (length N) and v (length M):
    c[k + M − 1] = Σₙ a[n + k] v[n] for k = −(M − 1) … N − 1.

    Its adjoints are correlations too: ∂L/∂a = (g ⋆ reversed v) over the N valid positions
    and ∂L/∂v = reversed (g ⋆ a) over the M valid ones, so every order is differentiable."""

    def forward(self, a, v):
        return get_array_module(a).correlate(a, v, mode="full")

    def backward(self, g):
        a, v = self.inputs
        n, m = a.shape[0], v.shape[0]
        ga = CorrelateFull()(g, v[::-1])[m - 1 : m - 1 + n] if self.needs_input_grad[0] else None
        gv = CorrelateFull()(g, a)[n - 1 : n - 1 + m][::-1] if self.needs_input_grad[1] else None
        return ga, gv


def correlate(x1: Any, x2: Any, mode: str = "valid") -> Tensor:
    """Cross-correlation of two 1-d tensors: c[k] = Σₙ x1[n + k] x2[n].

    Args:
        x1: 1-d tensor of length N.
        x2: 1-d tensor of length M.
        mode: ``"valid"`` (length max(N, M) − min(N, M) + 1), ``"same"`` (length max(N, M),
            centred) or ``"full"`` (length N + M − 1).

    Returns:
        The correlation, differentiable in both inputs. float16 and float64 inputs keep their
        dtype, int64 gives float64, other dtypes float32 (Keras's rule).

    Example:
        >>> correlate([1.0, 2.0, 3.0], [0.0, 1.0, 0.5]).tolist()
        [3.5]
    """
    from deepnum.ops.numpy._elementwise import cast

    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate: mode must be 'valid', 'same' or 'full', received {mode!r}.")
    x1, x2 = as_tensor(x1), as_tensor(x2)
    for name, t in (("x1", x1), ("x2", x2)):
        if t.ndim != 1 or t.shape[0] == 0:
            raise ValueError(
                f"correlate: {name} must be a non-empty 1-d tensor, received shape "
                f"{shape_str(t.shape)}."
            )
    dtype = _correlate_dtype(x1, x2)
    full = CorrelateFull()(cast(x1, dtype), cast(x2, dtype))
    n, m = x1.shape[0], x2.shape[0]
    if mode == "full":
        return full
    if mode == "valid":
        start, length = builtins.min(n, m) - 1, abs(n - m) + 1
    else:
        start, length = (builtins.min(n, m) - 1) // 2, builtins.max(n, m)
    return full[start : start + length]


def _correlate_dtype(x1: Tensor, x2: Tensor) -> Any:
    """Keras's rule: the promoted dtype if float16/float64, float64 for int64, else float32."""
    promoted = promote_types(x1.dtype, x2.dtype)
    if promoted == "int64":
        return "float64"
    return promoted if promoted in ("float16", "float64") else "float32"
