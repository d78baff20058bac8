"""``Normalization``: shift and scale features to mean 0 and variance 1 (Keras's layer)."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.backend import epsilon
from deepnum.layers.layer import Layer
from deepnum.layers.preprocessing import _encoding as enc


class Normalization(Layer):
    """Normalize features: y = (x − mean) / max(√variance, ε), or its inverse.

    The mean and variance are given or learned with ``adapt()``, one per index of the kept
    ``axis`` (the others are reduced). ``adapt`` streams batches, merging each batch's mean and
    variance into running ones (the lack-of-fit sum of squares):

        w = n_b / (n + n_b),  m' = (1 − w) m + w m_b,
        v' = (1 − w)(v + (m − m')²) + w (v_b + (m_b − m')²).

    Args:
        axis: the axis (or axes) with separate statistics; None: one scalar mean and variance.
        mean, variance: given statistics (broadcast to the kept axes); both or neither.
        invert: apply the inverse, y = mean + x · max(√variance, ε).

    Example:
        >>> import numpy as np
        >>> layer = Normalization(axis=None)
        >>> layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0], "float32"))
        >>> [round(float(v), 4) for v in layer(np.array([1.0, 2.0, 3.0], "float32")).numpy()]
        [-1.4142, -0.7071, 0.0]
    """

    def __init__(
        self, axis: Any = -1, mean: Any = None, variance: Any = None, invert: bool = False,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        self.axis = tuple(axis)
        self.input_mean, self.input_variance, self.invert = mean, variance, invert
        self.supports_masking = True
        self._build_input_shape: tuple | None = None
        self.mean = self.variance = None
        if (mean is not None) != (variance is not None):
            raise ValueError(
                "Normalization: set both `mean` and `variance`, or neither (and call adapt()); "
                f"received mean={mean} and variance={variance}."
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    f"Normalization: `mean` and `variance` must have the same shape, received "
                    f"{np.shape(mean)} and {np.shape(variance)}."
                )
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(
                    f"Normalization: the rank of `mean` ({len(np.shape(mean))}) must be at most "
                    f"the number of axes ({len(self.axis)}), axis={self.axis}."
                )

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        ndim = len(shape)
        self._build_input_shape = shape
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                f"Normalization: every axis must be in [-{ndim}, {ndim}) for inputs of rank "
                f"{ndim}, received axis={self.axis}."
            )
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep_axis:
            if shape[d] is None:
                raise ValueError(
                    f"Normalization: the kept axis {d} must have a known size, received input "
                    f"shape {shape}."
                )
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [shape[d] if d in self._keep_axis else 1 for d in range(ndim)]
        self._mean_and_var_shape = tuple(shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(
                name="mean", shape=self._mean_and_var_shape, initializer="zeros", trainable=False
            )
            self.adapt_variance = self.add_weight(
                name="variance",
                shape=self._mean_and_var_shape,
                initializer="ones",
                trainable=False,
            )
            self.count = self.add_weight(
                name="count", shape=(), dtype="int32", initializer="zeros", trainable=False
            )
            self.built = True
            self.finalize_state()
            return
        self.mean = self._broadcast(self.input_mean, ndim)
        self.variance = self._broadcast(self.input_variance, ndim)
        self.built = True

    def _broadcast(self, value: Any, ndim: int) -> np.ndarray:
        """A given statistic aligned with the kept axes, right to left, then broadcast."""
        value = np.asarray(value, dtype=self.dtype)
        expanded = [1] * ndim
        for i in range(1, value.ndim + 1):
            expanded[self._keep_axis[-i]] = value.shape[-i]
        return np.broadcast_to(value.reshape(expanded), self._broadcast_shape).copy()

    def adapt(self, data: Any) -> None:
        """Compute the mean and variance of ``data`` over the reduced axes, a batch at a time.

        Args:
            data: an array, a ``deepnum.data.Dataset`` (1-D elements are batched by 128, as
                Keras does), a ``PyDataset``, or an iterable (list, generator) of batches.
        """
        data = _batched(data)
        stream = not (isinstance(data, Tensor) or enc.is_array(data))
        batches = enc.adapt_batches("Normalization", data, lists_are_batches=True)
        first = next(batches)
        if not self.built:
            self.build(first.shape)
            self._build_shapes = first.shape
        mean = np.zeros(self._mean_and_var_shape)
        var = np.zeros(self._mean_and_var_shape)
        total = 0
        for batch in itertools.chain([first], batches if stream else []):
            self._check_adapt_shape(batch.shape)
            batch = batch.astype(np.float64)
            count = math.prod(batch.shape[d] for d in self._reduce_axis)
            b_mean = batch.mean(axis=self._reduce_axis)
            b_var = batch.var(axis=self._reduce_axis)
            total += count
            w = count / total
            new_mean = mean * (1 - w) + b_mean * w
            var = (var + (mean - new_mean) ** 2) * (1 - w) + (b_var + (b_mean - new_mean) ** 2) * w
            mean = new_mean
        self.adapt_mean.assign(mean.astype(self.adapt_mean.dtype))
        self.adapt_variance.assign(var.astype(self.adapt_variance.dtype))
        self.finalize_state()

    def _check_adapt_shape(self, shape: tuple) -> None:
        for d in self._keep_axis:
            if len(shape) <= d or shape[d] != self._build_input_shape[d]:
                raise ValueError(
                    f"Normalization: the layer was built for inputs of shape "
                    f"{self._build_input_shape}, but adapt() received a batch of shape {shape}."
                )

    def finalize_state(self) -> None:
        """Kept for Keras's API: the adapted statistics are read from the weights at each call,
        so loading weights needs no extra step."""

    def _statistics(self, xp: Any) -> tuple[Any, Any]:
        if self.input_mean is not None:
            return xp.asarray(self.mean), xp.asarray(self.variance)
        shape = self._broadcast_shape
        return self.adapt_mean.data.reshape(shape), self.adapt_variance.data.reshape(shape)

    def call(self, inputs: Tensor) -> Tensor:
        xp = inputs.xp
        mean, variance = self._statistics(xp)
        mean = mean.astype(self.dtype)
        scale = xp.maximum(xp.sqrt(variance.astype(self.dtype)), epsilon()).astype(self.dtype)
        x = inputs.astype(self.dtype)
        if self.invert:
            return x * scale + mean
        return (x - mean) / scale

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "axis": list(self.axis),
                "invert": self.invert,
                "mean": np.array(self.input_mean).tolist(),
                "variance": np.array(self.input_variance).tolist(),
            }
        )
        return config

    @classmethod
    def from_config(cls, config: dict) -> Normalization:
        config = dict(config)
        if isinstance(config.get("axis"), list):
            config["axis"] = tuple(config["axis"])
        return cls(**config)


def _batched(data: Any) -> Any:
    """A Dataset of 1-D elements batched by 128, as Keras's adapt does with a tf.data one."""
    from deepnum.data import Dataset

    if isinstance(data, Dataset):
        first = next(iter(data), None)
        x = first[0] if isinstance(first, tuple) else first
        if x is not None and np.ndim(enc.host(x)) == 1:
            return data.batch(128)
    return data
