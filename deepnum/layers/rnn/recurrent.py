"""Recurrent layers: SimpleRNN, LSTM and GRU with Keras 3's arguments, defaults, weight layouts
and masking rules. The maths of all time steps runs in one fused op (``deepnum.ops.nn._recurrent``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum import activations
from deepnum.layers.rnn.base_rnn import BaseRNN
from deepnum.ops.nn import _recurrent as rnn_ops


class SimpleRNN(BaseRNN):
    """Fully-connected RNN: the output is fed back as the next step's state.

    ``h_t = activation(x_t W + h_{t-1} U + b)`` with kernel ``W`` ``(features, units)``,
    recurrent kernel ``U`` ``(units, units)`` and bias ``b`` ``(units,)``.

    Args:
        units: dimensionality of the output (a positive integer).
        activation: default ``"tanh"``.
        use_bias, kernel_initializer (``"glorot_uniform"``), recurrent_initializer
            (``"orthogonal"``), bias_initializer (``"zeros"``), the ``*_regularizer`` and
            ``*_constraint`` arguments: as in Keras.
        dropout, recurrent_dropout: fractions in [0, 1) of the inputs / states to drop while
            training (one mask per call, shared by all steps).
        return_sequences: return the whole sequence ``(batch, time, units)`` instead of the
            last output ``(batch, units)``.
        return_state: also return the last state: ``(output, h)``.
        go_backwards: process the sequence in reverse (and return the reversed sequence).
        stateful: carry the last states of a batch over as the next batch's initial states.
        unroll: accepted for compatibility (the loop is fused, never unrolled).

    Call arguments: ``sequences`` ``(batch, time, features)``, ``initial_state`` (a list of
    one ``(batch, units)`` tensor), ``mask`` (``(batch, time)`` booleans; masked steps keep the
    state), ``training``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> dn.layers.SimpleRNN(4)(np.ones((2, 10, 8), "float32")).shape
        (2, 4)
    """

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
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
            **kwargs,
        )

    def build(self, sequences_shape: Any, initial_state_shape: Any = None) -> None:
        self._add_weights(sequences_shape, (self.units,), self.bias_initializer)
        self.built = True

    def _run(self, x, states, options):
        return rnn_ops.simple_rnn(
            x,
            states[0],
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            activation=self._op_activation(self.activation),
            **options,
        )


class LSTM(BaseRNN):
    """Long short-term memory layer (Hochreiter & Schmidhuber, 1997), Keras's formulation.

    With z = x_t W + h_{t-1} U + b split into the gate blocks i, f, c, o (Keras's order)::

        i = σ(z_i)    f = σ(z_f)    o = σ(z_o)    g = tanh(z_c)
        c_t = f ⊙ c_{t-1} + i ⊙ g
        h_t = o ⊙ tanh(c_t)

    (σ is ``recurrent_activation``, tanh is ``activation``.) Weights: kernel ``(features,
    4·units)``, recurrent_kernel ``(units, 4·units)``, bias ``(4·units,)``.

    Args:
        units: dimensionality of the output (a positive integer).
        activation: default ``"tanh"``; recurrent_activation: default ``"sigmoid"``.
        unit_forget_bias: initialise the forget-gate bias to 1 (default True).
        Other arguments as in ``SimpleRNN``. With return_state the outputs are
        ``(output, h, c)``; ``initial_state`` is ``[h0, c0]``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> y, h, c = dn.layers.LSTM(4, return_sequences=True, return_state=True)(
        ...     np.ones((2, 10, 8), "float32"))
        >>> y.shape, h.shape, c.shape
        ((2, 10, 4), (2, 4), (2, 4))
    """

    gates = 4
    n_states = 2

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        unit_forget_bias: bool = True,
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        use_cudnn: Any = "auto",
        **kwargs: Any,
    ) -> None:
        kwargs.pop("implementation", None)
        super().__init__(
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
            **kwargs,
        )
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                "LSTM: argument `use_cudnn` must be 'auto', True or False, "
                f"received use_cudnn={use_cudnn!r}."
            )
        self.use_cudnn = use_cudnn

    def build(self, sequences_shape: Any, initial_state_shape: Any = None) -> None:
        init = self.bias_initializer
        if self.unit_forget_bias:
            units, base = self.units, self.bias_initializer

            def init(shape: Any, dtype: Any = None) -> np.ndarray:
                ones = np.ones((units,), dtype=dtype)
                return np.concatenate(
                    [
                        np.asarray(base((units,), dtype=dtype)),
                        ones,
                        np.asarray(base((2 * units,), dtype=dtype)),
                    ]
                )

        self._add_weights(sequences_shape, (4 * self.units,), init)
        self.built = True

    def _run(self, x, states, options):
        return rnn_ops.lstm(
            x,
            states[0],
            states[1],
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            activation=self._op_activation(self.activation),
            recurrent_activation=self._op_activation(self.recurrent_activation),
            **options,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        }


class GRU(BaseRNN):
    """Gated recurrent unit (Cho et al., 2014), Keras's formulation with ``reset_after=True``.

    With x_* = x_t W_* + b_* and r_* = h_{t-1} U_* + b'_* for the gate blocks z, r, h (Keras's
    order; bias ``(2, 3·units)``: row 0 is b, row 1 is b')::

        z = σ(x_z + r_z)    r = σ(x_r + r_r)
        ĥ = tanh(x_h + r ⊙ r_h)
        h_t = z ⊙ h_{t-1} + (1 - z) ⊙ ĥ

    With ``reset_after=False`` the reset gate acts before the product: ĥ = tanh(x_h +
    (r ⊙ h_{t-1}) U_h), and the bias is ``(3·units,)``. Kernel ``(features, 3·units)``,
    recurrent_kernel ``(units, 3·units)``.

    Args:
        units: dimensionality of the output (a positive integer).
        activation: default ``"tanh"``; recurrent_activation: default ``"sigmoid"``.
        reset_after: default True (Keras 3 and cuDNN's convention).
        Other arguments as in ``SimpleRNN``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.GRU(4)
        >>> layer(np.ones((2, 10, 8), "float32")).shape
        (2, 4)
        >>> [w.shape for w in layer.get_weights()]
        [(8, 12), (4, 12), (2, 12)]
    """

    gates = 3

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        reset_after: bool = True,
        use_cudnn: Any = "auto",
        **kwargs: Any,
    ) -> None:
        kwargs.pop("implementation", None)
        super().__init__(
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
            **kwargs,
        )
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                "GRU: argument `use_cudnn` must be 'auto', True or False, "
                f"received use_cudnn={use_cudnn!r}."
            )
        self.use_cudnn = use_cudnn

    def build(self, sequences_shape: Any, initial_state_shape: Any = None) -> None:
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self._add_weights(sequences_shape, shape, self.bias_initializer)
        self.built = True

    def _run(self, x, states, options):
        return rnn_ops.gru(
            x,
            states[0],
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            activation=self._op_activation(self.activation),
            recurrent_activation=self._op_activation(self.recurrent_activation),
            reset_after=self.reset_after,
            **options,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "reset_after": self.reset_after,
        }
