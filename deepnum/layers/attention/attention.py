"""Attention: dot-product (Luong-style) attention over [query, value, key], Keras 3's layer."""

from __future__ import annotations

from typing import Any

from deepnum import ops
from deepnum import random as dn_random
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.layers.attention import _common
from deepnum.layers.layer import Layer


class Attention(Layer):
    """Dot-product attention: each query averages the values, weighted by its similarity to
    their keys.

        scores = s·Q Kᵀ  ("dot")   or   c·Σ_d tanh(s·(Q_i + K_j))_d  ("concat"),
        weights = softmax(scores − 10⁹·[key masked]),   output = weights · V

    with s the learned scalar ``scale`` (1 without ``use_scale``) and c the learned scalar
    ``concat_score_weight``. Outputs at masked query positions are zero.

    Args:
        use_scale: learn the scalar s (initialised to 1).
        score_mode: ``"dot"`` or ``"concat"``.
        dropout: dropout rate on the attention weights (training only).
        seed: the dropout's seed.

    Call arguments:
        inputs: ``[query (B, Tq, dim), value (B, Tv, dim)]`` or with a third, key
            (B, Tv, dim); without it the value is the key.
        mask: ``[query_mask (B, Tq), value_mask (B, Tv)]``, taken from the inputs' Keras
            masks when not given.
        training: whether the dropout is active.
        return_attention_scores: also return the weights (B, Tq, Tv).
        use_causal_mask: query i does not see keys after position i.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> q, v = np.ones((2, 3, 4), "float32"), np.ones((2, 5, 4), "float32")
        >>> out, w = dn.layers.Attention()([q, v], return_attention_scores=True)
        >>> out.shape, w.shape
        ((2, 3, 4), (2, 3, 5))
    """

    def __init__(
        self,
        use_scale: bool = False,
        score_mode: str = "dot",
        dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = _common.dropout_rate(owner, dropout)
        self.seed = seed
        if score_mode not in ("dot", "concat"):
            raise ValueError(
                f"{owner}: argument `score_mode` must be 'dot' or 'concat', received "
                f"score_mode={score_mode!r}."
            )
        self.supports_masking = True
        self.scale = self.concat_score_weight = None
        if self.dropout > 0:
            self.seed_generator = dn_random.SeedGenerator(seed)
        self._symbolic_scores = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from deepnum.models.functional import is_symbolic

        scores = bool(kwargs.get("return_attention_scores", False))
        self._symbolic_scores = scores and is_symbolic(args, kwargs)
        try:
            outputs = super().__call__(*args, **kwargs)
        finally:
            self._symbolic_scores = False
        return outputs

    def build(self, input_shape: Any) -> None:
        self._validate_inputs(input_shape)
        if self.use_scale:
            self.scale = self.add_weight((), "ones", name="scale")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight((), "ones", name="concat_score_weight")
        self.built = True

    def _calculate_scores(self, query: Tensor, key: Tensor) -> Tensor:
        """(B, Tq, Tv) scores of each query against each key."""
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            return scores if self.scale is None else scores * self.scale
        pairs = ops.expand_dims(query, -2) + ops.expand_dims(key, -3)  # (B, Tq, Tv, dim)
        if self.scale is not None:
            pairs = self.scale * pairs
        return self.concat_score_weight * ops.sum(ops.tanh(pairs), axis=-1)

    def _apply_scores(
        self, scores: Tensor, value: Tensor, scores_mask: Any = None, training: bool = False
    ) -> tuple[Tensor, Tensor]:
        """softmax over the keys (masked keys pushed down by 10⁹, 65504 in float16), then the
        weighted sum of the values."""
        if scores_mask is not None:
            big = 65504.0 if scores.dtype == "float16" else 1.0e9
            if scores_mask.ndim == 2:
                scores_mask = scores_mask[:, None, :]
            scores = ops.where(scores_mask, scores, scores - big)
        weights = ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = dn_random.dropout(weights, self.dropout, seed=self.seed_generator)
        return ops.matmul(weights, value), weights

    def _calculate_score_mask(self, scores: Tensor, v_mask: Any, use_causal_mask: bool) -> Any:
        if not use_causal_mask:
            return v_mask
        causal = _common.causal_mask(scores.shape[-2], scores.shape[-1], scores.xp)
        return causal if v_mask is None else v_mask[:, None, :] & causal

    def call(
        self,
        inputs: list,
        mask: Any = None,
        training: bool = False,
        return_attention_scores: bool = False,
        use_causal_mask: bool = False,
    ) -> Any:
        self._validate_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        q_mask = _common._raw(mask[0]) if mask else None
        v_mask = _common._raw(mask[1]) if mask else None
        scores = self._calculate_scores(query, key)
        scores_mask = self._calculate_score_mask(scores, v_mask, use_causal_mask)
        output, weights = self._apply_scores(scores, value, scores_mask, bool(training))
        if q_mask is not None:
            output = ops.where(q_mask[..., None], output, 0.0)
        return (output, weights) if return_attention_scores else output

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        self._validate_inputs(inputs, mask)
        if not mask or mask[0] is None:
            return None
        return mask[0]

    def compute_output_shape(self, input_shape: Any) -> Any:
        query_shape, value_shape = tuple(input_shape[0]), tuple(input_shape[1])
        output = (*query_shape[:-1], value_shape[-1])
        if self._symbolic_scores:  # a symbolic call with return_attention_scores
            key_shape = tuple(input_shape[2]) if len(input_shape) > 2 else value_shape
            return [output, (*query_shape[:-1], key_shape[-2])]
        return output

    def _validate_inputs(self, inputs: Any, mask: Any = None) -> None:
        name = type(self).__name__
        if not isinstance(inputs, list) or not 2 <= len(inputs) <= 3:
            got = f"a list of {len(inputs)}" if isinstance(inputs, list) else _describe(inputs)
            raise ValueError(
                f'{name} layer "{self.name}" must be called on a list [query, value] or '
                f"[query, value, key], received {got}. For self-attention pass [x, x]."
            )
        if mask is not None and (not isinstance(mask, list) or not 2 <= len(mask) <= 3):
            raise ValueError(
                f'{name} layer "{self.name}": `mask` must be a list [query_mask, value_mask], '
                f"received {mask!r}."
            )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "use_scale": self.use_scale,
            "score_mode": self.score_mode,
            "dropout": self.dropout,
            "seed": self.seed,
        }


def _describe(x: Any) -> str:
    """A non-list input in words: a tensor (or, at build time, a shape) and its shape."""
    shape = getattr(x, "shape", None)
    if shape is None and isinstance(x, tuple) and all(s is None or isinstance(s, int) for s in x):
        shape = x  # build() receives the shape of the one tensor given
    if shape is None:
        return type(x).__name__
    return f"a single tensor of shape {shape_str((None,) + tuple(shape)[1:])}"
