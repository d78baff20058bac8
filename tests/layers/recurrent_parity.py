"""Compare a recurrent deepnum layer (or wrapper) with the same Keras 3 layer, outputs that are
tuples (``return_state``) and call arguments (``mask``, ``initial_state``) included.

``compare_rnn(keras_layer, dn_layer, x, mask=..., initial_state=...)`` builds both layers,
copies Keras's weights into deepnum with ``get_weights``/``set_weights`` and checks: every
output (float32 tolerance); the gradient of Σₖ⟨yₖ, rₖ⟩ with respect to the inputs, the initial
states and every trainable weight (torch autograd on the Keras side); ``compute_output_shape``
with an unknown batch axis; ``count_params``; and the config (Keras's keys present, round trip).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import deepnum as dn
from tests.conftest import reference
from tests.layers.keras_parity import check_config_matches


def data(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def ragged_mask(batch: int = 3, time: int = 6) -> np.ndarray:
    """Right padding, left padding and holes in the middle: all of Keras's masking cases."""
    mask = np.ones((batch, time), bool)
    mask[0, 4:] = False
    mask[1, :2] = False
    mask[2, [1, 3]] = False
    return mask


def _as_tuple(out: Any) -> tuple:
    """The outputs flattened (a stack of cells returns one list of states per cell)."""
    if not isinstance(out, (list, tuple)):
        return (out,)
    return tuple(leaf for item in out for leaf in _as_tuple(item))


def _keras_call(layer, x, mask, states, rs):
    torch = reference("torch")
    xt = torch.tensor(x, requires_grad=True)
    st = None if states is None else [torch.tensor(s, requires_grad=True) for s in states]
    kwargs = {} if mask is None else {"mask": torch.tensor(mask)}
    if st is not None:
        kwargs["initial_state"] = st
    outs = _as_tuple(layer(xt, **kwargs))
    ys = [o.detach().numpy() for o in outs]
    if rs is None:
        return ys, []
    loss = sum((o * torch.tensor(r)).sum() for o, r in zip(outs, rs))
    wrt = [xt] + (st or []) + [v.value for v in layer.trainable_weights]
    grads = torch.autograd.grad(loss, wrt, allow_unused=True)
    return ys, [np.zeros(tuple(w.shape)) if g is None else g.numpy() for g, w in zip(grads, wrt)]


def _dn_call(layer, x, mask, states, rs):
    xt = dn.tensor(x, requires_grad=True)
    st = None if states is None else [dn.tensor(s, requires_grad=True) for s in states]
    kwargs = {} if mask is None else {"mask": mask}
    if st is not None:
        kwargs["initial_state"] = st
    for w in layer.weights:
        w.grad = None
    outs = _as_tuple(layer(xt, **kwargs))
    ys = [o.numpy() for o in outs]
    if rs is None:
        return ys, []
    sum((o * r).sum() for o, r in zip(outs, rs)).backward()
    wrt = [xt] + (st or []) + list(layer.trainable_weights)
    return ys, [np.zeros(w.shape) if w.grad is None else w.grad.numpy() for w in wrt]


def compare_rnn(
    k_layer: Any,
    d_layer: Any,
    x: np.ndarray,
    *,
    mask: np.ndarray | None = None,
    initial_state: list[np.ndarray] | None = None,
    atol: float = 1e-5,
    grad_atol: float = 1e-4,
    check_config: bool = True,
) -> list[np.ndarray]:
    """Run the parity checks of the module docstring; return deepnum's outputs."""
    _keras_call(k_layer, x, mask, initial_state, None)
    _dn_call(d_layer, x, mask, initial_state, None)
    k_weights = k_layer.get_weights()
    assert [w.shape for w in d_layer.get_weights()] == [w.shape for w in k_weights]
    d_layer.set_weights(k_weights)
    ys_k, _ = _keras_call(k_layer, x, mask, initial_state, None)
    rng = np.random.default_rng(1)
    rs = [rng.standard_normal(y.shape).astype(np.float32) for y in ys_k]
    ys_k, gs_k = _keras_call(k_layer, x, mask, initial_state, rs)
    ys_d, gs_d = _dn_call(d_layer, x, mask, initial_state, rs)
    assert len(ys_d) == len(ys_k), f"{len(ys_d)} outputs, Keras gives {len(ys_k)}"
    for i, (a, b) in enumerate(zip(ys_d, ys_k)):
        np.testing.assert_allclose(a, b, atol=atol, rtol=1e-5, err_msg=f"output {i}")
    names = ["inputs"] + [f"state {i}" for i in range(len(initial_state or []))]
    names += [w.path for w in d_layer.trainable_weights]
    for name, a, b in zip(names, gs_d, gs_k):
        np.testing.assert_allclose(a, b, atol=grad_atol, rtol=1e-4, err_msg=f"grad {name}")
    shape = (None,) + x.shape[1:]
    k_shape = k_layer.compute_output_shape(shape)
    assert _shapes(d_layer.compute_output_shape(shape)) == _shapes(k_shape)
    assert d_layer.count_params() == k_layer.count_params()
    if check_config:
        check_config_matches(k_layer, d_layer)
    return ys_d


def _shapes(shape: Any) -> Any:
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return tuple(_shapes(s) for s in shape)
    return tuple(shape)
