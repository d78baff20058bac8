"""Pixel shuffles of ``keras.ops.nn``: depth_to_space and its inverse space_to_depth
(TensorFlow's element order), as reshapes and one transpose, so they differentiate as such."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.ops.nn._window import standardize_data_format
from deepnum.ops.numpy import reshape, transpose

__all__ = ["depth_to_space", "space_to_depth"]


def _check(x: Tensor, block_size: Any, data_format: Any, op: str) -> tuple[int, str]:
    if isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 2:
        raise ValueError(
            f"{op}: `block_size` must be an int of at least 2, received {block_size!r}."
        )
    if x.ndim != 4:
        raise ValueError(f"{op}: requires a 4-D input, received shape {shape_str(x.shape)}.")
    return block_size, standardize_data_format(data_format)


def depth_to_space(x: Any, block_size: int, data_format: str = "channels_last") -> Tensor:
    """Move blocks of channels into space: (N, H, W, C·r²) → (N, H·r, W·r, C), r = block_size.

    Output pixel (h·r + i, w·r + j) channel c is input pixel (h, w) channel (i·r + j)·C + c
    (channels_last, TensorFlow's order) or c·r² + i·r + j (channels_first, PyTorch's
    ``pixel_shuffle`` order), as Keras's.

    Args:
        x: 4-D input, (N, H, W, C·r²) or (N, C·r², H, W) for channels_first.
        block_size: r ≥ 2.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Returns:
        (N, H·r, W·r, C) (or channels_first).

    Example:
        >>> import numpy as np
        >>> depth_to_space(np.arange(4.0).reshape(1, 1, 1, 4), 2)[0, :, :, 0].tolist()
        [[0.0, 1.0], [2.0, 3.0]]
    """
    x = as_tensor(x)
    r, data_format = _check(x, block_size, data_format, "depth_to_space")
    channels = x.shape[3] if data_format == "channels_last" else x.shape[1]
    if channels % (r * r):
        raise ValueError(
            f"depth_to_space: the number of channels ({channels}) must be divisible by "
            f"block_size**2 ({r * r}); received shape {shape_str(x.shape)}."
        )
    c = channels // (r * r)
    if data_format == "channels_last":
        n, h, w, _ = x.shape
        y = transpose(reshape(x, (n, h, w, r, r, c)), (0, 1, 3, 2, 4, 5))
        return reshape(y, (n, h * r, w * r, c))
    n, _, h, w = x.shape
    y = transpose(reshape(x, (n, c, r, r, h, w)), (0, 1, 4, 2, 5, 3))
    return reshape(y, (n, c, h * r, w * r))


def space_to_depth(x: Any, block_size: int, data_format: str = "channels_last") -> Tensor:
    """Move blocks of space into channels: (N, H·r, W·r, C) → (N, H, W, C·r²), the inverse of
    :func:`depth_to_space`.

    Args:
        x: 4-D input, (N, H·r, W·r, C) or (N, C, H·r, W·r) for channels_first.
        block_size: r ≥ 2; the height and width must be multiples of r.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Returns:
        (N, H, W, C·r²) (or channels_first).

    Example:
        >>> import numpy as np
        >>> space_to_depth(np.arange(4.0).reshape(1, 2, 2, 1), 2).numpy().ravel().tolist()
        [0.0, 1.0, 2.0, 3.0]
    """
    x = as_tensor(x)
    r, data_format = _check(x, block_size, data_format, "space_to_depth")
    if data_format == "channels_last":
        n, h, w, c = x.shape
    else:
        n, c, h, w = x.shape
    if h % r or w % r:
        raise ValueError(
            f"space_to_depth: the height ({h}) and width ({w}) must be divisible by block_size "
            f"({r}); received shape {shape_str(x.shape)}."
        )
    if data_format == "channels_last":
        y = transpose(reshape(x, (n, h // r, r, w // r, r, c)), (0, 1, 3, 2, 4, 5))
        return reshape(y, (n, h // r, w // r, r * r * c))
    y = transpose(reshape(x, (n, c, h // r, r, w // r, r)), (0, 1, 3, 5, 2, 4))
    return reshape(y, (n, c * r * r, h // r, w // r))
