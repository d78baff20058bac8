"""MultiHeadAttention (Vaswani et al., 2017) with Keras 3's arguments, sub-layers and weights."""

from __future__ import annotations

import math
import string
from typing import Any

from deepnum import config as dn_config
from deepnum import initializers, ops, regularizers
from deepnum.autodiff.tensor import Tensor
from deepnum.layers import _args
from deepnum.layers.activations import Softmax
from deepnum.layers.attention import _common
from deepnum.layers.core.einsum_dense import EinsumDense
from deepnum.layers.regularization import Dropout


class MultiHeadAttention(_common.QueryValueAttention):
    """Multi-head attention: N heads of scaled dot-product attention on learned projections.

    With Q = query·W_q, K = key·W_k, V = value·W_v split into N heads of ``key_dim`` (values:
    ``value_dim``) features, each head computes

        headₙ = softmax(Qₙ Kₙᵀ / √key_dim + mask) Vₙ

    and the heads, concatenated, are projected back: output = [head₁ … head_N]·W_o. The four
    projections are EinsumDense layers with Keras's kernels, (features, N, key_dim) for query
    and key, (features, N, value_dim) for value, (N, value_dim, features) for the output, so
    weights move with get_weights/set_weights and .keras files unchanged. The attention itself
    is one fused op (``ops.dot_product_attention``); with ``return_attention_scores``, dropout,
    or attention over several axes it is Keras's explicit softmax and products instead.

    Args:
        num_heads: number of heads N.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default ``key_dim``).
        dropout: dropout rate on the attention probabilities (training only).
        use_bias: whether the projections have biases.
        output_shape: the output's trailing shape (an int or a tuple); default: the query's
            last axis.
        attention_axes: the axes attended over (default: all but batch, heads and features).
        sliding_window: keys more than ``sliding_window − 1`` positions away are masked.
        flash_attention: ``True`` refuses what a flash kernel cannot do (dropout, returning
            scores); the fused op runs either way.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
            activity_regularizer, kernel_constraint, bias_constraint: for the projections.
        use_gate: gate the heads' output by sigmoid(query·W_g) (Gated Attention).
        seed: the dropout's seed.

    Call arguments:
        query: (B, T, dim); value: (B, S, dim_v); key: (B, S, dim_k), default ``value``.
        attention_mask: boolean (B, T, S), True where a query may attend to a key.
        return_attention_scores: also return the (B, N, T, S) attention probabilities.
        use_causal_mask: forbid attending to later positions (decoders).
        query_mask / value_mask / key_mask: come from the inputs' Keras masks (an
            ``Embedding(mask_zero=True)`` upstream); the output keeps the query's mask.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> mha = dn.layers.MultiHeadAttention(num_heads=2, key_dim=4)
        >>> x = np.ones((3, 5, 8), "float32")
        >>> mha(x, x).shape
        (3, 5, 8)
        >>> [w.shape for w in mha.get_weights()][::2]
        [(8, 2, 4), (8, 2, 4), (8, 2, 4), (2, 4, 8)]
    """

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_shape: Any = None,
        attention_axes: Any = None,
        sliding_window: int | None = None,
        flash_attention: bool | None = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        use_gate: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        owner = "MultiHeadAttention"
        self_num_heads = _args.positive_int(owner, "num_heads", num_heads)
        self_key_dim = _args.positive_int(owner, "key_dim", key_dim)
        self_value_dim = _common.positive_int_or_none(owner, "value_dim", value_dim)
        super().__init__(**kwargs)
        self.supports_masking = True
        self._num_heads, self._key_dim = self_num_heads, self_key_dim
        self._value_dim = self_value_dim or self_key_dim
        self._dropout = _common.dropout_rate(owner, dropout)
        self._use_bias, self._use_gate = bool(use_bias), bool(use_gate)
        self._output_shape = _output_shape_arg(output_shape)
        self._attention_axes = _attention_axes_arg(attention_axes)
        self._sliding_window = _common.positive_int_or_none(owner, "sliding_window", sliding_window)
        self._flash_attention = flash_attention or dn_config.is_flash_attention_enabled()
        if self._flash_attention and self._dropout > 0.0:
            raise ValueError(
                f"{owner}: dropout={self._dropout} is not supported with flash_attention=True "
                "(a flash kernel never forms the probabilities); set dropout=0.0 or "
                "flash_attention=None."
            )
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = _args.constraint(owner, "kernel_constraint", kernel_constraint)
        self._bias_constraint = _args.constraint(owner, "bias_constraint", bias_constraint)
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self._key_dim))
        self._symbolic_scores = None
        # Created in build, in Keras's order (it is the order of get_weights).
        self.query_dense = self.key_dense = self._gate_dense = self.value_dense = None
        self._softmax = self._dropout_layer = self.output_dense = None

    # Keras's read-only properties.
    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    _query_dense = property(lambda self: self.query_dense)
    _key_dense = property(lambda self: self.key_dense)
    _value_dense = property(lambda self: self.value_dense)
    _output_dense = property(lambda self: self.output_dense)

    # ---------------------------------------------------------------- build
    def build(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> None:
        given_key = None if key_shape is None else tuple(key_shape)
        if value_shape is None:  # built from one shape: self-attention
            value_shape = query_shape
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if given_key is None else given_key
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                f'MultiHeadAttention layer "{self.name}": all axes of `value` and `key` but the '
                f"last must be equal, received value_shape={value_shape} and "
                f"key_shape={key_shape}."
            )
        heads = [self._num_heads, self._key_dim]
        self.query_dense = self._projection(len(query_shape), heads, "query", query_shape)
        self.key_dense = self._projection(len(key_shape), heads, "key", key_shape)
        if self._use_gate:
            value_heads = [self._num_heads, self._value_dim]
            self._gate_dense = self._projection(
                len(query_shape), value_heads, "gate", query_shape, activation="sigmoid"
            )
        heads = [self._num_heads, self._value_dim]
        self.value_dense = self._projection(len(value_shape), heads, "value", value_shape)
        self._build_attention(len(value_shape) + 1)
        features = list(self._output_shape or [query_shape[-1]])
        equation, bias_axes, rank = _projection_equation(len(query_shape) - 1, 2, len(features))
        self.output_dense = EinsumDense(
            equation,
            output_shape=[None] * (rank - 1 - len(features)) + features,
            bias_axes=bias_axes if self._use_bias else None,
            name="attention_output",
            **self._sublayer_kwargs(),
        )
        projected = list(self.query_dense.compute_output_shape(query_shape))
        projected[-1] = self._value_dim
        self.output_dense.build(tuple(projected))
        self._record_build(query_shape, value_shape, given_key)

    def _projection(
        self, rank: int, heads: list, name: str, shape: tuple, activation: Any = None
    ) -> EinsumDense:
        equation, bias_axes, out_rank = _projection_equation(rank - 1, 1, 2)
        layer = EinsumDense(
            equation,
            output_shape=[None] * (out_rank - 1 - 2) + heads,
            bias_axes=bias_axes if self._use_bias else None,
            activation=activation,
            name=name,
            **self._sublayer_kwargs(),
        )
        layer.build(shape)
        return layer

    def _sublayer_kwargs(self) -> dict:
        """Each projection gets its own copy of the initializers (unseeded ones draw anew)."""
        return {
            "kernel_initializer": _clone(self._kernel_initializer),
            "bias_initializer": _clone(self._bias_initializer),
            "kernel_regularizer": self._kernel_regularizer,
            "bias_regularizer": self._bias_regularizer,
            "activity_regularizer": self._activity_regularizer,
            "kernel_constraint": self._kernel_constraint,
            "bias_constraint": self._bias_constraint,
            "dtype": self.dtype,
        }

    def _build_attention(self, rank: int) -> None:
        """The einsum equations of the explicit path for projected tensors of ``rank`` axes."""
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            axes = self._attention_axes
            self._attention_axes = tuple(a if a >= 0 else rank - 1 + a for a in axes)
        self._dot_product_equation, self._combine_equation, scores_rank = _attention_equations(
            rank, self._attention_axes
        )
        n = len(self._attention_axes)
        self._softmax = Softmax(axis=list(range(scores_rank - n, scores_rank)), dtype=self.dtype)
        self._dropout_layer = Dropout(rate=self._dropout, seed=self.seed, dtype=self.dtype)

    # ---------------------------------------------------------------- call
    def call(
        self,
        query: Tensor,
        value: Tensor,
        key: Tensor | None = None,
        query_mask: Any = None,
        value_mask: Any = None,
        key_mask: Any = None,
        attention_mask: Any = None,
        return_attention_scores: bool = False,
        training: bool | None = None,
        use_causal_mask: bool = False,
    ) -> Any:
        # Keras's masks: the query's own, the value's and key's unless given; they are consumed
        # (removed from the inputs) and the output takes the query's.
        query_mask = getattr(query, "_keras_mask", None)
        if value_mask is None:
            value_mask = getattr(value, "_keras_mask", None)
        if key is not None and key_mask is None:
            key_mask = getattr(key, "_keras_mask", None)
        key = value if key is None else key
        for tensor in (query, value, key):
            tensor._keras_mask = None
        _common.check_call_shapes(self, query, value, key)
        masks = (query_mask, value_mask, key_mask, attention_mask)
        causal_only = use_causal_mask and all(m is None for m in masks)
        causal_only = causal_only and self._sliding_window is None
        if not causal_only:
            attention_mask = _common.attention_mask(
                query, value, *masks, use_causal_mask, self._sliding_window
            )
        gate = self._gate_dense(query) if self._use_gate else None
        q, k, v = self.query_dense(query), self.key_dense(key), self.value_dense(value)
        extra = {"use_causal_mask": True} if causal_only else {}
        output, scores = self._compute_attention(
            q, k, v, attention_mask, training, return_attention_scores, **extra
        )
        output = self.output_dense(output if gate is None else output * gate)
        return (output, scores) if return_attention_scores else output

    def _compute_attention(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        attention_mask: Any = None,
        training: bool | None = None,
        return_attention_scores: bool = False,
        use_causal_mask: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attention on projected (B, T, N, H) tensors: (output, probabilities or None)."""
        _common.check_scores_available(self, self._flash_attention, return_attention_scores)
        fused = not (self._dropout > 0.0 or return_attention_scores or query.ndim != 4)
        if fused:
            out = _common.fused_attention(
                query, key, value, attention_mask, self._inverse_sqrt_key_dim, use_causal_mask
            )
            return out, None
        if use_causal_mask:
            attention_mask = _common.with_causal_mask(attention_mask, query, value)
        query = query * self._inverse_sqrt_key_dim
        scores = ops.einsum(self._dot_product_equation, key, query)
        if attention_mask is not None:
            axis = -len(self._attention_axes) * 2 - 1
            attention_mask = _common.expand_mask(attention_mask, scores.ndim, axis)
        scores = self._softmax(scores, mask=attention_mask)
        dropped = self._dropout_layer(scores, training=training) if self._dropout else scores
        return ops.einsum(self._combine_equation, dropped, value), scores

    # ---------------------------------------------------------------- shapes and config
    def compute_output_shape(
        self, query_shape: Any, value_shape: Any = None, key_shape: Any = None
    ) -> Any:
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                f'MultiHeadAttention layer "{self.name}": all axes of `value` and `key` but the '
                f"last must be equal, received value_shape={value_shape} and "
                f"key_shape={key_shape}."
            )
        out = query_shape[:-1] + tuple(self._output_shape) if self._output_shape else query_shape
        if self._symbolic_scores is not None:  # a symbolic call with return_attention_scores
            key_shape = self._symbolic_scores
            return [out, self._scores_shape(query_shape, key_shape, self._num_heads)]
        return out

    def get_config(self) -> dict:
        axes = self._attention_axes
        return {
            **super().get_config(),
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": list(self._output_shape) if self._output_shape else None,
            "attention_axes": list(axes) if axes is not None else None,
            "sliding_window": self._sliding_window,
            "kernel_initializer": _args.serialize_initializer(self._kernel_initializer),
            "bias_initializer": _args.serialize_initializer(self._bias_initializer),
            "kernel_regularizer": _args.serialize_regularizer(self._kernel_regularizer),
            "bias_regularizer": _args.serialize_regularizer(self._bias_regularizer),
            "activity_regularizer": _args.serialize_regularizer(self._activity_regularizer),
            "kernel_constraint": _args.serialize_constraint(self._kernel_constraint),
            "bias_constraint": _args.serialize_constraint(self._bias_constraint),
            "seed": self.seed,
        }


# ------------------------------------------------------------------------ helpers
def _clone(init: Any) -> Any:
    if isinstance(init, initializers.Initializer):
        return type(init).from_config(init.get_config())
    return init


def _output_shape_arg(value: Any) -> tuple | None:
    if not value:
        return None
    shape = (value,) if isinstance(value, int) else value
    if not isinstance(shape, (list, tuple)) or not all(
        isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in shape
    ):
        raise ValueError(
            "MultiHeadAttention: argument `output_shape` must be an int or a tuple of positive "
            f"ints (the output's trailing shape), received output_shape={value!r}."
        )
    return tuple(shape)


def _attention_axes_arg(value: Any) -> tuple | None:
    if value is None:
        return None
    axes = (value,) if isinstance(value, int) else value
    if not isinstance(axes, (list, tuple)) or not all(
        isinstance(a, int) and not isinstance(a, bool) for a in axes
    ):
        raise ValueError(
            "MultiHeadAttention: argument `attention_axes` must be an int, a list or a tuple of "
            f"ints, received attention_axes={value!r}."
        )
    return tuple(axes)


def _projection_equation(free_dims: int, bound_dims: int, output_dims: int) -> tuple:
    """Keras's projection einsum: free axes kept, bound axes contracted with the kernel's
    leading ones, the kernel's trailing ``output_dims`` axes appended (and biased)."""
    letters = string.ascii_lowercase
    free = letters[:free_dims]
    bound = letters[free_dims : free_dims + bound_dims]
    out = letters[free_dims + bound_dims : free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{out}->{free}{out}", out, len(free + out)


def _attention_equations(rank: int, attn_axes: tuple) -> tuple[str, str, int]:
    """Keras's einsum equations for (B, <other axes>, <attention axes>, N, H) tensors: key ·
    query → scores (B, <others>, N, <query axes>, <key axes>), and scores · value → output."""
    letters = string.ascii_lowercase
    target = letters[:rank]
    batch_dims = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    source, offset = "", rank
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += letters[offset]
            offset += 1
    product = (
        "".join(target[i] for i in batch_dims)
        + "".join(target[i] for i in attn_axes)
        + "".join(source[i] for i in attn_axes)
    )
    dot = f"{source},{target}->{product}"
    combine = f"{product},{source}->{target}"
    return dot, combine, len(product)
