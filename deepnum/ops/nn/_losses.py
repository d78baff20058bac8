"""Per-sample losses of ``keras.ops.nn``: binary, categorical and sparse categorical
cross-entropy (on probabilities or logits), and the PSNR of two signals.

On probabilities the output is clipped to [ε, 1 − ε] (ε = ``deepnum.config.epsilon()``) before
the logarithm, as Keras does; the gradient passes where the output lies inside that range. On
logits the fused, stable softmax cross-entropies of ``deepnum.ops`` are used. Everything is
differentiable twice, in the output and in the target.
"""

from __future__ import annotations

import math
from typing import Any

from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import epsilon
from deepnum.ops.nn._encoding import one_hot
from deepnum.ops.nn._fused import softmax_cross_entropy, sparse_softmax_cross_entropy
from deepnum.ops.nn._inputs import canonical_axis, float_tensor, int_array
from deepnum.ops.nn._smooth_activations import softplus
from deepnum.ops.numpy import clip, log, mean
from deepnum.ops.numpy import sum as _sum

__all__ = [
    "binary_crossentropy",
    "categorical_crossentropy",
    "psnr",
    "sparse_categorical_crossentropy",
]


def _pair(target: Any, output: Any, op: str) -> tuple[Tensor, Tensor]:
    """Float output and target of the output's dtype, with the same shape."""
    output = float_tensor(output)
    target = as_tensor(target, like=output)
    if target.dtype != output.dtype:
        target = target.astype(output.dtype)
    if target.shape != output.shape:
        raise ValueError(
            f"{op}: `target` and `output` must have the same shape, received "
            f"target.shape={shape_str(target.shape)}, output.shape={shape_str(output.shape)}."
        )
    return target, output


def _clipped_log(p: Tensor) -> Tensor:
    eps = epsilon()
    return log(clip(p, eps, 1 - eps))


def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> Tensor:
    """Elementwise binary cross-entropy −t·log p − (1 − t)·log(1 − p).

    With ``from_logits`` the output is x = logit(p) and the loss is computed stably as
    softplus(x) − t·x; otherwise p is clipped to [ε, 1 − ε].

    Args:
        target: targets in [0, 1], the shape of ``output``.
        output: probabilities, or logits with ``from_logits=True``.

    Returns:
        The loss per element, shaped like ``output``.

    Example:
        >>> round(float(binary_crossentropy([1.0], [0.0], from_logits=True)[0]), 6)
        0.693147
    """
    target, output = _pair(target, output, "binary_crossentropy")
    if from_logits:
        return softplus(output) - target * output
    return -(target * _clipped_log(output) + (1 - target) * _clipped_log(1 - output))


def categorical_crossentropy(
    target: Any, output: Any, from_logits: bool = False, axis: int = -1
) -> Tensor:
    """Cross-entropy −Σ t·log p over the class ``axis``.

    With ``from_logits`` p = softmax(output) (one fused, stable op); otherwise the output is
    rescaled to sum to one along ``axis`` and clipped to [ε, 1 − ε].

    Args:
        target: target probabilities (one-hot or soft), the shape of ``output``.
        output: probabilities, or logits with ``from_logits=True``; rank ≥ 1.
        axis: the class axis.

    Returns:
        The loss per sample: ``output``'s shape without ``axis``.

    Example:
        >>> round(float(categorical_crossentropy([0.0, 1.0], [0.5, 0.5])), 6)
        0.693147
    """
    target, output = _pair(target, output, "categorical_crossentropy")
    if output.ndim < 1:
        raise ValueError("categorical_crossentropy: `target` and `output` must be at least 1-D.")
    ax = canonical_axis(axis, output.ndim, "categorical_crossentropy")
    if from_logits:
        return softmax_cross_entropy(output, target, axis=ax)
    p = output / _sum(output, axis=ax, keepdims=True)
    return -_sum(target * _clipped_log(p), axis=ax)


def sparse_categorical_crossentropy(
    target: Any, output: Any, from_logits: bool = False, axis: int = -1
) -> Tensor:
    """Cross-entropy −log p[target] for integer class indices.

    Args:
        target: integer labels, ``output``'s shape without ``axis`` (or with that axis of
            size 1).
        output: probabilities, or logits with ``from_logits=True``.
        axis: the class axis.

    Returns:
        The loss per sample: ``output``'s shape without ``axis``.

    Example:
        >>> round(float(sparse_categorical_crossentropy([1], [[0.5, 0.5]])[0]), 6)
        0.693147
    """
    output = float_tensor(output)
    if output.ndim < 1:
        raise ValueError("sparse_categorical_crossentropy: `output` must be at least 1-D.")
    ax = canonical_axis(axis, output.ndim, "sparse_categorical_crossentropy")
    labels = int_array(target, output.data)
    if labels.ndim == output.ndim and labels.shape[ax] == 1:
        labels = labels.reshape(labels.shape[:ax] + labels.shape[ax + 1 :])
    expected = output.shape[:ax] + output.shape[ax + 1 :]
    if labels.shape != expected:
        raise ValueError(
            "sparse_categorical_crossentropy: `target` must have the shape of `output` without "
            f"the class axis {axis}, {shape_str(expected)}; received "
            f"target.shape={shape_str(labels.shape)}, output.shape={shape_str(output.shape)}."
        )
    classes = output.shape[ax]
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= classes):
        raise ValueError(
            f"sparse_categorical_crossentropy: labels must lie in [0, {classes}), received "
            f"labels from {int(labels.min())} to {int(labels.max())}."
        )
    if from_logits:
        return sparse_softmax_cross_entropy(output, labels, axis=ax)
    p = output / _sum(output, axis=ax, keepdims=True)
    mask = one_hot(labels, classes, axis=ax, dtype=output.dtype)
    return -_sum(mask * _clipped_log(p), axis=ax)


def psnr(x1: Any, x2: Any, max_val: Any) -> Tensor:
    """Peak signal-to-noise ratio, 20·log₁₀(max_val) − 10·log₁₀(mean((x1 − x2)²)), in dB.

    Args:
        x1, x2: signals of the same shape.
        max_val: the largest possible value of the signals.

    Returns:
        A scalar.

    Example:
        >>> round(float(psnr([0.0, 0.0], [0.1, 0.1], 1.0)), 4)
        20.0
    """
    a, b = float_tensor(x1), as_tensor(x2)
    if a.shape != b.shape:
        raise ValueError(
            f"psnr: `x1` and `x2` must have the same shape, received {shape_str(a.shape)} and "
            f"{shape_str(b.shape)}."
        )
    b = b if b.dtype == a.dtype else b.astype(a.dtype)
    diff = a - b
    top = as_tensor(max_val, like=a)
    top = top if top.dtype == a.dtype else top.astype(a.dtype)
    scale = 10 / math.log(10)
    return 2 * scale * log(top) - scale * log(mean(diff * diff))
