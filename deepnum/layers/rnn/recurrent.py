"""Recurrent layers: SimpleRNN, LSTM and GRU with Keras 3's arguments, defaults, weight layouts
and masking rules. Each is an ``RNN`` over its cell (as in Keras: the weights live in
``layer.cell``, which Keras's files store under ``<layer>/cell``); the maths of all time steps
runs in one fused op (``deepnum.ops.nn._recurrent``)."""

from __future__ import annotations

from typing import Any

from deepnum.layers import _args
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.rnn.gru_cell import GRUCell
from deepnum.layers.rnn.lstm_cell import LSTMCell
from deepnum.layers.rnn.rnn import RNN
from deepnum.layers.rnn.simple_rnn_cell import SimpleRNNCell


def cell_property(name: str) -> property:
    return property(lambda self: getattr(self.cell, name), doc=f"The cell's ``{name}``.")


def _make_cell(owner: str, cls: type, name: str, units: Any, kwargs: dict, **arguments: Any):
    """The layer's cell, named as Keras names it; argument errors name the layer."""
    try:
        return cls(
            units,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name=name,
            **arguments,
        )
    except ValueError as e:
        raise ValueError(str(e).replace(f"{cls.__name__}:", f"{owner}:", 1)) from None


def _check_use_cudnn(owner: str, use_cudnn: Any) -> Any:
    if use_cudnn not in ("auto", True, False):
        raise ValueError(
            f"{owner}: argument `use_cudnn` must be 'auto', True or False, "
            f"received use_cudnn={use_cudnn!r}."
        )
    return use_cudnn


class _CellLayer(RNN):
    """An RNN over one built-in cell whose arguments are the layer's (SimpleRNN, LSTM, GRU)."""

    units = cell_property("units")
    activation = cell_property("activation")
    use_bias = cell_property("use_bias")
    kernel_initializer = cell_property("kernel_initializer")
    recurrent_initializer = cell_property("recurrent_initializer")
    bias_initializer = cell_property("bias_initializer")
    kernel_regularizer = cell_property("kernel_regularizer")
    recurrent_regularizer = cell_property("recurrent_regularizer")
    bias_regularizer = cell_property("bias_regularizer")
    kernel_constraint = cell_property("kernel_constraint")
    recurrent_constraint = cell_property("recurrent_constraint")
    bias_constraint = cell_property("bias_constraint")
    dropout = cell_property("dropout")
    recurrent_dropout = cell_property("recurrent_dropout")
    seed = cell_property("seed")
    kernel = cell_property("kernel")
    recurrent_kernel = cell_property("recurrent_kernel")
    bias = cell_property("bias")

    def _finish_init(self) -> None:
        self.input_spec = InputSpec(ndim=3)

    def get_config(self) -> dict:
        cell = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell.pop(key, None)
        return {
            **self._sequence_config(),
            **cell,
            "activity_regularizer": _args.serialize_regularizer(self.activity_regularizer),
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> RNN:
        return cls(**config)


class SimpleRNN(_CellLayer):
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
        cell = _make_cell(
            "SimpleRNN", SimpleRNNCell, "simple_rnn_cell", units, kwargs,
            activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
        )  # fmt: skip
        super().__init__(
            cell, return_sequences=return_sequences, return_state=return_state,
            go_backwards=go_backwards, stateful=stateful, unroll=unroll,
            activity_regularizer=activity_regularizer, **kwargs,
        )  # fmt: skip
        self._finish_init()


class LSTM(_CellLayer):
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
        use_cudnn: accepted for compatibility ('auto', True or False).
        Other arguments as in ``SimpleRNN``. With return_state the outputs are
        ``(output, h, c)``; ``initial_state`` is ``[h0, c0]``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> y, h, c = dn.layers.LSTM(4, return_sequences=True, return_state=True)(
        ...     np.ones((2, 10, 8), "float32"))
        >>> y.shape, h.shape, c.shape
        ((2, 10, 4), (2, 4), (2, 4))
    """

    recurrent_activation = cell_property("recurrent_activation")
    unit_forget_bias = cell_property("unit_forget_bias")

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
        cudnn = _check_use_cudnn("LSTM", use_cudnn)
        cell = _make_cell(
            "LSTM", LSTMCell, "lstm_cell", units, kwargs,
            activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
        )  # fmt: skip
        super().__init__(
            cell, return_sequences=return_sequences, return_state=return_state,
            go_backwards=go_backwards, stateful=stateful, unroll=unroll,
            activity_regularizer=activity_regularizer, **kwargs,
        )  # fmt: skip
        self._finish_init()
        self.use_cudnn = cudnn


class GRU(_CellLayer):
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
        use_cudnn: accepted for compatibility ('auto', True or False).
        Other arguments as in ``SimpleRNN``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.GRU(4)
        >>> layer(np.ones((2, 10, 8), "float32")).shape
        (2, 4)
        >>> [w.shape for w in layer.get_weights()]
        [(8, 12), (4, 12), (2, 12)]
    """

    recurrent_activation = cell_property("recurrent_activation")
    reset_after = cell_property("reset_after")

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
        cudnn = _check_use_cudnn("GRU", use_cudnn)
        cell = _make_cell(
            "GRU", GRUCell, "gru_cell", units, kwargs,
            activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, reset_after=reset_after, seed=seed,
        )  # fmt: skip
        super().__init__(
            cell, return_sequences=return_sequences, return_state=return_state,
            go_backwards=go_backwards, stateful=stateful, unroll=unroll,
            activity_regularizer=activity_regularizer, **kwargs,
        )  # fmt: skip
        self._finish_init()
        self.use_cudnn = cudnn
