"""Compare a deepnum attention layer with Keras 3's (torch backend) when the layer is called with
several tensors, ``layer(query, value, key, **kwargs)``: same weights (Keras's, copied with
get_weights/set_weights), then the outputs, the gradients of ⟨y, r⟩ in every float input and
trainable weight (torch autograd on the Keras side), count_params, compute_output_shape and
the configs (Keras's keys all present; ours round-trips)."""

from __future__ import annotations

from typing import Any

import numpy as np

import deepnum as dn
from tests.conftest import reference
from tests.layers.keras_parity import check_config_matches, keras, to_np


def _outputs(out: Any) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _call(layer, ts, kwargs, as_list):
    return _outputs(layer(list(ts), **kwargs) if as_list else layer(*ts, **kwargs))


def keras_side(layer, inputs, kwargs, rs=None, as_list=False):
    torch = reference("torch")
    ts = [torch.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
    outs = _call(layer, ts, kwargs, as_list)
    ys = [to_np(o) for o in outs]
    if rs is None:
        return ys, [], []
    params = [v.value for v in layer.trainable_weights]
    wrt = [t for t in ts if t.requires_grad] + params
    loss = sum((o * torch.tensor(r, dtype=o.dtype)).sum() for o, r in zip(outs, rs))
    grads = torch.autograd.grad(loss, wrt, allow_unused=True)
    grads = [
        np.zeros(tuple(w.shape), np.float32) if g is None else g.detach().numpy()
        for g, w in zip(grads, wrt)
    ]
    n = len(wrt) - len(params)
    return ys, grads[:n], grads[n:]


def deepnum_side(layer, inputs, kwargs, rs=None, as_list=False):
    xs = [dn.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
    for w in layer.weights:
        w.grad = None
    outs = _call(layer, xs, kwargs, as_list)
    ys = [o.numpy() for o in outs]
    if rs is None:
        return ys, [], []
    loss = sum((o * r.astype(o.dtype)).sum() for o, r in zip(outs, rs))
    loss.backward()

    def g(t):
        return np.zeros(t.shape, np.float32) if t.grad is None else t.grad.numpy()

    return ys, [g(x) for x in xs if x.requires_grad], [g(w) for w in layer.trainable_weights]


def compare_attention(
    k_layer,
    d_layer,
    inputs,
    kwargs=None,
    *,
    as_list=False,
    atol=1e-5,
    grad_atol=1e-4,
    config=True,
) -> tuple[list, list]:
    """Every check of the module docstring; returns (deepnum outputs, Keras outputs).
    ``as_list``: the layer takes its tensors as one list (Attention), not as arguments."""
    kwargs = kwargs or {}
    inputs = [np.asarray(x) for x in inputs]
    keras_side(k_layer, inputs, kwargs, as_list=as_list)
    deepnum_side(d_layer, inputs, kwargs, as_list=as_list)
    k_weights = k_layer.get_weights()
    assert [w.shape for w in d_layer.get_weights()] == [w.shape for w in k_weights]
    d_layer.set_weights(k_weights)
    ys, _, _ = keras_side(k_layer, inputs, kwargs, as_list=as_list)
    rng = np.random.default_rng(1)
    rs = [rng.standard_normal(y.shape).astype(np.float32) for y in ys]
    y_k, gin_k, gw_k = keras_side(k_layer, inputs, kwargs, rs, as_list)
    y_d, gin_d, gw_d = deepnum_side(d_layer, inputs, kwargs, rs, as_list)
    for i, (a, b) in enumerate(zip(y_d, y_k, strict=True)):
        np.testing.assert_allclose(a, b, atol=atol, rtol=1e-5, err_msg=f"output {i}")
    for i, (a, b) in enumerate(zip(gin_d, gin_k, strict=True)):
        np.testing.assert_allclose(a, b, atol=grad_atol, rtol=1e-4, err_msg=f"grad input {i}")
    for w, a, b in zip(d_layer.trainable_weights, gw_d, gw_k, strict=True):
        np.testing.assert_allclose(a, b, atol=grad_atol, rtol=1e-4, err_msg=f"grad {w.path}")
    assert d_layer.count_params() == k_layer.count_params()
    if config:
        check_config_matches(k_layer, d_layer)
    return y_d, y_k


__all__ = ["compare_attention", "keras"]
