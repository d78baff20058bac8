"""``Discretization``: bucket continuous features by ranges (Keras's layer), with Keras's
approximate-quantile ``adapt``."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.layers.layer import Layer
from deepnum.layers.preprocessing import _encoding as enc


class Discretization(Layer):
    """Map each value to the index of its bin: bins ``(-inf, b0), [b0, b1), ..., [bn, inf)``.

    ``adapt`` estimates ``num_bins`` quantile boundaries with Keras's streaming summary: each
    batch is sorted and sampled every ``max(n·ε, 1)`` values (weights = the step), merged with
    the running summary, and compressed back to 1/ε points by interpolating the cumulative
    weights; the boundaries are the summary compressed to ``num_bins`` points, less the last.

    Args:
        bin_boundaries: the sorted boundaries (then do not call ``adapt``).
        num_bins: the number of bins to learn with ``adapt``.
        epsilon: the quantile summary's error tolerance.
        output_mode: ``"int"`` (bin indices, int32), ``"one_hot"``, ``"multi_hot"`` or
            ``"count"`` (float encodings of ``len(bin_boundaries) + 1`` columns).
        sparse: must be False.

    Example:
        >>> import numpy as np
        >>> layer = Discretization(bin_boundaries=[0.0, 1.0, 2.0])
        >>> layer(np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]])).numpy().tolist()
        [[0, 2, 3, 1], [1, 3, 2, 1]]
    """

    def __init__(
        self,
        bin_boundaries: Any = None,
        num_bins: int | None = None,
        epsilon: float = 0.01,
        output_mode: str = "int",
        sparse: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        enc.check_output_mode("Discretization", output_mode)
        enc.refuse_sparse("Discretization", sparse)
        if num_bins is not None and num_bins < 0:
            raise ValueError(
                f"Discretization: num_bins must be >= 0, received num_bins={num_bins}."
            )
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                "Discretization: set num_bins (and call adapt()) or bin_boundaries, not both; "
                f"received num_bins={num_bins} and bin_boundaries={bin_boundaries}."
            )
        if num_bins is None and bin_boundaries is None:
            raise ValueError(
                "Discretization: set either num_bins (then call adapt()) or bin_boundaries."
            )
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins, self.epsilon = num_bins, epsilon
        self.output_mode, self.sparse = output_mode, sparse
        self.summary = None if self.bin_boundaries else np.array([[], []], dtype="float32")

    @property
    def output_dtype(self) -> str:
        return self.dtype if self.output_mode != "int" else "int32"

    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Estimate ``num_bins`` quantile boundaries of ``data``, one batch at a time.

        Args:
            data: an array, a ``deepnum.data.Dataset``, a ``PyDataset`` or an iterable of
                batches.
            steps: the most batches to read from an iterable.
        """
        if self.num_bins is None:
            raise ValueError(
                "Discretization: cannot adapt a layer created with bin_boundaries; create it "
                "with num_bins instead."
            )
        self.reset_state()
        for batch in enc.adapt_batches("Discretization", data, steps, lists_are_batches=True):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data: Any) -> None:
        """Merge one batch into the running quantile summary."""
        values = enc.host(data).astype("float32")
        self.summary = merge_summaries(summarize(values, self.epsilon), self.summary, self.epsilon)

    def finalize_state(self) -> None:
        if self.num_bins is None:
            return
        self.bin_boundaries = get_bin_boundaries(self.summary, self.num_bins).tolist()

    def reset_state(self) -> None:
        if self.num_bins is not None:
            self.summary = np.array([[], []], dtype="float32")

    def _standardize(self, inputs: Any) -> Any:
        return inputs if isinstance(inputs, Tensor) else Tensor._make(enc.raw(inputs))

    def call(self, inputs: Tensor) -> Tensor:
        if self.bin_boundaries is None:
            raise ValueError(
                "Discretization: pass bin_boundaries at construction or call adapt(data) before "
                "calling the layer."
            )
        xp = inputs.xp
        boundaries = xp.asarray(self.bin_boundaries, dtype=np.float64)
        indices = xp.searchsorted(boundaries, inputs.data.astype(np.float64), side="right")
        out = enc.encode_categorical(
            indices.astype(np.int64),
            self.output_mode,
            len(self.bin_boundaries) + 1,
            self.output_dtype,
        )
        return Tensor._make(out)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        return enc.encoded_shape(tuple(input_shape), self.output_mode, depth)

    def get_config(self) -> dict:
        return {
            "bin_boundaries": self.bin_boundaries,
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self.dtype,
        }

    @classmethod
    def from_config(cls, config: dict) -> Discretization:
        config = {k: v for k, v in config.items() if k != "trainable"}
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name")
        boundaries = config.pop("bin_boundaries", None)
        if boundaries is not None and config.get("num_bins") is not None:
            layer = cls(**config)  # an adapted layer: both are set
            layer.bin_boundaries = list(boundaries)
            return layer
        return cls(bin_boundaries=boundaries, **config)


def summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    """A ``(2, k)`` summary of ``values``: every ``step = max(n·ε, 1)``-th sorted value, each
    with weight ``step``."""
    values = np.sort(np.reshape(values, [-1]))
    step = max(values.size / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1) :: int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def merge_summaries(prev: np.ndarray, nxt: np.ndarray, epsilon: float) -> np.ndarray:
    """Merge two summaries (sorted by value) and compress the result."""
    merged = np.concatenate((prev, nxt), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return compress_summary(merged, epsilon)


def get_bin_boundaries(summary: np.ndarray, num_bins: int) -> np.ndarray:
    return compress_summary(summary, 1.0 / num_bins)[0, :-1]


def compress_summary(summary: np.ndarray, epsilon: float) -> np.ndarray:
    """Compress a summary to 1/ε points: values and cumulative weights interpolated at the
    cumulative fractions ε, 2ε, ..., 1."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    fractions = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, fractions, summary[0])
    cum_weights = np.interp(percents, fractions, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")
