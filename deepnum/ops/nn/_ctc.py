"""Connectionist Temporal Classification (CTC) loss, with Keras 3's ``ops.ctc_loss`` conventions.

For logits u of shape (batch, T, C), y = softmax(u) and a label sequence l of length U, insert
blanks to get l' = (b, l₁, b, l₂, …, b) of length 2U + 1. The forward variables
α_t(s) = P(prefix of l' up to s at time t) follow, in log space,

    α_t(s) = y_t(l'_s) · (α_{t−1}(s) + α_{t−1}(s−1) + [l'_s ≠ b, l'_s ≠ l'_{s−2}] α_{t−1}(s−2))

and p(l|x) = α_{T−1}(2U) + α_{T−1}(2U−1). The backward variables β mirror this from the end; the
posterior of state s at time t is γ_t(s) = α_t(s) β_t(s) / y_t(l'_s) / p, and the gradient of
the loss −log p(l|x) with respect to the logits is

    ∂(−log p)/∂u_t(k) = y_t(k) − Σ_{s: l'_s = k} γ_t(s)        (t < output_length, else 0).

Both recursions are vectorized over the batch and the states; the loop runs over time.
"""

from __future__ import annotations

from typing import Any

import numpy as np  # np.errstate: CuPy has none, and the GPU never warns

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import floatx, get_array_module, is_float_dtype
from deepnum.ops.numpy import reshape

__all__ = ["ctc_loss"]


def _logsumexp3(xp: Any, a: Any, b: Any, c: Any) -> Any:
    """log(eᵃ + eᵇ + eᶜ) elementwise, −∞ when all three are −∞."""
    m = xp.maximum(xp.maximum(a, b), c)
    m = xp.where(xp.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        return m + xp.log(xp.exp(a - m) + xp.exp(b - m) + xp.exp(c - m))


def _shift(xp: Any, x: Any, k: int, fill: float) -> Any:
    """Shift along the last axis by k (k > 0: towards higher indices), filling with ``fill``."""
    out = xp.full_like(x, fill)
    if k > 0:
        out[..., k:] = x[..., :-k]
    else:
        out[..., :k] = x[..., -k:]
    return out


class CTCLoss(Function):
    """Per-sample CTC loss −log p(target | logits); the backward pass uses α/β posteriors."""

    def __init__(self, target: Any, target_length: Any, output_length: Any, blank: int) -> None:
        self.target, self.blank = target, blank
        self.target_length, self.output_length = target_length, output_length

    def forward(self, logits):
        xp = get_array_module(logits)
        batch, steps, _ = logits.shape
        m = logits.max(axis=-1, keepdims=True)
        shifted = logits - xp.where(xp.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):
            log_probs = shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))

        # Extended labels l' (blanks between labels; padding beyond a length becomes blank).
        width = 2 * self.target.shape[1] + 1
        inside = xp.arange(self.target.shape[1]) < self.target_length[:, None]
        ext = xp.full((batch, width), self.blank, dtype="int64")
        ext[:, 1::2] = xp.where(inside, self.target, self.blank)
        s = xp.arange(width)
        skip = (s % 2 == 1) & (s >= 2)
        skip = skip & (ext != _shift(xp, ext, 2, -1))
        lp = xp.take_along_axis(
            log_probs, xp.broadcast_to(ext[:, None, :], (batch, steps, width)), axis=2
        ).transpose(1, 0, 2)  # (T, batch, width)

        neg_inf = xp.asarray(-xp.inf, dtype=logits.dtype)
        active = self.output_length > 0
        alpha = xp.full((steps, batch, width), neg_inf, dtype=logits.dtype)
        first = xp.full((batch, width), neg_inf, dtype=logits.dtype)
        first[:, 0] = xp.where(active, lp[0, :, 0], 0)  # no frame at all: the empty prefix
        if width > 1:
            has_label = active & (self.target_length > 0)
            first[:, 1] = xp.where(has_label, lp[0, :, 1], neg_inf)
        if steps:
            alpha[0] = first
        for t in range(1, steps):
            prev = alpha[t - 1]
            a2 = xp.where(skip, _shift(xp, prev, 2, neg_inf), neg_inf)
            new = _logsumexp3(xp, prev, _shift(xp, prev, 1, neg_inf), a2) + lp[t]
            alpha[t] = xp.where((t < self.output_length)[:, None], new, prev)

        end = 2 * self.target_length
        last = alpha[-1] if steps else first
        rows = xp.arange(batch)
        before_end = xp.where(end > 0, last[rows, xp.maximum(end - 1, 0)], neg_inf)
        log_p = xp.logaddexp(last[rows, end], before_end)
        self._saved_arrays = (log_probs, ext, skip, lp, alpha, log_p)
        return (-log_p).astype(logits.dtype, copy=False)

    def backward(self, gy):
        grad = _CTCGradient(self._gradient())(self.inputs[0])
        return reshape(gy, (-1, 1, 1)) * grad

    def _gradient(self) -> Any:
        """softmax(u) − posteriors, zero past each output length and for infeasible targets."""
        log_probs, ext, skip, lp, alpha, log_p = self._saved_arrays
        xp = get_array_module(log_probs)
        steps, batch, width = lp.shape
        neg_inf = xp.asarray(-xp.inf, dtype=lp.dtype)
        end = 2 * self.target_length
        s = xp.arange(width)
        final = (s == end[:, None]) | ((s == end[:, None] - 1) & (end[:, None] > 0))
        skip_from = _shift(xp, skip, -2, False)  # may s jump to s + 2?
        beta = xp.full_like(alpha, neg_inf)
        nxt = xp.full((batch, width), neg_inf, dtype=lp.dtype)
        for t in range(steps - 1, -1, -1):
            b2 = xp.where(skip_from, _shift(xp, nxt, -2, neg_inf), neg_inf)
            rec = _logsumexp3(xp, nxt, _shift(xp, nxt, -1, neg_inf), b2) + lp[t]
            start = xp.where(final, lp[t], neg_inf)
            last_frame = (t == self.output_length - 1)[:, None]
            inside = (t < self.output_length - 1)[:, None]
            nxt = xp.where(last_frame, start, xp.where(inside, rec, neg_inf))
            beta[t] = nxt
        with np.errstate(invalid="ignore", over="ignore"):
            log_gamma = xp.where(xp.isfinite(lp), alpha + beta - lp, neg_inf)
            post = xp.exp(log_gamma - log_p[None, :, None]).transpose(1, 0, 2)  # (batch, T, w)
        one_hot = (ext[:, :, None] == xp.arange(log_probs.shape[-1])).astype(lp.dtype)
        frames = (xp.arange(steps)[None, :] < self.output_length[:, None])[:, :, None]
        grad = xp.exp(log_probs) * frames - post @ one_hot
        feasible = xp.isfinite(log_p)[:, None, None]
        return xp.where(feasible, grad, 0).astype(lp.dtype, copy=False)


class _CTCGradient(Function):
    """The constant ∂loss/∂logits computed from the posteriors (first order only)."""

    def __init__(self, grad: Any) -> None:
        self.grad = grad

    def forward(self, logits):
        return self.grad

    def backward(self, gy):
        raise NotImplementedError(
            "ctc_loss: second derivatives are not implemented (the gradient comes from the "
            "alpha/beta posteriors); differentiate ctc_loss once only."
        )


def _int_array(xp: Any, value: Any, name: str, shape: tuple[int, ...]) -> Any:
    arr = xp.asarray(value.data if isinstance(value, Tensor) else value)
    if arr.shape != shape:
        raise ValueError(
            f"ctc_loss: `{name}` must have shape {shape_str(shape)}, received "
            f"{shape_str(arr.shape)}."
        )
    return arr.astype("int64")


def ctc_loss(
    target: Any, output: Any, target_length: Any, output_length: Any, mask_index: int = 0
) -> Tensor:
    """CTC loss per sample, −log p(target | output), as ``keras.ops.ctc_loss``.

    Args:
        target: integer labels, shape ``(batch, max_label_length)``; entries past each
            ``target_length`` are ignored.
        output: logits, shape ``(batch, max_time, num_classes)`` (log-softmax is applied inside).
        target_length: label lengths, shape ``(batch,)``.
        output_length: number of valid time steps per sample, shape ``(batch,)``.
        mask_index: the blank class (default 0).

    Returns:
        Losses of shape ``(batch,)``; +∞ where the target cannot fit in the output length.
        Differentiable (once) with respect to ``output``.

    Example:
        >>> import numpy as np
        >>> logits = np.zeros((1, 2, 2))  # uniform over {blank, "a"}
        >>> round(float(ctc_loss([[1]], logits, [1], [2])[0]), 4)  # paths "a·", "·a", "aa"
        0.2877
    """
    output = as_tensor(output)
    if not is_float_dtype(output.dtype):
        output = output.astype(floatx())
    if output.ndim != 3:
        raise ValueError(
            "ctc_loss: `output` must be logits of shape (batch, max_time, num_classes), "
            f"received shape {shape_str(output.shape)}."
        )
    xp = get_array_module(output.data)
    batch, steps, classes = output.shape
    tgt = xp.asarray(target.data if isinstance(target, Tensor) else target)
    if tgt.ndim != 2 or tgt.shape[0] != batch:
        raise ValueError(
            f"ctc_loss: `target` must have shape (batch, max_label_length) with batch={batch} "
            f"(from output of shape {shape_str(output.shape)}), received {shape_str(tgt.shape)}."
        )
    tgt = tgt.astype("int64")
    tlen = _int_array(xp, target_length, "target_length", (batch,))
    olen = _int_array(xp, output_length, "output_length", (batch,))
    if batch and (int(tlen.min()) < 0 or int(tlen.max()) > tgt.shape[1]):
        raise ValueError(
            f"ctc_loss: target_length must lie in [0, {tgt.shape[1]}] (the target width), "
            f"received values from {int(tlen.min())} to {int(tlen.max())}."
        )
    if batch and (int(olen.min()) < 0 or int(olen.max()) > steps):
        raise ValueError(
            f"ctc_loss: output_length must lie in [0, {steps}] (the output's time axis), "
            f"received values from {int(olen.min())} to {int(olen.max())}."
        )
    inside = xp.arange(tgt.shape[1]) < tlen[:, None]
    used = tgt[inside]
    if used.size and (int(used.min()) < 0 or int(used.max()) >= classes):
        raise ValueError(
            f"ctc_loss: labels must lie in [0, {classes}) for {classes} classes, received "
            f"labels from {int(used.min())} to {int(used.max())}."
        )
    if not 0 <= mask_index < classes:
        raise ValueError(f"ctc_loss: mask_index={mask_index} is not a class in [0, {classes}).")
    return CTCLoss(tgt, tlen, olen, int(mask_index))(output)
