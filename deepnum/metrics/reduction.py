"""Reduction metrics: ``Sum``, ``Mean`` and ``MeanMetricWrapper`` (a mean of a per-sample
function, the base of the accuracy and error metrics)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from deepnum.autodiff.mode import no_grad
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import get_array_module
from deepnum.losses.loss import apply_mask, get_mask, squeeze_or_expand_to_same_rank
from deepnum.metrics.metric import Metric, divide_no_nan, to_array


def reduce_to_samplewise_values(
    values: Any, sample_weight: Any, reduce_fn: str, dtype: Any
) -> tuple[Any, Any]:
    """Weight ``values`` and reduce them to one value per sample (Keras's rules).

    Values with more axes than the weights are first reduced (``reduce_fn`` = "sum" or "mean")
    over the extra axes; the weights are broadcast to the values and, past the batch axis,
    reduced the same way.
    """
    mask = get_mask(values)
    values = to_array(values, dtype)
    xp = get_array_module(values)
    if sample_weight is not None:
        sample_weight = xp.asarray(to_array(sample_weight), dtype=dtype)
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask, dtype, reduction="sum")
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        w_ndim = sample_weight.ndim
        if values.ndim > w_ndim:
            values = getattr(values, reduce_fn)(axis=tuple(range(w_ndim, values.ndim)))
        sample_weight = xp.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if w_ndim > 1:
            sample_weight = getattr(sample_weight, reduce_fn)(axis=tuple(range(1, w_ndim)))
    if values.ndim > 1:
        values = getattr(values, reduce_fn)(axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of the values seen so far.

    Example:
        >>> m = Sum()
        >>> m.update_state([1, 3, 5, 7]); float(m.result())
        16.0
    """

    def __init__(self, name: str = "sum", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), name="total")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values, _ = reduce_to_samplewise_values(values, sample_weight, "sum", self.dtype)
        self._accumulate(self.total, values.sum())

    def result(self) -> Tensor:
        return self._result(self.total.data)


class Mean(Metric):
    """The (weighted) mean of the values seen so far: Σ wᵢxᵢ / Σ wᵢ.

    Example:
        >>> m = Mean()
        >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0]); float(m.result())
        2.0
    """

    def __init__(self, name: str = "mean", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), name="total")
        self.count = self.add_variable((), name="count")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values, sample_weight = reduce_to_samplewise_values(
            values, sample_weight, "mean", self.dtype
        )
        self._accumulate(self.total, values.sum())
        if sample_weight is not None:
            count = sample_weight.sum()
        else:
            count = values.shape[0] if values.ndim >= 1 else 1
        self._accumulate(self.count, count)

    def result(self) -> Tensor:
        return self._result(divide_no_nan(self.total.data, self.count.data))


class MeanMetricWrapper(Mean):
    """The mean of a per-sample function ``fn(y_true, y_pred, **kwargs)`` over all batches.

    Args:
        fn: a metric or loss function returning one value per sample.
        name: the metric's name (defaults to ``fn``'s name).
        **kwargs: passed to ``fn``.

    Example:
        >>> import deepnum.losses as losses
        >>> m = MeanMetricWrapper(losses.mean_absolute_error)
        >>> m.update_state([[0.0, 1.0]], [[1.0, 1.0]]); float(m.result())
        0.5
    """

    def __init__(
        self, fn: Callable, name: str | None = None, dtype: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        from deepnum.losses import ALL_OBJECTS as LOSS_OBJECTS

        if fn in LOSS_OBJECTS:  # the mean of a loss is to be minimised
            self._direction = "down"

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        mask = get_mask(y_pred)
        with no_grad():
            values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            if sample_weight is not None:
                xp = get_array_module(mask)
                sample_weight = xp.asarray(to_array(sample_weight), dtype=self.dtype)
            sample_weight = apply_mask(sample_weight, mask, self.dtype, reduction="sum")
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self) -> dict:
        config = super().get_config()
        if type(self) is MeanMetricWrapper:
            config["fn"] = getattr(self._fn, "__name__", str(self._fn))
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        config = dict(config)
        if "fn" in config and isinstance(config["fn"], str):
            from deepnum.metrics import get_function

            config["fn"] = get_function(config["fn"])
        return cls(**config)
