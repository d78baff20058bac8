"""Adaptive pooling of ``keras.ops.nn`` (1-D, 2-D and 3-D): the output size is given and each
output cell pools the bin [⌊i·n/o⌋, ⌈(i + 1)·n/o⌉) of its axis (PyTorch's bins).

A box's mean is the mean over each axis in turn, and its maximum the maximum over each axis in
turn, so both are applied one spatial axis at a time: the average as a product with an (o, n)
averaging matrix, the maximum as a gather of each bin (padded by repeating its last element)
followed by a max. Both are compositions of differentiable ops.
"""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.nn._inputs import float_tensor
from deepnum.ops.nn._window import standardize_data_format
from deepnum.ops.numpy import matmul, moveaxis, reshape, take
from deepnum.ops.numpy import max as _max

__all__ = ["adaptive_average_pool", "adaptive_max_pool"]


def bins(n: int, o: int) -> list[tuple[int, int]]:
    """The input range [start, end) pooled by each of the ``o`` outputs of an axis of ``n``."""
    return [((i * n) // o, -((-(i + 1) * n) // o)) for i in range(o)]


def _average_axis(x: Tensor, axis: int, o: int) -> Tensor:
    xp = get_array_module(x.data)
    n = x.shape[axis]
    weights = xp.zeros((n, o), dtype=x.dtype)
    for i, (lo, hi) in enumerate(bins(n, o)):
        weights[lo:hi, i] = 1 / (hi - lo)
    return moveaxis(matmul(moveaxis(x, axis, -1), weights), -1, axis)


def _max_axis(x: Tensor, axis: int, o: int) -> Tensor:
    xp = get_array_module(x.data)
    ranges = bins(x.shape[axis], o)
    width = max(hi - lo for lo, hi in ranges)
    index = xp.asarray([[min(lo + j, hi - 1) for j in range(width)] for lo, hi in ranges])
    gathered = take(x, index.reshape(-1), axis=axis)
    shape = x.shape[:axis] + (o, width) + x.shape[axis + 1 :]
    return _max(reshape(gathered, shape), axis=axis + 1)


def _adaptive(inputs: Any, output_size: Any, data_format: Any, op: str, per_axis) -> Tensor:
    x = float_tensor(inputs)
    if x.ndim not in (3, 4, 5):
        raise ValueError(
            f"{op}: expected an input of rank 3, 4 or 5 (batch, *spatial, channels), received "
            f"shape {shape_str(x.shape)}."
        )
    nd = x.ndim - 2
    sizes = (output_size,) * nd if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != nd or any(isinstance(s, bool) or not isinstance(s, int) or s < 1
                               for s in sizes):  # fmt: skip
        raise ValueError(
            f"{op}: `output_size` must be a positive int or a tuple of {nd} positive ints, "
            f"received {output_size!r}."
        )
    first = 1 if standardize_data_format(data_format) == "channels_last" else 2
    for k, o in enumerate(sizes):
        if x.shape[first + k] == 0:
            raise ValueError(f"{op}: spatial axis {first + k} of the input is empty.")
        x = per_axis(x, first + k, o)
    return x


def adaptive_average_pool(inputs: Any, output_size: Any, data_format: str | None = None) -> Tensor:
    """Average pooling to a given output size (PyTorch's ``adaptive_avg_pool``).

    Output cell i of an axis of size n (o outputs) averages the inputs ⌊i·n/o⌋ … ⌈(i+1)·n/o⌉−1.

    Args:
        inputs: (N, *spatial, C) for channels_last (default), (N, C, *spatial) otherwise;
            1 to 3 spatial axes.
        output_size: an int or one int per spatial axis.
        data_format: ``"channels_last"`` or ``"channels_first"`` (None: the config default).

    Returns:
        (N, *output_size, C) (or channels_first).

    Example:
        >>> import numpy as np
        >>> adaptive_average_pool(np.arange(5.0).reshape(1, 5, 1), 2)[0, :, 0].tolist()
        [1.0, 3.0]
    """
    return _adaptive(inputs, output_size, data_format, "adaptive_average_pool", _average_axis)


def adaptive_max_pool(inputs: Any, output_size: Any, data_format: str | None = None) -> Tensor:
    """Max pooling to a given output size (PyTorch's ``adaptive_max_pool``), bins as in
    :func:`adaptive_average_pool`.

    Example:
        >>> import numpy as np
        >>> adaptive_max_pool(np.arange(5.0).reshape(1, 5, 1), 2)[0, :, 0].tolist()
        [2.0, 4.0]
    """
    return _adaptive(inputs, output_size, data_format, "adaptive_max_pool", _max_axis)
