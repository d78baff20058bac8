"""The activation functions of Keras 3's ``keras.activations``, built on ``deepnum.ops.nn``.

Each is a plain function of a tensor (the name is what ``serialize`` writes); the maths, the
derivatives and their tests live with the ops. Keras's defaults differ from the ops in two
places: ``gelu`` is exact here (``approximate=False``) and ``relu`` takes Keras's
``negative_slope``, ``max_value`` and ``threshold``.
"""

from __future__ import annotations

from typing import Any

from deepnum import ops  # first: it completes the Tensor/ops import cycle
from deepnum.autodiff.tensor import Tensor, as_tensor

nn = ops.nn


def relu(
    x: Any, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0
) -> Tensor:
    """Rectified linear unit with Keras's options.

    f(x) = x for threshold < x (capped at ``max_value``), 0 below, minus
    negative_slope·(threshold − x) for x < threshold. With the defaults, max(x, 0).

    Example:
        >>> relu([-2.0, 0.5, 8.0], max_value=6.0).numpy().tolist()
        [0.0, 0.5, 6.0]
    """
    if negative_slope == 0 and max_value is None and threshold == 0:
        return nn.relu(x)
    x = as_tensor(x)
    negative_part = None
    if negative_slope != 0:
        if max_value is None and threshold == 0:
            return nn.leaky_relu(x, negative_slope=negative_slope)
        negative_part = nn.relu(threshold - x if threshold != 0 else -x)
    clip_max = max_value is not None
    if threshold != 0:
        y = ops.numpy.where(x.data > threshold, x, 0.0)
    elif max_value == 6:
        y, clip_max = nn.relu6(x), False
    else:
        y = nn.relu(x)
    if clip_max:
        y = ops.numpy.clip(y, 0.0, max_value)
    if negative_part is not None:
        y = y - negative_slope * negative_part
    return y


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    """x for x > 0, ``negative_slope``·x otherwise."""
    return nn.leaky_relu(x, negative_slope=negative_slope)


def relu6(x: Any) -> Tensor:
    """min(max(x, 0), 6)."""
    return nn.relu6(x)


def softmax(x: Any, axis: Any = -1) -> Tensor:
    """e^(xᵢ) / Σⱼ e^(xⱼ) along ``axis``."""
    return nn.softmax(x, axis=axis)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x for x > 0, α(eˣ − 1) otherwise."""
    return nn.elu(x, alpha=alpha)


def selu(x: Any) -> Tensor:
    """λ·elu(x, α) with λ ≈ 1.0507, α ≈ 1.6733 (self-normalising)."""
    return nn.selu(x)


def softplus(x: Any) -> Tensor:
    """log(1 + eˣ)."""
    return nn.softplus(x)


def softsign(x: Any) -> Tensor:
    """x / (1 + |x|)."""
    return nn.softsign(x)


def soft_shrink(x: Any, threshold: float = 0.5) -> Tensor:
    """x − λ above λ, x + λ below −λ, 0 in between (λ = ``threshold``)."""
    return nn.soft_shrink(x, threshold=threshold)


def sparse_plus(x: Any) -> Tensor:
    """0 for x ≤ −1, (x + 1)²/4 for −1 < x < 1, x for x ≥ 1."""
    return nn.sparse_plus(x)


def silu(x: Any) -> Tensor:
    """Sigmoid linear unit (swish), x·σ(x)."""
    return nn.silu(x)


swish = silu


def squareplus(x: Any, b: float = 4) -> Tensor:
    """(x + √(x² + b)) / 2."""
    return nn.squareplus(x, b=b)


def gelu(x: Any, approximate: bool = False) -> Tensor:
    """Gaussian error linear unit x·Φ(x); exact by default, the tanh form with
    ``approximate=True``."""
    return nn.gelu(x, approximate=approximate)


def celu(x: Any, alpha: float = 1.0) -> Tensor:
    """max(0, x) + min(0, α(e^(x/α) − 1))."""
    return nn.celu(x, alpha=alpha)


def glu(x: Any, axis: int = -1) -> Tensor:
    """a·σ(b) for the two halves a, b of ``x`` along ``axis``."""
    return nn.glu(x, axis=axis)


def tanh(x: Any) -> Tensor:
    """Hyperbolic tangent; tanh' = 1 − tanh²."""
    return ops.numpy.tanh(x)


def tanh_shrink(x: Any) -> Tensor:
    """x − tanh(x)."""
    return nn.tanh_shrink(x)


def hard_tanh(x: Any) -> Tensor:
    """clip(x, −1, 1)."""
    return nn.hard_tanh(x)


def hard_shrink(x: Any, threshold: float = 0.5) -> Tensor:
    """x where |x| > ``threshold``, else 0."""
    return nn.hard_shrink(x, threshold=threshold)


def threshold(x: Any, threshold: Any, default_value: Any) -> Tensor:
    """x where x > ``threshold``, else ``default_value``."""
    return nn.threshold(x, threshold, default_value)


def sigmoid(x: Any) -> Tensor:
    """σ(x) = 1 / (1 + e⁻ˣ); σ' = σ(1 − σ)."""
    return nn.sigmoid(x)


def exponential(x: Any) -> Tensor:
    """eˣ."""
    return ops.numpy.exp(x)


def hard_sigmoid(x: Any) -> Tensor:
    """relu6(x + 3) / 6."""
    return nn.hard_sigmoid(x)


def log_sigmoid(x: Any) -> Tensor:
    """log σ(x) = −log(1 + e⁻ˣ)."""
    return nn.log_sigmoid(x)


def sparse_sigmoid(x: Any) -> Tensor:
    """clip((x + 1)/2, 0, 1)."""
    return nn.sparse_sigmoid(x)


def hard_silu(x: Any) -> Tensor:
    """x · relu6(x + 3) / 6 (hard swish)."""
    return nn.hard_silu(x)


hard_swish = hard_silu


def linear(x: Any) -> Tensor:
    """The identity, f(x) = x."""
    return as_tensor(x)


def mish(x: Any) -> Tensor:
    """x · tanh(softplus(x)) (Misra, 2019)."""
    x = as_tensor(x)
    return x * ops.numpy.tanh(nn.softplus(x))


def log_softmax(x: Any, axis: Any = -1) -> Tensor:
    """x − log Σ eˣ along ``axis``."""
    return nn.log_softmax(x, axis=axis)


def sparsemax(x: Any, axis: int = -1) -> Tensor:
    """The projection of x onto the probability simplex along ``axis`` (exact zeros)."""
    return nn.sparsemax(x, axis=axis)


def step(x: Any) -> Tensor:
    """Heaviside step, 1 for x > 0 else 0 (beyond Keras). Its derivative is 0 almost
    everywhere, which is why gradient descent cannot train a network of perceptrons with it."""
    x = as_tensor(x)
    return Tensor._make((x.data > 0).astype(x.dtype))
