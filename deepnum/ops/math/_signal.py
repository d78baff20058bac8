"""Framing and short-time Fourier transforms: extract_sequences, stft, istft.

All three are composites of differentiable ops (gathers, products with the window, the
transforms of ``_fft`` and an overlap-add whose adjoint is the framing gather), so gradients
flow to the signal, the spectrum and a tensor window. The conventions are those of Keras on
PyTorch: ``torch.stft`` with reflect padding when ``center``, periodic windows centred in
``fft_length``, and for ``istft`` PyTorch's window-envelope normalisation when
``sequence_length == fft_length`` and ``center``, Keras's own otherwise.
"""

from __future__ import annotations

import math
from typing import Any

from deepnum.autodiff.function import Function
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import get_array_module
from deepnum.ops.core import cast
from deepnum.ops.math._fft import IRFFT, RFFT, complex_pair
from deepnum.ops.numpy import broadcast_to, pad, reshape, tile
from deepnum.ops.numpy import sum as sum_

__all__ = ["extract_sequences", "istft", "stft"]


def _frame_index(xp: Any, n: int, length: int, stride: int) -> Any:
    """Row i holds the positions of frame i: i·stride + (0, …, length − 1)."""
    count = 1 + (n - length) // stride
    return xp.arange(count).reshape(count, 1) * stride + xp.arange(length).reshape(1, length)


def _check_positive(fname: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{fname}: `{name}` must be a positive integer, received {value!r}.")
    return value


def extract_sequences(x: Any, sequence_length: int, sequence_stride: int) -> Tensor:
    """Frames of the last axis: ``out[..., i, j] = x[..., i · sequence_stride + j]``.

    There are ``1 + (N − sequence_length) // sequence_stride`` frames for a last axis of N.

    Args:
        x: a tensor of rank >= 1.
        sequence_length: the frame length.
        sequence_stride: the hop between frame starts.

    Returns:
        A tensor of shape ``x.shape[:-1] + (num_sequences, sequence_length)``.

    Example:
        >>> extract_sequences([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 3, 2).tolist()
        [[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]]
    """
    x = as_tensor(x)
    _check_positive("extract_sequences", "sequence_length", sequence_length)
    _check_positive("extract_sequences", "sequence_stride", sequence_stride)
    if x.ndim < 1 or x.shape[-1] < sequence_length:
        raise ValueError(
            f"extract_sequences: the last axis must hold at least sequence_length="
            f"{sequence_length} values, received shape {shape_str(x.shape)}."
        )
    index = _frame_index(get_array_module(x.data), x.shape[-1], sequence_length, sequence_stride)
    return x[..., index]


class OverlapAdd(Function):
    """Sum frames ``(..., count, length)`` placed ``stride`` apart: the adjoint of framing.

    out[t] = Σᵢ frames[i, t − i·stride], of length ``length + stride · (count − 1)``.
    """

    def __init__(self, stride: int) -> None:
        self.stride = stride

    def forward(self, frames):
        xp = get_array_module(frames)
        *batch, count, length = frames.shape
        hop = self.stride
        phases = -(-length // hop)
        blocks = frames
        if phases * hop != length:
            widths = [(0, 0)] * (frames.ndim - 1) + [(0, phases * hop - length)]
            blocks = xp.pad(frames, widths)
        blocks = blocks.reshape(tuple(batch) + (count, phases, hop))
        out = xp.zeros(tuple(batch) + (count + phases - 1, hop), dtype=frames.dtype)
        for s in range(phases):  # block b receives phase s of frame b − s
            out[..., s : s + count, :] += blocks[..., :, s, :]
        total = length + hop * (count - 1)
        return out.reshape(tuple(batch) + (-1,))[..., :total]

    def backward(self, gy):
        count, length = self.inputs[0].shape[-2:]
        index = _frame_index(get_array_module(gy.data), gy.shape[-1], length, self.stride)
        return gy[..., index[:count]]


def _window(fname: str, window: Any, length: int, dtype: Any, xp: Any) -> Tensor | None:
    """The analysis window: periodic Hann (½ − ½cos(2πn/L)) or Hamming (0.54 − 0.46cos(2πn/L)),
    a tensor of length L, or None."""
    if window is None:
        return None
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(
                f"{fname}: a string `window` must be 'hann' or 'hamming', received {window!r}."
            )
        if length == 1:
            return Tensor._make(xp.ones(1, dtype=dtype))
        a = 0.5 if window == "hann" else 0.54
        phase = 2 * math.pi * xp.arange(length) / length
        return Tensor._make((a - (1 - a) * xp.cos(phase)).astype(dtype))
    win = cast(as_tensor(window), dtype)
    if win.shape != (length,):
        raise ValueError(
            f"{fname}: `window` must have shape ({length},) (sequence_length), received "
            f"{shape_str(win.shape)}."
        )
    return win


def _centre(win: Tensor, fft_length: int) -> Tensor:
    """The window zero-padded on both sides to ``fft_length`` (the extra zero on the right)."""
    left = (fft_length - win.shape[0]) // 2
    return pad(win, [(left, fft_length - win.shape[0] - left)])


def _reflect_pad(x: Tensor, p: int) -> Tensor:
    """Mirror ``p`` values at each end of the last axis, without repeating the edge."""
    n = x.shape[-1]
    if p >= n:
        raise ValueError(
            f"stft: center=True reflects fft_length // 2 = {p} samples at each end, which needs "
            f"a signal longer than that; received {n} samples."
        )
    xp = get_array_module(x.data)
    index = xp.concatenate([xp.arange(p, 0, -1), xp.arange(n), xp.arange(n - 2, n - 2 - p, -1)])
    return x[..., index]


def _check_stft_args(fname: str, sequence_length: int, sequence_stride: int, fft_length: int):
    _check_positive(fname, "sequence_stride", sequence_stride)
    _check_positive(fname, "sequence_length", sequence_length)
    _check_positive(fname, "fft_length", fft_length)
    if fft_length < sequence_length:
        raise ValueError(
            f"{fname}: `fft_length` must be >= `sequence_length`, received "
            f"fft_length={fft_length}, sequence_length={sequence_length}."
        )


def stft(
    x: Any,
    sequence_length: int,
    sequence_stride: int,
    fft_length: int,
    window: Any = "hann",
    center: bool = True,
) -> tuple[Tensor, Tensor]:
    """The short-time Fourier transform along the last axis.

    Frame t covers samples ``t·stride … t·stride + fft_length − 1`` (of the signal reflected by
    ``fft_length // 2`` at each end when ``center``); it is multiplied by the window, centred
    in ``fft_length``, and transformed: X[t, k] = Σₙ w[n] x[t·stride + n] e^(−2πikn/fft_length).

    Args:
        x: a float32 or float64 signal, shape ``(..., samples)``.
        sequence_length: the window length.
        sequence_stride: the hop between frames.
        fft_length: the transform size (>= ``sequence_length``).
        window: ``"hann"``, ``"hamming"`` (periodic), a tensor of length ``sequence_length``,
            or None (rectangular).
        center: reflect-pad so that frame t is centred at ``t · sequence_stride``.

    Returns:
        ``(real, imag)``, each ``(..., frames, fft_length // 2 + 1)``.

    Example:
        >>> real, imag = stft([0.0, 1.0, 2.0, 3.0, 4.0], 2, 2, 4)  # Hann of 2: (0, 1)
        >>> real.tolist()
        [[0.0, 0.0, 0.0], [2.0, -2.0, 2.0], [4.0, -4.0, 4.0]]
    """
    _check_stft_args("stft", sequence_length, sequence_stride, fft_length)
    x = as_tensor(x)
    if str(x.dtype) not in ("float32", "float64"):
        raise TypeError(f"stft: `x` must be float32 or float64, received {x.dtype}.")
    xp = get_array_module(x.data)
    win = _window("stft", window, sequence_length, x.dtype, xp)
    if center:
        x = _reflect_pad(x, fft_length // 2)
    frames = extract_sequences(x, fft_length, sequence_stride)
    if win is not None:
        frames = frames * _centre(win, fft_length)
    elif sequence_length < fft_length:  # a rectangular window of sequence_length, centred
        ones = Tensor._make(xp.ones(sequence_length, dtype=x.dtype))
        frames = frames * _centre(ones, fft_length)
    return RFFT(fft_length)(frames)


def istft(
    x: Any,
    sequence_length: int,
    sequence_stride: int,
    fft_length: int,
    length: int | None = None,
    window: Any = "hann",
    center: bool = True,
) -> Tensor:
    """The inverse short-time Fourier transform: frames by irfft, windowed, overlap-added.

    With ``sequence_length == fft_length``, ``center`` and a window, the sum is divided by the
    overlap-added squared window (PyTorch's ``istft``, which inverts :func:`stft` exactly);
    otherwise the window is first divided by the stride-periodic sum of its squares (Keras's
    own path, without that division when ``window`` is None).

    Args:
        x: ``(real, imag)``, each ``(..., frames, fft_length // 2 + 1)``.
        sequence_length, sequence_stride, fft_length, window, center: as given to :func:`stft`.
        length: trim (or, on PyTorch's path, zero-pad) the output to this many samples.

    Returns:
        The signal, shape ``(..., samples)``.

    Example:
        >>> signal = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
        >>> [round(v, 6) for v in istft(stft(signal, 4, 1, 4), 4, 1, 4).tolist()]
        [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    """
    _check_stft_args("istft", sequence_length, sequence_stride, fft_length)
    real, imag = complex_pair("istft", x, 2)
    win = _window("istft", window, sequence_length, real.dtype, get_array_module(real.data))
    frames = IRFFT(fft_length)(real, imag)
    if sequence_length == fft_length and center and win is not None:
        return _istft_envelope(frames, win, sequence_stride, length)
    if win is not None:
        frames = frames * _periodic_normalised(_centre(win, fft_length), sequence_stride)
    y = OverlapAdd(sequence_stride)(frames)
    start = fft_length // 2 if center else 0
    if length is not None:
        return y[..., start : start + length]
    return y[..., start : -(fft_length // 2)] if center else y[..., start:]


def _periodic_normalised(win: Tensor, stride: int) -> Tensor:
    """w / Σⱼ w²[n + j·stride mod …]: the window over the stride-periodic sum of its squares."""
    n = win.shape[0]
    overlaps = -(-n // stride)
    squares = pad(win * win, [(0, overlaps * stride - n)])
    denom = sum_(reshape(squares, (overlaps, stride)), axis=0, keepdims=True)
    denom = reshape(tile(denom, (overlaps, 1)), (overlaps * stride,))[:n]
    return win / denom


def _istft_envelope(frames: Tensor, win: Tensor, stride: int, length: int | None) -> Tensor:
    """PyTorch's istft: overlap-add of the windowed frames over that of the squared window."""
    count, n = frames.shape[-2:]
    y = OverlapAdd(stride)(frames * win)
    envelope = OverlapAdd(stride)(broadcast_to(win * win, (count, n)))
    expected = n + stride * (count - 1)
    start = n // 2
    end = start + length if length is not None else expected - n // 2
    y, envelope = y[..., start:end], envelope[start:end]
    xp = get_array_module(envelope.data)
    if envelope.size and float(xp.abs(envelope.data).min()) < 1e-11:
        raise ValueError(
            "istft: the overlap-added squared window vanishes somewhere in the output (window "
            "overlap-add min < 1e-11), so the signal cannot be recovered; use a smaller "
            "sequence_stride or another window."
        )
    y = y / envelope
    if end > expected:
        y = pad(y, [(0, 0)] * (y.ndim - 1) + [(0, end - expected)])
    return y
