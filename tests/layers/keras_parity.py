"""Compare a deepnum layer with the same Keras 3 layer (torch backend), in one call.

``compare_with_keras(keras_layer, dn_layer, inputs)`` builds both layers on ``inputs``, copies
Keras's weights into deepnum with ``get_weights``/``set_weights``, then checks, against Keras:

* the forward output (float32 tolerance);
* the gradient of ⟨y, r⟩ (r a fixed random array) with respect to every float input and every
  trainable weight — torch autograd on the Keras side, deepnum's backward on ours;
* ``compute_output_shape`` with the batch axis unknown, ``count_params`` and the weight shapes;
* that every key of Keras's ``get_config`` is in ours, and that ours round-trips through
  ``from_config``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import deepnum as dn
from tests.conftest import reference

# Keras config keys deepnum does not emit: features it does not implement.
IGNORED_KERAS_KEYS = {"quantization_config"}


def keras():
    """The Keras module (torch backend); fails under CI if missing, skips elsewhere."""
    return reference("keras")


def to_np(value: Any) -> np.ndarray:
    """A Keras (torch) output, or anything array-like, as a NumPy array."""
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _torch_inputs(inputs: list[np.ndarray]) -> list[Any]:
    torch = reference("torch")
    return [torch.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]


def _as_list(x: Any) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def keras_run(
    layer: Any, inputs: list[np.ndarray], r: np.ndarray | None, multi: bool, **call_kwargs: Any
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Output, input gradients and trainable-weight gradients of ⟨layer(x), r⟩ in Keras."""
    torch = reference("torch")
    ts = _torch_inputs(inputs)
    out = layer(ts if multi else ts[0], **call_kwargs)
    y = out.detach().numpy()
    if r is None:
        return y, [], []
    params = [v.value for v in layer.trainable_weights]
    wrt = [t for t in ts if t.requires_grad] + params
    if not wrt or not out.requires_grad:
        return (
            y,
            [np.zeros(t.shape, np.float32) for t in wrt[: len(wrt) - len(params)]],
            [np.zeros(tuple(p.shape), np.float32) for p in params],
        )
    loss = (out * torch.tensor(r, dtype=out.dtype)).sum()
    grads = torch.autograd.grad(loss, wrt, allow_unused=True)
    grads = [
        np.zeros(tuple(w.shape), np.float32) if g is None else g.detach().numpy()
        for g, w in zip(grads, wrt)
    ]
    n_in = len(wrt) - len(params)
    return y, grads[:n_in], grads[n_in:]


def dn_run(
    layer: Any, inputs: list[np.ndarray], r: np.ndarray | None, multi: bool, **call_kwargs: Any
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Output, input gradients and trainable-weight gradients of ⟨layer(x), r⟩ in deepnum."""
    xs = [dn.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
    for w in layer.weights:
        w.grad = None
    out = layer(xs if multi else xs[0], **call_kwargs)
    y = out.numpy()
    if r is None:
        return y, [], []
    if out.requires_grad:
        (out * r.astype(y.dtype)).sum().backward()

    def g(t: Any) -> np.ndarray:
        return np.zeros(t.shape, np.float32) if t.grad is None else t.grad.numpy()

    return y, [g(x) for x in xs if x.requires_grad], [g(w) for w in layer.trainable_weights]


def compare_with_keras(
    k_layer: Any,
    d_layer: Any,
    inputs: Any,
    *,
    call_kwargs: dict | None = None,
    grads: bool = True,
    atol: float = 1e-5,
    rtol: float = 1e-5,
    grad_atol: float = 1e-4,
    check_config: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Run every parity check described in the module docstring; return both outputs."""
    call_kwargs = call_kwargs or {}
    multi = isinstance(inputs, (list, tuple))
    inputs = [np.asarray(x) for x in _as_list(inputs)]
    # Build both, then give deepnum Keras's weights.
    keras_run(k_layer, inputs, None, multi, **call_kwargs)
    dn_run(d_layer, inputs, None, multi, **call_kwargs)
    k_weights = k_layer.get_weights()
    assert [w.shape for w in d_layer.get_weights()] == [w.shape for w in k_weights]
    d_layer.set_weights(k_weights)

    y_k, _, _ = keras_run(k_layer, inputs, None, multi, **call_kwargs)
    r = np.random.default_rng(1).standard_normal(y_k.shape).astype(np.float32)
    y_k, gin_k, gw_k = keras_run(k_layer, inputs, r if grads else None, multi, **call_kwargs)
    y_d, gin_d, gw_d = dn_run(d_layer, inputs, r if grads else None, multi, **call_kwargs)
    np.testing.assert_allclose(y_d, y_k, atol=atol, rtol=rtol, err_msg="forward")
    for i, (a, b) in enumerate(zip(gin_d, gin_k)):
        np.testing.assert_allclose(a, b, atol=grad_atol, rtol=1e-4, err_msg=f"grad input {i}")
    for w, a, b in zip(d_layer.trainable_weights, gw_d, gw_k):
        np.testing.assert_allclose(a, b, atol=grad_atol, rtol=1e-4, err_msg=f"grad {w.name}")

    shapes = [(None,) + x.shape[1:] for x in inputs]
    shape_arg = shapes if multi else shapes[0]
    assert tuple(d_layer.compute_output_shape(shape_arg)) == tuple(
        k_layer.compute_output_shape(shape_arg)
    )
    assert d_layer.count_params() == k_layer.count_params()
    if check_config:
        check_config_matches(k_layer, d_layer)
    return y_d, y_k


def check_config_matches(k_layer: Any, d_layer: Any, from_keras: bool = False) -> None:
    """Keras's config keys are all in ours; ours round-trips through ``from_config``; with
    ``from_keras``, Keras's own config also builds the deepnum layer, with the same arguments."""
    k_config = k_layer.get_config()
    k_keys = set(k_config) - IGNORED_KERAS_KEYS
    d_config = d_layer.get_config()
    assert k_keys <= set(d_config), f"missing config keys: {sorted(k_keys - set(d_config))}"
    clone = type(d_layer).from_config(d_config)
    assert clone.get_config() == d_config
    if from_keras:
        from_k = type(d_layer).from_config(dict(k_config)).get_config()
        for key in k_keys - {"name", "dtype"}:
            assert from_k[key] == d_config[key], f"config[{key!r}] built from Keras's config"
