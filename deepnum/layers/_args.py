"""Constructor-argument checks and config serialization shared by the layer families.

Every check raises a ``ValueError`` that names the layer class, the argument, the value received
and what is allowed (``Dense: argument `units` must be a positive integer, received units=0``).
"""

from __future__ import annotations

import numbers
from typing import Any

from deepnum import config, initializers, regularizers


def _fail(owner: str, arg: str, value: Any, allowed: str) -> ValueError:
    return ValueError(f"{owner}: argument `{arg}` must be {allowed}, received {arg}={value!r}.")


def positive_int(owner: str, arg: str, value: Any) -> int:
    """``value`` as an int ≥ 1 (bools and floats are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise _fail(owner, arg, value, "a positive integer")
    return int(value)


def number(
    owner: str,
    arg: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
) -> float:
    """``value`` as a float in ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        lo = "" if low is None else f"{'>' if low_open else '≥'} {low}"
        hi = "" if high is None else f"≤ {high}"
        bounds = " and ".join(b for b in (lo, hi) if b)
        raise _fail(owner, arg, value, "a number" + (f" {bounds}" if bounds else ""))
    return float(value)


def axis_arg(owner: str, arg: str, value: Any) -> int | list[int]:
    """An int axis or a list of int axes."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if (
        isinstance(value, (list, tuple))
        and value
        and all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in value)
    ):
        return [int(a) for a in value]
    raise _fail(owner, arg, value, "an integer or a non-empty list of integers")


def check_axis(owner: str, axis: int, shape: tuple) -> int:
    """``axis`` made non-negative for inputs of ``shape``; an error when out of range."""
    rank = len(shape)
    if not -rank <= axis < rank:
        raise ValueError(
            f"{owner}: axis={axis} is out of range for inputs of rank {rank} "
            f"(shape {tuple(shape)}); allowed axes are {-rank} … {rank - 1}."
        )
    return axis % rank


def unsupported(owner: str, arg: str, value: Any, default: Any = None) -> None:
    """Accept a Keras argument only at its default value (e.g. ``quantization_config``)."""
    if value != default:
        raise ValueError(
            f"{owner}: argument `{arg}`={value!r} is not supported by deepnum; "
            f"only {arg}={default!r} (Keras's default) is."
        )


def not_implemented(owner: str, arg: str, value: Any, default: Any = None) -> None:
    """Accept a Keras argument whose feature deepnum lacks (e.g. ``quantization_config``) only
    at its default: a ``NotImplementedError`` naming it otherwise."""
    if value != default:
        raise NotImplementedError(
            f"{owner}: argument `{arg}`={value!r} selects a Keras feature deepnum does not "
            f"implement; leave it at {arg}={default!r} (Keras's default)."
        )


def constraint(owner: str, arg: str, value: Any) -> Any:
    """A weight constraint: ``None``, a name, a config dict or a callable (applied by
    optimizers after each update)."""
    from deepnum import constraints

    try:
        value = constraints.get(value)
    except ValueError:
        raise _fail(owner, arg, value, "None, a constraint name or a callable") from None
    return value


def serialize_initializer(init: Any) -> Any:
    if init is None:
        return None
    if isinstance(init, initializers.Initializer):
        return initializers.serialize(init)
    return _serialize_object(init, "keras.initializers")


def serialize_regularizer(reg: Any) -> Any:
    if reg is None:
        return None
    if isinstance(reg, regularizers.Regularizer):
        return regularizers.serialize(reg)
    return _serialize_object(reg, "keras.regularizers")


def serialize_constraint(value: Any) -> Any:
    if value is None:
        return None
    return _serialize_object(value, "keras.constraints")


def _serialize_object(obj: Any, module: str) -> dict:
    get_config = getattr(obj, "get_config", None)
    if get_config is None:
        raise ValueError(
            f"Cannot serialize {obj!r}: it has no get_config(). Give it one (and register it "
            "with deepnum.saving.register_keras_serializable) to save the layer's config."
        )
    return {
        "module": module,
        "class_name": type(obj).__name__,
        "config": get_config(),
        "registered_name": getattr(type(obj), "_registered_name", None),
    }


def add_activity_loss(layer: Any, outputs: Any) -> None:
    """Keras's activity regularization: penalty(outputs) / batch size, from the latest call."""
    reg = getattr(layer, "activity_regularizer", None)
    if reg is None:
        return
    old = getattr(layer, "_activity_loss", None)
    layer._losses = [loss for loss in layer._losses if loss is not old]
    loss = reg(outputs)
    if outputs.ndim > 0:
        loss = loss / outputs.shape[0]
    layer._activity_loss = loss
    layer._losses.append(loss)


def data_format(owner: str, value: str | None) -> str:
    value = config.image_data_format() if value is None else value
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{owner}: argument `data_format` must be 'channels_last' or 'channels_first', "
            f"received data_format={value!r}."
        )
    return value
