"""ONNX converters for EinsumDense, MultiHeadAttention and GroupQueryAttention.

EinsumDense is a MatMul when its equation is one matrix product (the input's trailing axes
contracted with the kernel's leading ones: the projections of the attention layers), else an
Einsum. Standard ONNX (up to opset 21) has no attention operator, so the attention is written
out: the projections, then per head

    P = Softmax(s·Q Kᵀ + mask),   O = P V

with Q, K, V transposed to (batch, heads, seq, head_dim), the causal triangle and the sliding
window as constant additive masks (Keras's −0.7·max float where a key is hidden), grouped
key/value heads broadcast over their group of query heads, and the output projection. With
``return_attention_scores`` the probabilities P are a second output.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.onnx.builder import GraphBuilder
from deepnum.onnx.core_ops import _unsupported, activation

_MASKED = -0.7 * float(np.finfo(np.float32).max)


def einsum_projection(b: GraphBuilder, layer: Any, x: str, rank: int, p: str) -> str:
    """``layer`` (an EinsumDense) applied to ``x`` of the given rank; returns the output."""
    kernel = layer.kernel.numpy()
    plan = layer._gemm
    if plan is not None:
        k, fused = plan
        lead = rank - k
        if k > 1:
            x = b.reshape(x, [0] * lead + [-1], p)
        out_dims = kernel.shape[k:]
        width = int(np.prod(out_dims))
        y = b.op("MatMul", [x, b.const(kernel.reshape(-1, width), f"{p}/kernel")], p)
        if fused:
            y = b.op("Add", [y, b.const(layer.bias.numpy().reshape(width), f"{p}/bias")], p)
        if len(out_dims) != 1:
            y = b.reshape(y, [0] * lead + [int(d) for d in out_dims], p)
        if layer.bias is not None and not fused:
            y = b.op("Add", [y, b.const(layer.bias.numpy(), f"{p}/bias")], p)
    else:
        y = b.op("Einsum", [x, b.const(kernel, f"{p}/kernel")], p, equation=layer.equation)
        if layer.bias is not None:
            y = b.op("Add", [y, b.const(layer.bias.numpy(), f"{p}/bias")], p)
    return activation(b, layer.activation, y, p, layer)


def einsum_dense(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    if b.opset < 12 and layer._gemm is None:
        raise _unsupported(layer, "needs ONNX's Einsum (opset 12 or later)")
    return [einsum_projection(b, layer, xs[0], len(shapes[0]), p)]


def _attention(
    b: GraphBuilder,
    layer: Any,
    q: str,
    k: str,
    v: str,
    sizes: tuple[Any, Any],
    groups: int,
    call: dict,
    p: str,
) -> tuple[str, str]:
    """Projected q (B, T, N, H), k and v (B, S, K, H) → (output (B, T, N, Hv), probabilities)."""
    q = b.transpose(q, [0, 2, 1, 3], p)
    k = b.transpose(k, [0, 2, 3, 1], p)
    v = b.transpose(v, [0, 2, 1, 3], p)
    if groups > 1:  # each key/value head serves `groups` consecutive query heads
        k, v = (_repeat_heads(b, t, groups, p) for t in (k, v))
    scale = getattr(layer, "_inverse_sqrt_key_dim", None) or layer._inverse_sqrt_head_dim
    logits = b.op("MatMul", [b.scale(q, scale, p), k], p)
    mask = _constant_mask(layer, sizes, bool(call.get("use_causal_mask")))
    if mask is not None:
        logits = b.op("Add", [logits, b.const(mask, f"{p}/mask")], p)
    probs = b.op("Softmax", [logits], p, axis=-1)
    out = b.op("MatMul", [probs, v], p)
    return b.transpose(out, [0, 2, 1, 3], p), probs


def _repeat_heads(b: GraphBuilder, t: str, groups: int, p: str) -> str:
    """(B, K, a, c) → (B, K·G, a, c), each head repeated G times in place."""
    t = b.unsqueeze(t, [2], p)
    t = b.op("Expand", [t, b.ints([1, 1, groups, 1, 1], f"{p}/groups")], p)
    shape = b.op("Shape", [t], p)
    parts = [
        b.op("Slice", [shape, b.ints([0], f"{p}/s0"), b.ints([1], f"{p}/s1")], p),
        b.ints([-1], f"{p}/heads"),
        b.op("Slice", [shape, b.ints([3], f"{p}/s3"), b.ints([5], f"{p}/s5")], p),
    ]
    return b.op("Reshape", [t, b.op("Concat", parts, p, axis=0)], p)


def _constant_mask(layer: Any, sizes: tuple[Any, Any], causal: bool) -> np.ndarray | None:
    """The additive (T, S) mask of the causal triangle and the sliding window, or None."""
    window = getattr(layer, "_sliding_window", None) or getattr(layer, "sliding_window", None)
    if not causal and window is None:
        return None
    t, s = sizes
    if t is None or s is None:
        raise _unsupported(
            layer, "masks keys (causal or sliding window) over sequences of unknown length"
        )
    i, j = np.arange(t)[:, None], np.arange(s)[None, :]
    keep = np.ones((t, s), bool)
    if causal:
        keep &= j <= i
    if window is not None:
        keep &= np.abs(i - j) < window
    return np.where(keep, 0.0, _MASKED)


def _check_call(layer: Any, xs: list[str], shapes: list, call: dict) -> None:
    if len(xs) not in (2, 3) or any(len(s) != 3 for s in shapes):
        raise _unsupported(
            layer, "is called on other than (batch, seq, features) query, value and key tensors"
        )
    extra = sorted(k for k, v in call.items() if v and k not in _EXPORTED_OPTIONS)
    if extra:
        raise _unsupported(layer, f"is called with {extra}, which the export does not cover")


_EXPORTED_OPTIONS = ("use_causal_mask", "return_attention_scores", "training")


def multi_head_attention(
    b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str, call: dict
) -> list[str]:
    if tuple(layer._attention_axes) != (1,):
        raise _unsupported(layer, f"attends over axes {layer._attention_axes}")
    _check_call(layer, xs, shapes, call)
    query, value = xs[0], xs[1]
    key = xs[2] if len(xs) > 2 else value
    q = einsum_projection(b, layer.query_dense, query, 3, f"{p}/query")
    k = einsum_projection(b, layer.key_dense, key, 3, f"{p}/key")
    v = einsum_projection(b, layer.value_dense, value, 3, f"{p}/value")
    sizes = (shapes[0][1], shapes[1][1])
    out, probs = _attention(b, layer, q, k, v, sizes, 1, call, p)
    if layer._use_gate:
        out = b.op("Mul", [out, einsum_projection(b, layer._gate_dense, query, 3, f"{p}/gate")], p)
    out = einsum_projection(b, layer.output_dense, out, 4, f"{p}/attention_output")
    return [out, probs] if call.get("return_attention_scores") else [out]


def grouped_query_attention(
    b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str, call: dict
) -> list[str]:
    _check_call(layer, xs, shapes, call)
    query, value = xs[0], xs[1]
    key = xs[2] if len(xs) > 2 else value
    q = einsum_projection(b, layer._query_dense, query, 3, f"{p}/query")
    k = einsum_projection(b, layer._key_dense, key, 3, f"{p}/key")
    v = einsum_projection(b, layer._value_dense, value, 3, f"{p}/value")
    sizes = (shapes[0][1], shapes[1][1])
    out, probs = _attention(b, layer, q, k, v, sizes, layer.num_repeats, call, p)
    if layer.use_gate:
        out = b.op("Mul", [out, einsum_projection(b, layer._gate_dense, query, 3, f"{p}/gate")], p)
    out = einsum_projection(b, layer._output_dense, out, 4, f"{p}/attention_output")
    return [out, probs] if call.get("return_attention_scores") else [out]
