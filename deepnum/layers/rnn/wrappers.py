"""Layer wrappers: ``Bidirectional`` (run a recurrent layer both ways and merge) and
``TimeDistributed`` (apply a layer to every time step), with Keras 3's arguments, weight order
and configs."""

from __future__ import annotations

import copy
from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.layers import serialization
from deepnum.layers.layer import Layer

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _copy_layer(layer: Layer, name: str, **overrides: Any) -> Layer:
    """A fresh layer (new weights) from ``layer``'s config, renamed, with overrides."""
    config = serialization.serialize(layer)
    config["config"].update(name=name, **overrides)
    return serialization.deserialize(config)


def _build_child(layer: Layer, shape: Any) -> None:
    if not layer.built:
        layer.build(shape)
        layer.built = True
        layer._build_shapes = shape


class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs: one copy reads the sequence forwards, another backwards,
    and their outputs are merged.

    The backward copy processes the reversed sequence; with ``return_sequences`` its outputs
    are flipped back so that step t of both directions lines up before merging. Weights are
    those of the forward layer, then those of the backward layer (Keras's order).

    Args:
        layer: a recurrent layer (``LSTM``, ``GRU``, ``SimpleRNN`` or one with
            ``go_backwards``, ``return_sequences``, ``return_state`` and a config). A fresh copy
            named ``forward_<name>`` is used: the instance passed in keeps its own weights.
        merge_mode: ``"concat"`` (default; output ``2·units`` wide), ``"sum"``, ``"mul"``,
            ``"ave"`` or None (return both outputs as a list).
        weights: optional initial weights (forward then backward), set after building.
        backward_layer: optional layer for the backward direction; it must have the opposite
            ``go_backwards`` and the same ``stateful``, ``return_sequences``, ``return_state``.

    Call arguments: ``sequences``, ``initial_state`` (forward states first, then backward),
    ``mask``, ``training``. With ``return_state`` the outputs are ``(output, *forward_states,
    *backward_states)``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.Bidirectional(dn.layers.LSTM(4, return_sequences=True))
        >>> layer(np.ones((2, 10, 8), "float32")).shape
        (2, 10, 8)
    """

    def __init__(
        self,
        layer: Layer,
        merge_mode: str | None = "concat",
        weights: Any = None,
        backward_layer: Layer | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(
                "Bidirectional: argument `layer` must be a deepnum.layers.Layer instance, "
                f"received layer={layer!r}."
            )
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                "Bidirectional: argument `backward_layer` must be None or a Layer instance, "
                f"received backward_layer={backward_layer!r}."
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                "Bidirectional: argument `merge_mode` must be one of "
                f"{list(_MERGE_MODES)}, received merge_mode={merge_mode!r}."
            )
        super().__init__(**kwargs)
        base = layer.name.removeprefix("forward_")
        self.forward_layer = _copy_layer(layer, f"forward_{base}")
        if backward_layer is None:
            base = layer.name.removeprefix("backward_")
            backward_layer = _copy_layer(layer, f"backward_{base}", go_backwards=True)
        self.backward_layer = backward_layer
        self._verify()
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = weights
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def _verify(self) -> None:
        fwd, bwd = self.forward_layer, self.backward_layer
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError(
                "Bidirectional: the forward and backward layers must have different "
                f"`go_backwards`, received {fwd.go_backwards} for both. Pass a backward_layer "
                "with go_backwards=True."
            )
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(fwd, attr) != getattr(bwd, attr):
                raise ValueError(
                    f"Bidirectional: the forward and backward layers must have the same `{attr}`,"
                    f" received {getattr(fwd, attr)} (forward) and {getattr(bwd, attr)} "
                    "(backward)."
                )

    def build(self, sequences_shape: Any, initial_state_shape: Any = None) -> None:
        _build_child(self.forward_layer, sequences_shape)
        _build_child(self.backward_layer, sequences_shape)
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None
        self.built = True

    def call(
        self,
        sequences: Tensor,
        initial_state: Any = None,
        mask: Any = None,
        training: bool | None = None,
    ) -> Any:
        kwargs: dict[str, Any] = {"training": training}
        if mask is not None:
            kwargs["mask"] = mask
        states: list[Any] = [None, None]
        if initial_state is not None:
            half = len(initial_state) // 2
            states = [list(initial_state[:half]), list(initial_state[half:])]
        outs = []
        for sub, state in zip((self.forward_layer, self.backward_layer), states):
            extra = {} if state is None else {"initial_state": state}
            outs.append(sub(sequences, **kwargs, **extra))
        y, y_rev = outs
        if self.return_state:
            states_out = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = y_rev[:, ::-1]
        output = self._merge(y, y_rev)
        if not self.return_state:
            return output
        return output + states_out if self.merge_mode is None else (output,) + states_out

    def _merge(self, y: Tensor, y_rev: Tensor) -> Any:
        if self.merge_mode == "concat":
            return ops.concatenate([y, y_rev], axis=-1)
        if self.merge_mode == "sum":
            return y + y_rev
        if self.merge_mode == "ave":
            return (y + y_rev) * 0.5
        if self.merge_mode == "mul":
            return y * y_rev
        return (y, y_rev)

    def compute_output_shape(self, sequences_shape: Any, initial_state_shape: Any = None) -> Any:
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        state_shapes: tuple = ()
        if self.return_state:
            shape, state_shapes = shape[0], tuple(shape[1:])
        if self.merge_mode == "concat":
            shape = tuple(shape[:-1]) + (shape[-1] * 2,)
        outputs = (shape, shape) if self.merge_mode is None else (shape,)
        if self.return_state:
            return outputs + state_shapes + state_shapes
        return outputs if self.merge_mode is None else shape

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        out_masks = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            n_states = len(getattr(self.forward_layer, "state_size", [None]))
            return out_masks + [None] * (2 * n_states)
        return out_masks if self.merge_mode is None else out

    @property
    def states(self) -> tuple | None:
        fwd, bwd = self.forward_layer.states, self.backward_layer.states
        return tuple(fwd) + tuple(bwd) if fwd and bwd else None

    def reset_states(self) -> None:
        """Reset the carried states of both directions (stateful layers only)."""
        if not self.stateful:
            raise AttributeError(f'Layer "{self.name}" must be stateful to reset its states.')
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    reset_state = reset_states

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "merge_mode": self.merge_mode,
            "layer": serialization.serialize(self.forward_layer),
            "backward_layer": serialization.serialize(self.backward_layer),
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Bidirectional:
        config = copy.deepcopy(config)
        config["layer"] = serialization.deserialize(config["layer"], custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = serialization.deserialize(
                config["backward_layer"], custom_objects
            )
        return cls(**config)


class TimeDistributed(Layer):
    """Apply a layer to every temporal slice of an input: ``(batch, time, ...)`` →
    ``(batch, time, *layer_output[1:])``, with the same weights at every step.

    The time axis is folded into the batch axis, so the wrapped layer runs once on
    ``(batch·time, ...)``; for layers that treat samples independently (Dense, Conv2D, …) this
    equals Keras 3's step-by-step loop. The mask, if any, is passed to the wrapped layer in the
    same folded form.

    Args:
        layer: the layer to apply (its weights are the wrapper's weights).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.TimeDistributed(dn.layers.Dense(3))
        >>> layer(np.ones((2, 10, 8), "float32")).shape
        (2, 10, 3)
    """

    def __init__(self, layer: Layer, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(
                "TimeDistributed: argument `layer` must be a deepnum.layers.Layer instance, "
                f"received layer={layer!r}."
            )
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _child_shape(self, input_shape: Any) -> tuple:
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(
                f'TimeDistributed layer "{self.name}" needs inputs of rank ≥ 3 (batch, time, '
                f"...), received shape {shape_str(tuple(input_shape or ()))}."
            )
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape: Any) -> None:
        _build_child(self.layer, self._child_shape(input_shape))
        self.built = True

    def call(self, inputs: Tensor, training: bool | None = None, mask: Any = None) -> Tensor:
        batch, time = inputs.shape[:2]
        self._child_shape(inputs.shape)
        kwargs: dict[str, Any] = {"training": training}
        if mask is not None:
            self._check_mask(mask, inputs.shape)
            if self.layer._call_signature["mask"]:
                data = mask.data if isinstance(mask, Tensor) else mask
                kwargs["mask"] = data.reshape((batch * time,) + tuple(data.shape[2:]))
        y = self.layer(ops.reshape(inputs, (batch * time,) + tuple(inputs.shape[2:])), **kwargs)
        return ops.reshape(y, (batch, time) + tuple(y.shape[1:]))

    def _check_mask(self, mask: Any, shape: tuple) -> None:
        mshape = tuple(mask.shape)
        if len(mshape) < 2 or mshape[:2] != tuple(shape[:2]):
            raise ValueError(
                f'TimeDistributed layer "{self.name}": the mask of shape {shape_str(mshape)} '
                f"does not match inputs of shape {shape_str(tuple(shape))}; its first two axes "
                f"must be (batch, time) = {shape_str(tuple(shape[:2]))}."
            )

    def compute_output_shape(self, input_shape: Any) -> tuple:
        child = tuple(self.layer.compute_output_shape(self._child_shape(input_shape)))
        return (child[0], input_shape[1], *child[1:])

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": serialization.serialize(self.layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> TimeDistributed:
        config = copy.deepcopy(config)
        config["layer"] = serialization.deserialize(config["layer"], custom_objects)
        return cls(**config)
