"""Metric-learning losses on embeddings: Circle loss (Sun et al. 2020)."""

from __future__ import annotations

from typing import Any

from deepnum import ops
from deepnum.activations import softplus
from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.backend import get_array_module
from deepnum.losses.loss import Loss, LossFunctionWrapper, cast_like, integer_labels, set_mask


def _pair_masks(labels: Any, ref_labels: Any, remove_diagonal: bool) -> tuple[Any, Any]:
    """(same label, different label) masks between the batch and the references."""
    xp = get_array_module(labels)
    positive = labels.reshape(-1, 1) == ref_labels.reshape(1, -1)
    negative = ~positive
    if remove_diagonal:
        positive &= ~xp.eye(labels.size, ref_labels.size, dtype=bool)
    return positive, negative


def _masked_logsumexp(x: Tensor, mask: Any) -> tuple[Tensor, Any]:
    """log Σ_{mask} eˣ per row, and which rows have any entry (empty rows give 0, not −∞).

    Masked entries are replaced before the exponential, so no inf or NaN reaches the gradient.
    """
    xp = get_array_module(mask)
    has_any = mask.any(axis=1)
    # The shift m only keeps e^(x − m) finite; the value log Σ e^(x − m) + m does not depend on
    # it, so it is taken from the raw data.
    shift = xp.where(mask, x.data, -xp.inf).max(axis=1, keepdims=True)
    shift = xp.where(xp.isfinite(shift), shift, 0).astype(x.dtype)
    shifted = ops.where(mask, x - shift, 0.0)
    total = ops.sum(ops.where(mask, ops.exp(shifted), 0.0), axis=1)
    total = ops.where(has_any, total, 1.0)
    return ops.log(total) + shift[:, 0], has_any


def circle(
    y_true: Any,
    y_pred: Any,
    ref_labels: Any = None,
    ref_embeddings: Any = None,
    remove_diagonal: bool = True,
    gamma: float = 80,
    margin: float = 0.4,
) -> Tensor:
    """Circle loss per sample (Sun et al. 2020) on L2-normalised embeddings.

    With cosine distances dᵢⱼ = max(1 − eᵢ·rⱼ, 0) between the batch and the references,
    positive pairs (same label, i ≠ j) and negative pairs (different labels):
    ℓᵢ = softplus(log Σ_pos e^(−γ·[m + d]₊·(m − d)) + log Σ_neg e^(γ·[1 + m − d]₊·(1 − m − d))),
    with m = ``margin`` and γ = ``gamma``. Samples without positive or negative pairs get 0;
    the result carries a mask of the samples with a positive loss.

    Args:
        y_true: integer labels, shape ``(batch,)`` (or ``(batch, 1)``).
        y_pred: L2-normalised embeddings, shape ``(batch, dim)``.
        ref_labels, ref_embeddings: the references to compare with (default: the batch).
        remove_diagonal: leave out each sample's pair with itself.
        gamma: the scale of the similarities.
        margin: the relaxation margin.

    Returns:
        One loss per sample, shape ``(batch,)``.

    Example:
        >>> import numpy as np
        >>> e = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
        >>> [round(v, 4) for v in circle([0, 0, 1], e, gamma=1.0).tolist()]
        [0.5459, 0.5459, 0.0]
    """
    y_pred = as_tensor(y_pred)
    labels = integer_labels("circle", y_true)
    ref = y_pred if ref_embeddings is None else cast_like(ref_embeddings, y_pred)
    ref_labels = labels if ref_labels is None else integer_labels("circle", ref_labels)
    distances = ops.maximum(1.0 - ops.matmul(y_pred, ops.transpose(ref)), 0.0)
    positive, negative = _pair_masks(labels, ref_labels, remove_diagonal)
    pos_weights = ops.maximum((margin + distances) * positive.astype(y_pred.dtype), 0.0)
    neg_weights = ops.maximum((1.0 + margin - distances) * negative.astype(y_pred.dtype), 0.0)
    pos_logits = -gamma * pos_weights * (margin - distances)
    neg_logits = gamma * neg_weights * (1.0 - margin - distances)
    p_loss, has_pos = _masked_logsumexp(pos_logits, positive)
    n_loss, has_neg = _masked_logsumexp(neg_logits, negative)
    loss = ops.where(has_pos & has_neg, softplus(p_loss + n_loss), 0.0)
    set_mask(loss, loss.data > 0)
    return loss


class Circle(LossFunctionWrapper):
    """Circle loss between integer labels and L2-normalised embeddings (Sun et al. 2020):
    pulls same-label embeddings together and pushes the others apart, weighting each pair by
    how far it is from its optimum.

    Put a ``UnitNormalization`` layer after the last ``Dense`` (without activation) so the
    embeddings have unit norm.

    Args:
        gamma: the scale of the similarities (default 80).
        margin: the relaxation margin (default 0.4).
        remove_diagonal: leave out each sample's pair with itself (default True).
    """

    def __init__(
        self,
        gamma: float = 80.0,
        margin: float = 0.4,
        remove_diagonal: bool = True,
        reduction: Any = "sum_over_batch_size",
        name: str = "circle",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            circle,
            name=name,
            reduction=reduction,
            dtype=dtype,
            gamma=gamma,
            margin=margin,
            remove_diagonal=remove_diagonal,
        )
        self.gamma, self.margin, self.remove_diagonal = gamma, margin, remove_diagonal

    def get_config(self) -> dict:
        return {
            **Loss.get_config(self),
            "gamma": self.gamma,
            "margin": self.margin,
            "remove_diagonal": self.remove_diagonal,
        }
