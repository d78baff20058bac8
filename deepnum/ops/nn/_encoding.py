"""Label encodings of ``keras.ops.nn``: one_hot and multi_hot (constants: no gradient)."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import floatx, get_array_module
from deepnum.ops.nn._inputs import raw

__all__ = ["multi_hot", "one_hot"]


def _check(num_classes: Any, sparse: bool, op: str) -> int:
    if sparse:
        raise ValueError(
            f"{op}: sparse=True is not supported; deepnum has no sparse tensors (the dense "
            "result is returned with sparse=False)."
        )
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 0:
        raise ValueError(
            f"{op}: `num_classes` must be a non-negative int, received {num_classes!r}."
        )
    return num_classes


def _one_hot_array(labels: Any, num_classes: int, axis: int, dtype: Any) -> Any:
    xp = get_array_module(labels)
    labels = xp.asarray(labels)
    if labels.dtype.kind not in "iub":
        labels = labels.astype("int64")
    out = (labels[..., None] == xp.arange(num_classes)).astype(dtype or floatx())
    ndim = out.ndim
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"one_hot: `axis` must be in [{-ndim}, {ndim}) for labels of rank {ndim - 1}, "
            f"received axis={axis}."
        )
    return out if axis in (-1, ndim - 1) else xp.moveaxis(out, -1, axis)


def one_hot(
    x: Any, num_classes: int, axis: int = -1, dtype: Any = None, sparse: bool = False
) -> Tensor:
    """One-hot encode integer labels; negative or out-of-range labels give rows of zeros.

    Args:
        x: integer labels, any shape.
        num_classes: the number of classes C.
        axis: where the new class axis goes (-1: last).
        dtype: the result's dtype (default ``floatx``).
        sparse: must be False (deepnum has no sparse tensors).

    Returns:
        ``x``'s shape with an axis of size C inserted at ``axis``.

    Example:
        >>> one_hot([0, 2], 3).numpy().tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    classes = _check(num_classes, sparse, "one_hot")
    return Tensor._make(_one_hot_array(raw(x), classes, axis, dtype))


def multi_hot(
    inputs: Any,
    num_classes: int | None = None,
    axis: int = -1,
    dtype: Any = None,
    sparse: bool = False,
    **kwargs: Any,
) -> Tensor:
    """Multi-hot encode sets of integer labels: 1 for every class that occurs.

    As Keras's: the one-hot encoding of ``inputs`` is reduced by ``max`` over axis 1 (axis 0
    for 1-D inputs), so a batch (B, K) of K labels each gives (B, C).

    Args:
        inputs: integer labels, (K,) or (B, K, ...).
        num_classes: the number of classes C (``num_tokens`` is accepted as its old name).
        axis: where the class axis goes in the one-hot encoding.
        dtype: the result's dtype (default ``floatx``).
        sparse: must be False (deepnum has no sparse tensors).

    Returns:
        The multi-hot encoding.

    Example:
        >>> multi_hot([[0, 2], [1, 1]], num_classes=3).numpy().tolist()
        [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    if num_classes is None and "num_tokens" in kwargs:
        num_classes = kwargs.pop("num_tokens")
    if kwargs:
        raise TypeError(f"multi_hot: unexpected keyword arguments {sorted(kwargs)}.")
    if num_classes is None:
        raise ValueError("multi_hot: argument `num_classes` must be specified.")
    classes = _check(num_classes, sparse, "multi_hot")
    labels = raw(inputs)
    encoded = _one_hot_array(labels, classes, axis, dtype)
    reduce_axis = 1 if get_array_module(labels).asarray(labels).ndim > 1 else 0
    return Tensor._make(encoded.max(axis=reduce_axis))
