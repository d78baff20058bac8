"""The recurrent ops written step by step in deepnum ops (the composite path).

Used for activations the fused loops do not cover and for recurrent dropout, as the reference the
fused ops are tested against, and by the fused backward under ``create_graph=True`` (every op
here is differentiable to any order). ``keep`` and ``out_w`` are the processing-order mask arrays
made by ``deepnum.ops.nn._recurrent.mask_weights``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.ops.nn._activations import relu
from deepnum.ops.nn._fused import linear
from deepnum.ops.nn._smooth_activations import sigmoid
from deepnum.ops.numpy import concatenate, moveaxis, reshape, split, stack, tanh, where

Activation = str | Callable[[Tensor], Tensor]
ACTIVATIONS: dict[str, Callable] = {
    "tanh": tanh,
    "sigmoid": sigmoid,
    "relu": relu,
    "linear": lambda x: x,
}


def _activation(act: Activation) -> Callable:
    return ACTIVATIONS[act] if isinstance(act, str) else act


def _steps(xw: Tensor, go_backwards: bool) -> list[Tensor]:
    """The per-step rows ``(B, G)`` of a projection ``(B, T, G)``, in processing order (one
    Split op, so the backward pass concatenates instead of scattering T times)."""
    T = xw.shape[1]
    rows = [reshape(r, (xw.shape[0], xw.shape[2])) for r in split(moveaxis(xw, 1, 0), T)]
    return rows[::-1] if go_backwards else rows


def _project(x: Tensor, kernel: Tensor, bias: Any, input_masks: Any, gates: int) -> Tensor:
    """x W + b for all steps; with per-gate dropout masks ``(gates, B, in)`` each gate sees its
    own dropped-out input."""
    if input_masks is None:
        return linear(x, kernel, bias)
    n = kernel.shape[1] // gates
    parts = [
        linear(x * input_masks[k][:, None, :], kernel[:, k * n : (k + 1) * n]) for k in range(gates)
    ]
    xw = concatenate(parts, axis=-1)
    return xw if bias is None else xw + bias


def _recurrent(h: Tensor, rk: Tensor, recurrent_masks: Any, gates: int) -> Tensor:
    """h U; with per-gate recurrent dropout masks ``(gates, B, units)``."""
    if recurrent_masks is None:
        return h @ rk
    n = rk.shape[1] // gates
    return concatenate(
        [(h * recurrent_masks[k]) @ rk[:, k * n : (k + 1) * n] for k in range(gates)], axis=1
    )


def _keep(keep: Any, s: int, new: Tensor, old: Tensor) -> Tensor:
    return new if keep is None else where(keep[:, s : s + 1], new, old)


def _finish(hs: list[Tensor], out_w: Any, return_sequences: bool) -> Tensor:
    if not return_sequences:
        return hs[-1] if out_w is None else hs[-1] * out_w[:, -1:]
    y = stack(hs, axis=1)
    return y if out_w is None else y * out_w[:, :, None]


def lstm_composite(
    x,
    h0,
    c0,
    kernel,
    recurrent_kernel,
    bias=None,
    *,
    keep=None,
    out_w=None,
    go_backwards=False,
    return_sequences=True,
    activation: Activation = "tanh",
    recurrent_activation: Activation = "sigmoid",
    input_masks=None,
    recurrent_masks=None,
) -> tuple[Tensor, Tensor, Tensor]:
    """The LSTM step by step in deepnum ops (see ``lstm``; ``keep``/``out_w`` in processing
    order as made by ``mask_weights``)."""
    act, ract = _activation(activation), _activation(recurrent_activation)
    xw = _project(x, kernel, bias, input_masks, 4)
    h, c, hs = h0, c0, []
    for s, xt in enumerate(_steps(xw, go_backwards)):
        i, f, g, o = split(xt + _recurrent(h, recurrent_kernel, recurrent_masks, 4), 4, axis=1)
        c_new = ract(f) * c + ract(i) * act(g)
        h_new = ract(o) * act(c_new)
        h, c = _keep(keep, s, h_new, h), _keep(keep, s, c_new, c)
        hs.append(h)
    return _finish(hs, out_w, return_sequences), h, c


def gru_composite(
    x,
    h0,
    kernel,
    recurrent_kernel,
    bias=None,
    *,
    keep=None,
    out_w=None,
    go_backwards=False,
    return_sequences=True,
    activation: Activation = "tanh",
    recurrent_activation: Activation = "sigmoid",
    reset_after=True,
    input_masks=None,
    recurrent_masks=None,
) -> tuple[Tensor, Tensor]:
    """The GRU step by step in deepnum ops, ``reset_after`` True (bias ``(2, 3·units)``) or
    False (bias ``(3·units,)``, reset gate applied before the recurrent product)."""
    act, ract = _activation(activation), _activation(recurrent_activation)
    b_in, b_rec = (bias, None) if bias is None or not reset_after else (bias[0], bias[1])
    xw = _project(x, kernel, b_in, input_masks, 3)
    U = h0.shape[1]
    h, hs = h0, []
    for s, xt in enumerate(_steps(xw, go_backwards)):
        x_z, x_r, x_h = split(xt, 3, axis=1)
        if reset_after:
            inner = _recurrent(h, recurrent_kernel, recurrent_masks, 3)
            if b_rec is not None:
                inner = inner + b_rec
            r_z, r_r, r_h = split(inner, 3, axis=1)
            z, r = ract(x_z + r_z), ract(x_r + r_r)
            hh = act(x_h + r * r_h)
        else:
            masks = None if recurrent_masks is None else recurrent_masks[:2]
            r_z, r_r = split(_recurrent(h, recurrent_kernel[:, : 2 * U], masks, 2), 2, axis=1)
            z, r = ract(x_z + r_z), ract(x_r + r_r)
            h_h = h if recurrent_masks is None else h * recurrent_masks[2]
            hh = act(x_h + (r * h_h) @ recurrent_kernel[:, 2 * U :])
        h = _keep(keep, s, z * h + (1 - z) * hh, h)
        hs.append(h)
    return _finish(hs, out_w, return_sequences), h


def simple_rnn_composite(
    x,
    h0,
    kernel,
    recurrent_kernel,
    bias=None,
    *,
    keep=None,
    out_w=None,
    go_backwards=False,
    return_sequences=True,
    activation: Activation = "tanh",
    input_masks=None,
    recurrent_masks=None,
) -> tuple[Tensor, Tensor]:
    """The simple RNN h' = act(x W + b + h U) step by step in deepnum ops."""
    act = _activation(activation)
    xw = _project(x, kernel, bias, input_masks, 1)
    h, hs = h0, []
    for s, xt in enumerate(_steps(xw, go_backwards)):
        h = _keep(keep, s, act(xt + _recurrent(h, recurrent_kernel, recurrent_masks, 1)), h)
        hs.append(h)
    return _finish(hs, out_w, return_sequences), h
