"""BaseRNN: what the recurrent layers SimpleRNN, LSTM and GRU share (arguments, sequence
options, masks, initial and stateful states, dropout masks, output shapes and config)."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum import activations, initializers, ops, regularizers
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import default_rng, get_array_module
from deepnum.layers import _args
from deepnum.layers.input_spec import InputSpec, check_input_spec
from deepnum.layers.layer import Layer

# Activations the fused loops implement, by the function object deepnum.activations.get returns.
_FUSED_NAMES = {
    activations.tanh: "tanh",
    activations.sigmoid: "sigmoid",
    activations.relu: "relu",
    activations.linear: "linear",
}


class BaseRNN(Layer):
    """What SimpleRNN, LSTM and GRU share: arguments, sequence options, masks, initial and
    carried (stateful) states, dropout masks, shapes and config. Subclasses set ``gates`` and
    ``n_states`` and implement ``build`` and ``_run``."""

    gates = 1
    n_states = 1

    def __init__(
        self,
        units,
        activation,
        use_bias,
        kernel_initializer,
        recurrent_initializer,
        bias_initializer,
        kernel_regularizer,
        recurrent_regularizer,
        bias_regularizer,
        activity_regularizer,
        kernel_constraint,
        recurrent_constraint,
        bias_constraint,
        dropout,
        recurrent_dropout,
        seed,
        return_sequences,
        return_state,
        go_backwards,
        stateful,
        unroll,
        zero_output_for_mask=False,
        **kwargs,
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
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = _args.constraint(owner, "kernel_constraint", kernel_constraint)
        self.recurrent_constraint = _args.constraint(
            owner, "recurrent_constraint", recurrent_constraint
        )
        self.bias_constraint = _args.constraint(owner, "bias_constraint", bias_constraint)
        self.dropout = _rate(owner, "dropout", dropout)
        self.recurrent_dropout = _rate(owner, "recurrent_dropout", recurrent_dropout)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
            raise ValueError(
                f"{owner}: argument `seed` must be None or an int, received seed={seed!r}."
            )
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)  # accepted for compatibility: the fused loop never unrolls
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.states: list[Tensor] | None = None
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=3)
        self.kernel = self.recurrent_kernel = self.bias = None

    @property
    def state_size(self) -> list[int]:
        return [self.units] * self.n_states

    # ---------------------------------------------------------------- weights
    def _add_weights(self, input_shape: Any, bias_shape: tuple, bias_init: Any) -> None:
        shape = tuple(input_shape or ())
        check_input_spec(self, InputSpec(ndim=3), shape)
        features = shape[-1]
        if features is None:
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}" needs the feature axis of its '
                f"inputs to be known to create its kernel, received {shape_str(shape)}."
            )
        width = self.gates * self.units
        self.kernel = self.add_weight(
            (features, width),
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
        self.input_spec = InputSpec(ndim=3, axes={-1: features})

    # ---------------------------------------------------------------- calling
    def call(
        self,
        sequences: Tensor,
        initial_state: Any = None,
        mask: Any = None,
        training: bool | None = None,
    ) -> Any:
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if sequences.dtype.kind != "f":
            sequences = ops.cast(sequences, self.dtype)
        states = self._initial_states(sequences, initial_state)
        x, input_masks, recurrent_masks = self._dropout_masks(sequences, training)
        outputs = self._run(
            x,
            states,
            dict(
                mask=mask,
                go_backwards=self.go_backwards,
                return_sequences=self.return_sequences,
                zero_output_for_mask=self.zero_output_for_mask,
                input_masks=input_masks,
                recurrent_masks=recurrent_masks,
            ),
        )
        if self.stateful:
            self.states = [s.detach() for s in outputs[1:]]
        for out in outputs if self.activity_regularizer is not None else ():
            _args.add_activity_loss(self, out)
        return tuple(outputs) if self.return_state else outputs[0]

    def _run(self, x: Tensor, states: list[Tensor], options: dict) -> tuple:
        raise NotImplementedError

    def _op_activation(self, fn: Any) -> Any:
        """The name of a fused activation (so the op may use its fused loop), else ``fn``."""
        return _FUSED_NAMES.get(fn, fn)

    def _initial_states(self, x: Tensor, initial_state: Any) -> list[Tensor]:
        batch = x.shape[0]
        xp = get_array_module(x.data)
        if initial_state is None and self.stateful:
            if self.states is not None and self.states[0].shape[0] != batch:
                raise ValueError(
                    f'Stateful layer "{self.name}" holds states for batches of '
                    f"{self.states[0].shape[0]} samples, received a batch of {batch}. Feed "
                    "batches of a fixed size or call reset_states()."
                )
            initial_state = self.states
        if initial_state is None:
            return [
                Tensor._make(xp.zeros((batch, self.units), dtype=x.dtype))
                for _ in range(self.n_states)
            ]
        states = (
            list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        )
        if len(states) != self.n_states:
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}" expects {self.n_states} initial '
                f"state tensor(s) of shape (batch, {self.units}), received {len(states)}."
            )
        states = [as_tensor(s, like=x) for s in states]
        return [s if s.dtype == x.dtype else ops.cast(s, x.dtype) for s in states]

    def reset_states(self) -> None:
        """Set the carried states of a stateful layer back to zeros."""
        if self.states is not None:
            self.states = [Tensor._make(s.xp.zeros_like(s.data)) for s in self.states]

    reset_state = reset_states

    def _dropout_masks(self, x: Tensor, training: Any) -> tuple:
        """Apply input dropout (one mask shared by all steps, as Keras); with recurrent dropout
        return per-gate masks for the composite path instead."""
        if not training or (self.dropout == 0 and self.recurrent_dropout == 0):
            return x, None, None
        xp = get_array_module(x.data)
        batch, _, features = x.shape
        gates = self.gates if self.recurrent_dropout else None
        in_masks = rec_masks = None
        if self.dropout:
            in_masks = self._bernoulli(xp, (gates or 1, batch, features), self.dropout, x.dtype)
        if self.recurrent_dropout:
            rec_masks = self._bernoulli(
                xp, (gates, batch, self.units), self.recurrent_dropout, x.dtype
            )
            return x, in_masks, rec_masks
        return x * in_masks[0][:, None, :], None, None

    def _bernoulli(self, xp: Any, shape: tuple, rate: float, dtype: Any) -> Any:
        rng = self._rng if self._rng is not None else default_rng()
        keep = rng.random(shape) >= rate
        return xp.asarray(keep.astype(dtype) / dtype.type(1 - rate))

    # ---------------------------------------------------------------- shapes and config
    def compute_output_shape(self, sequences_shape: Any, initial_state_shape: Any = None) -> Any:
        batch, time = sequences_shape[0], sequences_shape[1]
        out = (batch, time, self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return (out,) + tuple((batch, self.units) for _ in range(self.n_states))
        return out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out_mask = mask if self.return_sequences else None
        if self.return_state:
            return [out_mask] + [None] * self.n_states
        return out_mask

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": _args.serialize_initializer(self.kernel_initializer),
            "recurrent_initializer": _args.serialize_initializer(self.recurrent_initializer),
            "bias_initializer": _args.serialize_initializer(self.bias_initializer),
            "kernel_regularizer": _args.serialize_regularizer(self.kernel_regularizer),
            "recurrent_regularizer": _args.serialize_regularizer(self.recurrent_regularizer),
            "bias_regularizer": _args.serialize_regularizer(self.bias_regularizer),
            "activity_regularizer": _args.serialize_regularizer(self.activity_regularizer),
            "kernel_constraint": _args.serialize_constraint(self.kernel_constraint),
            "recurrent_constraint": _args.serialize_constraint(self.recurrent_constraint),
            "bias_constraint": _args.serialize_constraint(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


def _rate(owner: str, arg: str, value: Any) -> float:
    value = _args.number(owner, arg, value, 0.0, 1.0)
    if value >= 1.0:
        raise ValueError(
            f"{owner}: argument `{arg}` must be a number in [0, 1), received {arg}={value!r}."
        )
    return value
