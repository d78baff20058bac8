"""The error of a loss that cannot compare a model's output with its targets, as ``fit``'s
preflight reports it: before the first step, with one hint and shapes written one way."""

from __future__ import annotations

import re
from typing import Any

from deepnum.autodiff.tensor import shape_str


def target_message(loss: Any, output: str, out_shape: tuple, y_shape: tuple, err: Exception) -> str:
    """One message for a loss that cannot compare an output with its targets: the shapes as
    ``(None, ...)`` throughout (the preflight's batch is an implementation detail) and one
    hint, the loss's own when it gives one.

    Args:
        loss: the loss (its ``name`` is used).
        output: the output's name.
        out_shape, y_shape: the shapes of the output and of the targets (batch first).
        err: what the loss raised.

    Example:
        >>> err = ValueError("labels of shape (2,) and output of shape (2, 3) differ")
        >>> target_message("mse", "dense", (2, 3), (2,), err).split(": ", 1)[1]
        'labels of shape (None,) and output of shape (None, 3) differ.'
    """
    loss_name = getattr(loss, "name", None) or type(loss).__name__
    out_s, y_s = shape_str((None,) + tuple(out_shape[1:])), shape_str((None,) + tuple(y_shape[1:]))
    detail = _batch_as_none(str(err), int(out_shape[0]) if out_shape else None)
    if any(h in detail for h in ("Flatten", "one-hot", "to_categorical", "class ind")):
        hint = ""
    elif len(out_shape) > 2 and len(y_shape) <= 2:
        hint = " The output still has spatial axes: is a Flatten missing before the Dense?"
    elif "sparse" in loss_name and len(y_shape) == len(out_shape) and y_shape[-1] == out_shape[-1]:
        hint = (
            " The labels look one-hot: use categorical_crossentropy, or integer labels "
            "with the sparse loss."
        )
    elif "categorical" in loss_name and "sparse" not in loss_name and len(y_shape) < len(out_shape):
        hint = (
            " The labels look like integer class ids: use sparse_categorical_crossentropy "
            "or one-hot encode them with deepnum.utils.to_categorical."
        )
    else:
        hint = ""
    return (
        f"The loss {loss_name} cannot compare the model output '{output}' of shape {out_s} "
        f"with targets of shape {y_s}: {detail.rstrip('.')}.{hint}"
    )


def _batch_as_none(text: str, batch: int | None) -> str:
    """Write the preflight's batch size as ``None`` in the shapes of ``text``: ``(2, 28, 10)``
    becomes ``(None, 28, 10)``."""
    if batch is None:
        return text
    return re.sub(rf"\({batch}(?=[,)])", "(None", text)
