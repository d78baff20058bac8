"""Helpers of the training loops: input checks before the first step, the logs they return,
and how ``add_loss`` terms enter the total loss."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from deepnum import config
from deepnum.autodiff.mode import no_grad
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import to_numpy
from deepnum.data.structure import map_structure
from deepnum.training.target_errors import target_message


def data_checks(model: Any, caller: str) -> dict:
    """The options of ``make_batches``'s input checks: strings are data only for models
    whose inputs are declared as strings."""
    inputs = getattr(model, "inputs", None) or []
    declared = [str(getattr(t, "dtype", "")) for t in inputs]
    allow = not declared or any(d in ("string", "str", "object") for d in declared)
    return {"caller": caller, "allow_strings": allow}


def preflight(model: Any, x: Any, y: Any) -> None:
    """Run the loss once on two samples so that shape errors appear before training,
    naming the loss, the output and both shapes."""
    if y is None or model._compile_loss is None:
        return
    head = map_structure(lambda a: None if a is None else a[:2], (x, y))
    with no_grad():
        y_pred = model._forward(head[0], training=False)
    for name, loss, yt, yp in zip(
        model._compile_loss.names,
        model._compile_loss.losses,
        model._as_list(head[1]),
        model._as_list(y_pred),
    ):
        if loss is None or yt is None:
            continue
        try:
            loss(yt, yp)
        except (ValueError, IndexError) as e:
            raise ValueError(target_message(loss, name, yp.shape, np.shape(yt), e)) from None


def as_scalar_loss(loss: Any) -> Tensor:
    """An ``add_loss`` term or weight penalty as Keras adds it: summed, in floatx if it was not
    a float."""
    from deepnum import ops

    if not isinstance(loss, Tensor):
        loss = Tensor._make(np.asarray(loss, dtype=config.floatx()))
    if loss.dtype.kind != "f":
        loss = ops.cast(loss, config.floatx())
    return ops.sum(loss) if loss.ndim else loss


def warn_once(model: Any, message: str) -> None:
    """A UserWarning the first time ``message`` applies to ``model`` (Keras warns once)."""
    seen = model.__dict__.setdefault("_warned", set())
    if message not in seen:
        seen.add(message)
        warnings.warn(message, stacklevel=3)


def host(value: Any) -> np.ndarray:
    """A Tensor's or array's values as a NumPy array on the host."""
    return to_numpy(value.data if isinstance(value, Tensor) else value)


def split_validation(data: Any) -> tuple:
    if isinstance(data, tuple):
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data
        raise ValueError("validation_data must be (x_val, y_val) or (x_val, y_val, sample_weight).")
    return data, None, None


def format_logs(model: Any, logs: dict, return_dict: bool) -> Any:
    if return_dict:
        return logs
    values = [logs[n] for n in model.metrics_names if n in logs]
    return values[0] if len(values) == 1 else values


def resolve_optimizer(optimizers: Any, optimizer: Any) -> tuple[Any, Any]:
    """``(model.optimizer, distributed wrapper or None)``: a Horovod-style
    ``DistributedOptimizer`` is unwrapped, so that saving and callbacks see the real optimizer,
    and kept to average the gradients over the ranks at every step."""
    from deepnum.distributed.optimizer import DistributedOptimizer

    if isinstance(optimizer, DistributedOptimizer):
        return optimizer.optimizer, optimizer
    return optimizers.get(optimizer), None


def host_only(value: Any) -> bool:
    """True for a batch entry no accelerator array can hold (strings, bytes, Python objects):
    it stays on the host for the layers that read it there (lookups, text vectorization).

    Example:
        >>> import numpy as np
        >>> host_only(np.array(["a", "b"])), host_only(np.zeros(2))
        (True, False)
    """
    if isinstance(value, list):
        value = np.asarray(value)
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    return kind is not None and kind in "OSU"
