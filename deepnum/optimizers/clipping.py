"""Gradient clipping, with Keras 3's formulas (``clipnorm``, ``global_clipnorm``, ``clipvalue``).

Every function takes a list of gradient arrays and returns the clipped list; ``inplace=True``
writes into the given arrays (used on the optimizer's own flat gradient buffer), otherwise new
arrays are returned and the caller's gradients are left untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from deepnum.backend import get_array_module


def _squared_norm(g: Any) -> Any:
    flat = g.reshape(-1)
    return get_array_module(g).vdot(flat, flat)


def clip_by_norm(grads: Sequence[Any], clipnorm: float, inplace: bool = False) -> list[Any]:
    """Rescale each gradient so that its own L2 norm is at most ``clipnorm``.

    ``g ← g · clipnorm / max(‖g‖₂, clipnorm)``

    Example:
        >>> import numpy as np
        >>> clip_by_norm([np.array([3.0, 4.0])], 1.0)[0].tolist()
        [0.6, 0.8]
    """
    out = []
    for g in grads:
        xp = get_array_module(g)
        dt = g.dtype.type
        norm = xp.sqrt(_squared_norm(g))
        denominator = xp.maximum(norm, dt(clipnorm))
        clipped = xp.multiply(g, dt(clipnorm), out=g if inplace else None)
        out.append(xp.divide(clipped, denominator, out=clipped))
    return out


def global_norm(grads: Sequence[Any]) -> Any:
    """``sqrt(Σ_i ‖g_i‖²)`` over all gradients, in their dtype (a 0-d array or scalar)."""
    total = _squared_norm(grads[0])
    for g in grads[1:]:
        total = total + _squared_norm(g)
    return get_array_module(grads[0]).sqrt(total)


def clip_by_global_norm(grads: Sequence[Any], clipnorm: float, inplace: bool = False) -> list[Any]:
    """Rescale all gradients together so that their global norm is at most ``clipnorm``.

    ``g_i ← g_i · clipnorm · min(1/‖g‖, 1/clipnorm)`` where ``‖g‖`` is :func:`global_norm`;
    a non-finite global norm makes every gradient NaN (as in Keras), so a blow-up is visible.

    Example:
        >>> import numpy as np
        >>> clip_by_global_norm([np.array([3.0]), np.array([4.0])], 1.0)[1].tolist()
        [0.8]
    """
    norm = global_norm(grads)
    dt = grads[0].dtype.type
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = dt(clipnorm) * np.minimum(dt(1) / norm, dt(1) / dt(clipnorm)) + (norm - norm)
    return [get_array_module(g).multiply(g, scale, out=g if inplace else None) for g in grads]


def clip_by_value(grads: Sequence[Any], clipvalue: float, inplace: bool = False) -> list[Any]:
    """Clip every gradient element to ``[-clipvalue, clipvalue]``.

    Example:
        >>> import numpy as np
        >>> clip_by_value([np.array([-3.0, 0.5, 2.0])], 1.0)[0].tolist()
        [-1.0, 0.5, 1.0]
    """
    return [
        get_array_module(g).clip(g, -clipvalue, clipvalue, out=g if inplace else None)
        for g in grads
    ]
