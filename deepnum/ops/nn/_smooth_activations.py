"""Smooth activations of ``keras.ops.nn``: sigmoid and log_sigmoid, softplus, softsign, silu,
gelu, the exponential linear units (elu, selu, celu), squareplus, tanh_shrink and glu.

Each is one Function: the forward pass is a few array operations, the backward pass writes
f'(x) with deepnum ops, so it is itself differentiable (second derivatives, Hessians).
Integer inputs are computed in ``floatx``.
"""

from __future__ import annotations

import math
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import accel, get_array_module
from deepnum.ops.math import erf
from deepnum.ops.nn._inputs import canonical_axis, float_tensor
from deepnum.ops.numpy import abs as _abs
from deepnum.ops.numpy import exp, sqrt, tanh, where

__all__ = [
    "celu",
    "elu",
    "gelu",
    "glu",
    "log_sigmoid",
    "selu",
    "sigmoid",
    "silu",
    "softplus",
    "softsign",
    "squareplus",
    "swish",
    "tanh_shrink",
]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_GELU_C = 0.044715


def _sigmoid_array(x: Any) -> Any:
    """σ(x) = e^min(x,0) / (e^min(x,0) + e^−max(x,0)): no exponent is positive, so nothing
    overflows, and the negative tail keeps full relative precision."""
    xp = get_array_module(x)
    e = xp.minimum(x, 0)
    xp.exp(e, out=e)
    d = xp.maximum(x, 0)
    xp.negative(d, out=d)
    xp.exp(d, out=d)
    d += e
    e /= d
    return e


def _softplus_array(x: Any) -> Any:
    """log(1 + eˣ) = max(x, 0) + log1p(e^−|x|), without overflow."""
    xp = get_array_module(x)
    t = xp.abs(x)
    xp.negative(t, out=t)
    xp.exp(t, out=t)
    xp.log1p(t, out=t)
    t += xp.maximum(x, 0)
    return t


class Sigmoid(Function):
    """σ(x) = 1/(1 + e⁻ˣ), dσ/dx = σ(1 − σ)."""

    save_outputs = True

    def forward(self, x):
        return _sigmoid_array(x)

    def backward(self, gy):
        y = self.outputs[0]
        return gy * y * (1 - y)

    def backward_arrays(self, gy):
        y = self._saved[0] if self._saved is not None else self.outputs[0].data
        return gy * y * (1 - y)


class LogSigmoid(Function):
    """log σ(x) = −softplus(−x); d/dx = σ(−x)."""

    def forward(self, x):
        return -_softplus_array(-x)

    def backward(self, gy):
        return gy * sigmoid(-self.inputs[0])


class Softplus(Function):
    """log(1 + eˣ); d/dx = σ(x)."""

    def forward(self, x):
        return _softplus_array(x)

    def backward(self, gy):
        return gy * sigmoid(self.inputs[0])


class Softsign(Function):
    """x/(1 + |x|); d/dx = 1/(1 + |x|)²."""

    def forward(self, x):
        return x / (1 + get_array_module(x).abs(x))

    def backward(self, gy):
        d = 1 + _abs(self.inputs[0])
        return gy / (d * d)


class SiLU(Function):
    """x·σ(x); d/dx = σ(x)(1 + x(1 − σ(x)))."""

    def forward(self, x):
        return x * _sigmoid_array(x)

    def backward(self, gy):
        x = self.inputs[0]
        s = sigmoid(x)
        return gy * s * (1 + x * (1 - s))


class GELU(Function):
    """x·Φ(x). Exact: Φ(x) = (1 + erf(x/√2))/2, f' = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π).
    Tanh approximation: f = x(1 + tanh u)/2 with u = √(2/π)(x + 0.044715x³),
    f' = (1 + tanh u)/2 + x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²)/2.

    The forward keeps Φ(x) (exact) or tanh u (approximation), so that the first-order
    backward (``backward_arrays``) evaluates no erf or tanh again."""

    def __init__(self, approximate: bool) -> None:
        self.approximate = approximate
        self._t = None

    def forward(self, x):
        xp = get_array_module(x)
        if self.approximate:
            u = x * x
            u *= x.dtype.type(_GELU_C)
            u += 1
            u *= x
            u *= x.dtype.type(_SQRT_2_OVER_PI)
            t = xp.tanh(u, out=u)
        else:
            fused = accel.kernel_for("gelu", x) if x.dtype == xp.float32 else None
            if fused is not None:
                y, self._t = xp.empty_like(x), xp.empty_like(x)
                fused(x, y, self._t)
                return y
            t = erf(Tensor._make(x * x.dtype.type(1 / math.sqrt(2)))).data
        self._t = t  # tanh u, or erf(x/√2) until the next lines make it Φ(x)
        t += 1
        t *= x.dtype.type(0.5)
        return x * t

    def backward_arrays(self, gy):
        x = self.inputs[0].data
        xp = get_array_module(x)
        c = x.dtype.type
        if self.approximate:  # (1 + t)/2 is kept; 1 − t² = 4·h·(1 − h) with h = (1 + t)/2
            h = self._t
            g = x * x
            g *= c(3 * _GELU_C)
            g += 1
            g *= c(_SQRT_2_OVER_PI * 2)
            g *= x
            g *= h
            g *= 1 - h
            g += h
        else:  # Φ(x) + x·φ(x)
            g = x * x
            g *= c(-0.5)
            xp.exp(g, out=g)
            g *= x
            g *= c(1 / math.sqrt(2 * math.pi))
            g += self._t
        g *= gy
        return g

    def release(self) -> None:
        super().release()
        self._t = None

    def backward(self, gy):
        x = self.inputs[0]
        if self.approximate:
            t = tanh(_SQRT_2_OVER_PI * (x + _GELU_C * x * x * x))
            du = _SQRT_2_OVER_PI * (1 + 3 * _GELU_C * x * x)
            return gy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        cdf = 0.5 * (1 + erf(x * (1 / math.sqrt(2))))
        pdf = exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
        return gy * (cdf + x * pdf)


class ELU(Function):
    """scale·(x for x > 0, α(e^(x/β) − 1) otherwise): elu (β = 1, scale 1), selu (Keras's
    constants) and celu (β = α). f' = scale for x > 0, scale·(α/β)·e^(x/β) otherwise."""

    def __init__(self, alpha: float, beta: float = 1.0, scale: float = 1.0) -> None:
        self.alpha, self.beta, self.scale = alpha, beta, scale

    def forward(self, x):
        xp = get_array_module(x)
        t = xp.minimum(x, 0)  # e^(x/β) only where it is used, so nothing overflows
        if self.beta != 1:
            t *= x.dtype.type(1 / self.beta)
        xp.expm1(t, out=t)
        t *= x.dtype.type(self.alpha)
        y = xp.where(x > 0, x, t)
        if self.scale != 1:
            y *= x.dtype.type(self.scale)
        return y

    def backward(self, gy):
        x = self.inputs[0]
        pos = x.data > 0
        neg = where(pos, 0.0, x)  # e^(x/β) stays finite where x > 0
        inner = exp(neg * (1 / self.beta) if self.beta != 1 else neg) * (self.alpha / self.beta)
        return gy * (self.scale * where(pos, pos.astype(gy.dtype), inner))


class Squareplus(Function):
    """(x + √(x² + b))/2; d/dx = (1 + x/√(x² + b))/2."""

    def __init__(self, b: float) -> None:
        self.b = b

    def forward(self, x):
        xp = get_array_module(x)
        r = x * x
        r += x.dtype.type(self.b)
        xp.sqrt(r, out=r)
        r += x
        r *= x.dtype.type(0.5)
        return r

    def backward(self, gy):
        x = self.inputs[0]
        return gy * (0.5 + 0.5 * x / sqrt(x * x + self.b))


class TanhShrink(Function):
    """x − tanh x; d/dx = tanh² x."""

    def forward(self, x):
        return x - get_array_module(x).tanh(x)

    def backward(self, gy):
        t = tanh(self.inputs[0])
        return gy * (t * t)


def sigmoid(x: Any) -> Tensor:
    """Logistic function σ(x) = 1/(1 + e⁻ˣ), stable for any x.

    Example:
        >>> sigmoid([0.0]).numpy().tolist()
        [0.5]
    """
    return Sigmoid()(float_tensor(x))


def log_sigmoid(x: Any) -> Tensor:
    """log σ(x) = −log(1 + e⁻ˣ), stable for any x.

    Example:
        >>> round(float(log_sigmoid([0.0])[0]), 6)
        -0.693147
    """
    return LogSigmoid()(float_tensor(x))


def softplus(x: Any) -> Tensor:
    """log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|).

    Example:
        >>> round(float(softplus([0.0])[0]), 6)
        0.693147
    """
    return Softplus()(float_tensor(x))


def softsign(x: Any) -> Tensor:
    """x/(1 + |x|).

    Example:
        >>> softsign([-1.0, 3.0]).numpy().tolist()
        [-0.5, 0.75]
    """
    return Softsign()(float_tensor(x))


def silu(x: Any) -> Tensor:
    """Sigmoid linear unit (swish), x·σ(x).

    Example:
        >>> silu([0.0]).numpy().tolist()
        [0.0]
    """
    return SiLU()(float_tensor(x))


swish = silu


def gelu(x: Any, approximate: bool = True) -> Tensor:
    """Gaussian error linear unit x·Φ(x) (Keras's ``ops.gelu``: tanh approximation by default).

    Exact: ½x(1 + erf(x/√2)); approximate: ½x(1 + tanh(√(2/π)(x + 0.044715x³))).

    Example:
        >>> round(float(gelu([1.0], approximate=False)[0]), 5)
        0.84134
    """
    return GELU(bool(approximate))(float_tensor(x))


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """Exponential linear unit: x for x > 0, α(eˣ − 1) otherwise.

    Example:
        >>> round(float(elu([-1.0])[0]), 6)
        -0.632121
    """
    return ELU(alpha)(float_tensor(x))


def selu(x: Any) -> Tensor:
    """Scaled ELU, λ·elu(x, α) with λ ≈ 1.0507 and α ≈ 1.6733 (self-normalising).

    Example:
        >>> round(float(selu([1.0])[0]), 6)
        1.050701
    """
    return ELU(SELU_ALPHA, scale=SELU_SCALE)(float_tensor(x))


def celu(x: Any, alpha: float = 1.0) -> Tensor:
    """Continuously differentiable ELU: max(0, x) + min(0, α(e^(x/α) − 1)).

    Example:
        >>> round(float(celu([-1.0], alpha=2.0)[0]), 6)
        -0.786939
    """
    if alpha == 0:
        raise ValueError("celu: `alpha` must be non-zero (it divides x), received alpha=0.")
    return ELU(alpha, beta=alpha)(float_tensor(x))


def squareplus(x: Any, b: float = 4) -> Tensor:
    """Squareplus, (x + √(x² + b))/2: a smooth ReLU with algebraic tails.

    Example:
        >>> squareplus([0.0]).numpy().tolist()
        [1.0]
    """
    b = float(b.item() if hasattr(b, "item") else b)
    if b < 0:
        raise ValueError(
            f"squareplus: `b` must be non-negative (it is under a root), received {b}."
        )
    return Squareplus(b)(float_tensor(x))


def tanh_shrink(x: Any) -> Tensor:
    """x − tanh(x).

    Example:
        >>> tanh_shrink([0.0]).numpy().tolist()
        [0.0]
    """
    return TanhShrink()(float_tensor(x))


def glu(x: Any, axis: int = -1) -> Tensor:
    """Gated linear unit: a·σ(b), where a and b are the two halves of ``x`` along ``axis``.

    Example:
        >>> glu([1.0, 2.0, 0.0, 0.0]).numpy().tolist()
        [0.5, 1.0]
    """
    x = float_tensor(x)
    ax = canonical_axis(axis, x.ndim, "glu")
    if x.shape[ax] % 2:
        raise ValueError(
            f"glu: the size of axis {axis} must be even (it is split into a value and a gate "
            f"half), received an input of shape {x.shape}."
        )
    half = x.shape[ax] // 2
    lead = (slice(None),) * ax
    return x[lead + (slice(0, half),)] * sigmoid(x[lead + (slice(half, None),)])
