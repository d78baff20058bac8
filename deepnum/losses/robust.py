"""Losses robust to noisy labels: generalized cross-entropy (Zhang & Sabuncu 2018)."""

from __future__ import annotations

from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor, as_tensor
from deepnum.losses.loss import Loss, LossFunctionWrapper, integer_labels


def _check_q(q: Any) -> float:
    if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0 < q < 1:
        raise ValueError(
            "categorical_generalized_cross_entropy: argument `q` must be a float in the open "
            f"interval (0, 1), received q={q!r}."
        )
    return float(q)


def categorical_generalized_cross_entropy(y_true: Any, y_pred: Any, q: float) -> Tensor:
    """Generalized cross-entropy per sample: (1 − p^q) / q, p the predicted probability of
    the true class.

    q → 0 gives the cross-entropy −log p; q = 1 gives the mean absolute error 1 − p. Values in
    between trade the fast convergence of the first for the robustness of the second to
    mislabelled samples.

    Args:
        y_true: integer class indices, shape ``(batch,)`` (or ``(batch, 1)``).
        y_pred: class probabilities, shape ``(batch, num_classes)``.
        q: the noise parameter, in (0, 1).

    Returns:
        One loss per sample.

    Example:
        >>> float(categorical_generalized_cross_entropy([1], [[0.75, 0.25]], q=0.5)[0])
        1.0
    """
    q = _check_q(q)
    y_pred = as_tensor(y_pred)
    labels = integer_labels("categorical_generalized_cross_entropy", y_true)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    one_hot = ops.one_hot(labels, y_pred.shape[-1], dtype=y_pred.dtype)
    p = ops.sum(y_pred * one_hot, axis=-1)
    return (1.0 - ops.power(p, q)) / q


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized cross-entropy (1 − p^q) / q with integer labels: between cross-entropy
    (q → 0) and mean absolute error (q = 1), robust to noisy labels (Zhang & Sabuncu 2018).

    Args:
        q: the noise parameter, a float in (0, 1) (default 0.5).

    Example:
        >>> import deepnum as dn
        >>> loss = dn.losses.CategoricalGeneralizedCrossEntropy()
        >>> y_pred = [[0.7, 0.3], [0.2, 0.8], [0.6, 0.4], [0.4, 0.6]]
        >>> round(float(loss([0, 1, 0, 1], y_pred)), 4)
        0.3599
    """

    def __init__(
        self,
        q: float = 0.5,
        reduction: Any = "sum_over_batch_size",
        name: str = "categorical_generalized_cross_entropy",
        dtype: Any = None,
    ) -> None:
        q = _check_q(q)
        super().__init__(
            categorical_generalized_cross_entropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            q=q,
        )
        self.q = q

    def get_config(self) -> dict:
        return {**Loss.get_config(self), "q": self.q}
