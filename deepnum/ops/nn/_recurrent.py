"""Recurrent ops over whole sequences: ``lstm``, ``gru`` (``reset_after=True``) and
``simple_rnn``, with Keras's weight layouts and gate orders.

Each op runs every time step inside ONE Function (the fused path; loops in
``_recurrent_kernels``, the machinery around them in ``_recurrent_scan``):
the input projection ``x W + b`` of all steps is done by GEMMs outside the loop, each step does
one small GEMM plus gate maths, and backpropagation through time is a loop (no recursion) whose
weight-gradient GEMMs also run outside it. On long sequences those large GEMMs run on a worker
thread, chunk by chunk, overlapped with the loop; subnormal gradients are flushed to zero (see
``recurrent_scan`` for both).

The same maths written step by step in deepnum ops (the composite path,
``deepnum.ops.nn._recurrent_composite``) serves three purposes: activations other than the fused
ones and recurrent dropout use it; it is the reference the fused op is tested against; and the
fused backward falls back to it under ``create_graph=True``, so the ops are differentiable to
any order.

Masks follow Keras: a masked step keeps the previous state; its output repeats the previous
output (zeros before the first unmasked step), or is zero with ``zero_output_for_mask=True``.
Both rules are a per-step weight on the states: the output is ``h_t · w_t`` with ``w_t`` the
"any unmasked step so far" indicator, or the mask itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from deepnum.autodiff.engine import run_backward
from deepnum.autodiff.function import Function
from deepnum.autodiff.mode import is_grad_enabled
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.nn import _recurrent_kernels as K
from deepnum.ops.nn import _recurrent_scan as S
from deepnum.ops.nn._recurrent_composite import (
    ACTIVATIONS,
    Activation,
    gru_composite,
    lstm_composite,
    simple_rnn_composite,
)


# ---------------------------------------------------------------------------- fused Functions
class _Identity(Function):
    def forward(self, x):
        return x

    def backward(self, gy):
        return gy


class _FusedScan(Function):
    """Base of the fused recurrent Functions: keeps the loop state and, under
    ``create_graph``, differentiates the composite formulation instead of the fused loop."""

    def __init__(
        self, keep, out_w, go_backwards: bool, return_sequences: bool, composite: Callable
    ) -> None:
        self.keep, self.out_w = keep, out_w
        self.go_backwards, self.return_sequences = go_backwards, return_sequences
        self.composite = composite
        self.scan = self.saved = None

    def _scan(self, x, units: int) -> K.Scan:
        self.scan = K.Scan(
            x, units, self.keep, self.out_w, self.go_backwards, self.return_sequences
        )
        return self.scan

    def backward(self, *gys: Tensor) -> tuple:
        if is_grad_enabled():  # create_graph: the backward itself must be differentiable
            return _composite_vjp(self, gys)
        needs = self.needs_input_grad + (False,) * (6 - len(self.needs_input_grad))
        grads = self.fused_backward([g.data for g in gys], needs)
        return tuple(None if g is None else Tensor._make(g) for g in grads[: len(self.inputs)])

    def fused_backward(self, gys: list, needs: tuple) -> tuple:
        raise NotImplementedError

    def release(self) -> None:
        super().release()
        self.scan = self.saved = None


class LSTMScan(_FusedScan):
    """The LSTM over all steps: inputs (x, h0, c0, kernel, recurrent_kernel[, bias]),
    outputs (y, h_T, c_T). When the loop is compiled (``deepnum.backend.accel``), the parts of a
    large batch run on their own threads (``recurrent_scan.batch_parts``)."""

    parts: list[tuple] | None = None

    def forward(self, x, h0, c0, kernel, recurrent_kernel, bias=None):
        xp = get_array_module(x)
        compiled = self.keep is None and K.compiled_loop(x)
        parts = S.batch_parts(x.shape[0], x.shape[1]) if compiled else [slice(None)]

        def run(part: slice) -> tuple:
            keep = None if self.keep is None else self.keep[part]
            out_w = None if self.out_w is None else self.out_w[part]
            scan = K.Scan(
                x[part], h0.shape[1], keep, out_w, self.go_backwards, self.return_sequences,
                pipeline=len(parts) == 1,
            )  # fmt: skip
            outs, saved = K.lstm_forward(scan, h0[part], c0[part], kernel, recurrent_kernel, bias)
            return outs, (part, scan, saved)

        results = S.run_parts(run, parts, xp)
        self.parts = [r[1] for r in results]
        if len(results) == 1:
            return results[0][0]
        return tuple(xp.concatenate(outs) for outs in zip(*(r[0] for r in results)))

    def fused_backward(self, gys, needs):
        def run(saved_part: tuple) -> tuple:
            part, scan, saved = saved_part
            return K.lstm_backward(scan, saved, *[g[part] for g in gys], needs)

        results = S.run_parts(run, self.parts, get_array_module(gys[0]))
        if len(results) == 1:
            return results[0]
        xp = get_array_module(gys[0])
        by_input = list(zip(*results))  # (x, h0, c0): joined along the batch; weights: summed
        per_sample = [None if g[0] is None else xp.concatenate(g) for g in by_input[:3]]
        return tuple(per_sample + [_total(g) for g in by_input[3:]])

    def release(self) -> None:
        super().release()
        self.parts = None


def _total(parts: tuple) -> Any:
    """The sum of the parts' weight gradients (None when not needed)."""
    if parts[0] is None:
        return None
    total = parts[0].copy()
    for g in parts[1:]:
        total += g
    return total


class GRUScan(_FusedScan):
    """The GRU (reset_after) over all steps: inputs (x, h0, kernel, recurrent_kernel[, bias]),
    outputs (y, h_T)."""

    def forward(self, x, h0, kernel, recurrent_kernel, bias=None):
        outs, self.saved = K.gru_forward(
            self._scan(x, h0.shape[1]), h0, kernel, recurrent_kernel, bias
        )
        return outs

    def fused_backward(self, gys, needs):
        kernel, rk = self.inputs[2].data, self.inputs[3].data
        return K.gru_backward(self.scan, self.saved, *gys, kernel, rk, needs)


class SimpleRNNScan(_FusedScan):
    """The simple RNN over all steps: inputs (x, h0, kernel, recurrent_kernel[, bias]),
    outputs (y, h_T)."""

    activation = "tanh"

    def forward(self, x, h0, kernel, recurrent_kernel, bias=None):
        outs, self.saved = K.simple_rnn_forward(
            self._scan(x, h0.shape[1]), h0, kernel, recurrent_kernel, bias, self.activation
        )
        return outs

    def fused_backward(self, gys, needs):
        kernel, rk = self.inputs[2].data, self.inputs[3].data
        return K.simple_rnn_backward(
            self.scan, self.saved, *gys, kernel, rk, self.activation, needs
        )


def _composite_vjp(fn: _FusedScan, gys: tuple) -> tuple:
    """Gradients of the composite formulation, recorded so that they can be differentiated."""
    needs = fn.needs_input_grad
    # Fresh aliases keep inputs that are the same tensor apart (their gradients differ).
    args = [_Identity()(t) if need else t.detach() for t, need in zip(fn.inputs, needs)]
    outs = fn.composite(*args)
    targets = [a for a, need in zip(args, needs) if need]
    pairs = [(o, g) for o, g in zip(outs, gys) if o.requires_grad]
    grads = iter(
        run_backward(
            [o for o, _ in pairs],
            [g for _, g in pairs],
            retain_graph=True,
            create_graph=True,
            inputs=targets,
        )
    )
    return tuple(next(grads) if need else None for need in needs)


# ---------------------------------------------------------------------------- public ops
def mask_weights(mask: Any, x: Tensor, go_backwards: bool, zero_output_for_mask: bool) -> tuple:
    """``(keep, out_w)`` in processing order from a ``(batch, time)`` mask (or ``(None, None)``):
    ``keep`` says which steps update the state, ``out_w`` weighs the states into outputs."""
    if mask is None:
        return None, None
    xp = get_array_module(x.data)
    m = xp.asarray(mask.data if isinstance(mask, Tensor) else mask).astype(bool)
    if m.shape != x.shape[:2]:
        raise ValueError(
            f"mask of shape {shape_str(m.shape)} does not match inputs of shape "
            f"{shape_str(x.shape)}; expected a (batch, time) mask of shape "
            f"{shape_str(x.shape[:2])}."
        )
    keep = xp.ascontiguousarray(m[:, ::-1] if go_backwards else m)
    seen = keep if zero_output_for_mask else xp.cumsum(keep, axis=1) > 0
    return keep, seen.astype(x.dtype)


def _prepare(
    op: str, x: Any, states: list, kernel: Any, rk: Any, bias: Any, gates: int, bias_shapes: tuple
) -> tuple:
    x, kernel, rk = as_tensor(x), as_tensor(kernel), as_tensor(rk)
    if x.ndim != 3:
        raise ValueError(
            f"{op}: inputs must be (batch, time, features), got shape {shape_str(x.shape)}."
        )
    U = rk.shape[0]
    if kernel.shape != (x.shape[2], gates * U) or rk.shape != (U, gates * U):
        raise ValueError(
            f"{op}: kernel {shape_str(kernel.shape)} and recurrent_kernel {shape_str(rk.shape)} "
            f"do not fit inputs with {x.shape[2]} features: expected "
            f"{shape_str((x.shape[2], gates * U))} and {shape_str((U, gates * U))}."
        )
    states = [as_tensor(s, like=x) for s in states]
    for s in states:
        if s.shape != (x.shape[0], U):
            raise ValueError(
                f"{op}: initial state of shape {shape_str(s.shape)}, expected "
                f"(batch, units) = {shape_str((x.shape[0], U))}."
            )
    if bias is not None:
        bias = as_tensor(bias)
        if bias.shape not in bias_shapes:
            raise ValueError(
                f"{op}: bias of shape {shape_str(bias.shape)}, expected one of "
                f"{[shape_str(b) for b in bias_shapes]}."
            )
    return x, states, kernel, rk, bias


def _fusable(fused: bool | None, op: str, ok: bool) -> bool:
    if fused and not ok:
        raise ValueError(
            f"{op}: fused=True needs the default activations and no dropout masks; pass "
            "fused=None to choose automatically."
        )
    return ok if fused is None else bool(fused)


def _name(act: Activation) -> str | None:
    if isinstance(act, str):
        if act not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {act!r}; pass one of {sorted(ACTIVATIONS)} or a callable."
            )
        return act
    return next((k for k, f in ACTIVATIONS.items() if f is act), None)


def lstm(
    x: Any,
    h0: Any,
    c0: Any,
    kernel: Any,
    recurrent_kernel: Any,
    bias: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
    return_sequences: bool = True,
    zero_output_for_mask: bool = False,
    activation: Activation = "tanh",
    recurrent_activation: Activation = "sigmoid",
    input_masks: Any = None,
    recurrent_masks: Any = None,
    fused: bool | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """Long short-term memory over a whole sequence (Keras's layout, gate order i, f, c, o).

    With z = x_t W + h_{t-1} U + b split into four blocks of ``units`` columns::

        i = σ(z_i)   f = σ(z_f)   g = tanh(z_c)   o = σ(z_o)
        c_t = f ⊙ c_{t-1} + i ⊙ g        h_t = o ⊙ tanh(c_t)

    Args:
        x: inputs ``(batch, time, features)``.
        h0, c0: initial hidden and cell states ``(batch, units)``.
        kernel: ``(features, 4·units)``; recurrent_kernel: ``(units, 4·units)``;
            bias: ``(4·units,)`` or None.
        mask: optional boolean ``(batch, time)``; False steps keep the state (Keras masking).
        go_backwards: process time in reverse; the output sequence is in processing order.
        return_sequences: first output is ``(batch, time, units)`` instead of ``(batch, units)``.
        zero_output_for_mask: masked steps output zeros instead of repeating the last output.
        activation, recurrent_activation: names ("tanh", "sigmoid", "relu", "linear") or
            callables; the fused loop runs for tanh/sigmoid, others use the composite path.
        input_masks, recurrent_masks: per-gate dropout masks ``(4, batch, features)`` and
            ``(4, batch, units)`` (Keras's recurrent dropout); they use the composite path.
        fused: force (True) or forbid (False) the fused loop; None chooses.

    Returns:
        ``(outputs, h_T, c_T)``.

    Example:
        >>> import numpy as np
        >>> x, s = np.ones((2, 5, 3), "float32"), np.zeros((2, 4), "float32")
        >>> k, rk = np.full((3, 16), 0.1, "float32"), np.zeros((4, 16), "float32")
        >>> y, h, c = lstm(x, s, s, k, rk)
        >>> y.shape, h.shape
        ((2, 5, 4), (2, 4))
    """
    U = as_tensor(recurrent_kernel).shape[0]
    x, (h0, c0), kernel, rk, bias = _prepare(
        "lstm", x, [h0, c0], kernel, recurrent_kernel, bias, 4, ((4 * U,),)
    )
    keep, out_w = mask_weights(mask, x, go_backwards, zero_output_for_mask)
    cfg = dict(keep=keep, out_w=out_w, go_backwards=go_backwards, return_sequences=return_sequences)
    ok = (
        _name(activation) == "tanh"
        and _name(recurrent_activation) == "sigmoid"
        and input_masks is None
        and recurrent_masks is None
    )
    args = [x, h0, c0, kernel, rk] + ([] if bias is None else [bias])
    if _fusable(fused, "lstm", ok):
        composite = functools.partial(lstm_composite, **cfg)
        return LSTMScan(keep, out_w, go_backwards, return_sequences, composite)(*args)
    return lstm_composite(
        *args,
        **cfg,
        activation=activation,
        recurrent_activation=recurrent_activation,
        input_masks=input_masks,
        recurrent_masks=recurrent_masks,
    )


def gru(
    x: Any,
    h0: Any,
    kernel: Any,
    recurrent_kernel: Any,
    bias: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
    return_sequences: bool = True,
    zero_output_for_mask: bool = False,
    activation: Activation = "tanh",
    recurrent_activation: Activation = "sigmoid",
    reset_after: bool = True,
    input_masks: Any = None,
    recurrent_masks: Any = None,
    fused: bool | None = None,
) -> tuple[Tensor, Tensor]:
    """Gated recurrent unit over a whole sequence (Keras's layout, gate order z, r, h).

    With ``reset_after=True`` (Keras 3's default; bias ``(2, 3·units)``, row 0 for the input
    projection, row 1 for the recurrent one) and x_* = x_t W_* + b_*, r_* = h_{t-1} U_* + b'_*::

        z = σ(x_z + r_z)   r = σ(x_r + r_r)   ĥ = tanh(x_h + r ⊙ r_h)
        h_t = z ⊙ h_{t-1} + (1 - z) ⊙ ĥ

    With ``reset_after=False`` (bias ``(3·units,)``) ĥ = tanh(x_h + (r ⊙ h_{t-1}) U_h).

    Args and returns as ``lstm`` (three gates instead of four, no cell state):
    ``(outputs, h_T)``. The fused loop covers ``reset_after=True`` with tanh/sigmoid.

    Example:
        >>> import numpy as np
        >>> x, s = np.ones((2, 5, 3), "float32"), np.zeros((2, 4), "float32")
        >>> y, h = gru(x, s, np.zeros((3, 12), "float32"), np.zeros((4, 12), "float32"))
        >>> y.shape
        (2, 5, 4)
    """
    U = as_tensor(recurrent_kernel).shape[0]
    x, (h0,), kernel, rk, bias = _prepare(
        "gru",
        x,
        [h0],
        kernel,
        recurrent_kernel,
        bias,
        3,
        ((2, 3 * U),) if reset_after else ((3 * U,),),
    )
    keep, out_w = mask_weights(mask, x, go_backwards, zero_output_for_mask)
    cfg = dict(keep=keep, out_w=out_w, go_backwards=go_backwards, return_sequences=return_sequences)
    ok = (
        reset_after
        and _name(activation) == "tanh"
        and _name(recurrent_activation) == "sigmoid"
        and input_masks is None
        and recurrent_masks is None
    )
    args = [x, h0, kernel, rk] + ([] if bias is None else [bias])
    if _fusable(fused, "gru", ok):
        composite = functools.partial(gru_composite, **cfg)
        return GRUScan(keep, out_w, go_backwards, return_sequences, composite)(*args)
    return gru_composite(
        *args,
        **cfg,
        activation=activation,
        recurrent_activation=recurrent_activation,
        reset_after=reset_after,
        input_masks=input_masks,
        recurrent_masks=recurrent_masks,
    )


def simple_rnn(
    x: Any,
    h0: Any,
    kernel: Any,
    recurrent_kernel: Any,
    bias: Any = None,
    *,
    mask: Any = None,
    go_backwards: bool = False,
    return_sequences: bool = True,
    zero_output_for_mask: bool = False,
    activation: Activation = "tanh",
    input_masks: Any = None,
    recurrent_masks: Any = None,
    fused: bool | None = None,
) -> tuple[Tensor, Tensor]:
    """Fully connected recurrence h_t = act(x_t W + h_{t-1} U + b) over a whole sequence.

    Args and returns as ``lstm`` (one gate, no cell state): ``(outputs, h_T)``. The fused loop
    covers the activations tanh, sigmoid, relu and linear.

    Example:
        >>> import numpy as np
        >>> x, s = np.ones((2, 5, 3), "float32"), np.zeros((2, 4), "float32")
        >>> y, h = simple_rnn(x, s, np.zeros((3, 4), "float32"), np.eye(4, dtype="float32"),
        ...                   return_sequences=False)
        >>> y.shape
        (2, 4)
    """
    U = as_tensor(recurrent_kernel).shape[0]
    x, (h0,), kernel, rk, bias = _prepare(
        "simple_rnn", x, [h0], kernel, recurrent_kernel, bias, 1, ((U,),)
    )
    keep, out_w = mask_weights(mask, x, go_backwards, zero_output_for_mask)
    cfg = dict(keep=keep, out_w=out_w, go_backwards=go_backwards, return_sequences=return_sequences)
    name = _name(activation)
    ok = name is not None and input_masks is None and recurrent_masks is None
    args = [x, h0, kernel, rk] + ([] if bias is None else [bias])
    if _fusable(fused, "simple_rnn", ok):
        composite = functools.partial(simple_rnn_composite, **cfg, activation=name)
        fn = SimpleRNNScan(keep, out_w, go_backwards, return_sequences, composite)
        fn.activation = name
        return fn(*args)
    return simple_rnn_composite(
        *args,
        **cfg,
        activation=activation,
        input_masks=input_masks,
        recurrent_masks=recurrent_masks,
    )
