"""Sliding-window geometry shared by convolution and pooling: output sizes, TensorFlow's SAME
padding, strided window views, and the argument checks with Keras's messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deepnum import config
from deepnum.backend import get_array_module

PADDINGS = ("valid", "same")


def standardize_tuple(value: Any, n: int, name: str, allow_zero: bool = False) -> tuple[int, ...]:
    """``value`` (an int or a sequence of ``n`` ints) as a tuple of ``n`` ints, or a ValueError
    naming the argument, the value received and what is allowed.

    Example:
        >>> standardize_tuple(3, 2, "kernel_size")
        (3, 3)
    """
    if isinstance(value, bool):
        raise ValueError(
            f"The `{name}` argument must be an int or a tuple of {n} ints. "
            f"Received: {name}={value!r}"
        )
    if isinstance(value, int) or (hasattr(value, "__index__") and not hasattr(value, "__len__")):
        out = (int(value),) * n
    else:
        try:
            out = tuple(value)
        except TypeError:
            out = None
        if out is None or len(out) != n or not all(isinstance(v, int) for v in out):
            raise ValueError(
                f"The `{name}` argument must be an int or a tuple of {n} ints. "
                f"Received: {name}={value!r}"
            )
    low = 0 if allow_zero else 1
    if any(v < low for v in out):
        rule = ">= 0" if allow_zero else "> 0"
        raise ValueError(
            f"The `{name}` argument must be a tuple of {n} integers that satisfy `value {rule}`. "
            f"Received: {name}={value!r}"
        )
    return out


def standardize_padding(value: Any, allow_causal: bool = False) -> str:
    """``"valid"`` or ``"same"`` (any case), plus ``"causal"`` for 1-D convolutions."""
    allowed = PADDINGS + (("causal",) if allow_causal else ())
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(
            f"The `padding` argument must be one of {allowed}. Received: padding={value!r}"
        )
    return padding


def standardize_data_format(value: Any) -> str:
    """``None`` → ``config.image_data_format()``; else ``"channels_last"``/``"channels_first"``."""
    if value is None:
        return config.image_data_format()
    data_format = value.lower() if isinstance(value, str) else value
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={value!r}"
        )
    return data_format


def output_length(n: int, k: int, s: int, padding: str, d: int = 1) -> int:
    """Output length of a window of size ``k`` (dilation ``d``) sliding by ``s`` over ``n``:
    valid ⌊(n − d(k−1) − 1)/s⌋ + 1; same and causal ⌈n/s⌉."""
    if padding == "valid":
        return (n - d * (k - 1) - 1) // s + 1
    return -(-n // s)


@dataclass(frozen=True)
class Window:
    """Geometry of a 2-D sliding window over an NHWC input.

    Output position ``o`` of a spatial axis reads input positions ``o·s + i·d − p`` for the
    taps ``i = 0 … k−1``; positions outside ``[0, n)`` are padding.

    Attributes:
        in_size: (H, W) of the unpadded input.
        out_size: (Ho, Wo) of the output.
        kernel, strides, dilation: per spatial axis.
        pad_before: padding at the top and left (TensorFlow's SAME puts any odd pixel at the
            bottom/right, so ``pad_before = total // 2``).
    """

    in_size: tuple[int, int]
    out_size: tuple[int, int]
    kernel: tuple[int, int]
    strides: tuple[int, int]
    dilation: tuple[int, int]
    pad_before: tuple[int, int]

    @property
    def pad_after(self) -> tuple[int, int]:
        """Padding at the bottom/right needed so every window lies inside the padded input."""
        return tuple(
            max(0, (o - 1) * s + d * (k - 1) + 1 - n - p)
            for n, o, k, s, d, p in zip(
                self.in_size,
                self.out_size,
                self.kernel,
                self.strides,
                self.dilation,
                self.pad_before,
            )
        )

    def pad(self, x: Any, value: float = 0.0) -> Any:
        """``x`` (N, H, W, C) padded with ``value`` (no copy when there is no padding)."""
        (pt, pl), (pb, pr) = self.pad_before, self.pad_after
        if not (pt or pl or pb or pr):
            return x
        xp = get_array_module(x)
        n, h, w, c = x.shape
        out = xp.full((n, h + pt + pb, w + pl + pr, c), value, dtype=x.dtype)
        out[:, pt : pt + h, pl : pl + w] = x
        return out

    def windows(self, xpad: Any, tap_major: bool = False) -> Any:
        """Strided view of the windows of a padded input, no copy: (N, Ho, Wo, kh, kw, C), or
        (kh, kw, C, N, Ho, Wo) with ``tap_major``."""
        xp = get_array_module(xpad)
        sn, sh, sw, sc = xpad.strides
        (ho, wo), (kh, kw) = self.out_size, self.kernel
        (st, sl), (dt, dl) = self.strides, self.dilation
        n, c = xpad.shape[0], xpad.shape[3]
        if tap_major:
            shape = (kh, kw, c, n, ho, wo)
            strides = (sh * dt, sw * dl, sc, sn, sh * st, sw * sl)
        else:
            shape = (n, ho, wo, kh, kw, c)
            strides = (sn, sh * st, sw * sl, sh * dt, sw * dl, sc)
        return xp.lib.stride_tricks.as_strided(xpad, shape, strides)

    def tap(self, i: int, j: int) -> tuple[tuple[slice, slice], tuple[slice, slice]] | None:
        """For tap (i, j): the input slices it reads inside the unpadded input and the output
        slices they belong to, or None when the tap only ever reads padding."""
        ins, outs = [], []
        for axis, t in enumerate((i, j)):
            n, o = self.in_size[axis], self.out_size[axis]
            s, off = self.strides[axis], t * self.dilation[axis] - self.pad_before[axis]
            lo = max(0, -(off // s))  # first o with o·s + off ≥ 0
            hi = min(o, (n - 1 - off) // s + 1)  # one past the last o with o·s + off < n
            if hi <= lo:
                return None
            start = lo * s + off
            ins.append(slice(start, start + (hi - lo - 1) * s + 1, s))
            outs.append(slice(lo, hi))
        return (ins[0], ins[1]), (outs[0], outs[1])

    def covers(self, i: int, j: int) -> bool:
        """True when tap (i, j) reads every input pixel exactly once (stride 1, same size)."""
        return all(
            s == 1 and n == o and t * d == p
            for n, o, s, d, p, t in zip(
                self.in_size, self.out_size, self.strides, self.dilation, self.pad_before, (i, j)
            )
        )


def make_window(
    in_size: tuple[int, int],
    kernel: tuple[int, int],
    strides: tuple[int, int],
    padding: str,
    dilation: tuple[int, int] = (1, 1),
    op: str = "conv",
) -> Window:
    """The geometry for ``padding`` ``"valid"``, ``"same"`` (TensorFlow's: total padding
    max((out−1)·s + d(k−1) + 1 − n, 0), the smaller half first) or ``"causal"`` (the width
    axis padded d(k−1) on the left only)."""
    out, before = [], []
    for n, k, s, d in zip(in_size, kernel, strides, dilation):
        o = output_length(n, k, s, padding, d)
        if o <= 0:
            raise ValueError(
                f"{op}: the window of size {d * (k - 1) + 1} (kernel {k}, dilation {d}) does not "
                f"fit in an input of spatial size {n} with padding='valid'; the output would "
                f"be empty. Use padding='same', a smaller kernel or a larger input."
            )
        total = max((o - 1) * s + d * (k - 1) + 1 - n, 0)
        out.append(o)
        before.append(total // 2)
    if padding == "causal":
        before = [0, dilation[1] * (kernel[1] - 1)]
    return Window(
        tuple(in_size), tuple(out), tuple(kernel), tuple(strides), tuple(dilation), tuple(before)
    )


def count_valid(window: Window) -> Any:
    """Number of non-padding input pixels under each output position, shape (Ho, Wo, 1)."""
    import numpy as np

    counts = []
    for axis in range(2):
        n, o, k = window.in_size[axis], window.out_size[axis], window.kernel[axis]
        s, d, p = window.strides[axis], window.dilation[axis], window.pad_before[axis]
        pos = np.arange(o)[:, None] * s + np.arange(k)[None, :] * d - p
        counts.append(((pos >= 0) & (pos < n)).sum(axis=1))
    return (counts[0][:, None] * counts[1][None, :])[..., None]
