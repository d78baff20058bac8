"""The CTC loss as a Keras loss: labels padded with 0 to the full width, logits over all steps."""

from __future__ import annotations

from typing import Any

from deepnum import ops
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.losses.loss import LossFunctionWrapper


def ctc(y_true: Any, y_pred: Any) -> Tensor:
    """CTC loss per sample, as ``keras.losses.ctc``.

    The label length of each sample is its number of non-zero entries (0 is both the padding
    and the blank class, ``mask_index=0``), and every sample uses all ``max_time`` steps.

    Args:
        y_true: integer labels, shape ``(batch, max_label_length)``, padded with 0.
        y_pred: logits, shape ``(batch, max_time, num_classes)``.

    Returns:
        Losses of shape ``(batch,)``.

    Example:
        >>> import numpy as np
        >>> round(float(ctc([[1, 0]], np.zeros((1, 2, 2)))[0]), 4)
        0.2877
    """
    y_pred = as_tensor(y_pred)
    labels = y_true.data if isinstance(y_true, Tensor) else y_true
    labels = get_array_module(y_pred.data).asarray(labels)
    if labels.ndim != 2:
        raise ValueError(
            "ctc: targets `y_true` must be integer labels of shape (batch_size, max_length), "
            f"received y_true.shape={shape_str(labels.shape)}."
        )
    if y_pred.ndim != 3:
        raise ValueError(
            "ctc: logits `y_pred` must have shape (batch_size, max_length, num_classes), "
            f"received y_pred.shape={shape_str(y_pred.shape)}."
        )
    labels = labels.astype("int64")
    batch, steps = y_pred.shape[:2]
    xp = get_array_module(labels)
    label_length = (labels != 0).sum(axis=-1)
    output_length = xp.full((batch,), steps, dtype="int64")
    return ops.ctc_loss(labels, y_pred, label_length, output_length, mask_index=0)


class CTC(LossFunctionWrapper):
    """Connectionist Temporal Classification loss (sequence labelling without alignment).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> round(float(dn.losses.CTC()([[1, 0]], np.zeros((1, 2, 2)))), 4)
        0.2877
    """

    def __init__(
        self, reduction: Any = "sum_over_batch_size", name: str = "ctc", dtype: Any = None
    ) -> None:
        super().__init__(ctc, reduction=reduction, name=name, dtype=dtype)
