"""Argument handling shared by the image ops: conversion, rank and choice checks with Keras's
messages, batching of single images, and the float dtype an op computes in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.backend import is_float_dtype, is_int_dtype
from deepnum.ops.core import cast, convert_to_tensor, saturate_cast
from deepnum.ops.nn._window import standardize_data_format
from deepnum.ops.numpy import expand_dims, round, squeeze

__all__: list[str] = []

FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
INTERPOLATIONS = ("nearest", "bilinear")


def image_tensor(images: Any, op: str, ranks: Iterable[int] = (3, 4), name: str = "images"):
    """``images`` as a Tensor of an allowed rank, or a ValueError naming ``op``."""
    x = convert_to_tensor(images)
    ranks = tuple(ranks)
    if x.ndim not in ranks:
        what = (
            f"rank {ranks[0]}"
            if len(ranks) == 1
            else (f"rank {ranks[0]} (one image) or rank {ranks[-1]} (a batch)")
        )
        raise ValueError(
            f"{op}: invalid {name} rank: expected {what}; received "
            f"{name}.shape={shape_str(x.shape)}."
        )
    return x


def check_choice(value: Any, allowed: Iterable[str], name: str, op: str) -> str:
    """``value`` when it is one of ``allowed``, else a ValueError listing them."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValueError(
            f"{op}: invalid value for argument `{name}`. Expected one of {allowed}. "
            f"Received: {name}={value!r}"
        )
    return value


def batched(x: Tensor, rank: int) -> tuple[Tensor, bool]:
    """``x`` with a leading batch axis when it has rank ``rank - 1``; and whether one was
    added."""
    if x.ndim == rank - 1:
        return expand_dims(x, 0), True
    return x, False


def unbatched(y: Tensor, added: bool) -> Tensor:
    """Undo :func:`batched`."""
    return squeeze(y, 0) if added else y


def spatial_axes(data_format: Any, ndim: int = 4) -> tuple[str, tuple[int, int]]:
    """The standardized data format and the (height, width) axes of a batched tensor."""
    data_format = standardize_data_format(data_format)
    if data_format == "channels_last":
        return data_format, (ndim - 3, ndim - 2)
    return data_format, (ndim - 2, ndim - 1)


def compute_dtype(dtype: Any) -> str:
    """The float dtype an interpolating op computes in: float64 stays, everything else
    (integers, float16, float32) runs in float32, as Keras's PyTorch backend does."""
    return "float64" if str(dtype) == "float64" else "float32"


def to_compute(x: Tensor) -> Tensor:
    return cast(x, compute_dtype(x.dtype))


def to_output(y: Tensor, dtype: Any) -> Tensor:
    """``y`` back in the input's dtype: integers are rounded and saturated, floats cast."""
    if y.dtype == dtype:
        return y
    if is_int_dtype(dtype) or str(dtype) == "bool":
        return saturate_cast(round(y), dtype)
    return cast(y, dtype)


def require_float(x: Tensor, op: str, name: str = "images") -> None:
    if not is_float_dtype(x.dtype):
        raise ValueError(
            f"{op}: invalid {name} dtype: expected a float dtype. Received: "
            f"{name}.dtype={x.dtype}. Cast the images first, e.g. with "
            "`keras.ops.cast(images, 'float32') / 255.0`."
        )
