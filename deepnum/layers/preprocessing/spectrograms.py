"""Audio front ends: ``MelSpectrogram`` (STFT → mel filter bank → dB) and ``STFTSpectrogram``
(an STFT as a trainable 1-D convolution), Keras's layers."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from deepnum import ops
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import epsilon
from deepnum.initializers import STFT
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.layer import Layer

_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


class MelSpectrogram(Layer):
    """Mel spectrograms of audio signals ``(samples,)`` or ``(batch, samples)``.

    |STFT(x)|^mag_exp (centered frames) times the HTK mel filter bank (triangles of peak 1,
    mel(f) = 1127 · ln(1 + f / 700), DC bin excluded), then, with ``power_to_db``,
    10·log10(max(S, min_power)) − 10·log10(max(|ref_power|, min_power)), floored at its maximum
    − ``top_db``. Output ``(..., num_mel_bins, frames)``, frames = 1 + samples // stride.

    Args:
        fft_length: FFT size; sequence_stride: hop; sequence_length: window length
            (default ``fft_length``); window: ``"hann"``, ``"hamming"`` or None.
        sampling_rate: samples per second; num_mel_bins: mel bands; min_freq, max_freq: the
            band edges in Hz (max defaults to the Nyquist frequency).
        power_to_db, top_db, mag_exp, min_power, ref_power: the scaling above.

    Example:
        >>> import numpy as np
        >>> MelSpectrogram(fft_length=64, sequence_stride=16, num_mel_bins=8)(
        ...     np.ones((2, 128), "float32")).shape
        (2, 8, 9)
    """

    def __init__(
        self,
        fft_length: int = 2048,
        sequence_stride: int = 512,
        sequence_length: int | None = None,
        window: str | None = "hann",
        sampling_rate: int = 16000,
        num_mel_bins: int = 128,
        min_freq: float = 20.0,
        max_freq: float | None = None,
        power_to_db: bool = True,
        top_db: float = 80.0,
        mag_exp: float = 2.0,
        min_power: float = 1e-10,
        ref_power: float = 1.0,
        **kwargs: Any,
    ) -> None:
        self.fft_length, self.sequence_stride = fft_length, sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError(
                "MelSpectrogram: fft_length must be >= sequence_length, received "
                f"sequence_length={self.sequence_length}, fft_length={self.fft_length}."
            )
        self.window, self.sampling_rate, self.num_mel_bins = window, sampling_rate, num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db, self.top_db, self.mag_exp = power_to_db, top_db, mag_exp
        self.min_power, self.ref_power = min_power, ref_power
        super().__init__(**kwargs)

    def call(self, inputs: Tensor) -> Tensor:
        x = inputs if inputs.dtype.name in ("float32", "float64") else inputs.astype("float32")
        real, imag = ops.math.stft(
            x, self.sequence_length, self.sequence_stride, self.fft_length, self.window, True
        )
        spec = ops.power(ops.sqrt(ops.square(real) + ops.square(imag)), self.mag_exp)
        matrix = self.linear_to_mel_weight_matrix(
            self.num_mel_bins, spec.shape[-1], self.sampling_rate, self.min_freq, self.max_freq,
            x.dtype.name,
        )  # fmt: skip
        out = ops.tensordot(spec, Tensor._make(x.xp.asarray(matrix)), axes=1)
        if self.power_to_db:
            out = self._dbscale(out)
        return ops.swapaxes(out, -1, -2).astype(self.dtype)

    def _dbscale(self, spec: Tensor) -> Tensor:
        log_spec = 10.0 * ops.log10(ops.maximum(spec, self.min_power))
        log_spec = log_spec - 10.0 * math.log10(max(abs(self.ref_power), self.min_power))
        return ops.maximum(log_spec, ops.max(log_spec) - self.top_db)

    def linear_to_mel_weight_matrix(
        self,
        num_mel_bins: int = 20,
        num_spectrogram_bins: int = 129,
        sampling_rate: float = 8000,
        lower_edge_hertz: float = 125.0,
        upper_edge_hertz: float = 3800.0,
        dtype: str = "float32",
    ) -> np.ndarray:
        """The ``(num_spectrogram_bins, num_mel_bins)`` matrix of HTK mel triangles over the
        bins of ``[0, sampling_rate / 2]`` (the DC row zero)."""
        dt = np.dtype(dtype)

        def to_mel(f: Any) -> Any:
            return (_MEL_HIGH_FREQUENCY_Q * np.log(1.0 + f / dt.type(700.0))).astype(dt)

        freqs = np.linspace(0.0, sampling_rate / 2.0, num_spectrogram_bins, dtype=dt)[1:]
        bins_mel = to_mel(freqs)[:, None]
        edges = np.linspace(
            to_mel(dt.type(lower_edge_hertz)), to_mel(dt.type(upper_edge_hertz)),
            num_mel_bins + 2, dtype=dt,
        )  # fmt: skip
        lower, center, upper = edges[:-2][None], edges[1:-1][None], edges[2:][None]
        lower_slopes = (bins_mel - lower) / (center - lower)
        upper_slopes = (upper - bins_mel) / (upper - center)
        weights = np.maximum(dt.type(0), np.minimum(lower_slopes, upper_slopes))
        return np.pad(weights, [[1, 0], [0, 0]]).astype(dt)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        def frames(n: int | None) -> int | None:
            return None if n is None else (n + self.sequence_stride + 1) // self.sequence_stride

        if len(input_shape) == 1:
            return (self.num_mel_bins, frames(input_shape[0]))
        return (input_shape[0], self.num_mel_bins, frames(input_shape[1]))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "fft_length": self.fft_length,
            "sequence_stride": self.sequence_stride,
            "sequence_length": self.sequence_length,
            "window": self.window,
            "sampling_rate": self.sampling_rate,
            "num_mel_bins": self.num_mel_bins,
            "min_freq": self.min_freq,
            "max_freq": self.max_freq,
            "power_to_db": self.power_to_db,
            "top_db": self.top_db,
            "mag_exp": self.mag_exp,
            "min_power": self.min_power,
            "ref_power": self.ref_power,
        }


_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


class STFTSpectrogram(Layer):
    """A spectrogram as a 1-D convolution whose kernels start as the windowed DFT (trainable).

    For ``(batch, time, channels)`` input each channel is framed by ``frame_length`` with hop
    ``frame_step`` and multiplied by the kernels ``real_kernel`` / ``imag_kernel`` of shape
    ``(frame_length, 1, fft_length // 2 + 1)`` (initializer ``STFT``). ``mode``: ``"real"``,
    ``"imag"``, ``"stft"`` (both), ``"angle"`` = atan2(im, re), ``"psd"`` = re² + im² (inner
    bins doubled), ``"magnitude"`` = √max(re² + im², ε), ``"log"`` = ln max(magnitude, ε).

    Args:
        mode, frame_length, frame_step (default ``frame_length // 2``), fft_length (default the
        next power of two), window, periodic, scaling (``"density"``, ``"spectrum"`` or None),
        padding (``"valid"`` or ``"same"``), expand_dims (an image-like 4-D output),
        data_format.

    Example:
        >>> import numpy as np
        >>> STFTSpectrogram(frame_length=32, frame_step=16)(np.ones((2, 128, 1), "float32")).shape
        (2, 7, 17)
    """

    def __init__(
        self,
        mode: str = "log",
        frame_length: int = 256,
        frame_step: int | None = None,
        fft_length: int | None = None,
        window: Any = "hann",
        periodic: bool = False,
        scaling: str | None = "density",
        padding: str = "valid",
        expand_dims: bool = False,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        _check_stft_arguments(mode, frame_length, frame_step, fft_length, scaling, padding, window)
        super().__init__(**kwargs)
        self.mode, self.frame_length, self.frame_step = mode, frame_length, frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window, self.periodic, self.scaling = window, periodic, scaling
        self.padding, self.expand_dims = padding, expand_dims
        self.data_format = data_format or "channels_last"
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                "STFTSpectrogram: data_format must be 'channels_last' or 'channels_first', "
                f"received {data_format!r}."
            )
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape: Any) -> None:
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        if self.mode != "imag":
            self.real_kernel = self.add_weight(
                name="real_kernel", shape=shape,
                initializer=STFT("real", self.window, self.scaling, self.periodic),
            )  # fmt: skip
        if self.mode != "real":
            self.imag_kernel = self.add_weight(
                name="imag_kernel", shape=shape,
                initializer=STFT("imag", self.window, self.scaling, self.periodic),
            )  # fmt: skip

    def _apply_conv(self, inputs: Tensor, kernel: Tensor) -> Tensor:
        """Each channel convolved alone: ``(batch, channels, freq, frames)``."""
        if self.data_format == "channels_last":
            _, time, channels = inputs.shape
            x = ops.reshape(ops.transpose(inputs, (0, 2, 1)), (-1, time, 1))
        else:
            _, channels, time = inputs.shape
            x = ops.reshape(inputs, (-1, 1, time))
        out = ops.conv(
            x, kernel.astype(inputs.dtype.name), strides=self._frame_step,
            padding=self.padding, data_format=self.data_format,
        )  # fmt: skip
        if self.data_format == "channels_last":
            out = ops.transpose(out, (0, 2, 1))
        return ops.reshape(out, (-1, channels) + tuple(out.shape[1:]))

    def _adjust_shapes(self, out: Tensor) -> Tensor:
        _, channels, freq, time = out.shape
        if self.data_format == "channels_last":
            if self.expand_dims:
                return ops.transpose(out, (0, 3, 2, 1))
            return ops.transpose(ops.reshape(out, (-1, channels * freq, time)), (0, 2, 1))
        if self.expand_dims:
            return ops.transpose(out, (0, 1, 3, 2))
        return ops.reshape(out, (-1, channels * freq, time))

    def call(self, inputs: Tensor) -> Tensor:
        if inputs.dtype.name not in ("float16", "float32", "float64"):
            raise TypeError(
                "STFTSpectrogram: inputs must be float16, float32 or float64, received "
                f"{inputs.dtype.name}."
            )
        real = self._apply_conv(inputs, self.real_kernel) if self.mode != "imag" else None
        imag = self._apply_conv(inputs, self.imag_kernel) if self.mode != "real" else None
        if self.mode == "real":
            return self._adjust_shapes(real)
        if self.mode == "imag":
            return self._adjust_shapes(imag)
        if self.mode == "angle":
            return self._adjust_shapes(ops.arctan2(imag, real))
        if self.mode == "stft":
            return self._adjust_shapes(ops.concatenate([real, imag], axis=2))
        power = ops.square(real) + ops.square(imag)
        if self.mode == "psd":
            inner = ops.pad(power[:, :, 1:-1, :], [[0, 0], [0, 0], [1, 1], [0, 0]])
            return self._adjust_shapes(power + inner)
        magnitude = self._adjust_shapes(ops.sqrt(ops.maximum(power, epsilon())))
        if self.mode == "magnitude":
            return magnitude
        return ops.log(ops.maximum(magnitude, epsilon()))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        last = self.data_format == "channels_last"
        batch = input_shape[0]
        channels = input_shape[-1] if last else input_shape[1]
        time = input_shape[1] if last else input_shape[2]
        freq = (self._fft_length // 2 + 1) * (2 if self.mode == "stft" else 1)
        if time is not None:
            if self.padding == "valid":
                time = (time - self.frame_length) // self._frame_step + 1
            else:
                time = -(-time // self._frame_step)
        if self.expand_dims:
            return (batch, time, freq, channels) if last else (batch, channels, time, freq)
        features = None if channels is None else freq * channels
        return (batch, time, features) if last else (batch, features, time)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "mode": self.mode,
            "frame_length": self.frame_length,
            "frame_step": self.frame_step,
            "fft_length": self.fft_length,
            "window": _plain(self.window),
            "periodic": self.periodic,
            "scaling": self.scaling,
            "padding": self.padding,
            "data_format": self.data_format,
            "expand_dims": self.expand_dims,
        }


def _check_stft_arguments(
    mode: Any, frame_length: int, frame_step: Any, fft_length: Any, scaling: Any, padding: Any,
    window: Any,
) -> None:  # fmt: skip
    if frame_step is not None and (frame_step > frame_length or frame_step < 1):
        raise ValueError(
            "STFTSpectrogram: frame_step must be a positive integer not greater than "
            f"frame_length, received frame_step={frame_step}, frame_length={frame_length}."
        )
    if fft_length is not None and fft_length < frame_length:
        raise ValueError(
            f"STFTSpectrogram: fft_length must be >= frame_length, received "
            f"fft_length={fft_length}, frame_length={frame_length}."
        )
    if fft_length is not None and (fft_length & -fft_length) != fft_length:
        warnings.warn(
            f"STFTSpectrogram: fft_length is best a power of two, received {fft_length}.",
            stacklevel=3,
        )
    if mode not in _MODES:
        raise ValueError(
            f"STFTSpectrogram: unknown mode={mode!r}; expected one of {', '.join(_MODES)}."
        )
    if scaling is not None and scaling not in ("density", "spectrum"):
        raise ValueError(
            f"STFTSpectrogram: scaling must be None, 'density' or 'spectrum', received {scaling!r}."
        )
    if padding not in ("valid", "same"):
        raise ValueError(
            f"STFTSpectrogram: padding must be 'valid' or 'same', received padding={padding!r}."
        )
    if isinstance(window, str):
        STFT("real", window, None, False)  # refuses an unknown window name


def _plain(value: Any) -> Any:
    return value.tolist() if hasattr(value, "tolist") else value
