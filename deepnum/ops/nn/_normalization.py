"""Normalization ops of ``keras.ops.nn``: moments, batch_normalization, layer_normalization,
rms_normalization and normalize (an Lp normalisation).

``layer_normalization`` is one fused Function (the core of every Transformer block); the
others are short compositions of differentiable ops, so they inherit every derivative. Half
precision is computed in float32 and cast back, as Keras does; float64 stays float64.
"""

from __future__ import annotations

import warnings
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import epsilon as default_epsilon
from deepnum.backend import get_array_module
from deepnum.ops.nn._inputs import canonical_axes, canonical_axis, float_tensor
from deepnum.ops.numpy import abs as _abs
from deepnum.ops.numpy import max as _max
from deepnum.ops.numpy import maximum, mean, minimum, reshape, sqrt, squeeze
from deepnum.ops.numpy import sum as _sum

__all__ = [
    "batch_normalization",
    "layer_normalization",
    "moments",
    "normalize",
    "rms_normalization",
]


def _compute(x: Tensor) -> tuple[Tensor, Any]:
    """(x in its compute dtype, the dtype to return): float16 computes in float32."""
    x = float_tensor(x)
    if x.dtype == "float16":
        return x.astype("float32"), x.dtype
    return x, x.dtype


def _finish(y: Tensor, dtype: Any) -> Tensor:
    return y if y.dtype == dtype else y.astype(dtype)


def _param(value: Any, x: Tensor, axes: tuple[int, ...], name: str, op: str) -> Tensor | None:
    """A per-feature parameter (gamma, beta, scale) of shape x.shape[axes], reshaped so that it
    broadcasts against x (a parameter already of x's rank is used as it is)."""
    if value is None:
        return None
    p = as_tensor(value, like=x)
    p = p if p.dtype == x.dtype else p.astype(x.dtype)
    if p.ndim == x.ndim:
        return p
    want = tuple(x.shape[a] for a in axes)
    if p.size != _prod(want) or p.ndim > len(want):
        raise ValueError(
            f"{op}: `{name}` must have shape {shape_str(want)} (the normalized axes {axes} of "
            f"an input of shape {shape_str(x.shape)}), received {shape_str(p.shape)}."
        )
    if axes == (x.ndim - 1,):
        return p
    return reshape(p, tuple(s if i in axes else 1 for i, s in enumerate(x.shape)))


def _prod(shape: tuple[int, ...]) -> int:
    out = 1
    for s in shape:
        out *= s
    return out


class LayerNorm(Function):
    """x̂ = (x − μ)/√(σ² + ε) over ``axes``. With g = ∂L/∂x̂, r = 1/√(σ² + ε) and means over
    the normalized axes: ∂L/∂x = r·(g − mean(g) − x̂·mean(g·x̂))."""

    def __init__(self, axes: tuple[int, ...], eps: float) -> None:
        self.axes, self.eps = axes, eps
        self._xhat = self._r = None

    def forward(self, x):
        xp = get_array_module(x)
        xc = x - self._mean(x)
        r = self._mean(xc * xc)
        r += x.dtype.type(self.eps)
        xp.sqrt(r, out=r)
        xp.reciprocal(r, out=r)
        xc *= r
        self._xhat, self._r = xc, r
        return xc

    def backward_arrays(self, gy):
        xp = get_array_module(gy)
        xhat, r = self._xhat, self._r
        gx = gy - self._mean(gy)
        prod = gy * xhat
        gx -= xp.multiply(xhat, self._mean(prod), out=prod)
        gx *= r
        return gx

    def _mean(self, a: Any) -> Any:
        """The mean over the normalized axes, kept as size-1 axes. Over the last axis of a
        contiguous array it is one matrix-vector product with (1/D, …, 1/D): NumPy's
        reduction along short contiguous rows is several times slower than BLAS's gemv."""
        d = a.shape[-1] if a.ndim else 0
        if self.axes != (a.ndim - 1,) or not a.flags.c_contiguous or d < 2:
            return a.mean(axis=self.axes, keepdims=True)
        xp = get_array_module(a)
        w = xp.full(d, 1.0 / d, dtype=a.dtype)
        return (a.reshape(-1, d) @ w).reshape(a.shape[:-1] + (1,))

    def backward(self, gy):
        x = self.inputs[0]
        xc = x - mean(x, axis=self.axes, keepdims=True)
        r = 1 / sqrt(mean(xc * xc, axis=self.axes, keepdims=True) + self.eps)
        xhat = xc * r
        avg = mean(gy, axis=self.axes, keepdims=True)
        return r * (gy - avg - xhat * mean(gy * xhat, axis=self.axes, keepdims=True))

    def release(self) -> None:
        super().release()
        self._xhat = self._r = None


def moments(x: Any, axes: Any, keepdims: bool = False, synchronized: bool = False) -> tuple:
    """Mean and variance of ``x`` over ``axes``: μ = mean(x), σ² = mean((x − μ)²).

    Args:
        x: input tensor.
        axes: an int or a sequence of axes to reduce.
        keepdims: keep the reduced axes with size 1.
        synchronized: for Keras's distributed strategies; deepnum runs on one device, where
            the synchronized statistics are these.

    Returns:
        ``(mean, variance)``.

    Example:
        >>> m, v = moments([[1.0, 3.0], [5.0, 7.0]], axes=0)
        >>> m.numpy().tolist(), v.numpy().tolist()
        ([3.0, 5.0], [4.0, 4.0])
    """
    x, dtype = _compute(x)
    ax = canonical_axes(axes, x.ndim, "moments", "axes")
    m = mean(x, axis=ax, keepdims=True)
    xc = x - m
    v = mean(xc * xc, axis=ax, keepdims=True)
    if not keepdims:
        m, v = squeeze(m, axis=ax), squeeze(v, axis=ax)
    return _finish(m, dtype), _finish(v, dtype)


def batch_normalization(
    x: Any,
    mean: Any,
    variance: Any,
    axis: int,
    offset: Any = None,
    scale: Any = None,
    epsilon: float = 1e-3,
) -> Tensor:
    """(x − mean)·scale/√(variance + ε) + offset, with vectors along ``axis``.

    Args:
        x: input tensor.
        mean, variance: vectors of length ``x.shape[axis]``.
        axis: the feature axis.
        offset, scale: optional vectors of length ``x.shape[axis]`` (β and γ).
        epsilon: added to the variance.

    Returns:
        The normalized tensor, shaped like ``x``.

    Example:
        >>> batch_normalization([[1.0, 4.0]], [1.0, 2.0], [1.0, 4.0], axis=-1,
        ...                     epsilon=0.0).numpy().tolist()
        [[0.0, 1.0]]
    """
    x, dtype = _compute(x)
    ax = canonical_axis(axis, x.ndim, "batch_normalization")
    shape = tuple(s if i == ax else 1 for i, s in enumerate(x.shape))

    def vector(value: Any, name: str) -> Tensor:
        v = as_tensor(value, like=x)
        if v.shape != (x.shape[ax],):
            raise ValueError(
                f"batch_normalization: `{name}` must be a vector of length x.shape[axis]="
                f"{x.shape[ax]}, received shape {shape_str(v.shape)}."
            )
        return reshape(v if v.dtype == x.dtype else v.astype(x.dtype), shape)

    inv = 1 / sqrt(vector(variance, "variance") + epsilon)
    if scale is not None:
        inv = inv * vector(scale, "scale")
    y = (x - vector(mean, "mean")) * inv
    if offset is not None:
        y = y + vector(offset, "offset")
    return _finish(y, dtype)


def layer_normalization(
    x: Any,
    gamma: Any = None,
    beta: Any = None,
    axis: Any = -1,
    epsilon: float | None = None,
    **kwargs: Any,
) -> Tensor:
    """Layer normalization (Ba et al., 2016): γ·(x − μ)/√(σ² + ε) + β, with μ and σ² over
    ``axis`` of each example; one fused op whose backward is
    ∂L/∂x = r·(g − mean(g) − x̂·mean(g·x̂)), r = 1/√(σ² + ε), g = γ·∂L/∂y.

    Args:
        x: input tensor.
        gamma, beta: optional scale and offset of shape ``x.shape[axis]``.
        axis: an int or a sequence of axes to normalize over.
        epsilon: added to the variance (default ``deepnum.config.epsilon()``).
        **kwargs: ``rms_scaling=True`` (deprecated in Keras) scales by 1/√(σ² + ε) without
            centering.

    Returns:
        The normalized tensor, shaped like ``x``.

    Example:
        >>> [round(v, 4) for v in layer_normalization([0.0, 1.0, 2.0, 3.0, 4.0]).tolist()]
        [-1.4142, -0.7071, 0.0, 0.7071, 1.4142]
    """
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(
            f"layer_normalization: unexpected keyword arguments {sorted(kwargs)}; the only "
            "extra one is rms_scaling."
        )
    x, dtype = _compute(x)
    axes = canonical_axes(axis, x.ndim, "layer_normalization")
    eps = default_epsilon() if epsilon is None else float(epsilon)
    g = _param(gamma, x, axes, "gamma", "layer_normalization")
    if rms_scaling:
        warnings.warn(
            "layer_normalization: rms_scaling=True is deprecated (it scales by the variance, not "
            "the root mean square); use rms_normalization instead.",
            stacklevel=2,
        )
        xc = x - mean(x, axis=axes, keepdims=True)
        y = x / sqrt(mean(xc * xc, axis=axes, keepdims=True) + eps)
        return _finish(y if g is None else y * g, dtype)
    y = LayerNorm(axes, eps)(x)
    if g is not None:
        y = y * g
    b = _param(beta, x, axes, "beta", "layer_normalization")
    if b is not None:
        y = y + b
    return _finish(y, dtype)


def rms_normalization(
    x: Any, scale: Any = None, axis: Any = -1, epsilon: float | None = None
) -> Tensor:
    """Root-mean-square normalization (Zhang & Sennrich, 2019): x/√(mean(x²) + ε)·scale.

    Args:
        x: input tensor.
        scale: optional scale of shape ``x.shape[axis]``.
        axis: an int or a sequence of axes.
        epsilon: added to the mean square (default ``deepnum.config.epsilon()``).

    Returns:
        The normalized tensor, shaped like ``x``.

    Example:
        >>> [round(v, 4) for v in rms_normalization([3.0, 4.0], epsilon=0.0).tolist()]
        [0.8485, 1.1314]
    """
    x, dtype = _compute(x)
    axes = canonical_axes(axis, x.ndim, "rms_normalization")
    eps = default_epsilon() if epsilon is None else float(epsilon)
    y = x / sqrt(mean(x * x, axis=axes, keepdims=True) + eps)
    s = _param(scale, x, axes, "scale", "rms_normalization")
    return _finish(y if s is None else y * s, dtype)


def normalize(x: Any, axis: Any = -1, order: int = 2, epsilon: float | None = None) -> Tensor:
    """x / max(‖x‖_p, ε) over ``axis`` (p = ``order``); for p = 2, x·min(1/‖x‖₂, 1/ε).

    Args:
        x: input tensor (a scalar is treated as a vector of one element).
        axis: an int, or a pair of axes (then p = 1 is the matrix 1-norm, the largest absolute
            column sum, as NumPy's ``linalg.norm``).
        order: an int ≥ 1.
        epsilon: the lower bound of the norm (default ``deepnum.config.epsilon()``).

    Returns:
        The normalized tensor.

    Example:
        >>> normalize([3.0, 4.0]).numpy().tolist()
        [0.6000000238418579, 0.800000011920929]
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"normalize: `order` must be an int >= 1, received order={order!r}.")
    x = float_tensor(x)
    if x.ndim == 0:
        x = reshape(x, (1,))
    eps = default_epsilon() if epsilon is None else float(epsilon)
    axes = canonical_axes(axis, x.ndim, "normalize")
    if order == 2:
        inv = 1 / sqrt(_sum(x * x, axis=axes, keepdims=True))
        return x * minimum(inv, 1 / eps)
    return x / maximum(_norm(x, axes, order), eps)


def _norm(x: Tensor, axes: tuple[int, ...], order: int) -> Tensor:
    """The vector p-norm over one axis, or the matrix 1-norm over two."""
    if len(axes) == 1:
        if order == 1:
            return _sum(_abs(x), axis=axes, keepdims=True)
        return _sum(_abs(x) ** order, axis=axes, keepdims=True) ** (1 / order)
    if len(axes) == 2 and order == 1:
        return _max(_sum(_abs(x), axis=axes[0], keepdims=True), axis=axes[1], keepdims=True)
    raise ValueError(
        f"normalize: order={order} over the axes {axes} is not a norm (a matrix norm over two "
        "axes has order 1 or 2)."
    )
