"""ReversibleEmbedding: an Embedding that also projects hidden states back to vocabulary logits
(Keras 3's ``keras.layers.ReversibleEmbedding``, for language models with tied weights)."""

from __future__ import annotations

from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor
from deepnum.layers.core.embedding import Embedding


class ReversibleEmbedding(Embedding):
    """An embedding that can be called in reverse: ``layer(ids)`` looks the ids up,
    ``layer(hidden, reverse=True)`` projects hidden states to logits over the vocabulary:

        logits = hidden · Wᵀ               (tie_weights=True: the embedding table W itself)
        logits = hidden · R                (tie_weights=False: R, (output_dim, input_dim))
        logits = c · tanh(logits / c)      (with logit_soft_cap=c)

    No bias. With LoRA enabled the tied projection uses the updated table W + (α/r)·A B.

    Args:
        input_dim, output_dim, embeddings_initializer, embeddings_regularizer,
            embeddings_constraint, mask_zero: as in :class:`Embedding` (``**kwargs`` too).
        tie_weights: share the table between the lookup and the reverse projection; else a
            separate trainable ``reverse_embeddings`` (initialised like the table).
        reverse_dtype: the dtype of the reverse projection (default the layer's).
        logit_soft_cap: None, or c > 0 to squash the logits into (−c, c).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.ReversibleEmbedding(100, 8)
        >>> hidden = layer(np.array([[1, 5, 7]]))
        >>> hidden.shape, layer(hidden, reverse=True).shape
        ((1, 3, 8), (1, 3, 100))
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        tie_weights: bool = True,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        embeddings_constraint: Any = None,
        mask_zero: bool = False,
        reverse_dtype: Any = None,
        logit_soft_cap: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            input_dim,
            output_dim,
            embeddings_initializer=embeddings_initializer,
            embeddings_regularizer=embeddings_regularizer,
            embeddings_constraint=embeddings_constraint,
            mask_zero=mask_zero,
            **kwargs,
        )
        if logit_soft_cap is not None and not (
            isinstance(logit_soft_cap, (int, float)) and logit_soft_cap > 0
        ):
            raise ValueError(
                "ReversibleEmbedding: argument `logit_soft_cap` must be None or a positive "
                f"number, received logit_soft_cap={logit_soft_cap!r}."
            )
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap
        self.reverse_embeddings = None

    def build(self, input_shape: Any = None) -> None:
        super().build(input_shape)
        if not self.tie_weights and self.reverse_embeddings is None:
            self.reverse_embeddings = self.add_weight(
                (self.output_dim, self.input_dim),
                self.embeddings_initializer,
                name="reverse_embeddings",
            )

    def _lora_stored(self) -> list:
        extra = [] if self.reverse_embeddings is None else [self.reverse_embeddings]
        return super()._lora_stored() + extra

    def call(self, inputs: Tensor, reverse: bool = False) -> Tensor:
        if not reverse:
            outputs = super().call(inputs)
            if self.mask_zero:  # set here: a reverse call has no mask (compute_mask says None)
                outputs._keras_mask = Tensor._make(inputs.data != 0)
            return outputs
        if self.tie_weights:
            table = self.embeddings
            if self.lora_enabled:
                update = ops.matmul(self.lora_embeddings_a, self.lora_embeddings_b)
                table = table + (self.lora_alpha / self.lora_rank) * update
            kernel = ops.transpose(table)
        else:
            kernel = self.reverse_embeddings
        if self.reverse_dtype is not None:
            inputs = ops.cast(inputs, self.reverse_dtype)
            kernel = ops.cast(kernel, self.reverse_dtype)
        logits = ops.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            logits = ops.tanh(logits / self.logit_soft_cap) * self.logit_soft_cap
        return logits

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        return None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # A symbolic call asks compute_output_shape(shape) without the call's arguments: the
        # flag tells it which way this call goes.
        self._reverse_call = bool(kwargs.get("reverse", args[1] if len(args) > 1 else False))
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self._reverse_call = False

    def compute_output_shape(self, input_shape: Any, reverse: bool = False) -> tuple:
        if reverse or getattr(self, "_reverse_call", False):
            return tuple(input_shape[:-1]) + (self.input_dim,)
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "tie_weights": self.tie_weights,
            "reverse_dtype": self.reverse_dtype,
            "logit_soft_cap": self.logit_soft_cap,
        }
