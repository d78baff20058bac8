"""dot_product_attention against torch's scaled_dot_product_attention and a torch composite
(values, gradients in q/k/v/bias, second order), keras.ops.nn.dot_product_attention (values,
dtype), and its composite in deepnum ops."""

from __future__ import annotations

import math

import numpy as np
import pytest

import deepnum as dn
from deepnum.ops import nn
from tests.conftest import reference
from tests.ops.helpers import check_op, dn_grads, dn_second, make_inputs
from tests.ops.keras_reference import check_keras

torch = reference("torch")
F = torch.nn.functional


def torch_attention(q, k, v, bias=None, mask=None, causal=False, scale=None, cap=None):
    """The definition in torch ops (Keras's layout), differentiable twice by torch.autograd."""
    q, k, v = (t.transpose(1, 2) for t in (q, k, v))
    groups = q.shape[1] // k.shape[1]
    k, v = k.repeat_interleave(groups, dim=1), v.repeat_interleave(groups, dim=1)
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    logits = q @ k.transpose(-1, -2) * scale
    if bias is not None:
        logits = logits + bias
    if cap is not None:
        logits = cap * torch.tanh(logits / cap)
    if mask is not None:
        logits = logits.masked_fill(~torch.as_tensor(mask), -0.7 * 3.38953e38)
    if causal:
        above = torch.ones(logits.shape[-2:], dtype=torch.bool).triu(1)
        logits = logits.masked_fill(above, float("-inf"))
    return (torch.softmax(logits, dim=-1) @ v).transpose(1, 2)


def torch_sdpa(q, k, v, bias=None, mask=None, causal=False, scale=None):
    """PyTorch's fused kernel, in Keras's layout."""
    q, k, v = (t.transpose(1, 2) for t in (q, k, v))
    attn_mask = bias if mask is None else torch.as_tensor(mask)
    out = F.scaled_dot_product_attention(
        q, k, v, attn_mask=attn_mask, is_causal=causal, scale=scale, enable_gqa=True
    )
    return out.transpose(1, 2)


def padding_mask(b, s, seed=0):
    """(B, 1, 1, S) key-padding mask with at least one key kept per batch entry."""
    keep = np.random.default_rng(seed).random((b, 1, 1, s)) > 0.3
    keep[..., 0] = True
    return keep


# (B, T, N, H), (B, S, K, H), options
CASES = [
    ((2, 3, 2, 4), (2, 5, 2, 4), {}),
    ((1, 4, 4, 3), (1, 4, 2, 3), {}),  # grouped-query
    ((2, 3, 3, 2), (2, 6, 1, 2), {}),  # multi-query
    ((2, 4, 2, 3), (2, 4, 2, 3), {"causal": True}),
    ((1, 4, 4, 2), (1, 6, 2, 2), {"causal": True}),  # T < S, grouped
    ((2, 3, 2, 4), (2, 5, 2, 4), {"scale": 0.3}),
    ((2, 3, 2, 2), (2, 5, 2, 2), {"mask": padding_mask(2, 5)}),
    ((2, 4, 2, 2), (2, 4, 2, 2), {"mask": padding_mask(2, 4, 1), "causal": True}),
    ((2, 3, 4, 2), (2, 5, 2, 2), {"mask": np.tril(np.ones((3, 5), bool), 1)}),
]
CASE_IDS = ["mha", "gqa", "mqa", "causal", "causal-gqa", "scale", "mask", "mask-causal", "2d-mask"]


def _call(opts):
    def fn(q, k, v, bias=None):
        return nn.dot_product_attention(
            q, k, v, bias=bias, mask=opts.get("mask"), scale=opts.get("scale"),
            is_causal=opts.get("causal", False),
        )  # fmt: skip

    return fn


@pytest.mark.parametrize("qs, ks, opts", CASES, ids=CASE_IDS)
def test_against_torch_composite_to_second_order(qs, ks, opts):
    check_op(_call(opts), lambda q, k, v: torch_attention(q, k, v, **opts), qs, ks, ks)


@pytest.mark.parametrize("qs, ks, opts", CASES[:6], ids=CASE_IDS[:6])
def test_against_torch_sdpa(qs, ks, opts):
    q, k, v = make_inputs([qs, ks, ks], seed=3)
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    want = torch_sdpa(tq, tk, tv, **opts)
    r = np.random.default_rng(4).standard_normal(want.shape)
    (want * torch.tensor(r)).sum().backward()
    got = _call(opts)(q, k, v)
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), atol=1e-12)
    grads = dn_grads(_call(opts), [q, k, v], r)
    for g, t in zip(grads, (tq, tk, tv)):
        np.testing.assert_allclose(g, t.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("bias_shape", [(2, 2, 3, 5), (1, 1, 3, 5), (5,), (2, 1, 1, 5)], ids=str)
def test_bias_is_differentiated(bias_shape):
    check_op(
        lambda q, k, v, b: nn.dot_product_attention(q, k, v, bias=b),
        lambda q, k, v, b: torch_attention(q, k, v, bias=b),
        (2, 3, 2, 4), (2, 5, 2, 4), (2, 5, 2, 4), bias_shape,
    )  # fmt: skip


def test_logits_soft_cap():
    check_op(
        lambda q, k, v, b: nn.dot_product_attention(q, k, v, bias=b, attn_logits_soft_cap=0.7),
        lambda q, k, v, b: torch_attention(q, k, v, bias=b, cap=0.7),
        (1, 3, 2, 4), (1, 4, 2, 4), (1, 4, 2, 4), (1, 2, 3, 4), low=-3, high=3,
    )  # fmt: skip


KERAS_CASES = [
    ((2, 3, 2, 4), (2, 5, 2, 4), {}),
    ((1, 4, 4, 3), (1, 4, 2, 3), {}),
    ((2, 3, 3, 2), (2, 6, 1, 2), {}),
    ((2, 4, 2, 3), (2, 4, 2, 3), {"is_causal": True}),
    ((2, 3, 2, 4), (2, 5, 2, 4), {"scale": 0.3}),
    ((2, 3, 2, 2), (2, 5, 2, 2), {"mask": padding_mask(2, 5)}),
    ((2, 4, 2, 2), (2, 4, 2, 2), {"mask": padding_mask(2, 4, 1), "is_causal": True}),
    ((2, 3, 2, 2), (2, 5, 2, 2), {"mask": np.zeros((2, 1, 3, 5), bool)}),  # rows with no key
    ((2, 3, 2, 4), (2, 5, 2, 4), {"bias": make_inputs([(2, 1, 3, 5)], seed=9)[0]}),
]


@pytest.mark.parametrize("qs, ks, opts", KERAS_CASES, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_against_keras(qs, ks, opts, dtype):
    # Keras narrows float64 to float32 here (its result_type follows JAX without x64);
    # deepnum keeps float64, so for float64 only the values are compared.
    q, k, v = (a.astype(dtype) for a in make_inputs([qs, ks, ks], seed=5))
    check_keras(
        "nn.dot_product_attention", q, k, v, atol=1e-6, rtol=1e-5,
        check_dtype=dtype == "float32", **opts,
    )  # fmt: skip
    assert nn.dot_product_attention(q, k, v, **opts).dtype == dtype


def test_mixed_dtypes_promote_to_the_wider_float():
    q, k, v = make_inputs([(1, 2, 2, 3), (1, 4, 2, 3), (1, 4, 2, 3)], seed=6)
    assert nn.dot_product_attention(q.astype("float32"), k, v).dtype == np.float64
    assert nn.dot_product_attention(q.astype("float32"), k.astype("float32"),
                                    v.astype("float32")).dtype == np.float32  # fmt: skip
    ints = np.ones((1, 2, 2, 3), dtype="int32")
    assert nn.dot_product_attention(ints, ints, ints).dtype == np.float32


def test_fused_matches_the_composite_in_deepnum_ops():
    # The fused Function against the same formula written with deepnum ops (its own
    # derivatives): values, gradients and second derivatives in all four inputs.
    def composite(q, k, v, b):
        qt, kt, vt = (dn.ops.transpose(t, (0, 2, 1, 3)) for t in (q, k, v))
        logits = dn.ops.matmul(qt, dn.ops.swapaxes(kt, -1, -2)) * 0.5 + b
        above = np.triu(np.ones((4, 4), bool), 1)
        logits = dn.ops.where(above, float("-inf"), logits)
        return dn.ops.transpose(dn.ops.matmul(nn.softmax(logits), vt), (0, 2, 1, 3))

    def fused(q, k, v, b):
        return nn.dot_product_attention(q, k, v, bias=b, scale=0.5, is_causal=True)

    xs = make_inputs([(2, 4, 2, 3), (2, 4, 2, 3), (2, 4, 2, 3), (1, 2, 4, 4)], seed=7)
    rng = np.random.default_rng(8)
    r = rng.standard_normal((2, 4, 2, 3))
    vs = [rng.standard_normal(x.shape) for x in xs]
    np.testing.assert_allclose(fused(*xs).numpy(), composite(*xs).numpy(), atol=1e-12)
    for g, c in zip(dn_grads(fused, xs, r), dn_grads(composite, xs, r)):
        np.testing.assert_allclose(g, c, atol=1e-12)
    for h, c in zip(dn_second(fused, xs, r, vs), dn_second(composite, xs, r, vs)):
        np.testing.assert_allclose(h, c, atol=1e-12)


def test_causal_mask_is_a_broadcast_triangle():
    q = np.ones((2, 5, 4, 3))
    fn = nn._attention.DotProductAttention
    seen = {}
    original = fn.forward

    def spy(self, *arrays):
        seen["causal"] = self.causal
        return original(self, *arrays)

    fn.forward = spy
    try:
        nn.dot_product_attention(q, q, q, is_causal=True)
    finally:
        fn.forward = original
    assert seen["causal"].shape == (5, 5)


def test_float32_stays_float32_and_unused_grads_are_skipped():
    q, k, v = (
        a.astype("float32") for a in make_inputs([(1, 3, 2, 4), (1, 3, 2, 4)] * 1 + [(1, 3, 2, 4)])
    )
    qt = dn.tensor(q, requires_grad=True)
    out = nn.dot_product_attention(qt, k, v, is_causal=True)
    assert out.dtype == np.float32
    out.sum().backward()
    assert qt.grad.dtype == np.float32 and qt.grad.shape == q.shape


@pytest.mark.parametrize(
    "kwargs, match",
    [({"query": np.ones((2, 3, 4))}, "4-D"),
     ({"key": np.ones((2, 5, 3, 4)), "value": np.ones((2, 5, 3, 4))}, "multiple"),
     ({"value": np.ones((2, 4, 2, 4))}, "value must share"),
     ({"bias": np.ones(5), "mask": np.ones(5, bool)}, "only one of"),
     ({"attn_logits_soft_cap": -1.0}, "positive")],
    ids=["rank", "heads", "value", "bias-and-mask", "soft-cap"],
)  # fmt: skip
def test_argument_errors(kwargs, match):
    args = {"query": np.ones((2, 3, 4, 4)), "key": np.ones((2, 5, 2, 4)),
            "value": np.ones((2, 5, 2, 4))}  # fmt: skip
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        nn.dot_product_attention(**args)


@pytest.mark.parametrize(
    "qs, ks, opts",
    [
        ((5, 6, 4, 3), (5, 7, 2, 3), {"mask": padding_mask(5, 7)}),
        ((4, 6, 2, 3), (4, 6, 2, 3), {"causal": True, "bias": (4, 2, 6, 6)}),
        ((3, 5, 2, 3), (3, 5, 2, 3), {"bias": (1, 2, 5, 5), "cap": 0.8}),
    ],
    ids=["gqa-mask", "causal-bias", "shared-bias-cap"],
)
def test_batch_parts_on_threads_match_one_part(monkeypatch, qs, ks, opts):
    """A batch cut into parts on worker threads gives the same values and gradients as the
    whole batch at once (bias and cap included), and still matches torch."""
    from deepnum.ops.nn import _attention

    bias_shape = opts.pop("bias", None)
    cap = opts.pop("cap", None)
    shapes = [qs, ks, ks] + ([bias_shape] if bias_shape else [])
    xs = make_inputs(shapes, seed=5)
    r = np.random.default_rng(6).standard_normal(qs)

    def fn(q, k, v, b=None):
        return nn.dot_product_attention(
            q, k, v, bias=b, mask=opts.get("mask"), is_causal=opts.get("causal", False),
            attn_logits_soft_cap=cap,
        )  # fmt: skip

    monkeypatch.setattr(_attention, "MAX_PARTS", 2)
    whole = fn(*xs).numpy(), dn_grads(fn, xs, r)
    monkeypatch.setattr(_attention, "MIN_PART_LOGITS", 1)
    parts = fn(*xs).numpy(), dn_grads(fn, xs, r)
    np.testing.assert_allclose(parts[0], whole[0], rtol=1e-13, atol=1e-15)
    for a, b in zip(parts[1], whole[1], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    ts = [torch.tensor(x, requires_grad=True) for x in xs]
    want = torch_attention(*ts[:3], bias=ts[3] if bias_shape else None, cap=cap, **opts)
    (want * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(parts[0], want.detach().numpy(), atol=1e-12)
    for a, t in zip(parts[1], ts, strict=True):
        np.testing.assert_allclose(a, t.grad.numpy(), atol=1e-11)


@pytest.mark.parametrize(
    "offset, dtype",
    [(0.0, "float32"), (60.0, "float32"), (-60.0, "float32"), (25.0, "float64")],
    ids=["unshifted", "large", "very-negative-row", "large-f64"],
)
def test_exponentials_with_and_without_the_row_shift(monkeypatch, offset, dtype):
    """Logits up to UNSHIFTED_MAX skip the row-max shift; larger ones take it, and a row whose
    logits are all very negative (here the first query row, through the bias) is recomputed
    with it: each gives torch's values and gradients."""
    from deepnum.ops.nn import _attention

    calls = []
    logits = _attention.DotProductAttention._logits

    def counted(self, *args):
        calls.append(1)
        return logits(self, *args)

    monkeypatch.setattr(_attention.DotProductAttention, "_logits", counted)
    q, k, v = (a.astype(dtype) for a in make_inputs([(2, 3, 2, 4), (2, 5, 2, 4), (2, 5, 2, 4)]))
    bias = np.zeros((1, 1, 3, 5), dtype)
    bias[:, :, 0 if offset < 0 else slice(None)] = offset
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    want = torch_attention(tq, tk, tv, bias=torch.tensor(bias))
    r = np.random.default_rng(4).standard_normal(want.shape).astype(dtype)
    (want * torch.tensor(r)).sum().backward()

    def fn(q, k, v):
        return nn.dot_product_attention(q, k, v, bias=bias)

    tol = {"atol": 1e-6, "rtol": 1e-5} if dtype == "float32" else {"atol": 1e-12}
    np.testing.assert_allclose(fn(q, k, v).numpy(), want.detach().numpy(), **tol)
    assert len(calls) == (2 if offset < 0 else 1)  # the very negative row: computed again
    for g, t in zip(dn_grads(fn, [q, k, v], r), (tq, tk, tv)):
        np.testing.assert_allclose(g, t.grad.numpy(), **tol)
