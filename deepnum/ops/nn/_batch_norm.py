"""Fused training-mode batch normalization: statistics, normalization and the affine map in
one op, with the hand-derived backward (the op behind BatchNormalization in training)."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.numpy import mean, reshape, sqrt
from deepnum.ops.numpy import sum as _sum

__all__: list[str] = []


class BatchNormTrain(Function):
    """y = γ·x̂ + β, x̂ = (x − μ)/√(σ² + ε), with μ and σ² = mean((x − μ)²) the batch
    statistics over every axis but ``axis``; outputs ``(y, μ, σ²)`` (the last two of shape
    ``(C,)``). With g = γ·∂L/∂y, r = 1/√(σ² + ε) and means over the n reduced positions:

        ∂L/∂x = r·(g − mean(g) − x̂·mean(g·x̂)) + ∂L/∂μ / n + ∂L/∂σ² · 2(x − μ)/n
        ∂L/∂γ = Σ ∂L/∂y·x̂,  ∂L/∂β = Σ ∂L/∂y.

    Inputs are ``x`` then, when present, ``γ`` and ``β`` (flags ``scale`` and ``center``).
    """

    def __init__(self, axis: int, eps: float, scale: bool, center: bool) -> None:
        self.axis, self.eps, self.scale, self.center = axis, eps, scale, center
        self._xc = self._r = None

    def _reduce_axes(self, ndim: int) -> tuple[int, ...]:
        return tuple(a for a in range(ndim) if a != self.axis)

    def _csum(self, a: Any) -> Any:
        """Σ over every axis but the channel axis, as a (C,) vector. For channels last on a
        contiguous array it is one matrix-vector product over the (n, C) view: NumPy's
        reduction over the long axis of a narrow matrix is several times slower than gemv."""
        if self.axis == a.ndim - 1 and a.flags.c_contiguous and a.ndim > 1:
            a2 = a.reshape(-1, a.shape[-1])
            xp = get_array_module(a)
            return xp.ones(a2.shape[0], dtype=a.dtype) @ a2
        return a.sum(axis=self._reduce_axes(a.ndim))

    def _bcast(self, v: Any, ndim: int) -> Any:
        return v.reshape(tuple(-1 if i == self.axis else 1 for i in range(ndim)))

    def forward(self, x, *params):
        xp = get_array_module(x)
        n = x.size // x.shape[self.axis]
        mu = self._csum(x) / x.dtype.type(n)
        xc = x - self._bcast(mu, x.ndim)
        var = self._csum(xc * xc) / x.dtype.type(n)
        r = xp.reciprocal(xp.sqrt(var + x.dtype.type(self.eps)))
        # x − μ is kept rather than x̂: backward reads x̂ only through Σ g·x̂ = r·Σ g·(x − μ)
        # and one scaled product, which spares a pass over x here.
        self._xc, self._r = xc, r
        s = r * params[0] if self.scale else r
        y = xc * self._bcast(s, x.ndim)
        if self.center:
            y += self._bcast(params[-1], x.ndim)
        return y, mu, var

    def _param_grads(self, gy_sum: Any, gyx_sum: Any) -> list:
        out = []
        if self.scale:
            out.append(gyx_sum if self.needs_input_grad[1] else None)
        if self.center:
            out.append(gy_sum if self.needs_input_grad[-1] else None)
        return out

    def backward_arrays(self, gy, gmu, gvar):
        xc, r = self._xc, self._r
        xp = get_array_module(gy)
        n = gy.dtype.type(gy.size // gy.shape[self.axis])
        gb = self._csum(gy)
        gg = self._csum(gy * xc) * r
        gx = None
        if self.needs_input_grad[0]:
            scale = r * self.inputs[1].data if self.scale else r
            nd = gy.ndim
            gx = gy - self._bcast(gb / n, nd)
            gx -= xc * self._bcast(gg * r / n, nd)
            gx *= self._bcast(scale, nd)
            if xp.any(gmu):
                gx += self._bcast(gmu / n, nd)
            if xp.any(gvar):
                gx += xc * self._bcast(gvar * 2 / n, nd)
        return (gx, *self._param_grads(gb, gg))

    def backward(self, gy, gmu, gvar):
        x = self.inputs[0]
        axes = self._reduce_axes(x.ndim)
        shape = tuple(s if i == self.axis else 1 for i, s in enumerate(x.shape))
        n = x.size // x.shape[self.axis]
        xc = x - mean(x, axis=axes, keepdims=True)
        r = 1 / sqrt(mean(xc * xc, axis=axes, keepdims=True) + self.eps)
        xhat = xc * r
        gx = None
        if self.needs_input_grad[0]:
            g = gy * reshape(self.inputs[1], shape) if self.scale else gy
            avg = mean(g, axis=axes, keepdims=True)
            gx = r * (g - avg - xhat * mean(g * xhat, axis=axes, keepdims=True))
            gx = gx + reshape(gmu, shape) / n + reshape(gvar, shape) * (2 / n) * xc
        gyx_sum = _sum(gy * xhat, axis=axes) if self.scale else None
        gy_sum = _sum(gy, axis=axes) if self.center else None
        return (gx, *self._param_grads(gy_sum, gyx_sum))

    def release(self) -> None:
        super().release()
        self._xc = self._r = None


def batch_norm_train(
    x: Any, gamma: Any = None, beta: Any = None, axis: int = -1, epsilon: float = 1e-3
) -> tuple[Tensor, Tensor, Tensor]:
    """Training-mode batch normalization, fused: y = γ·(x − μ)/√(σ² + ε) + β with μ and the
    biased σ² = mean((x − μ)²) over every axis but ``axis``.

    Args:
        x: input tensor of at least one dimension.
        gamma, beta: optional scale and offset, vectors of length ``x.shape[axis]`` of x's dtype.
        axis: the channel axis.
        epsilon: added to the variance.

    Returns:
        ``(y, mean, variance)``: y shaped like x, the batch statistics of shape ``(C,)``.

    Example:
        >>> y, m, v = batch_norm_train([[1.0], [3.0]], epsilon=0.0)
        >>> y.numpy().ravel().tolist(), m.numpy().tolist(), v.numpy().tolist()
        ([-1.0, 1.0], [2.0], [1.0])
    """
    x = as_tensor(x)
    if x.ndim < 1 or not -x.ndim <= axis < x.ndim:
        raise ValueError(
            f"batch_norm_train: axis={axis} is out of range for an input of shape "
            f"{shape_str(x.shape)}; pass the channel axis of the input."
        )
    axis %= x.ndim
    params = []
    for name, p in (("gamma", gamma), ("beta", beta)):
        if p is None:
            continue
        p = as_tensor(p, like=x)
        if p.shape != (x.shape[axis],):
            raise ValueError(
                f"batch_norm_train: `{name}` must be a vector of length x.shape[axis]="
                f"{x.shape[axis]}, received shape {shape_str(p.shape)}."
            )
        params.append(p if p.dtype == x.dtype else p.astype(x.dtype))
    fn = BatchNormTrain(axis, float(epsilon), gamma is not None, beta is not None)
    return fn(x, *params)
