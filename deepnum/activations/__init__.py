"""Activation functions (Keras 3's ``keras.activations``), built from differentiable ops."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor, as_tensor

__all__ = [
    "elu",
    "exponential",
    "gelu",
    "get",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "serialize",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "step",
    "swish",
    "tanh",
]


def linear(x: Any) -> Tensor:
    """Identity, f(x) = x."""
    return as_tensor(x)


def step(x: Any) -> Tensor:
    """Heaviside step, f(x) = 1 if x > 0 else 0. Its derivative is 0 almost everywhere, which
    is why gradient descent cannot train a network of perceptrons with it."""
    x = as_tensor(x)
    return Tensor._make((x.data > 0).astype(x.dtype))


def sigmoid(x: Any) -> Tensor:
    """Logistic sigmoid σ(x) = 1 / (1 + e⁻ˣ); σ' = σ(1 − σ)."""
    return ops.sigmoid(x)


def tanh(x: Any) -> Tensor:
    """Hyperbolic tangent; tanh' = 1 − tanh²."""
    return ops.tanh(x)


def relu(
    x: Any, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0
) -> Tensor:
    """Rectified linear unit max(x, 0), with Keras's options.

    f(x) = max_value if x ≥ max_value; x if threshold ≤ x < max_value;
    negative_slope·(x − threshold) otherwise.
    """
    x = as_tensor(x)
    if negative_slope == 0 and max_value is None and threshold == 0:
        return ops.relu(x)
    above = x.data >= threshold
    y = ops.where(above, x, negative_slope * (x - threshold) if negative_slope else 0.0)
    if max_value is not None:
        y = ops.minimum(y, max_value)
    return y


def relu6(x: Any) -> Tensor:
    """min(max(x, 0), 6)."""
    return ops.clip(x, 0.0, 6.0)


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    """f(x) = x for x ≥ 0, negative_slope·x otherwise (Keras's function default 0.2)."""
    x = as_tensor(x)
    return ops.where(x.data >= 0, x, x * negative_slope)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """Exponential linear unit: x for x > 0, α(eˣ − 1) otherwise."""
    x = as_tensor(x)
    neg = ops.where(x.data > 0, 0.0, x)  # keeps exp finite where x is large
    return ops.where(x.data > 0, x, alpha * (ops.exp(neg) - 1))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x: Any) -> Tensor:
    """Scaled ELU: λ·elu(x, α) with λ ≈ 1.0507, α ≈ 1.6733 (self-normalising)."""
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def softplus(x: Any) -> Tensor:
    """log(1 + eˣ), computed as max(x, 0) + log1p(e^(−|x|)) so it never overflows."""
    x = as_tensor(x)
    return ops.relu(x) + ops.log1p(ops.exp(-ops.abs(x)))


def softsign(x: Any) -> Tensor:
    """x / (1 + |x|)."""
    x = as_tensor(x)
    return x / (1 + ops.abs(x))


def silu(x: Any) -> Tensor:
    """Sigmoid-weighted linear unit (swish): x·σ(x)."""
    x = as_tensor(x)
    return x * ops.sigmoid(x)


swish = silu


def gelu(x: Any, approximate: bool = False) -> Tensor:
    """Gaussian error linear unit.

    Exact: x·Φ(x) = ½x(1 + erf(x/√2)); approximate: ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    """
    x = as_tensor(x)
    if approximate:
        inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1 + ops.tanh(inner))
    return 0.5 * x * (1 + ops.erf(x * (1 / math.sqrt(2))))


def hard_sigmoid(x: Any) -> Tensor:
    """Piecewise-linear sigmoid, relu6(x + 3) / 6 (Keras 3's definition)."""
    return relu6(as_tensor(x) + 3.0) * (1.0 / 6.0)


def hard_silu(x: Any) -> Tensor:
    """x · hard_sigmoid(x)."""
    x = as_tensor(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def mish(x: Any) -> Tensor:
    """x · tanh(softplus(x))."""
    x = as_tensor(x)
    return x * ops.tanh(softplus(x))


def exponential(x: Any) -> Tensor:
    """eˣ."""
    return ops.exp(x)


def softmax(x: Any, axis: int = -1) -> Tensor:
    """e^(xᵢ) / Σⱼ e^(xⱼ) along ``axis``."""
    return ops.softmax(x, axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """x − log Σ eˣ along ``axis``."""
    return ops.log_softmax(x, axis=axis)


_ALL: dict[str, Callable] = {
    name: globals()[name] for name in __all__ if name not in ("get", "serialize")
}


def get(identifier: Any) -> Callable:
    """Resolve an activation from its name (``None`` → linear) or return a callable as is.

    Example:
        >>> get("relu").__name__
        'relu'
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _ALL.get(identifier)
        if fn is None:
            raise ValueError(
                f"Unknown activation {identifier!r}; expected one of {sorted(_ALL)} or a callable."
            )
        return fn
    if isinstance(identifier, dict):
        return get(identifier.get("config", identifier.get("class_name")))
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation identifier: {identifier!r}.")


def serialize(activation: Callable) -> str:
    """The name under which ``get`` finds ``activation``."""
    name = getattr(activation, "__name__", None)
    if name in _ALL and _ALL[name] is activation:
        return name
    raise ValueError(f"Cannot serialize activation {activation!r}: it is not a built-in.")
