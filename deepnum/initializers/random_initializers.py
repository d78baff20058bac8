"""Random initializers: normal, truncated normal, uniform, variance scaling (Glorot, He,
LeCun) and orthogonal, with Keras 3's defaults and formulas."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deepnum.initializers.initializer import (
    RandomInitializer,
    compute_fans,
    sample_normal,
    sample_truncated_normal,
    sample_uniform,
    serialize_seed,
    standardize_dtype,
    standardize_shape,
)

# The standard deviation of a unit normal truncated to [−2, 2].
_TRUNCATED_STD = 0.87962566103423978


class RandomNormal(RandomInitializer):
    """Samples from N(mean, stddev²).

    Args:
        mean: the mean.
        stddev: the standard deviation.
        seed: an int or ``None`` (the same values on every call) or a
            :class:`deepnum.random.SeedGenerator` (new values on each call).

    Example:
        >>> RandomNormal(seed=1)((2, 3)).shape
        (2, 3)
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Any = None) -> None:
        self.mean, self.stddev = mean, stddev
        super().__init__(seed=seed)

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        dtype = standardize_dtype(dtype, type(self).__name__, need_float=True)
        shape = standardize_shape(shape)
        return sample_normal(self._generator(), shape, self.mean, self.stddev, dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomNormal):
    """N(mean, stddev²) restricted to two standard deviations (values beyond are redrawn).

    Example:
        >>> values = TruncatedNormal(stddev=1.0, seed=0)((1000,))
        >>> bool(abs(values).max() <= 2.0)
        True
    """

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        dtype = standardize_dtype(dtype, "TruncatedNormal", need_float=True)
        shape = standardize_shape(shape)
        return sample_truncated_normal(self._generator(), shape, self.mean, self.stddev, dtype)


class RandomUniform(RandomInitializer):
    """Samples from U[minval, maxval).

    Example:
        >>> values = RandomUniform(-1.0, 1.0, seed=0)((100,))
        >>> bool(values.min() >= -1.0 and values.max() < 1.0)
        True
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: Any = None) -> None:
        self.minval, self.maxval = minval, maxval
        super().__init__(seed=seed)

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        dtype = standardize_dtype(dtype, "RandomUniform", need_float=True)
        shape = standardize_shape(shape)
        return sample_uniform(self._generator(), shape, self.minval, self.maxval, dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class VarianceScaling(RandomInitializer):
    """Variance ``scale / n`` with n = fan_in, fan_out or their average (see ``compute_fans``).

    ``"truncated_normal"``: stddev = √(scale/n) / 0.8796 (the std of a unit normal cut at ±2);
    ``"untruncated_normal"``: stddev = √(scale/n); ``"uniform"``: U(±√(3·scale/n)).

    Args:
        scale: a positive scaling factor.
        mode: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"``.
        distribution: ``"truncated_normal"`` (``"normal"`` is an alias),
            ``"untruncated_normal"`` or ``"uniform"``.
        seed: as for ``RandomNormal``.
        input_axes, output_axes: the axes whose sizes multiply into fan_in and fan_out (both
            needed; by default a kernel's layout decides).

    Example:
        >>> w = VarianceScaling(2.0, "fan_in", "uniform", seed=0)((50, 10))
        >>> bool(abs(w).max() <= (3 * 2.0 / 50) ** 0.5)
        True
    """

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: Any = None,
        input_axes: Any = None,
        output_axes: Any = None,
    ) -> None:
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        modes = ("fan_in", "fan_out", "fan_avg")
        if mode not in modes:
            raise ValueError(f"Invalid `mode` argument: {mode!r}. Please use one of {modes}.")
        distribution = str(distribution).lower()
        distribution = "truncated_normal" if distribution == "normal" else distribution
        distributions = ("truncated_normal", "untruncated_normal", "uniform")
        if distribution not in distributions:
            raise ValueError(
                f"Invalid `distribution` argument: {distribution!r}. "
                f"Please use one of {distributions}."
            )
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes
        super().__init__(seed=seed)

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        dtype = standardize_dtype(dtype, type(self).__name__, need_float=True)
        shape = standardize_shape(shape)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        variance = self.scale / max(1.0, n[self.mode])
        rng = self._generator()
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / _TRUNCATED_STD
            return sample_truncated_normal(rng, shape, 0.0, stddev, dtype)
        if self.distribution == "untruncated_normal":
            return sample_normal(rng, shape, 0.0, math.sqrt(variance), dtype)
        limit = math.sqrt(3.0 * variance)
        return sample_uniform(rng, shape, -limit, limit, dtype)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling whose scale, mode and distribution are fixed by the class."""

    _settings: tuple[float, str, str] = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed: Any = None, input_axes: Any = None, output_axes: Any = None) -> None:
        scale, mode, distribution = self._settings
        super().__init__(scale, mode, distribution, seed, input_axes, output_axes)

    def get_config(self) -> dict:
        return {
            "seed": serialize_seed(self._init_seed),
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class GlorotUniform(_FixedVarianceScaling):
    """Glorot/Xavier uniform: U(±√(6 / (fan_in + fan_out))). Keras's default kernel initializer.

    Example:
        >>> w = GlorotUniform(seed=0)((4, 6))
        >>> bool(abs(w).max() <= (6 / 10) ** 0.5)
        True
    """

    _settings = (1.0, "fan_avg", "uniform")


class GlorotNormal(_FixedVarianceScaling):
    """Glorot/Xavier normal: truncated normal with variance 2 / (fan_in + fan_out)."""

    _settings = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_FixedVarianceScaling):
    """He normal: truncated normal with variance 2 / fan_in, for ReLU networks."""

    _settings = (2.0, "fan_in", "truncated_normal")


class HeUniform(_FixedVarianceScaling):
    """He uniform: U(±√(6 / fan_in))."""

    _settings = (2.0, "fan_in", "uniform")


class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated normal with variance 1 / fan_in, for SELU networks."""

    _settings = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: U(±√(3 / fan_in))."""

    _settings = (1.0, "fan_in", "uniform")


class Orthogonal(RandomInitializer):
    """A random orthogonal matrix times ``gain`` (Saxe et al. 2014); Keras's default for
    recurrent kernels.

    A shape ``(d₀, …, dₙ)`` is treated as the matrix ``(d₀⋯dₙ₋₁, dₙ)``: the Q of the QR
    decomposition of a Gaussian matrix, with signs fixed by diag(R) so that Q is uniformly
    distributed; its rows are orthonormal when there are fewer rows than columns, else its
    columns.

    Example:
        >>> import numpy as np
        >>> q = Orthogonal(seed=0)((4, 4), dtype="float64")
        >>> bool(np.allclose(q.T @ q, np.eye(4)))
        True
    """

    def __init__(self, gain: float = 1.0, seed: Any = None) -> None:
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape: Any, dtype: Any = None) -> np.ndarray:
        dtype = standardize_dtype(dtype, "Orthogonal", need_float=True)
        shape = standardize_shape(shape)
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        flat_shape = (max(rows, cols), min(rows, cols))
        a = sample_normal(self._generator(), flat_shape, 0.0, 1.0, dtype)
        if a.dtype.itemsize < 4:  # LAPACK has no half precision
            a = a.astype("float32")
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        q = q.astype(dtype, copy=False)
        q *= self.gain
        return q.reshape(shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "gain": self.gain}
