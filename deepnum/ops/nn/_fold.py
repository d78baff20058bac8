"""Sliding blocks of ``keras.ops.nn`` (PyTorch's layout, channels first): ``unfold`` (im2col)
and ``fold`` (col2im, summing overlaps). Each is the other's adjoint, so each one's backward is
the other and both differentiate any number of times.

For an input (N, C, H, W), kernel (kh, kw), dilation d, padding p and stride s, block
(oh, ow) of channel c reads the padded pixels (oh·s + i·d, ow·s + j·d), i < kh, j < kw; it is
row c·kh·kw + i·kw + j, column oh·Wo + ow of the (N, C·kh·kw, Ho·Wo) columns, with
Ho = ⌊(H + 2p − d(kh − 1) − 1)/s⌋ + 1 (and Wo likewise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module

__all__ = ["fold", "unfold"]


@dataclass(frozen=True)
class Blocks:
    """The geometry of the blocks over an (H, W) image; pairs are (height, width)."""

    size: tuple[int, int]
    kernel: tuple[int, int]
    dilation: tuple[int, int]
    padding: tuple[int, int]
    stride: tuple[int, int]

    @property
    def out(self) -> tuple[int, int]:
        return tuple(
            (n + 2 * p - d * (k - 1) - 1) // s + 1
            for n, k, d, p, s in zip(
                self.size, self.kernel, self.dilation, self.padding, self.stride
            )
        )

    def tap(self, i: int, j: int) -> tuple[slice, slice]:
        """The padded-image slices that tap (i, j) reads across all the blocks."""
        (ho, wo), (dh, dw), (sh, sw) = self.out, self.dilation, self.stride
        return (slice(i * dh, i * dh + (ho - 1) * sh + 1, sh),
                slice(j * dw, j * dw + (wo - 1) * sw + 1, sw))  # fmt: skip


def _unfold_array(x: Any, g: Blocks) -> Any:
    xp = get_array_module(x)
    n, c = x.shape[:2]
    (ph, pw), (kh, kw), (ho, wo) = g.padding, g.kernel, g.out
    if ph or pw:
        padded = xp.zeros((n, c, x.shape[2] + 2 * ph, x.shape[3] + 2 * pw), dtype=x.dtype)
        padded[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]] = x
        x = padded
    sn, sc, sh, sw = x.strides
    (dh, dw), (th, tw) = g.dilation, g.stride
    view = xp.lib.stride_tricks.as_strided(
        x, (n, c, kh, kw, ho, wo), (sn, sc, sh * dh, sw * dw, sh * th, sw * tw)
    )
    return view.reshape(n, c * kh * kw, ho * wo)


def _fold_array(cols: Any, g: Blocks) -> Any:
    xp = get_array_module(cols)
    (kh, kw), (ho, wo), (ph, pw), (h, w) = g.kernel, g.out, g.padding, g.size
    n, c = cols.shape[0], cols.shape[1] // (kh * kw)
    blocks = cols.reshape(n, c, kh, kw, ho, wo)
    out = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            out[(slice(None), slice(None)) + g.tap(i, j)] += blocks[:, :, i, j]
    return out[:, :, ph : ph + h, pw : pw + w]


class Unfold(Function):
    """im2col; its adjoint (the backward) is :class:`Fold`."""

    def __init__(self, geometry: Blocks) -> None:
        self.geometry = geometry

    def forward(self, x):
        return _unfold_array(x, self.geometry)

    def backward(self, gy):
        return Fold(self.geometry)(gy)


class Fold(Function):
    """col2im, summing where blocks overlap; its adjoint (the backward) is :class:`Unfold`."""

    def __init__(self, geometry: Blocks) -> None:
        self.geometry = geometry

    def forward(self, cols):
        return _fold_array(cols, self.geometry)

    def backward(self, gy):
        return Unfold(self.geometry)(gy)


def _pair(value: Any, name: str, op: str, low: int) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, int) for v in pair):
        raise ValueError(f"{op}: `{name}` must be an int or a pair of ints, received {value!r}.")
    if min(pair) < low:
        raise ValueError(f"{op}: `{name}` must be >= {low}, received {value!r}.")
    return pair


def _geometry(size, kernel_size, dilation, padding, stride, op: str) -> Blocks:
    g = Blocks(
        _pair(size, "output_size", op, 1) if op == "fold" else tuple(size),
        _pair(kernel_size, "kernel_size", op, 1),
        _pair(dilation, "dilation", op, 1),
        _pair(padding, "padding", op, 0),
        _pair(stride, "stride", op, 1),
    )
    if min(g.out) < 1:
        raise ValueError(
            f"{op}: a kernel of {g.kernel} with dilation {g.dilation} does not fit in an image "
            f"of {g.size} padded by {g.padding}; no block would be extracted."
        )
    return g


def unfold(
    x: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> Tensor:
    """Extract the sliding blocks of a batch of images (im2col), PyTorch's ``unfold``.

    Args:
        x: (N, C, H, W), channels first.
        kernel_size, dilation, padding, stride: an int or a (height, width) pair.

    Returns:
        (N, C·kh·kw, L) with L = Ho·Wo blocks (see the module docstring).

    Example:
        >>> import numpy as np
        >>> unfold(np.ones((1, 2, 4, 4)), kernel_size=2, stride=2).shape
        (1, 8, 4)
    """
    x = as_tensor(x)
    if x.ndim != 4:
        raise ValueError(
            f"unfold: the input must be 4-D (N, C, H, W), received shape {shape_str(x.shape)}."
        )
    return Unfold(_geometry(x.shape[2:], kernel_size, dilation, padding, stride, "unfold"))(x)


def fold(
    x: Any,
    output_size: Any,
    kernel_size: Any,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
) -> Tensor:
    """Sum sliding blocks back into images (col2im), the adjoint of :func:`unfold`.

    Args:
        x: (N, C·kh·kw, L) columns, L the number of blocks.
        output_size: the (H, W) of the images (an int or a pair).
        kernel_size, dilation, padding, stride: as for :func:`unfold`.

    Returns:
        (N, C, H, W); overlapping blocks add up.

    Example:
        >>> import numpy as np
        >>> fold(np.ones((1, 4, 4)), output_size=3, kernel_size=2)[0, 0].numpy().tolist()
        [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    x = as_tensor(x)
    if x.ndim != 3:
        raise ValueError(
            f"fold: the input must be 3-D (N, C*kh*kw, L), received shape {shape_str(x.shape)}."
        )
    g = _geometry(output_size, kernel_size, dilation, padding, stride, "fold")
    taps, blocks = g.kernel[0] * g.kernel[1], g.out[0] * g.out[1]
    if x.shape[1] % taps or x.shape[2] != blocks:
        raise ValueError(
            f"fold: expected columns of shape (N, C*{taps}, {blocks}) for output_size={g.size}, "
            f"kernel {g.kernel}, dilation {g.dilation}, padding {g.padding} and stride "
            f"{g.stride}; received shape {shape_str(x.shape)}."
        )
    return Fold(g)(x)
