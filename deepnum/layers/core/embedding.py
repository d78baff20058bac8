"""Embedding: integer ids to dense vectors, with a scatter-add backward."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum import initializers, regularizers
from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import accel, get_array_module
from deepnum.layers import _args
from deepnum.layers.layer import Layer


class EmbeddingLookup(Function):
    """Gather rows of a table: ``y[..., :] = W[ids[...], :]``.

    Backward: ``∂L/∂W = scatter_add(ids, ∂L/∂y)``, a Function whose own backward is this
    gather, so the lookup stays differentiable twice.
    """

    def __init__(self, ids: Any) -> None:
        self.ids = ids

    def forward(self, w):
        return get_array_module(w).take(w, self.ids, axis=0)

    def backward(self, gy):
        return EmbeddingScatter(self.ids, self.inputs[0].shape)(gy)


class EmbeddingScatter(Function):
    """The adjoint of the lookup: zeros of the table's shape with each row of ``g`` added at its
    id. On NumPy it is a compiled loop when numba is installed (``deepnum.backend.accel``), else
    one ``add.at`` on the flattened table with flat indices ``id · dim + j`` — several times
    faster than ``add.at`` with 2-D row indices."""

    def __init__(self, ids: Any, shape: tuple[int, int]) -> None:
        self.ids, self.shape = ids, shape

    def forward(self, g):
        xp = get_array_module(g)
        rows, dim = self.shape
        out = xp.zeros(self.shape, dtype=g.dtype)
        scatter = accel.kernel("scatter_add_rows") if xp is np else None
        if scatter is not None:
            scatter(out, self.ids.reshape(-1), g.reshape(-1, dim))
        elif xp is np:
            flat = (self.ids.reshape(-1, 1) * dim + np.arange(dim)).ravel()
            np.add.at(out.reshape(-1), flat, g.reshape(-1))
        else:  # pragma: no cover - CuPy
            import cupyx

            cupyx.scatter_add(out, self.ids.ravel(), g.reshape(-1, dim))
        return out

    def backward(self, ggw):
        return EmbeddingLookup(self.ids)(ggw)


class Embedding(Layer):
    """Turn integer ids into dense vectors: ``y[b, t] = W[ids[b, t]]``.

    Args:
        input_dim: vocabulary size (ids are in ``[0, input_dim)``).
        output_dim: size of each embedding vector.
        embeddings_initializer: initializer of the table ``W`` of shape
            ``(input_dim, output_dim)``; ``"uniform"`` is Keras's ``RandomUniform(-0.05, 0.05)``.
        embeddings_regularizer, embeddings_constraint, activity_regularizer: as in Dense.
        mask_zero: treat id 0 as padding: the output carries the mask ``ids != 0``, which
            RNN layers downstream use to skip padded steps.
        weights: optional initial table (Keras-2 idiom for pretrained embeddings).
        input_length: accepted for Keras-2 code and ignored (as in Keras 3).

    Returns:
        A tensor of shape ``ids.shape + (output_dim,)``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> emb = dn.layers.Embedding(10, 4, mask_zero=True)
        >>> y = emb(np.array([[3, 0]]))
        >>> y.shape, y._keras_mask.numpy().tolist()
        ((1, 2, 4), [[True, False]])
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        embeddings_constraint: Any = None,
        mask_zero: bool = False,
        weights: Any = None,
        lora_rank: int | None = None,
        lora_alpha: float | None = None,
        input_length: int | None = None,
        activity_regularizer: Any = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input_dim = _args.positive_int("Embedding", "input_dim", input_dim)
        self.output_dim = _args.positive_int("Embedding", "output_dim", output_dim)
        if embeddings_initializer in ("uniform", "normal"):  # Keras's short aliases
            embeddings_initializer = f"random_{embeddings_initializer}"
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = _args.constraint(
            "Embedding", "embeddings_constraint", embeddings_constraint
        )
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        _args.unsupported("Embedding", "lora_rank", lora_rank)
        _args.unsupported("Embedding", "quantization_config", quantization_config)
        self.embeddings = None
        if weights is not None:
            self.build(None)
            self.built = True
            self.set_weights(weights if isinstance(weights, list) else [weights])

    def build(self, input_shape: Any = None) -> None:
        if self.embeddings is not None:
            return
        self.embeddings = self.add_weight(
            (self.input_dim, self.output_dim),
            self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
            name="embeddings",
        )
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        ids = _check_ids(inputs.data, self.input_dim)
        outputs = EmbeddingLookup(ids)(self.embeddings)
        _args.add_activity_loss(self, outputs)
        return outputs

    def compute_mask(self, inputs: Tensor, mask: Any = None) -> Tensor | None:
        if not self.mask_zero:
            return None
        return Tensor._make(inputs.data != 0)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": _args.serialize_initializer(self.embeddings_initializer),
            "embeddings_regularizer": _args.serialize_regularizer(self.embeddings_regularizer),
            "activity_regularizer": _args.serialize_regularizer(self.activity_regularizer),
            "embeddings_constraint": _args.serialize_constraint(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        }


def _check_ids(ids: Any, input_dim: int) -> Any:
    if ids.dtype.kind not in "iu":
        ids = ids.astype("int64")
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= input_dim):
        bad = int(ids.min()) if int(ids.min()) < 0 else int(ids.max())
        raise ValueError(
            f"Embedding: id {bad} is out of range for input_dim={input_dim}; ids must be in "
            f"[0, {input_dim - 1}]. Is input_dim smaller than the vocabulary size?"
        )
    return ids
