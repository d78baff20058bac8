"""Scaled dot-product attention (Keras's ``ops.dot_product_attention``) as one fused Function.

Layout is Keras's: query (B, T, N, H), key and value (B, S, K, H) with N = G·K query heads
sharing each of the K key/value heads (K = N: multi-head, 1 < K < N: grouped-query, K = 1:
multi-query attention). Query head n reads key/value head ⌊n/G⌋. The heads are viewed as
(B, K, G, ·, ·) so that every product is one batched GEMM with the key/value broadcast over G:
no key is repeated in memory. With s the scale (1/√H by default):

    L = s·Q Kᵀ (+ bias, + mask),   P = softmax(L) over the keys,   O = P V

and, for an upstream gradient dO (FlashAttention's formulation):

    dV = Σ_g Pᵀ dO,   dP = dO Vᵀ,   dL = P ∘ (dP − rowsum(dO ∘ O)),
    dQ = s·dL K,      dK = s·Σ_g dLᵀ Q,   dbias = dL summed to the bias's shape.

A boolean ``mask`` (True: attend) adds a large negative number where it is False, as Keras
does; ``is_causal`` alone sets L to −∞ above the diagonal through one (T, S) triangle that
broadcasts over batch and heads. The first-order backward runs on arrays
(``backward_arrays``); ``backward`` writes the same formulas with deepnum ops, recomputing P
from the inputs, so the attention is differentiable any number of times.
"""

from __future__ import annotations

import math
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.nn._inputs import raw
from deepnum.ops.nn._recurrent_scan import MAX_PARTS, run_parts
from deepnum.ops.nn._softmax import MIN_SUM, UNSHIFTED_MAX, softmax
from deepnum.ops.numpy import expand_dims, matmul, reshape, swapaxes, tanh, transpose, where
from deepnum.ops.numpy import sum as _sum
from deepnum.ops.numpy._broadcast import sum_to, sum_to_array

__all__ = ["dot_product_attention"]

# Keras's additive mask value: a large negative that stays finite (−0.7 × float32's max, or
# float16's), so a row with no allowed key averages all values instead of giving nan.
_MASK_VALUE = {"float16": -0.7 * 65500.0}
_MASK_VALUE_DEFAULT = -0.7 * 3.38953e38


def _heads(x: Any, groups: int) -> Any:
    """(B, T, N, H) → the view (B, K, G, T, H), N = K·G."""
    b, t, n, h = x.shape
    return x.reshape(b, t, n // groups, groups, h).transpose(0, 2, 3, 1, 4)


def _unheads(x: Any) -> Any:
    """(B, K, G, T, H) → (B, T, K·G, H), contiguous."""
    b, k, g, t, h = x.shape
    return x.transpose(0, 3, 1, 2, 4).reshape(b, t, k * g, h)


class DotProductAttention(Function):
    """O = softmax(s·Q Kᵀ + bias + mask) V over (B, T, N, H) queries; see the module doc.

    Inputs: query, key, value, and optionally an additive bias broadcastable to (B, N, T, S).
    ``mask_add`` is a constant additive array (or None), ``causal`` a (T, S) boolean triangle
    of the masked positions (or None), ``cap`` the logits soft cap (or None).

    On NumPy arrays a large batch is cut into parts that run at the same time on worker
    threads, each with BLAS on one thread (``batch_parts``): the per-head products are small
    GEMMs that a second BLAS thread slows down, and NumPy's elementwise passes (the
    exponentials, the row sums) run on one core; the parts release the GIL in both.
    """

    save_outputs = True

    def __init__(self, scale: float, groups: int, mask_add: Any, causal: Any, cap: Any) -> None:
        self.scale, self.groups, self.cap = scale, groups, cap
        self.mask_add, self.causal = mask_add, causal
        self._exp = self._inv = self._qs = self._capped = None

    def forward(self, q, k, v, bias=None):
        xp = get_array_module(q)
        b, t, n, h = q.shape
        s, g = k.shape[1], self.groups
        heads = (b, n // g, g, t)
        self._qs = xp.empty(heads + (h,), q.dtype)
        self._exp = xp.empty(heads + (s,), q.dtype)  # the logits, then E = exp(L − shift)
        self._inv = xp.empty(heads + (1,), q.dtype)  # 1 / Σ E
        self._capped = None if self.cap is None else xp.empty((b, n, t, s), q.dtype)
        out = xp.empty(heads + (v.shape[3],), q.dtype)

        def part(sl: slice) -> None:
            capped = None if self._capped is None else self._capped[sl]
            inputs = (q[sl], k[sl], v[sl], _rows(bias, sl), _rows(self.mask_add, sl))
            kept = (self._qs[sl], self._exp[sl], self._inv[sl], out[sl], capped)
            self._forward_part(*inputs, *kept)

        _run_parts(part, b, n * t * s, xp)
        return _unheads(out)

    def _forward_part(self, q, k, v, bias, mask_add, qs, e, inv, out, capped) -> None:
        """The forward of a slice of the batch, into slices of the kept arrays."""
        xp = get_array_module(q)
        b, t, n, _ = q.shape
        s = k.shape[1]
        xp.multiply(_heads(q, self.groups), q.dtype.type(self.scale), out=qs)
        self._logits(k, bias, mask_add, qs, e, capped)
        l4 = e.reshape(b, n, t, s)
        ones = xp.ones(s, dtype=l4.dtype)
        sums = None
        # Softmax is shift-invariant; the shift by each row's max only guards exp against
        # overflow. Logits that are all ≤ UNSHIFTED_MAX cannot overflow, so E = exp(L) skips
        # the row maxima and the subtraction (two passes over (T, S)); a row whose Σ E comes
        # out below MIN_SUM (all its logits very negative) makes the part start again with
        # the shift. Masked logits (Keras's large negative) take the shifted path directly.
        if mask_add is None and l4.max() <= UNSHIFTED_MAX:
            xp.exp(l4, out=l4)
            sums = l4.reshape(-1, s) @ ones
            if not (sums >= MIN_SUM).all():
                self._logits(k, bias, mask_add, qs, e, capped)
                sums = None
        if sums is None:
            l4 -= l4.max(axis=-1, keepdims=True)
            xp.exp(l4, out=l4)
            # The row sums are one matrix-vector product (BLAS), 2-3x faster than NumPy's
            # reduction along rows of S contiguous values.
            sums = l4.reshape(-1, s) @ ones
        # P = E/Σ E is never formed: O = (E V)/Σ E divides (T, H) values instead of (T, S).
        xp.divide(1, sums.reshape(b, n, t, 1), out=inv.reshape(b, n, t, 1))
        xp.matmul(e, v.transpose(0, 2, 1, 3)[:, :, None], out=out)
        out *= inv

    def _logits(self, k, bias, mask_add, qs, e, capped) -> None:
        """L = (sQ) Kᵀ (+ bias, soft cap, + mask, causal −∞) into ``e``, (b, K, G, T, S)."""
        xp = get_array_module(k)
        b, kh, g, t, s = e.shape
        xp.matmul(qs, k.transpose(0, 2, 1, 3)[:, :, None].swapaxes(-1, -2), out=e)
        l4 = e.reshape(b, kh * g, t, s)
        if bias is not None:
            l4 += bias
        if capped is not None:
            xp.tanh(l4 / e.dtype.type(self.cap), out=capped)
            xp.multiply(capped, e.dtype.type(self.cap), out=l4)
        if mask_add is not None:
            l4 += mask_add
        if self.causal is not None:
            xp.copyto(l4, e.dtype.type(-xp.inf), where=self.causal)

    def backward_arrays(self, gy):
        xp = get_array_module(gy)
        q, k, v = (x.data for x in self.inputs[:3])
        need = self.needs_input_grad
        with_bias = len(need) > 3
        out = self._saved[0]
        grads = [xp.empty_like(x) if need[i] else None for i, x in enumerate((q, k, v))]
        bias_grad = with_bias and need[3]
        keep = [] if bias_grad else None  # the logits' gradient, for the bias's

        def part(sl: slice) -> None:
            capped = None if self._capped is None else self._capped[sl]
            dl = self._backward_part(
                gy[sl], k[sl], v[sl], out[sl], self._exp[sl], self._inv[sl], self._qs[sl],
                capped, *(None if gr is None else gr[sl] for gr in grads),
            )  # fmt: skip
            if keep is not None:
                keep.append(dl)

        b, t, n, _ = q.shape
        # The bias's gradient sums the logits' gradient over the whole batch: one part.
        _run_parts(part, b, 0 if bias_grad else n * t * k.shape[1], xp)
        gb = None
        if bias_grad:
            gb = sum_to_array(keep[0].reshape(b, n, t, -1), self.inputs[3].data.shape)
        return (*grads, gb) if with_bias else tuple(grads)

    def _backward_part(self, gy, k, v, out, e, inv, qs, capped, gq, gk, gv) -> Any:
        """The first-order gradients of a slice of the batch, written into slices of the
        gradient arrays (None where not needed); returns the logits' gradient or None."""
        xp = get_array_module(gy)
        bsz, kh, g, t, s = e.shape
        dos = _heads(gy, g) * inv  # dO/Σ E, contiguous (B, K, G, T, Hv)
        if gv is not None:  # Σ_g Pᵀ dO = Σ_g Eᵀ (dO/Σ E), one GEMM over the G·T rows
            e_t = e.reshape(bsz, kh, g * t, s).swapaxes(-1, -2)
            gv[...] = xp.matmul(e_t, dos.reshape(bsz, kh, g * t, -1)).transpose(0, 2, 1, 3)
        if gq is None and gk is None and not any(self.needs_input_grad[3:]):
            return None
        v5 = v.transpose(0, 2, 1, 3)[:, :, None]
        dl = xp.matmul(dos, v5.swapaxes(-1, -2))  # dP/Σ E, (B, K, G, T, S)
        rows = xp.einsum("...h,...h->...", gy, out)  # rowsum(dO ∘ O) = rowsum(dP ∘ P)
        dl -= rows.reshape(bsz, t, kh, g).transpose(0, 2, 3, 1)[..., None] * inv
        dl *= e  # P ∘ (dP − rowsum)
        if capped is not None:
            dl *= 1 - capped.reshape(dl.shape) ** 2
        if gq is not None:
            k5 = k.transpose(0, 2, 1, 3)[:, :, None]
            prod = xp.matmul(dl, k5)
            prod *= gy.dtype.type(self.scale)
            gq[...] = _unheads(prod)
        if gk is not None:  # s·Σ_g dLᵀ Q = Σ_g dLᵀ (sQ)
            dlf = dl.reshape(bsz, kh, g * t, s).swapaxes(-1, -2)
            gk[...] = xp.matmul(dlf, qs.reshape(bsz, kh, g * t, -1)).transpose(0, 2, 1, 3)
        return dl

    def backward(self, gy):
        q, k, v = self.inputs[:3]
        bias = self.inputs[3] if len(self.inputs) > 3 else None
        g, scale = self.groups, self.scale
        bsz, t, n, _ = q.shape
        kh, s = k.shape[2], k.shape[1]
        q5 = transpose(reshape(q, (bsz, t, kh, g, q.shape[3])), (0, 2, 3, 1, 4))
        k5 = expand_dims(transpose(k, (0, 2, 1, 3)), 2)
        v5 = expand_dims(transpose(v, (0, 2, 1, 3)), 2)
        logits = reshape(matmul(q5 * scale, swapaxes(k5, -1, -2)), (bsz, n, t, s))
        if bias is not None:
            logits = logits + bias
        capped = None
        if self.cap is not None:
            capped = tanh(logits * (1 / self.cap))
            logits = capped * self.cap
        if self.mask_add is not None:
            logits = logits + self.mask_add
        if self.causal is not None:
            logits = where(self.causal, float("-inf"), logits)
        p = reshape(softmax(logits, axis=-1), (bsz, kh, g, t, s))
        do = transpose(reshape(gy, (bsz, t, kh, g, gy.shape[3])), (0, 2, 3, 1, 4))
        gv = transpose(_sum(matmul(swapaxes(p, -1, -2), do), axis=2), (0, 2, 1, 3))
        dp = matmul(do, swapaxes(v5, -1, -2))
        dl = p * (dp - _sum(dp * p, axis=-1, keepdims=True))
        if capped is not None:
            dl = dl * (1 - reshape(capped * capped, dl.shape))
        gb = None if bias is None else sum_to(reshape(dl, (bsz, n, t, s)), bias.shape)
        gq = reshape(transpose(matmul(dl, k5) * scale, (0, 3, 1, 2, 4)), q.shape)
        gk = transpose(_sum(matmul(swapaxes(dl, -1, -2), q5), axis=2) * scale, (0, 2, 1, 3))
        return (gq, gk, gv) if bias is None else (gq, gk, gv, gb)

    def release(self) -> None:
        super().release()
        self._exp = self._inv = self._qs = self._capped = None


def _rows(x: Any, sl: slice) -> Any:
    """The batch slice of an array broadcast against (B, N, T, S) (as it is when its batch
    axis is 1 or absent)."""
    if x is None or x.ndim < 4 or x.shape[0] == 1:
        return x
    return x[sl]


# A batch is cut into parts (at most MAX_PARTS, one sample at least) when there is at least
# this many logits per part: below it the threads cost more than they save.
MIN_PART_LOGITS = 1 << 17


def _run_parts(fn: Any, batch: int, logits_per_sample: int, xp: Any) -> None:
    """``fn(slice)`` over parts of the batch, at the same time on worker threads (NumPy only);
    the whole batch at once when it is small (or ``logits_per_sample`` is 0)."""
    n = 1
    if xp.__name__ == "numpy" and logits_per_sample:
        n = min(MAX_PARTS, batch, batch * logits_per_sample // MIN_PART_LOGITS)
    if n < 2:
        fn(slice(None))
        return
    bounds = [round(i * batch / n) for i in range(n + 1)]
    run_parts(fn, [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])], xp)


def _float_dtype(*xs: Tensor) -> Any:
    xp = get_array_module(xs[0].data)
    dtype = xp.result_type(*(x.dtype for x in xs))
    return dtype if dtype.kind == "f" else xp.dtype("float32")


def _check_shapes(q: Tensor, k: Tensor, v: Tensor) -> int:
    """The number of query heads per key/value head, after checking the shapes."""
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError(
            "dot_product_attention: query, key and value must be 4-D, (batch, seq, heads, "
            f"head_dim); received query.shape={shape_str(q.shape)}, key.shape="
            f"{shape_str(k.shape)}, value.shape={shape_str(v.shape)}."
        )
    (b, _, n, h), (bk, _, kh, hk) = q.shape, k.shape
    if bk != b or v.shape[:3] != k.shape[:3] or hk != h:
        raise ValueError(
            "dot_product_attention: key must be (batch, kv_seq, kv_heads, head_dim) with the "
            "query's batch and head_dim, and value must share key's first three axes; "
            f"received query.shape={shape_str(q.shape)}, key.shape={shape_str(k.shape)}, "
            f"value.shape={shape_str(v.shape)}."
        )
    if kh == 0 or n % kh:
        raise ValueError(
            f"dot_product_attention: the {n} query heads must be a multiple of the {kh} "
            "key/value heads (grouped-query attention); received query.shape="
            f"{shape_str(q.shape)}, key.shape={shape_str(k.shape)}."
        )
    return n // kh


def _masks(xp: Any, mask: Any, is_causal: bool, t: int, s: int, dtype: Any) -> tuple[Any, Any]:
    """(additive mask array or None, (T, S) causal triangle or None), as Keras combines them:
    an explicit mask is ANDed with the causal triangle and becomes additive."""
    above = xp.triu(xp.ones((t, s), dtype=bool), k=1) if is_causal else None
    if mask is None:
        return None, above
    allowed = xp.asarray(raw(mask)).astype(bool, copy=False)
    if above is not None:
        allowed = allowed & ~above
    value = _MASK_VALUE.get(xp.dtype(dtype).name, _MASK_VALUE_DEFAULT)
    return xp.where(allowed, 0, value).astype(dtype), None


def dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    bias: Any = None,
    mask: Any = None,
    scale: Any = None,
    is_causal: bool = False,
    flash_attention: Any = None,
    attn_logits_soft_cap: Any = None,
) -> Tensor:
    """Scaled dot-product attention, softmax(Q Kᵀ·scale + bias) V, in Keras's layout.

    Args:
        query: (B, T, N, H).
        key: (B, S, K, H); N must be a multiple of K (K < N: grouped-query attention).
        value: (B, S, K, H).
        bias: optional additive logits bias, broadcastable to (B, N, T, S).
        mask: optional boolean mask broadcastable to (B, N, T, S), True where a query may
            attend to a key. At most one of ``bias`` and ``mask``.
        scale: the logits scale; None means 1/√H.
        is_causal: mask the keys after each query (the (T, S) lower triangle is kept).
        flash_attention: accepted for Keras compatibility; the same fused kernel runs either
            way (it never materialises more than the (B, N, T, S) probabilities).
        attn_logits_soft_cap: None, or c > 0 to squash the logits to c·tanh(L/c) before
            masking (Gemma 2's soft cap; Keras supports it only on JAX/TPU).

    Returns:
        The attention output, (B, T, N, H), in the inputs' common float dtype.

    Example:
        >>> import numpy as np
        >>> q = np.ones((2, 4, 8, 16), "float32"); kv = np.ones((2, 6, 2, 16), "float32")
        >>> dot_product_attention(q, kv, kv, is_causal=True).shape
        (2, 4, 8, 16)
    """
    q, k, v = as_tensor(query), as_tensor(key), as_tensor(value)
    groups = _check_shapes(q, k, v)
    if bias is not None and mask is not None:
        raise ValueError(
            "dot_product_attention: only one of `bias` and `mask` can be provided; fold the "
            "mask into the bias (a large negative where it is False)."
        )
    dtype = _float_dtype(q, k, v)
    q, k, v = (x if x.dtype == dtype else x.astype(dtype) for x in (q, k, v))
    xp = get_array_module(q.data)
    t, s, h = q.shape[1], k.shape[1], q.shape[3]
    mask_add, causal = _masks(xp, mask, bool(is_causal), t, s, dtype)
    cap = None
    if attn_logits_soft_cap is not None:
        cap = float(attn_logits_soft_cap)
        if not cap > 0:
            raise ValueError(
                "dot_product_attention: `attn_logits_soft_cap` must be positive, received "
                f"{attn_logits_soft_cap!r}."
            )
    scale = 1 / math.sqrt(h) if scale is None else float(raw(scale))
    fn = DotProductAttention(scale, groups, mask_add, causal, cap)
    if bias is None:
        return fn(q, k, v)
    bias = as_tensor(bias, like=q)
    return fn(q, k, v, bias if bias.dtype == dtype else bias.astype(dtype))
