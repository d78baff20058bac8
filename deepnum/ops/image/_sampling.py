"""Sampling at arbitrary coordinates: ``map_coordinates`` and the warp core of the image
transforms, with Keras's interpolation orders and boundary rules.

Along each axis a coordinate u gives interpolation nodes: order 0 the nearest sample
round(u) (half to even), order 1 the two samples ⌊u⌋ and ⌊u⌋ + 1 with weights 1 − f and f,
f = u − ⌊u⌋. Out-of-range nodes are moved back by the fill mode (``constant`` and
``nearest`` clamp, ``wrap`` is periodic, ``mirror`` reflects about the edge samples,
``reflect`` about the edges); in ``constant`` mode such a node contributes ``fill_value``
instead of a sample. The corners of all axes combine into one weighted gather
(:mod:`._gather`). The weights are deepnum ops of the coordinates, so the result is
differentiable in the input and in the coordinates (order 1).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import get_array_module, is_float_dtype
from deepnum.backend.dtypes import promote_types
from deepnum.ops.core import cast, convert_to_tensor
from deepnum.ops.image._common import FILL_MODES, check_choice, to_output
from deepnum.ops.image._gather import Gather
from deepnum.ops.numpy import reshape, stack, sum

__all__ = ["map_coordinates"]


def _mirror(xp: Any, index: Any, size: int) -> Any:
    """Reflection about the first and last samples: period 2(n − 1)."""
    if size == 1:
        return xp.zeros_like(index)
    s = size - 1
    return xp.abs((index + s) % (2 * s) - s)


def fix_index(xp: Any, index: Any, size: int, fill_mode: str) -> Any:
    """Integer indices moved into [0, size) by the boundary rule ``fill_mode``."""
    if fill_mode in ("constant", "nearest"):
        return xp.clip(index, 0, size - 1)
    if fill_mode == "wrap":
        return index % size
    if fill_mode == "mirror":
        return _mirror(xp, index, size)
    # reflect: about the pixel edges, period 2n
    return (_mirror(xp, 2 * index + 1, 2 * size + 1) - 1) // 2


def axis_nodes(coord: Tensor, size: int, order: int, fill_mode: str) -> list[tuple]:
    """(index, valid, weight) of each interpolation node of one axis; ``valid`` is None when
    every node is in range or the mode needs no mask, ``weight`` None for weight 1."""
    xp = get_array_module(coord.data)
    if order == 0:
        nodes = [(xp.round(coord.data).astype("int64"), None)]
    else:
        low = xp.floor(coord.data)
        upper = coord - Tensor._make(low)
        low = low.astype("int64")
        nodes = [(low, 1.0 - upper), (low + 1, upper)]
    out = []
    for index, weight in nodes:
        valid = None
        if fill_mode == "constant":
            valid = (index >= 0) & (index < size)
        out.append((fix_index(xp, index, size, fill_mode), valid, weight))
    return out


def _combine(per_axis: list[list[tuple]], strides: Sequence[int], base: Any) -> tuple:
    """Corners of all axes: flat indices (K, M), validity (K, M) or None, weights list."""
    xp = get_array_module(per_axis[0][0][0])
    indices, valids, weights = [], [], []
    for corner in itertools.product(*per_axis):
        flat = base
        valid, weight = None, None
        for (index, ok, w), stride in zip(corner, strides):
            flat = flat + index * stride
            if ok is not None:
                valid = ok if valid is None else valid & ok
            if w is not None:
                weight = w if weight is None else weight * w
        indices.append(flat.ravel())
        valids.append(valid)
        weights.append(weight)
    index = xp.stack(indices, axis=0)
    valid = None
    if any(v is not None for v in valids):
        valid = xp.stack([v.ravel() for v in valids])
        if bool(valid.all()):
            valid = None
    return index, valid, weights


def sample(
    src: Tensor,
    coords: Sequence[Tensor],
    sizes: Sequence[int],
    strides: Sequence[int],
    order: int,
    fill_mode: str,
    fill_value: Any,
    base: Any = 0,
) -> Tensor:
    """Interpolate the rows of ``src`` (P, C) at ``coords`` (one float Tensor per axis, all of
    one shape S): row ``base + Σ index_j · stride_j`` is the sample at the node indices.

    Returns:
        (prod(S), C), in the dtype of ``src``: the weights are computed in the coordinates'
        dtype, then promoted, as PyTorch multiplies them.
    """
    per_axis = [axis_nodes(c, n, order, fill_mode) for c, n in zip(coords, sizes)]
    index, valid, weights = _combine(per_axis, strides, base)
    xp = get_array_module(index)
    rows = index.shape[1]
    if weights[0] is None:
        w = Tensor._make(xp.ones((1, rows), dtype=src.dtype))
    else:
        w = cast(stack([reshape(v, (rows,)) for v in weights]), src.dtype)
    fill = None
    if valid is not None:
        mask = Tensor._make(valid.astype(src.dtype))
        if fill_value != 0:
            fill = reshape(sum(w * (1.0 - mask), axis=0), (rows, 1)) * fill_value
        w = w * mask
    out = Gather(index, src.shape[0])(src, w)
    return out if fill is None else out + fill


def _coordinate_list(coordinates: Any, ndim: int) -> list[Tensor]:
    if isinstance(coordinates, (list, tuple)):
        coords = [convert_to_tensor(c) for c in coordinates]
    else:
        c = convert_to_tensor(coordinates)
        coords = [c[i] for i in range(c.shape[0])] if c.ndim else []
    if len(coords) != ndim:
        raise ValueError(
            "map_coordinates: the first dimension of `coordinates` must be the rank of `inputs` "
            f"({ndim}); received {len(coords)} coordinate arrays."
        )
    if coords and coords[0].ndim < 1:
        raise ValueError(
            "map_coordinates: invalid coordinates rank: expected at least rank 2 "
            f"(rank of inputs, *output shape); received shape {shape_str((ndim,))}."
        )
    return coords


def map_coordinates(
    inputs: Any, coordinates: Any, order: int, fill_mode: str = "constant", fill_value: Any = 0
) -> Tensor:
    """Sample ``inputs`` at the given coordinates by nearest or linear interpolation (SciPy's
    ``ndimage.map_coordinates`` for order ≤ 1, with Keras's boundary fix).

    ``y[p] = Σ_corners Π_j w_j · inputs[i_0, …, i_{d−1}]`` over the 2ᵈ corners around
    ``(coordinates[0][p], …, coordinates[d−1][p])`` (one node for order 0).

    Args:
        inputs: a tensor of rank d.
        coordinates: (d, *S): coordinate j of every output point along axis j of ``inputs``
            (an array or a sequence of d arrays of shape S).
        order: 0 (nearest) or 1 (linear).
        fill_mode: beyond the edges: ``"constant"`` (``fill_value``), ``"nearest"`` (edge
            value), ``"wrap"`` (periodic), ``"mirror"`` (about the edge samples: c d c b | a b
            c d | c b a b) or ``"reflect"`` (about the edges: d c b a | a b c d | d c b a).
        fill_value: the constant of ``fill_mode="constant"``.

    Returns:
        Shape S, the dtype of ``inputs`` (integers rounded). Differentiable in ``inputs``
        and, for order 1, in ``coordinates``.

    Example:
        >>> import numpy as np
        >>> x = np.arange(4.0).reshape(2, 2)
        >>> map_coordinates(x, [[0.5, 1.0], [0.5, 3.0]], order=1).tolist()
        [1.5, 0.0]
    """
    check_choice(fill_mode, FILL_MODES, "fill_mode", "map_coordinates")
    if order not in (0, 1):
        raise NotImplementedError(
            f"map_coordinates: only order 0 (nearest) and 1 (linear) are supported, as in "
            f"Keras; received order={order!r}."
        )
    x = convert_to_tensor(inputs)
    coords = _coordinate_list(coordinates, x.ndim)
    coords = [c if is_float_dtype(c.dtype) else cast(c, "float32") for c in coords]
    dtype = _compute_dtype(x, coords)
    if not is_float_dtype(x.dtype) and isinstance(fill_value, (int, float)):
        fill_value = int(fill_value)
    strides = [1] * x.ndim
    for j in range(x.ndim - 2, -1, -1):
        strides[j] = strides[j + 1] * x.shape[j + 1]
    src = reshape(cast(x, dtype), (-1, 1))
    out = sample(src, coords, x.shape, strides, order, fill_mode, fill_value)
    return to_output(reshape(out, coords[0].shape), x.dtype)


def _compute_dtype(x: Tensor, coords: list[Tensor]) -> str:
    """Float dtype of the weights times the samples, as PyTorch promotes them."""
    dtype = coords[0].dtype if is_float_dtype(coords[0].dtype) else "float32"
    if is_float_dtype(x.dtype):
        dtype = promote_types(dtype, x.dtype)
    return str(dtype)
