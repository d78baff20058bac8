"""top_k (differentiable in its values) and in_top_k."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.numpy import take_along_axis

__all__ = ["in_top_k", "top_k"]


def _descending_order(x: Any) -> Any:
    """Indices that sort the last axis from largest to smallest, equal values by position."""
    xp = get_array_module(x)
    n = x.shape[-1]
    ascending_of_reversed = xp.argsort(xp.flip(x, axis=-1), axis=-1, kind="stable")
    return (n - 1 - xp.flip(ascending_of_reversed, axis=-1)).astype(xp.int32)


def top_k(x: Any, k: int, sorted: bool = True) -> tuple[Tensor, Tensor]:  # noqa: A002
    """The ``k`` largest entries along the last axis and their indices.

    Equal values are taken in order of position (lower index first). The values are
    differentiable: the gradient goes back to the positions they came from.

    Args:
        x: a tensor of rank >= 1.
        k: how many entries to keep (``0 <= k <= x.shape[-1]``).
        sorted: return them largest first; if False, in order of position.

    Returns:
        ``(values, indices)``, each of shape ``x.shape[:-1] + (k,)``; indices are int32.

    Example:
        >>> values, indices = top_k([5.0, 2.0, 7.0, 1.0, 9.0, 3.0], 3)
        >>> values.tolist(), indices.tolist()
        ([9.0, 7.0, 5.0], [4, 2, 0])
    """
    x = as_tensor(x)
    if x.ndim < 1:
        raise ValueError(f"top_k: `x` must have rank >= 1, received shape {shape_str(x.shape)}.")
    if isinstance(k, bool) or int(k) != k or not 0 <= k <= x.shape[-1]:
        raise ValueError(
            f"top_k: `k` must be an integer in [0, {x.shape[-1]}] for a last axis of size "
            f"{x.shape[-1]}, received k={k!r}."
        )
    xp = get_array_module(x.data)
    indices = _descending_order(x.data)[..., : int(k)]
    if not sorted:
        indices = xp.sort(indices, axis=-1)
    return take_along_axis(x, indices, axis=-1), Tensor._make(indices)


def in_top_k(targets: Any, predictions: Any, k: int) -> Tensor:
    """Whether each target class is among the ``k`` largest predictions of its row.

    Ties count in the target's favour: it is in the top k when its prediction is >= the k-th
    largest value (Keras's rule on PyTorch).

    Args:
        targets: integer class indices, shape ``(batch,)``.
        predictions: scores, shape ``(batch, classes)``.
        k: the number of top predictions to consider.

    Returns:
        A boolean tensor of shape ``(batch,)``.

    Example:
        >>> in_top_k([2, 0], [[0.1, 0.3, 0.6], [0.5, 0.5, 0.0]], 1).tolist()
        [True, True]
    """
    predictions = as_tensor(predictions)
    xp = get_array_module(predictions.data)
    targets = xp.asarray(targets.data if isinstance(targets, Tensor) else targets)
    if predictions.ndim != 2 or targets.shape != predictions.shape[:1]:
        raise ValueError(
            "in_top_k: expected `targets` of shape (batch,) and `predictions` of shape "
            f"(batch, classes), received {shape_str(targets.shape)} and "
            f"{shape_str(predictions.shape)}."
        )
    kth = top_k(predictions, k)[0].data[..., -1:] if k > 0 else None
    if kth is None:
        return Tensor._make(xp.zeros(targets.shape, dtype=bool))
    chosen = xp.take_along_axis(predictions.data, targets.astype(xp.int64)[:, None], axis=-1)
    return Tensor._make((chosen >= kth)[:, 0])
