"""GroupQueryAttention (grouped-query attention, Ainslie et al., 2023), Keras 3's layer: fewer
key/value heads than query heads, each shared by a group of query heads. As in Keras, the class
is ``GroupedQueryAttention`` (its snake-case name names the layer and its group in weight
files) and it is exported and serialized as ``GroupQueryAttention``."""

from __future__ import annotations

import math
from typing import Any

from deepnum import config as dn_config
from deepnum import initializers, ops, regularizers
from deepnum.autodiff.tensor import Tensor
from deepnum.layers import _args
from deepnum.layers.activations import Softmax
from deepnum.layers.attention import _common
from deepnum.layers.attention.multi_head_attention import _clone
from deepnum.layers.core.einsum_dense import EinsumDense
from deepnum.layers.regularization import Dropout


class GroupedQueryAttention(_common.QueryValueAttention):
    """Grouped-query attention: N query heads share K key/value heads, N/K query heads each.

    Query head n attends with key/value head ⌊n·K/N⌋:

        headₙ = softmax(Qₙ K⌊nK/N⌋ᵀ / √head_dim + mask) V⌊nK/N⌋,
        output = [head₁ … head_N]·W_o

    K = N is multi-head attention, K = 1 multi-query attention. The fused attention op reads
    each key/value head once per group (no copy repeated over the group); the explicit path
    (scores returned, dropout) repeats them as Keras does. Kernels: query (dim, N, head_dim),
    key and value (dim, K, head_dim), output (N, head_dim, dim).

    Args:
        head_dim: size of each head.
        num_query_heads: N.
        num_key_value_heads: K; N must be a multiple of K.
        dropout, use_bias, sliding_window, flash_attention, kernel_initializer,
            bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
            kernel_constraint, bias_constraint, use_gate, seed: as in MultiHeadAttention.

    Call arguments:
        query (B, T, dim), value (B, S, dim), key (default value), query_mask, value_mask,
        key_mask, attention_mask (B, T, S), return_attention_scores, training,
        use_causal_mask: as in MultiHeadAttention.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> gqa = dn.layers.GroupQueryAttention(head_dim=4, num_query_heads=4,
        ...                                     num_key_value_heads=2)
        >>> x = np.ones((2, 5, 8), "float32")
        >>> gqa(x, x).shape
        (2, 5, 8)
        >>> [w.shape for w in gqa.get_weights()][::2]
        [(8, 4, 4), (8, 2, 4), (8, 2, 4), (4, 4, 8)]
    """

    _keras_export_name = "GroupQueryAttention"

    def __init__(
        self,
        head_dim: int,
        num_query_heads: int,
        num_key_value_heads: int,
        dropout: float = 0.0,
        use_bias: bool = True,
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
        owner = "GroupQueryAttention"
        head_dim = _args.positive_int(owner, "head_dim", head_dim)
        num_query_heads = _args.positive_int(owner, "num_query_heads", num_query_heads)
        num_key_value_heads = _args.positive_int(owner, "num_key_value_heads", num_key_value_heads)
        if num_query_heads % num_key_value_heads:
            raise ValueError(
                f"{owner}: `num_query_heads` must be divisible by `num_key_value_heads` (each "
                f"key/value head serves a whole group of query heads), received "
                f"num_query_heads={num_query_heads}, num_key_value_heads={num_key_value_heads}."
            )
        super().__init__(**kwargs)
        self.supports_masking = True
        self.head_dim, self.num_query_heads = head_dim, num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = _common.dropout_rate(owner, dropout)
        self.use_bias, self.use_gate = bool(use_bias), bool(use_gate)
        self.sliding_window = _common.positive_int_or_none(owner, "sliding_window", sliding_window)
        self._flash_attention = flash_attention or dn_config.is_flash_attention_enabled()
        if self._flash_attention and self.dropout > 0.0:
            raise ValueError(
                f"{owner}: dropout={self.dropout} is not supported with flash_attention=True; set "
                "dropout=0.0 or flash_attention=None."
            )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = _args.constraint(owner, "kernel_constraint", kernel_constraint)
        self.bias_constraint = _args.constraint(owner, "bias_constraint", bias_constraint)
        self.seed = seed
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(head_dim))
        self._symbolic_scores = None
        self._query_dense = self._key_dense = self._gate_dense = self._value_dense = None
        self._softmax = self._dropout_layer = self._output_dense = None

    def build(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> None:
        given_key = None if key_shape is None else tuple(key_shape)
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        key_shape = value_shape if given_key is None else given_key
        self.feature_dim = query_shape[-1]
        q_heads, kv_heads = self.num_query_heads, self.num_key_value_heads
        self._query_dense = self._projection("bqm,muh->bquh", q_heads, "uh", "query", query_shape)
        self._key_dense = self._projection("bkm,mvh->bkvh", kv_heads, "vh", "key", key_shape)
        if self.use_gate:
            self._gate_dense = self._projection(
                "bqm,muh->bquh", q_heads, "uh", "gate", query_shape, activation="sigmoid"
            )
        self._value_dense = self._projection("bkm,mvh->bkvh", kv_heads, "vh", "value", value_shape)
        self._softmax = Softmax(axis=-1, dtype=self.dtype)
        self._dropout_layer = Dropout(rate=self.dropout, seed=self.seed, dtype=self.dtype)
        self._output_dense = EinsumDense(
            "bquh,uhm->bqm",
            output_shape=(None, self.feature_dim),
            bias_axes="m" if self.use_bias else None,
            name="attention_output",
            **self._sublayer_kwargs(),
        )
        self._output_dense.build((None, None, q_heads, self.head_dim))
        self._record_build(query_shape, value_shape, given_key)

    def _projection(self, equation, heads, bias_axes, name, shape, activation=None) -> EinsumDense:
        layer = EinsumDense(
            equation,
            output_shape=(None, heads, self.head_dim),
            bias_axes=bias_axes if self.use_bias else None,
            activation=activation,
            name=name,
            **self._sublayer_kwargs(),
        )
        layer.build(shape)
        return layer

    def _sublayer_kwargs(self) -> dict:
        return {
            "kernel_initializer": _clone(self.kernel_initializer),
            "bias_initializer": _clone(self.bias_initializer),
            "kernel_regularizer": self.kernel_regularizer,
            "bias_regularizer": self.bias_regularizer,
            "activity_regularizer": self.activity_regularizer,
            "kernel_constraint": self.kernel_constraint,
            "bias_constraint": self.bias_constraint,
            "dtype": self.dtype,
        }

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
        if query_mask is None:
            query_mask = getattr(query, "_keras_mask", None)
        if value_mask is None:
            value_mask = getattr(value, "_keras_mask", None)
        if key is not None and key_mask is None:
            key_mask = getattr(key, "_keras_mask", None)
        key = value if key is None else key
        _common.check_call_shapes(self, query, value, key)
        masks = (query_mask, value_mask, key_mask, attention_mask)
        causal_only = use_causal_mask and all(m is None for m in masks)
        causal_only = causal_only and self.sliding_window is None
        if not causal_only:
            attention_mask = _common.attention_mask(
                query, value, *masks, use_causal_mask, self.sliding_window
            )
        gate = self._gate_dense(query) if self.use_gate else None
        q, k, v = self._query_dense(query), self._key_dense(key), self._value_dense(value)
        output, scores = self._compute_attention(
            q,
            k,
            v,
            attention_mask,
            training,
            return_attention_scores,
            use_causal_mask=causal_only,
        )
        output = self._output_dense(output if gate is None else output * gate)
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
        """Attention on projected query (B, T, N, H) and key/value (B, S, K, H)."""
        _common.check_scores_available(self, self._flash_attention, return_attention_scores)
        scale = self._inverse_sqrt_head_dim
        if not (self.dropout > 0.0 or return_attention_scores):
            out = _common.fused_attention(query, key, value, attention_mask, scale, use_causal_mask)
            return out, None
        if use_causal_mask:
            attention_mask = _common.with_causal_mask(attention_mask, query, value)
        key = ops.repeat(key, self.num_repeats, axis=2)
        value = ops.repeat(value, self.num_repeats, axis=2)
        scores = ops.einsum("bquh,bkuh->buqk", query * scale, key)
        if attention_mask is not None:
            attention_mask = _common.expand_mask(attention_mask, 4, -3)
        scores = self._softmax(scores, mask=attention_mask)
        dropped = self._dropout_layer(scores, training=training) if self.dropout else scores
        return ops.einsum("buqk,bkuh->bquh", dropped, value), scores

    def compute_output_shape(
        self, query_shape: Any, value_shape: Any = None, key_shape: Any = None
    ) -> Any:
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                f'GroupQueryAttention layer "{self.name}": the last axis of `query` and '
                f"`value` must be equal, received query_shape={query_shape}, "
                f"value_shape={value_shape}."
            )
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                f'GroupQueryAttention layer "{self.name}": all axes of `value` and `key` but '
                f"the last must be equal, received value_shape={value_shape} and "
                f"key_shape={key_shape}."
            )
        if self._symbolic_scores is not None:  # a symbolic call with return_attention_scores
            scores = self._scores_shape(query_shape, self._symbolic_scores, self.num_query_heads)
            return [query_shape, scores]
        return query_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "kernel_initializer": _args.serialize_initializer(self.kernel_initializer),
            "bias_initializer": _args.serialize_initializer(self.bias_initializer),
            "kernel_regularizer": _args.serialize_regularizer(self.kernel_regularizer),
            "bias_regularizer": _args.serialize_regularizer(self.bias_regularizer),
            "activity_regularizer": _args.serialize_regularizer(self.activity_regularizer),
            "kernel_constraint": _args.serialize_constraint(self.kernel_constraint),
            "bias_constraint": _args.serialize_constraint(self.bias_constraint),
            "seed": self.seed,
        }


GroupQueryAttention = GroupedQueryAttention
