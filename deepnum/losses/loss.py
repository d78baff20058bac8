"""The ``Loss`` base class, reductions and sample weighting (Keras 3's ``keras.losses.Loss``).

A loss *function* maps ``(y_true, y_pred)`` to one value per sample (the last axis reduced). A
loss *object* wraps it and reduces those values with optional ``sample_weight`` and masks:

    loss = Σᵢ wᵢ·ℓᵢ / n        ("sum_over_batch_size", the default; n = number of values)
    loss = Σᵢ wᵢ·ℓᵢ            ("sum")
    loss = Σᵢ wᵢ·ℓᵢ / Σᵢ wᵢ    ("mean_with_sample_weight")
    loss = (wᵢ·ℓᵢ)ᵢ            ("none" or None)
"""

from __future__ import annotations

import re
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from deepnum import ops
from deepnum.autodiff.tensor import Tensor, as_tensor, shape_str
from deepnum.backend import floatx, get_array_module, is_float_dtype

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)

# ------------------------------------------------------------------------------------ masks
# Tensor has __slots__, so a Keras-style ``_keras_mask`` attribute cannot be set on it; masks
# travel in this side table instead, keyed by the tensor's id and dropped with the tensor.
_MASKS: dict[int, tuple[weakref.ref, Any]] = {}


def set_mask(x: Tensor, mask: Any) -> None:
    """Attach a boolean mask (True = valid) to ``x`` (Keras's ``backend.set_keras_mask``)."""
    key = id(x)
    if mask is None:
        _MASKS.pop(key, None)
        return
    mask = mask.data if isinstance(mask, Tensor) else mask
    _MASKS[key] = (weakref.ref(x, lambda _ref, key=key: _MASKS.pop(key, None)), mask)


def get_mask(x: Any) -> Any:
    """The boolean mask attached to ``x`` (``None`` when there is none)."""
    entry = _MASKS.get(id(x))
    if entry is not None and entry[0]() is x:
        return entry[1]
    mask = getattr(x, "_keras_mask", None)
    return mask.data if isinstance(mask, Tensor) else mask


# ---------------------------------------------------------------------------- conversions
def convert(x: Any, dtype: Any = None) -> Tensor:
    """``x`` as a Tensor of ``dtype`` (a differentiable cast when the dtype changes)."""
    x = as_tensor(x)
    if dtype is not None and x.dtype != dtype:
        return ops.cast(x, dtype)
    return x


def cast_like(y_true: Any, y_pred: Tensor) -> Tensor:
    """``y_true`` as a Tensor with the dtype (and array module) of ``y_pred``."""
    return convert(as_tensor(y_true, like=y_pred), y_pred.dtype)


def float_dtype_of(x: Any) -> str:
    """The dtype a loss computes in: ``x``'s float dtype, else ``floatx()``."""
    dtype = getattr(x.data if isinstance(x, Tensor) else x, "dtype", None)
    return str(dtype) if dtype is not None and is_float_dtype(dtype) else floatx()


def _expand(x: Any, axis: int) -> Any:
    if isinstance(x, Tensor):
        return ops.expand_dims(x, axis)
    return get_array_module(x).expand_dims(x, axis)


def _squeeze(x: Any, axis: int) -> Any:
    if isinstance(x, Tensor):
        return ops.squeeze(x, axis)
    return get_array_module(x).squeeze(x, axis)


def squeeze_or_expand_to_same_rank(x1: Any, x2: Any, expand_rank_1: bool = True) -> tuple:
    """Make ranks equal when they differ by one through a trailing axis of size 1.

    Labels of shape ``(N,)`` against predictions ``(N, 1)`` become ``(N, 1)`` (rank-1 inputs are
    expanded); otherwise the extra axis of size 1 is squeezed. Works on Tensors and arrays.
    """
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = _expand(x2, -1)
        else:
            x1 = _squeeze(x1, -1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = _expand(x1, -1)
        else:
            x2 = _squeeze(x2, -1)
    return x1, x2


# ------------------------------------------------------------------------------ reductions
def standardize_reduction(reduction: Any) -> Any:
    """Validate ``reduction`` against Keras's allowed values."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`: expected one of {REDUCTIONS}, "
            f"received reduction={reduction!r}."
        )
    return reduction


def mask_weights(mask: Any, reduction: Any, dtype: Any) -> Any:
    """Turn a boolean mask into weights (an array).

    For the averaging reductions a valid entry weighs total/valid, so that the mean over the
    batch becomes the mean over the valid entries: Σ ℓ·m·(n/v) / n = Σ ℓ·m / v.
    """
    xp = get_array_module(mask)
    mask = xp.asarray(mask).astype(bool)
    if reduction in ("mean", "sum_over_batch_size"):
        valid = int(mask.sum())
        weight = mask.size / valid if valid else 0.0
        return xp.where(mask, weight, 0.0).astype(dtype)
    return mask.astype(dtype)


def apply_mask(sample_weight: Any, mask: Any, dtype: Any, reduction: Any) -> Any:
    """Merge a mask into the sample weights (either may be ``None``)."""
    if mask is None:
        return sample_weight
    float_mask = mask_weights(mask, reduction, dtype)
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    return sample_weight * float_mask


def _divide_no_nan(x: Tensor, divisor: Any) -> Tensor:
    """x / d, and 0 where d == 0 (with a gradient that stays finite there too)."""
    if not isinstance(divisor, Tensor):
        return x * (1.0 / divisor) if divisor else x * 0.0
    zero = divisor.data == 0
    safe = ops.where(zero, ops.ones_like(divisor), divisor)
    return ops.where(zero, ops.zeros_like(x), x / safe)


def reduce_values(values: Tensor, sample_weight: Any = None, reduction: Any = None) -> Tensor:
    """Reduce per-sample (already weighted) losses to a scalar according to ``reduction``."""
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    loss = ops.sum(values)
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return _divide_no_nan(loss, ops.sum(convert(sample_weight, loss.dtype)))
    return _divide_no_nan(loss, values.size)


def reduce_weighted_values(
    values: Any,
    sample_weight: Any = None,
    mask: Any = None,
    reduction: Any = "sum_over_batch_size",
    dtype: Any = None,
    name: str = "loss",
) -> Tensor:
    """Weight per-sample losses by ``sample_weight`` and ``mask``, then reduce them."""
    reduction = standardize_reduction(reduction)
    values = convert(values, dtype)
    if sample_weight is not None:
        sample_weight = convert(as_tensor(sample_weight, like=values), values.dtype)
    sample_weight = apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        sample_weight = convert(as_tensor(sample_weight, like=values), values.dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        try:
            np.broadcast_shapes(values.shape, sample_weight.shape)
        except ValueError:
            raise ValueError(
                f"{name}: sample_weight of shape {shape_str(sample_weight.shape)} does not match "
                f"the per-sample losses of shape {shape_str(values.shape)}; pass one weight per "
                "sample, e.g. an array of shape (batch_size,)."
            ) from None
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


# ---------------------------------------------------------------------------- base classes
def to_snake_case(name: str) -> str:
    """``"MeanSquaredError"`` → ``"mean_squared_error"``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


class Loss:
    """Base class of losses: subclasses implement ``call(y_true, y_pred)`` per sample.

    Args:
        name: the loss's name (defaults to the snake-case class name).
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"`` or ``None``.
        dtype: the dtype to compute in; ``None`` keeps a float ``y_pred``'s dtype (float64 stays
            float64) and uses ``floatx()`` otherwise.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> class MeanCubedError(dn.losses.Loss):
        ...     def call(self, y_true, y_pred):
        ...         return dn.ops.mean(dn.ops.abs(y_pred - y_true) ** 3, axis=-1)
        >>> float(MeanCubedError()(np.zeros((2, 1)), np.full((2, 1), 2.0)))
        8.0
    """

    def __init__(
        self, name: str | None = None, reduction: Any = "sum_over_batch_size", dtype: Any = None
    ) -> None:
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = dtype

    @property
    def dtype(self) -> str:
        return self._dtype or floatx()

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        """Per-sample losses from ``call``, weighted by ``sample_weight``/masks and reduced."""
        in_mask = get_mask(y_pred)
        dtype = self._dtype or float_dtype_of(y_pred)
        y_pred = convert(y_pred, dtype)
        y_true = convert(as_tensor(y_true, like=y_pred), dtype)
        losses = self.call(y_true, y_pred)
        out_mask = get_mask(losses)
        if in_mask is not None and out_mask is not None:
            mask = in_mask & out_mask
        else:
            mask = in_mask if in_mask is not None else out_mask
        return reduce_weighted_values(
            losses, sample_weight, mask, self.reduction, dtype=dtype, name=self.name
        )

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__}.call is not implemented.")

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class LossFunctionWrapper(Loss):
    """A ``Loss`` built from a per-sample loss function and its keyword arguments.

    ``y_true`` and ``y_pred`` are first brought to the same rank when they differ by a trailing
    axis of size 1 (labels ``(N,)`` against predictions ``(N, 1)``).

    Example:
        >>> import deepnum as dn
        >>> mse = dn.losses.LossFunctionWrapper(dn.losses.mean_squared_error, name="mse")
        >>> float(mse([[0.0, 1.0]], [[1.0, 1.0]]))
        0.5
    """

    def __init__(
        self,
        fn: Callable,
        reduction: Any = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(fn, str):
            from deepnum.losses import get

            fn = get(fn)
        super().__init__(
            name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype
        )
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        if type(self) is LossFunctionWrapper:
            config["fn"] = getattr(self.fn, "__name__", str(self.fn))
        config.update(self._fn_kwargs)
        return config

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__}({getattr(self.fn, '__name__', self.fn)}, "
            f"kwargs={self._fn_kwargs})>"
        )


# ------------------------------------------------------------------------ input validation
_WARNED_FROM_LOGITS: set[str] = set()


def warn_if_probabilities(name: str, y_pred: Tensor, axis: int = -1) -> None:
    """Warn once per loss when ``from_logits=True`` receives what look like probabilities.

    The check (values in [0, 1] that sum to 1 along the class axis) runs until it first fires.
    """
    if name in _WARNED_FROM_LOGITS or y_pred.ndim == 0 or y_pred.size == 0:
        return
    x = y_pred.data
    if x.shape[axis] < 2 or float(x.min()) < 0 or float(x.max()) > 1:
        return
    xp = get_array_module(x)
    if not bool(xp.all(xp.abs(x.sum(axis=axis) - 1) < 1e-3)):
        return
    _WARNED_FROM_LOGITS.add(name)
    warnings.warn(
        f"{name} received `from_logits=True`, but y_pred of shape {shape_str(y_pred.shape)} "
        f"holds values in [0, 1] that sum to 1 along axis {axis}: they look like probabilities "
        "(the output of a softmax). Either drop the softmax activation of the last layer or "
        "pass `from_logits=False`.",
        UserWarning,
        stacklevel=4,
    )


def check_same_shape(name: str, y_true: Tensor, y_pred: Tensor, hint: str = "") -> None:
    """Raise a ValueError naming the loss and both shapes when they differ."""
    if y_true.shape == y_pred.shape:
        return
    if not hint and len(y_pred.shape) > 2 and len(y_true.shape) <= 2:
        hint = (
            " The output keeps spatial axes: is a Flatten missing before the Dense? "
            "(A GlobalAveragePooling layer also works.)"
        )
    raise ValueError(
        f"{name}: labels (y_true) of shape {shape_str(y_true.shape)} and output (y_pred) of "
        f"shape {shape_str(y_pred.shape)} must have the same shape.{hint}"
    )


def check_broadcastable(name: str, y_true: Tensor, y_pred: Tensor) -> None:
    """Raise a clear ValueError when labels and output cannot be broadcast together."""
    try:
        np.broadcast_shapes(y_true.shape, y_pred.shape)
    except ValueError:
        check_same_shape(name, y_true, y_pred)


def check_label_smoothing(name: str, label_smoothing: Any) -> float:
    """``label_smoothing`` as a float in [0, 1]; a ValueError naming the loss otherwise."""
    ok = isinstance(label_smoothing, (int, float, np.number)) and not isinstance(
        label_smoothing, bool
    )
    if not ok or not 0.0 <= float(label_smoothing) <= 1.0:
        raise ValueError(
            f"{name}: argument `label_smoothing` must be a float in [0, 1], received "
            f"label_smoothing={label_smoothing!r}."
        )
    return float(label_smoothing)


def integer_labels(name: str, labels: Any) -> Any:
    """Class-index labels as an int64 array; floats must hold whole numbers (``2.0`` is fine).

    Raises:
        ValueError: a label has a fractional part (e.g. 0.5: probabilities or one-hot rows
            passed where class indices were expected).
    """
    labels = labels.data if isinstance(labels, Tensor) else labels
    xp = get_array_module(labels)
    labels = xp.asarray(labels)
    if labels.dtype.kind in "fc":
        fractional = labels != xp.floor(labels)
        if bool(fractional.any()):
            example = labels[fractional].ravel()[0].item()
            raise ValueError(
                f"{name}: labels (y_true) must be integer class indices; received a "
                f"fractional label {example!r}. Pass integer labels (whole-number floats such "
                "as 2.0 are fine); for one-hot or soft labels use the non-sparse loss or "
                "metric (e.g. CategoricalCrossentropy)."
            )
    elif labels.dtype.kind not in "iub":
        raise ValueError(
            f"{name}: labels (y_true) must be integer class indices, received dtype "
            f"{labels.dtype.name}."
        )
    return labels.astype("int64", copy=False)
