"""Pairwise Euclidean distances (cdist) and the log-determinant (logdet)."""

from __future__ import annotations

import math
from typing import Any

from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.ops.linalg._base import as_float_tensor, broadcast_batch, check_matrix, promote
from deepnum.ops.numpy import expand_dims, slogdet, sqrt, where
from deepnum.ops.numpy import sum as sum_

__all__ = ["cdist", "logdet"]


def cdist(x: Any, y: Any) -> Tensor:
    """Euclidean distances between the rows of ``x`` and of ``y``:
    ``out[..., i, j] = √Σₖ (x[..., i, k] − y[..., j, k])²``.

    Batch axes broadcast. As on Keras's PyTorch backend the distance is computed directly,
    so its gradient is undefined (nan) where two points coincide.

    Args:
        x: ``(..., m, d)``.
        y: ``(..., n, d)``.

    Returns:
        ``(..., m, n)``, floating (``floatx`` for integers).

    Example:
        >>> cdist([[0.0, 0.0], [3.0, 4.0]], [[0.0, 0.0], [3.0, 0.0]]).tolist()
        [[0.0, 3.0], [5.0, 4.0]]
    """
    x, y = promote("cdist", x, y)
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError(
            f"cdist: inputs must have rank >= 2, received shapes {shape_str(x.shape)} and "
            f"{shape_str(y.shape)}."
        )
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(
            f"cdist: the last dimensions must match, received shapes {shape_str(x.shape)} and "
            f"{shape_str(y.shape)}."
        )
    broadcast_batch("cdist", x.shape[:-2], y.shape[:-2])
    diff = expand_dims(x, -2) - expand_dims(y, -3)
    return sqrt(sum_(diff * diff, axis=-1))


def logdet(x: Any) -> Tensor:
    """The natural log of the determinant of each square matrix: log det A.

    Meant for positive-definite matrices; a negative determinant gives nan and a singular
    matrix −inf (PyTorch's ``logdet``). The gradient is A⁻ᵀ.

    Args:
        x: a tensor of shape ``(..., M, M)``.

    Returns:
        A tensor of shape ``(...)``.

    Example:
        >>> round(logdet([[2.0, 0.0], [0.0, 3.0]]).item(), 5)
        1.79176
    """
    x = as_float_tensor(x)
    check_matrix(x, "logdet", square=True)
    sign, logabsdet = slogdet(x)
    return where(sign.data < 0, math.nan, logabsdet)
