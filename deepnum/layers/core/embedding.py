"""Embedding: integer ids to dense vectors, with a scatter-add backward."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum import initializers, ops, regularizers
from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import accel, get_array_module
from deepnum.layers import _args
from deepnum.layers.core import _lora
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
        lora_rank, lora_alpha: build the layer with LoRA of this rank enabled (see
            :meth:`enable_lora`; as in Keras 3, building resets lora_alpha to the rank).
        quantization_config: only None (deepnum does not quantize).
        **kwargs: also ``activity_regularizer``, and ``input_length``, accepted for Keras-2
            code and ignored (as in Keras 3).

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
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("input_length", None)
        activity_regularizer = kwargs.pop("activity_regularizer", None)
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
        _args.not_implemented("Embedding", "quantization_config", quantization_config)
        self.quantization_config = None
        self.lora_rank = None if lora_rank is None else _args.positive_int(
            "Embedding", "lora_rank", lora_rank
        )  # fmt: skip
        self.lora_alpha = lora_alpha if lora_alpha is not None else self.lora_rank
        self.lora_enabled = False
        self.embeddings = self.lora_embeddings_a = self.lora_embeddings_b = None
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
        if self.lora_rank:
            # As Keras 3's build: only the rank is passed, so lora_alpha becomes the rank
            # (identical numbers and configs both ways).
            self.enable_lora(self.lora_rank)

    def enable_lora(
        self,
        rank: int,
        lora_alpha: float | None = None,
        a_initializer: Any = "he_uniform",
        b_initializer: Any = "zeros",
    ) -> None:
        """Freeze the table and learn a low-rank update instead (LoRA, Hu et al., 2021):

            y[b, t] = (W + (α/r) · A B)[ids[b, t]],  A (input_dim, r), B (r, output_dim)

        A and B (``lora_embeddings_a``, ``lora_embeddings_b``) are trainable, W is not; B
        starts at zero, so the output is unchanged until training moves it.

        Args:
            rank: r, the rank of the update.
            lora_alpha: α, the scale numerator (default r).
            a_initializer, b_initializer: initializers of A and B.
        """
        owner = f'Embedding "{self.name}"'
        if self.embeddings_constraint is not None:
            raise ValueError(
                f"{owner}: LoRA is incompatible with embedding constraints; remove the "
                "`embeddings_constraint` argument to enable it."
            )
        if not self.built:
            raise ValueError(f"{owner}: cannot enable LoRA on a layer that is not built yet.")
        if self.lora_enabled:
            raise ValueError(f"{owner}: LoRA is already enabled; it can be enabled once.")
        rank = _args.positive_int("Embedding.enable_lora", "rank", rank)
        self.lora_embeddings_a = self.add_weight(
            (self.input_dim, rank), a_initializer, name="lora_embeddings_a",
            regularizer=self.embeddings_regularizer,
        )  # fmt: skip
        self.lora_embeddings_b = self.add_weight(
            (rank, self.output_dim), b_initializer, name="lora_embeddings_b",
            regularizer=self.embeddings_regularizer,
        )  # fmt: skip
        self.embeddings.trainable = False
        self._frozen_after_creation = {id(self.embeddings)}  # keeps its place in weights
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank
        adapters = [self.lora_embeddings_a, self.lora_embeddings_b]
        _lora.attach(self, self._save_merged, self._lora_stored, adapters)

    def _lora_stored(self) -> list:
        """The weights a LoRA-enabled layer saves (the table first, merged)."""
        return [self.embeddings]

    def _save_merged(self, store: dict) -> None:
        """Keras's layout with LoRA: the merged table W + (α/r)·A B, then the other weights."""
        table, *others = self._lora_stored()
        store["0"] = _lora.merged(
            table, self.lora_embeddings_a, self.lora_embeddings_b, self.lora_alpha, self.lora_rank
        )
        for i, variable in enumerate(others, start=1):
            store[str(i)] = variable.numpy()

    def call(self, inputs: Tensor) -> Tensor:
        ids = _check_ids(inputs.data, self.input_dim)
        outputs = EmbeddingLookup(ids)(self.embeddings)
        if self.lora_enabled:  # only the looked-up rows of A: (A B)[ids] = A[ids] B
            rows = EmbeddingLookup(ids)(self.lora_embeddings_a)
            update = ops.matmul(rows, self.lora_embeddings_b)
            outputs = outputs + (self.lora_alpha / self.lora_rank) * update
        _args.add_activity_loss(self, outputs)
        return outputs

    def compute_mask(self, inputs: Tensor, mask: Any = None) -> Tensor | None:
        if not self.mask_zero:
            return None
        return Tensor._make(inputs.data != 0)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict:
        config = {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": _args.serialize_initializer(self.embeddings_initializer),
            "embeddings_regularizer": _args.serialize_regularizer(self.embeddings_regularizer),
            "activity_regularizer": _args.serialize_regularizer(self.activity_regularizer),
            "embeddings_constraint": _args.serialize_constraint(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        }
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config


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
