"""Fused ops: the affine map ``linear`` and softmax cross-entropy. Each keeps a
hand-derived backward that is itself written in deepnum ops, so it stays differentiable twice."""

from __future__ import annotations

import contextlib
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.nn._encoding import one_hot
from deepnum.ops.nn._recurrent_scan import serial_blas
from deepnum.ops.nn._softmax import log_softmax, shifted, softmax
from deepnum.ops.numpy import matmul, reshape, swapaxes
from deepnum.ops.numpy import sum as _sum
from deepnum.ops.numpy._broadcast import sum_to, sum_to_array

__all__ = []


class Linear(Function):
    """y = x W + b for x of shape (..., in), W (in, out), b (out,) — Keras's Dense layout.

    ∂L/∂x = G Wᵀ, ∂L/∂W = xᵀ G (leading axes flattened), ∂L/∂b = Σ G over leading axes.
    """

    def forward(self, x, w, b=None):
        y = _rows_matmul(x, w)
        if b is not None:
            y += b
        return y

    def backward(self, gy):
        x, w = self.inputs[0], self.inputs[1]
        need = self.needs_input_grad
        gx = matmul(gy, swapaxes(w, 0, 1)) if need[0] else None
        gw = None
        if need[1]:
            x2 = reshape(x, (-1, x.shape[-1]))
            gw = matmul(swapaxes(x2, 0, 1), reshape(gy, (-1, gy.shape[-1])))
        if len(self.inputs) == 2:
            return gx, gw
        gb = sum_to(gy, self.inputs[2].shape) if need[2] else None
        return gx, gw, gb

    def backward_arrays(self, gy):
        x, w = self.inputs[0].data, self.inputs[1].data
        need = self.needs_input_grad
        gx = _rows_matmul(gy, w.T) if need[0] else None
        gw = _weight_gradient(x, gy) if need[1] else None
        if len(self.inputs) == 2:
            return gx, gw
        gb = sum_to_array(gy, self.inputs[2].data.shape) if need[2] else None
        return gx, gw, gb


# OpenBLAS runs a GEMM of more than 2¹⁸ multiply-adds on all its threads. Up to SMALL_GEMM
# (0.2 ms on one core) a second thread saves at most a tenth of a millisecond, and costs
# milliseconds when the cores are busy (each call waits for every thread to be scheduled):
# such GEMMs run on one thread.
SMALL_GEMM = 1 << 23


def _blas_threads(xp, multiply_adds: int):
    if (1 << 18) < multiply_adds < SMALL_GEMM:
        return serial_blas(xp)
    return contextlib.nullcontext()


def _rows_matmul(x, w):
    """x (..., k) · w (k, m) as one GEMM on the rows of x: NumPy's matmul would run one
    GEMM per leading index (and sync BLAS's threads for each)."""
    x2 = x.reshape(-1, x.shape[-1]) if x.ndim > 2 else x
    with _blas_threads(get_array_module(x), x2.size * w.shape[-1]):
        y = x2 @ w
    return y.reshape(x.shape[:-1] + (w.shape[1],)) if x.ndim > 2 else y


def _weight_gradient(x, gy):
    """xᵀ G over the rows of x (…, in) and G (…, out), as (in, out). With the long row axis
    contracted, OpenBLAS splits such a GEMM across its threads well when the result has at
    least as many rows as columns, and very badly (several times slower, far worse on busy
    cores) otherwise: the narrow case is computed as (Gᵀ x)ᵀ."""
    xp = get_array_module(x)
    x2, g2 = x.reshape(-1, x.shape[-1]), gy.reshape(-1, gy.shape[-1])
    with _blas_threads(xp, x2.size * g2.shape[1]):
        if x2.shape[1] >= g2.shape[1]:
            return x2.T @ g2
        return xp.ascontiguousarray((g2.T @ x2).T)


class SoftmaxCrossEntropy(Function):
    """Per-sample cross-entropy of softmax(logits) against target probabilities.

    loss = −Σᵢ tᵢ log softmax(x)ᵢ = logΣ eˣ·Σt − Σ tᵢ xᵢ; ∂loss/∂x = softmax(x)·Σt − t,
    ∂loss/∂t = −log softmax(x).
    """

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, logits, targets):
        xp = get_array_module(logits)
        s = shifted(logits, self.axis)
        logp = s - xp.log(xp.exp(s).sum(axis=self.axis, keepdims=True))
        # 0·log 0 counts as 0 (a one-hot target against a -inf logit).
        prod = xp.where(targets == 0, 0, targets * logp)
        return -prod.sum(axis=self.axis)

    def backward(self, gy):
        logits, targets = self.inputs
        g = reshape(
            gy, gy.shape[: self.axis % logits.ndim] + (1,) + gy.shape[self.axis % logits.ndim :]
        )
        gx = gt = None
        if self.needs_input_grad[0]:
            p = softmax(logits, axis=self.axis)
            gx = g * (p * _sum(targets, axis=self.axis, keepdims=True) - targets)
        if self.needs_input_grad[1]:
            gt = sum_to(-g * log_softmax(logits, axis=self.axis), targets.shape)
        return gx, gt


def linear(x: Any, w: Any, b: Any = None) -> Tensor:
    """Fused affine map ``x @ w + b`` (Keras's Dense kernel layout ``(in, out)``).

    Example:
        >>> linear([[1.0, 2.0]], [[1.0], [1.0]], [0.5]).numpy().tolist()
        [[3.5]]
    """
    x, w = as_tensor(x), as_tensor(w)
    if x.shape[-1:] != w.shape[:1]:
        raise ValueError(
            f"linear: input of shape {shape_str(x.shape)} does not match a kernel of shape "
            f"{shape_str(w.shape)}; the last input axis must equal the kernel's first axis."
        )
    if b is None:
        return Linear()(x, w)
    return Linear()(x, w, as_tensor(b))


def softmax_cross_entropy(logits: Any, targets: Any, axis: int = -1) -> Tensor:
    """Per-sample −Σ t log softmax(logits), fused and stable for logits of any size.

    Args:
        logits: unnormalised scores, shape ``(..., classes)``.
        targets: probabilities (one-hot or soft labels) of the same shape.

    Returns:
        The loss per sample, shape ``(...)``.
    """
    logits, targets = as_tensor(logits), as_tensor(targets, like=as_tensor(logits))
    if logits.shape != targets.shape:
        raise ValueError(
            f"softmax_cross_entropy: logits of shape {shape_str(logits.shape)} and targets of "
            f"shape {shape_str(targets.shape)} must have the same shape (one-hot targets; use "
            "sparse_softmax_cross_entropy for integer labels)."
        )
    return SoftmaxCrossEntropy(axis)(logits, targets.astype(logits.dtype))


def sparse_softmax_cross_entropy(logits: Any, labels: Any, axis: int = -1) -> Tensor:
    """Per-sample −log softmax(logits)[label] for integer labels: the shape of ``logits``
    without its class ``axis`` (``logits.shape[:-1]`` by default)."""
    logits = as_tensor(logits)
    labels = labels.data if isinstance(labels, Tensor) else labels
    xp = get_array_module(logits.data)
    labels = xp.asarray(labels)
    axis = axis % logits.ndim
    expected = logits.shape[:axis] + logits.shape[axis + 1 :]
    if labels.shape != expected:
        raise ValueError(
            f"sparse_softmax_cross_entropy: labels of shape {shape_str(labels.shape)} do not "
            f"match logits of shape {shape_str(logits.shape)}; expected labels of shape "
            f"{shape_str(expected)} (the logits without the class axis {axis})."
        )
    targets = one_hot(labels, logits.shape[axis], axis=axis, dtype=logits.dtype)
    return SoftmaxCrossEntropy(axis)(logits, targets)
