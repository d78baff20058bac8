"""What the built-in recurrent cells share: Keras's cell arguments and their checks, the kernel,
recurrent kernel and bias, the dropout masks (Keras's ``DropoutRNNCell``: one mask per call of
the RNN, shared by all its steps), zero initial states and the config.

``SimpleRNNCell``, ``LSTMCell`` and ``GRUCell`` subclass ``RNNCellBase``; each adds its step
(``call``) and ``scan``, the whole sequence in one fused op, which ``RNN`` runs in place of the
step-by-step loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum import activations, initializers, ops, regularizers
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import default_rng, get_array_module
from deepnum.layers import _args
from deepnum.layers.layer import Layer
from deepnum.ops.nn._fused import linear

# Activations the fused loops implement, by the function object deepnum.activations.get returns.
_FUSED_NAMES = {
    activations.tanh: "tanh",
    activations.sigmoid: "sigmoid",
    activations.relu: "relu",
    activations.linear: "linear",
}


def op_activation(fn: Any) -> Any:
    """The name of a fused activation (so the op may use its fused loop), else ``fn``."""
    return _FUSED_NAMES.get(fn, fn)


def rate_arg(owner: str, arg: str, value: Any) -> float:
    """A dropout fraction in [0, 1)."""
    value = _args.number(owner, arg, value, 0.0, 1.0)
    if value >= 1.0:
        raise ValueError(
            f"{owner}: argument `{arg}` must be a number in [0, 1), received {arg}={value!r}."
        )
    return value


def seed_arg(owner: str, seed: Any) -> int | None:
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise ValueError(
            f"{owner}: argument `seed` must be None or an int, received seed={seed!r}."
        )
    return seed


def forget_bias_initializer(units: int, base: Any) -> Any:
    """Keras's ``unit_forget_bias``: ``base`` for the i, c, o blocks and ones for f."""

    def init(shape: Any, dtype: Any = None) -> Any:
        first = base((units,), dtype=dtype)
        xp = get_array_module(first)
        rest = base((2 * units,), dtype=dtype)
        return xp.concatenate([first, xp.ones((units,), dtype=first.dtype), rest])

    return init


class DropoutRNNCell:
    """Keras's dropout for cells: one input mask and one recurrent mask per call of the RNN,
    made on first use and shared by all steps, then reset by the RNN. The class using it sets
    ``dropout``, ``recurrent_dropout``, ``_rng`` (None: the global generator), the cached
    ``_dropout_mask`` and ``_recurrent_dropout_mask``, and ``_mask_count`` (None for one mask,
    ``n`` for one per gate, stacked on a leading axis)."""

    _mask_count: int | None = None

    def _bernoulli(self, xp: Any, shape: tuple, rate: float, dtype: Any) -> Any:
        """Inverted-dropout mask: 0 with probability ``rate``, else ``1 / (1 - rate)``."""
        rng = self._rng if self._rng is not None else default_rng()
        keep = rng.random(shape) >= rate
        return xp.asarray(keep.astype(dtype) / dtype.type(1 - rate))

    def _make_mask(self, like: Any, rate: float) -> Any:
        data = like.data if isinstance(like, Tensor) else like
        count = self._mask_count
        shape = tuple(data.shape) if count is None else (count,) + tuple(data.shape)
        return self._bernoulli(get_array_module(data), shape, rate, data.dtype)

    def get_dropout_mask(self, step_input: Any) -> Any:
        """The input-dropout mask of this call (made on first use, then reused by every step):
        ``(batch, features)``, or ``(gates, batch, features)`` with recurrent dropout."""
        if self._dropout_mask is None and self.dropout > 0:
            self._dropout_mask = self._make_mask(step_input, self.dropout)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, step_input: Any) -> Any:
        """The recurrent-dropout mask of this call, like ``get_dropout_mask`` for the state."""
        if self._recurrent_dropout_mask is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._make_mask(step_input, self.recurrent_dropout)
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self) -> None:
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self) -> None:
        self._recurrent_dropout_mask = None


def init_dropout(cell: Any, owner: str, dropout: Any, recurrent_dropout: Any, seed: Any) -> None:
    """Check and store the dropout arguments of ``cell`` (a ``DropoutRNNCell``)."""
    cell.dropout = rate_arg(owner, "dropout", dropout)
    cell.recurrent_dropout = rate_arg(owner, "recurrent_dropout", recurrent_dropout)
    cell.seed = seed_arg(owner, seed)
    cell._rng = None if seed is None else np.random.default_rng(seed)
    cell._dropout_mask = cell._recurrent_dropout_mask = None


class RNNCellBase(DropoutRNNCell, Layer):
    """Base of the built-in cells: arguments, weights, dropout masks, initial state, config.

    Subclasses set ``gates`` (blocks of ``units`` columns in the kernels) and implement
    ``build``, ``call(inputs, states, training)`` and ``scan(x, states, options, training)``.
    """

    gates = 1

    def __init__(
        self,
        units: Any,
        activation: Any,
        use_bias: Any,
        kernel_initializer: Any,
        recurrent_initializer: Any,
        bias_initializer: Any,
        kernel_regularizer: Any,
        recurrent_regularizer: Any,
        bias_regularizer: Any,
        kernel_constraint: Any,
        recurrent_constraint: Any,
        bias_constraint: Any,
        dropout: Any,
        recurrent_dropout: Any,
        seed: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.units = _args.positive_int(owner, "units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = _args.constraint(owner, "kernel_constraint", kernel_constraint)
        self.recurrent_constraint = _args.constraint(
            owner, "recurrent_constraint", recurrent_constraint
        )
        self.bias_constraint = _args.constraint(owner, "bias_constraint", bias_constraint)
        init_dropout(self, owner, dropout, recurrent_dropout, seed)
        self.kernel = self.recurrent_kernel = self.bias = None

    @property
    def output_size(self) -> int:
        return self.units

    # ---------------------------------------------------------------- weights
    def _add_weights(self, input_shape: Any, bias_shape: tuple, bias_init: Any) -> None:
        shape = tuple(input_shape or ())
        if len(shape) != 2 or shape[-1] is None:
            raise ValueError(
                f'{type(self).__name__} "{self.name}" builds from the shape of one step, '
                f"(batch, features) with the features known, received {shape_str(shape)}. "
                "Wrap the cell in keras.layers.RNN to run it over sequences "
                "(batch, time, features)."
            )
        width = self.gates * self.units
        self.kernel = self.add_weight(
            (shape[-1], width),
            self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        self.recurrent_kernel = self.add_weight(
            (self.units, width),
            self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
            name="recurrent_kernel",
        )
        if self.use_bias:
            self.bias = self.add_weight(
                bias_shape,
                bias_init,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )

    @property
    def _mask_count(self) -> int | None:
        """Keras's cells drop each gate's input with its own mask when recurrent dropout is on
        (its implementation 1); otherwise one mask serves all gates."""
        return self.gates if self.recurrent_dropout and self.gates > 1 else None

    def get_initial_state(self, batch_size: int | None = None) -> list[Tensor]:
        """Zero states, one ``(batch_size, size)`` tensor per entry of ``state_size``."""
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        return [ops.zeros((batch_size, size), dtype=self.dtype) for size in sizes]

    def zero_states_like(self, x: Tensor) -> list[Tensor]:
        """``get_initial_state`` for the batch of ``x``, on its device and in its dtype."""
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        xp, shape = x.xp, (x.shape[0],)
        return [Tensor._make(xp.zeros(shape + (size,), dtype=x.dtype)) for size in sizes]

    def _step_masks(self, inputs: Tensor, h: Tensor, training: Any) -> tuple:
        """``(inputs, input_masks, recurrent_mask)`` for one step: a single input mask is
        applied here; per-gate masks (with recurrent dropout) are returned for the gates."""
        if not training:
            return inputs, None, None
        in_mask = self.get_dropout_mask(inputs)
        rec_mask = self.get_recurrent_dropout_mask(h)
        if in_mask is not None and self._mask_count is None:
            inputs, in_mask = inputs * in_mask, None
        return inputs, in_mask, rec_mask

    def _sequence_dropout(self, x: Tensor, h0: Tensor, training: Any) -> tuple:
        """``(x, input_masks, recurrent_masks)`` for the fused ops: with input dropout only, the
        inputs multiplied by one mask shared by all steps; with recurrent dropout, the per-gate
        masks for the composite path."""
        if not training or (self.dropout == 0 and self.recurrent_dropout == 0):
            return x, None, None
        in_mask = self.get_dropout_mask(x[:, 0])
        rec_mask = self.get_recurrent_dropout_mask(h0)
        if self.recurrent_dropout == 0:
            return x * in_mask[:, None, :], None, None
        if self.gates == 1:  # a SimpleRNNCell's single masks, as one "gate"
            in_mask = None if in_mask is None else in_mask[None]
            return x, in_mask, rec_mask[None]
        return x, in_mask, rec_mask

    # ---------------------------------------------------------------- config
    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": _args.serialize_initializer(self.kernel_initializer),
            "recurrent_initializer": _args.serialize_initializer(self.recurrent_initializer),
            "bias_initializer": _args.serialize_initializer(self.bias_initializer),
            "kernel_regularizer": _args.serialize_regularizer(self.kernel_regularizer),
            "recurrent_regularizer": _args.serialize_regularizer(self.recurrent_regularizer),
            "bias_regularizer": _args.serialize_regularizer(self.bias_regularizer),
            "kernel_constraint": _args.serialize_constraint(self.kernel_constraint),
            "recurrent_constraint": _args.serialize_constraint(self.recurrent_constraint),
            "bias_constraint": _args.serialize_constraint(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


def gate_inputs(x: Tensor, kernel: Tensor, bias: Any, masks: Any, gates: int) -> Tensor:
    """``x W + b`` for one step; with per-gate dropout masks ``(gates, batch, features)`` each
    gate's block sees its own dropped-out input."""
    if masks is None:
        return linear(x, kernel, bias)
    n = kernel.shape[1] // gates
    parts = [linear(x * masks[g], kernel[:, g * n : (g + 1) * n]) for g in range(gates)]
    z = ops.concatenate(parts, axis=-1)
    return z if bias is None else z + bias


def gate_recurrent(h: Tensor, recurrent_kernel: Tensor, masks: Any, gates: int) -> Tensor:
    """``h U`` for one step; with per-gate recurrent dropout masks ``(gates, batch, units)``."""
    if masks is None:
        return h @ recurrent_kernel
    n = recurrent_kernel.shape[1] // gates
    parts = [(h * masks[g]) @ recurrent_kernel[:, g * n : (g + 1) * n] for g in range(gates)]
    return ops.concatenate(parts, axis=-1)
