"""Deterministic initializers: zeros, ones, a constant, the identity and STFT kernels."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deepnum.initializers.initializer import Initializer, standardize_dtype, standardize_shape


class Zeros(Initializer):
    """All zeros (Keras's default for biases).

    Example:
        >>> Zeros()((2, 2)).tolist()
        [[0.0, 0.0], [0.0, 0.0]]
    """

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        return np.zeros(standardize_shape(shape), dtype=standardize_dtype(dtype, "Zeros"))


class Ones(Initializer):
    """All ones.

    Example:
        >>> Ones()((3,), dtype="int32").tolist()
        [1, 1, 1]
    """

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        return np.ones(standardize_shape(shape), dtype=standardize_dtype(dtype, "Ones"))


class Constant(Initializer):
    """Every element equal to the scalar ``value`` (cast to the requested dtype).

    Args:
        value: a Python scalar.

    Example:
        >>> Constant(2.5)((2,)).tolist()
        [2.5, 2.5]
    """

    def __init__(self, value: Any = 0.0) -> None:
        self.value = value

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        dtype = standardize_dtype(dtype, "Constant")
        return np.full(standardize_shape(shape), np.asarray(self.value).astype(dtype))

    def get_config(self) -> dict:
        value = self.value.item() if isinstance(self.value, np.generic) else self.value
        return {"value": value}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-d shapes only; a non-square shape gets ones on the
    main diagonal).

    Example:
        >>> Identity(gain=2.0)((2, 3)).tolist()
        [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    """

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        shape = standardize_shape(shape)
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D matrices. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        out = np.eye(*shape, dtype=standardize_dtype(dtype, "Identity"))
        out *= self.gain
        return out

    def get_config(self) -> dict:
        return {"gain": self.gain}


def _cosine_window(coefficients: tuple[float, ...], length: int, periodic: bool) -> np.ndarray:
    """A generalized cosine window w(n) = Σₖ (−1)ᵏ aₖ cos(2πkn / (M − 1)), as SciPy's."""
    if length == 1:
        return np.ones(1)
    size = length + 1 if periodic else length
    phase = np.linspace(-np.pi, np.pi, size)
    window = np.zeros(size)
    for k, a in enumerate(coefficients):
        window += a * np.cos(k * phase)
    return window[:length] if periodic else window


# Windows computed here; every other name goes to scipy.signal.get_window.
_WINDOWS = {"hann": (0.5, 0.5), "hamming": (0.54, 0.46)}


def get_window(window: str, length: int, periodic: bool) -> np.ndarray:
    """The window ``window`` of ``length`` samples (``scipy.signal.get_window``'s values)."""
    if window in _WINDOWS:
        return _cosine_window(_WINDOWS[window], length, periodic)
    try:
        from scipy.signal import get_window as scipy_window
    except ImportError:
        raise ValueError(
            f"STFT: window={window!r} needs SciPy (pip install scipy); without it, use "
            f"{sorted(_WINDOWS)} or pass the window's values as an array."
        ) from None
    return scipy_window(window, length, fftbins=periodic)


class STFT(Initializer):
    """Kernels of a convolution that computes a short-time Fourier transform (for the
    ``STFTSpectrogram`` layer).

    For a kernel of shape ``(T, 1, F)`` (window length T, F = n_fft/2 + 1 frequencies):
    ``real``: cos(−2π t f / n_fft), ``imag``: sin(−2π t f / n_fft), each multiplied by the
    window w(t) and divided by √Σw² (``"density"``) or Σ|w| (``"spectrum"``).

    Args:
        side: ``"real"`` or ``"imag"``.
        window: a window name (``"hann"``, ``"hamming"``; others through SciPy), the window's
            values as an array of length T, or ``None`` for no window.
        scaling: ``"density"``, ``"spectrum"`` or ``None``.
        periodic: use the periodic form of a named window (for spectral analysis).

    Example:
        >>> STFT(side="real", window=None)((2, 1, 2))[:, 0].tolist()
        [[1.0, 1.0], [1.0, -1.0]]
    """

    def __init__(
        self, side: str = "real", window: Any = "hann", scaling: Any = "density", periodic=False
    ) -> None:
        if side not in ("real", "imag"):
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str):
            get_window(window, 1, bool(periodic))
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(
                "Scaling is invalid, it must be `None`, 'density' "
                f"or 'spectrum'. Received scaling={scaling}"
            )
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def _window(self, frame_length: int, dtype: np.dtype) -> np.ndarray:
        win = self.window
        if isinstance(win, str):
            win = get_window(win, frame_length, bool(self.periodic))
        win = np.asarray(win).astype(dtype)
        if win.ndim != 1 or win.shape[-1] != frame_length:
            raise ValueError(
                "The shape of `window` must be equal to [frame_length]."
                f"Received: window shape={win.shape}"
            )
        return win.reshape(frame_length, 1, 1)

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        dtype = standardize_dtype(dtype, "STFT", need_float=True)
        frame_length, _, fft_length = standardize_shape(shape)
        n_fft = (fft_length - 1) * 2
        # The same operations, in the same order and dtype, as Keras: identical values.
        freq = np.arange(fft_length, dtype=dtype).reshape(1, 1, fft_length) / dtype.type(n_fft)
        time = np.arange(frame_length, dtype=dtype).reshape(frame_length, 1, 1)
        args = (dtype.type(-2) * time) * freq * dtype.type(math.pi)
        kernel = np.cos(args) if self.side == "real" else np.sin(args)
        if self.window is None:
            return kernel
        win = self._window(frame_length, dtype)
        if self.scaling == "density":
            scale = np.sqrt(np.sum(np.square(win)))
        elif self.scaling == "spectrum":
            scale = np.sum(np.abs(win))
        else:
            scale = dtype.type(1)
        kernel *= win
        kernel /= scale
        return kernel

    def get_config(self) -> dict:
        window = self.window.tolist() if isinstance(self.window, np.ndarray) else self.window
        return {
            "side": self.side,
            "window": window,
            "periodic": self.periodic,
            "scaling": self.scaling,
        }
