"""extract_patches (2-D and 3-D): every window of the input laid out along the channels.

Patch (o₁, o₂[, o₃]) holds the input samples at o·s + t·d (stride s, dilation d) for every
tap t of the window, ordered tap-major then channel: channel (t₁·k₂ + t₂)·C + c, as Keras's
convolution with an identity kernel produces. The forward pass is one strided slice per tap;
its adjoint adds each tap's block back into its slice, and the two are each other's
backward, so patches differentiate to any order.
"""

from __future__ import annotations

import itertools
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.core import convert_to_tensor
from deepnum.ops.image._common import batched, unbatched
from deepnum.ops.nn._window import (
    output_length,
    standardize_data_format,
    standardize_padding,
    standardize_tuple,
)
from deepnum.ops.numpy import moveaxis, pad

__all__ = ["extract_patches", "extract_patches_3d"]


def _tap_slices(kernel, strides, dilation, out) -> list[tuple]:
    """For each tap, the slices of a (N, *spatial, C) array that the tap reads."""
    slices = []
    for tap in itertools.product(*(range(k) for k in kernel)):
        spatial = tuple(
            slice(t * d, t * d + (o - 1) * s + 1, s)
            for t, d, o, s in zip(tap, dilation, out, strides)
        )
        slices.append((slice(None),) + spatial + (slice(None),))
    return slices


class Patches(Function):
    """y[n, *o, t·C + c] = x[n, *(o·s + t·d), c] for a (N, *spatial, C) input."""

    def __init__(self, slices: list[tuple], in_shape: tuple[int, ...]) -> None:
        self.slices, self.in_shape = slices, in_shape

    def forward(self, x):
        return get_array_module(x).concatenate([x[s] for s in self.slices], axis=-1)

    def backward(self, gy):
        return PatchesAdjoint(self.slices, self.in_shape)(gy)


class PatchesAdjoint(Function):
    """gx = Σ over taps of each tap's channel block added back into the slice it came from."""

    def __init__(self, slices: list[tuple], in_shape: tuple[int, ...]) -> None:
        self.slices, self.in_shape = slices, in_shape

    def forward(self, gy):
        xp = get_array_module(gy)
        gx = xp.zeros(self.in_shape, dtype=gy.dtype)
        c = self.in_shape[-1]
        for k, s in enumerate(self.slices):
            gx[s] += gy[..., k * c : (k + 1) * c]
        return gx

    def backward(self, g):
        return Patches(self.slices, self.in_shape)(g)


def _same_padding(n: int, k: int, s: int, d: int) -> tuple[int, int]:
    """TensorFlow's SAME padding: total max((⌈n/s⌉ − 1)s + d(k − 1) + 1 − n, 0), the extra
    sample after."""
    total = max((-(-n // s) - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def patches(x: Tensor, size, strides, dilation_rate, padding, data_format, op: str) -> Tensor:
    """Patches of a batched tensor with ``len(size)`` spatial axes."""
    nd = len(size)
    size = standardize_tuple(tuple(size), nd, "size")
    strides = standardize_tuple(strides, nd, "strides")
    dilation = standardize_tuple(dilation_rate, nd, "dilation_rate")
    padding = standardize_padding(padding)
    if standardize_data_format(data_format) == "channels_first":
        x = moveaxis(x, 1, -1)
    spatial = x.shape[1:-1]
    if padding == "same":
        widths = [(0, 0)] + [_same_padding(*a) for a in zip(spatial, size, strides, dilation)]
        x = pad(x, widths + [(0, 0)])
    out = [output_length(n, k, s, "valid", d) for n, k, s, d in zip(x.shape[1:-1], size,
                                                                   strides, dilation)]  # fmt: skip
    if min(out) < 1:
        raise ValueError(
            f"{op}: the patches of size {size} (dilation {dilation}) do not fit in the "
            f"spatial shape {shape_str(spatial)} with padding='valid'; use padding='same' "
            "or smaller patches."
        )
    y = Patches(_tap_slices(size, strides, dilation, out), x.shape)(x)
    return moveaxis(y, -1, 1) if standardize_data_format(data_format) == "channels_first" else y


def _size_tuple(size: Any, op: str) -> tuple[int, ...]:
    if isinstance(size, int) and not isinstance(size, bool):
        return (size, size)
    if not isinstance(size, (tuple, list)):
        raise TypeError(
            f"{op}: invalid `size` argument. Expected an int or a tuple. Received: "
            f"size={size!r} of type {type(size).__name__}"
        )
    if len(size) not in (2, 3):
        raise ValueError(
            f"{op}: invalid `size` argument. Expected a tuple of length 2 or 3. Received: "
            f"size={size!r} with length {len(size)}"
        )
    return tuple(size)


def _run(images: Any, size: tuple, strides: Any, dilation_rate: Any, padding: str,
         data_format: Any, op: str) -> Tensor:  # fmt: skip
    nd = len(size)
    x = convert_to_tensor(images)
    if x.ndim not in (nd + 1, nd + 2):
        raise ValueError(
            f"{op}: {nd}-D patches need a rank-{nd + 1} input (one image) or rank-{nd + 2} "
            f"(a batch); received shape {shape_str(x.shape)}."
        )
    x, added = batched(x, nd + 2)
    strides = size if strides is None or (nd == 2 and not strides) else strides
    y = patches(x, size, strides, dilation_rate, padding, data_format, op)
    return unbatched(y, added)


def extract_patches(
    images: Any,
    size: Any,
    strides: Any = None,
    dilation_rate: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
) -> Tensor:
    """Extract patches of images (2-D ``size``) or volumes (3-D ``size``).

    The number of patches per axis is that of a convolution: ⌊(n − d(k−1) − 1)/s⌋ + 1 for
    ``"valid"``, ⌈n/s⌉ for ``"same"`` (TensorFlow's padding, the extra sample after).

    Args:
        images: (H, W, C) or (N, H, W, C) for 2-D patches, (D, H, W, C) or (N, D, H, W, C)
            for 3-D (channels_first: C after N).
        size: an int (square patches) or a tuple of 2 or 3 ints.
        strides: the step between patches (default: ``size``, non-overlapping).
        dilation_rate: the step between the samples of a patch.
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the config's).

    Returns:
        (N, *out, prod(size)·C) (channels_first: (N, prod(size)·C, *out)); same dtype;
        differentiable.

    Example:
        >>> import numpy as np
        >>> extract_patches(np.ones((2, 20, 20, 3)), (5, 5)).shape
        (2, 4, 4, 75)
    """
    size = _size_tuple(size, "extract_patches")
    return _run(images, size, strides, dilation_rate, padding, data_format, "extract_patches")


def extract_patches_3d(
    volumes: Any,
    size: Any,
    strides: Any = None,
    dilation_rate: Any = 1,
    padding: str = "valid",
    data_format: str | None = None,
) -> Tensor:
    """Extract 3-D patches of volumes (see :func:`extract_patches`).

    Args:
        volumes: (D, H, W, C) or (N, D, H, W, C) (channels_first: C after N).
        size: an int or a tuple (depth, height, width).
        strides: an int or a triple (default: ``size``).
        dilation_rate, padding, data_format: as in :func:`extract_patches`.

    Returns:
        (N, d, h, w, prod(size)·C) (without N for one volume).

    Example:
        >>> import numpy as np
        >>> extract_patches_3d(np.ones((10, 10, 10, 3)), (3, 3, 3)).shape
        (3, 3, 3, 81)
    """
    if isinstance(size, int) and not isinstance(size, bool):
        size = (size,) * 3
    if not isinstance(size, (tuple, list)) or len(size) != 3:
        raise ValueError(
            "extract_patches_3d: invalid `size` argument. Expected an int or a tuple of length "
            f"3. Received: size={size!r}"
        )
    return _run(volumes, tuple(size), strides, dilation_rate, padding, data_format,
                "extract_patches_3d")  # fmt: skip
