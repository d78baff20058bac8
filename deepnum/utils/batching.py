"""Packing and unpacking of ``(x, y, sample_weight)`` batches, as ``fit`` reads them."""

from __future__ import annotations

from typing import Any


def unpack_x_y_sample_weight(data: Any) -> tuple[Any, Any, Any]:
    """Split a batch into ``(x, y, sample_weight)``, with ``None`` for what is missing.

    A list is read as a tuple; a tuple of 1, 2 or 3 elements is ``(x,)``, ``(x, y)`` or
    ``(x, y, sample_weight)``; anything else is ``x`` alone.

    Args:
        data: ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``.

    Returns:
        The three parts.

    Example:
        >>> unpack_x_y_sample_weight(("features", "labels"))
        ('features', 'labels', None)
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if 1 <= len(data) <= 3:
        return tuple(data) + (None,) * (3 - len(data))  # type: ignore[return-value]
    raise ValueError(
        "unpack_x_y_sample_weight: data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
        f"`(x, y, sample_weight)`, found a tuple of {len(data)} elements: {data}"
    )


def pack_x_y_sample_weight(x: Any, y: Any = None, sample_weight: Any = None) -> Any:
    """The batch ``fit`` reads: ``x`` (or ``(x,)`` when ``x`` is a list or tuple, so that it
    is not read as ``(x, y)``), ``(x, y)`` or ``(x, y, sample_weight)``.

    Args:
        x: the inputs.
        y: the targets.
        sample_weight: the weight of each sample (ignored without ``y``, as in Keras).

    Returns:
        The packed batch.

    Example:
        >>> pack_x_y_sample_weight([1, 2]), pack_x_y_sample_weight("x", "y")
        (([1, 2],), ('x', 'y'))
    """
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)
