"""ONNX converters for convolutions, pooling, padding, cropping and up-sampling.

ONNX convolutions and pools work channels first; a channels-last layer is wrapped in two
Transposes. TensorFlow's SAME padding (the extra pad at the end) becomes explicit pads when
the spatial size is known, and ``auto_pad="SAME_UPPER"`` (the same rule) otherwise.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deepnum.onnx.builder import GraphBuilder
from deepnum.onnx.core_ops import _unsupported, activation
from deepnum.ops.nn._conv import transpose_geometry


def _channels_last(layer: Any) -> bool:
    return getattr(layer, "data_format", "channels_last") == "channels_last"


def _to_first(b: GraphBuilder, x: str, rank: int, layer: Any, p: str) -> str:
    if not _channels_last(layer):
        return x
    return b.transpose(x, [0, rank + 1] + list(range(1, rank + 1)), p)


def _to_last(b: GraphBuilder, x: str, rank: int, layer: Any, p: str) -> str:
    if not _channels_last(layer):
        return x
    return b.transpose(x, [0] + list(range(2, rank + 2)) + [1], p)


def _spatial(shape: tuple, layer: Any, rank: int) -> tuple:
    return tuple(shape[1 : rank + 1]) if _channels_last(layer) else tuple(shape[2 : rank + 2])


def _padding(layer: Any, shape: tuple, rank: int, kernel: tuple, dilation: tuple) -> dict:
    """ONNX padding attributes for Keras's ``valid``, ``same`` or ``causal``."""
    mode = layer.padding
    if mode == "valid":
        return {"pads": [0] * (2 * rank)}
    if mode == "causal":
        return {"pads": [dilation[0] * (kernel[0] - 1), 0]}
    sizes = _spatial(shape, layer, rank)
    if any(n is None for n in sizes):
        return {"auto_pad": "SAME_UPPER"}
    begin, end = [], []
    for n, k, s, d in zip(sizes, kernel, layer.strides, dilation):
        total = max((math.ceil(n / s) - 1) * s + d * (k - 1) + 1 - n, 0)
        begin.append(total // 2)
        end.append(total - total // 2)
    return {"pads": begin + end}


def _bias(b: GraphBuilder, layer: Any, p: str) -> list[str]:
    return [b.const(layer.bias.numpy(), f"{p}/bias")] if layer.bias is not None else []


def conv(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    """Conv1D/Conv2D (also grouped): kernel (k..., in/groups, filters) → (filters, in/g, k...)."""
    rank = layer.rank
    kernel = layer.kernel.numpy()
    weights = np.transpose(kernel, [rank + 1, rank] + list(range(rank)))
    x = _to_first(b, xs[0], rank, layer, p)
    pads = _padding(layer, shapes[0], rank, layer.kernel_size, layer.dilation_rate)
    y = b.op(
        "Conv",
        [x, b.const(weights, f"{p}/kernel")] + _bias(b, layer, p),
        p,
        strides=list(layer.strides),
        dilations=list(layer.dilation_rate),
        group=int(getattr(layer, "groups", 1)),
        **pads,
    )
    return [activation(b, layer.activation, _to_last(b, y, rank, layer, p), p, layer)]


def _depthwise_weights(kernel: np.ndarray, rank: int) -> np.ndarray:
    """(k..., in, multiplier) → (in·multiplier, 1, k...): output channel c·m + j."""
    moved = np.transpose(kernel, [rank, rank + 1] + list(range(rank)))
    return moved.reshape((-1, 1) + kernel.shape[:rank])


def depthwise_conv(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    rank = layer.rank
    kernel = layer.kernel.numpy()
    x = _to_first(b, xs[0], rank, layer, p)
    pads = _padding(layer, shapes[0], rank, layer.kernel_size, layer.dilation_rate)
    y = b.op(
        "Conv",
        [x, b.const(_depthwise_weights(kernel, rank), f"{p}/kernel")] + _bias(b, layer, p),
        p,
        strides=list(layer.strides),
        dilations=list(layer.dilation_rate),
        group=int(kernel.shape[rank]),
        **pads,
    )
    return [activation(b, layer.activation, _to_last(b, y, rank, layer, p), p, layer)]


def separable_conv(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    rank = layer.rank
    depthwise = layer.depthwise_kernel.numpy()
    pointwise = layer.pointwise_kernel.numpy()
    x = _to_first(b, xs[0], rank, layer, p)
    pads = _padding(layer, shapes[0], rank, layer.kernel_size, layer.dilation_rate)
    y = b.op(
        "Conv",
        [x, b.const(_depthwise_weights(depthwise, rank), f"{p}/depthwise")],
        p,
        strides=list(layer.strides),
        dilations=list(layer.dilation_rate),
        group=int(depthwise.shape[rank]),
        **pads,
    )
    point = np.transpose(pointwise, [rank + 1, rank] + list(range(rank)))
    y = b.op("Conv", [y, b.const(point, f"{p}/pointwise")] + _bias(b, layer, p), p)
    return [activation(b, layer.activation, _to_last(b, y, rank, layer, p), p, layer)]


def conv_transpose(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    """Keras's kernel (k..., filters, in) → ONNX (in, filters, k...); Keras's output size and
    SAME-padding placement become ONNX pads and output_padding."""
    rank = layer.rank
    sizes = _spatial(shapes[0], layer, rank)
    if any(n is None for n in sizes):
        raise _unsupported(layer, "needs known spatial input sizes to be exported")
    pad_begin, pad_end, extra = [], [], []
    out_pads = layer.output_padding or (None,) * rank
    for n, k, s, d, op in zip(
        sizes, layer.kernel_size, layer.strides, layer.dilation_rate, out_pads
    ):
        length, before = transpose_geometry(n, k, s, d, layer.padding, op)
        full = (n - 1) * s + d * (k - 1) + 1
        pad_begin.append(before)
        pad_end.append(max(full - before - length, 0))
        extra.append(max(length - (full - before), 0))
    weights = np.transpose(layer.kernel.numpy(), [rank + 1, rank] + list(range(rank)))
    x = _to_first(b, xs[0], rank, layer, p)
    y = b.op(
        "ConvTranspose",
        [x, b.const(weights, f"{p}/kernel")] + _bias(b, layer, p),
        p,
        strides=list(layer.strides),
        dilations=list(layer.dilation_rate),
        pads=pad_begin + pad_end,
        output_padding=extra,
    )
    return [activation(b, layer.activation, _to_last(b, y, rank, layer, p), p, layer)]


def pooling(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    rank = layer.rank
    op_type = "MaxPool" if "Max" in type(layer).__name__ else "AveragePool"
    x = _to_first(b, xs[0], rank, layer, p)
    pads = _padding(layer, shapes[0], rank, layer.pool_size, (1,) * rank)
    y = b.op(
        op_type, [x], p, kernel_shape=list(layer.pool_size), strides=list(layer.strides), **pads
    )
    return [_to_last(b, y, rank, layer, p)]


def global_pooling(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    op_type = "ReduceMax" if "Max" in type(layer).__name__ else "ReduceMean"
    return [b.reduce(op_type, xs[0], layer._axes, layer.keepdims, p)]


def _spatial_axes(layer: Any) -> list[int]:
    first = 1 if _channels_last(layer) else 2
    return list(range(first, first + layer.rank))


def zero_padding(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    rank = len(shapes[0])
    begin, end = [0] * rank, [0] * rank
    for axis, (before, after) in zip(_spatial_axes(layer), layer.padding):
        begin[axis], end[axis] = int(before), int(after)
    return [b.op("Pad", [xs[0], b.ints(begin + end, f"{p}/pads")], p, mode="constant")]


def cropping(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    axes = _spatial_axes(layer)
    starts = [int(c[0]) for c in layer.cropping]
    ends = [-int(c[1]) if c[1] else np.iinfo(np.int64).max for c in layer.cropping]
    return [b.slice(xs[0], starts, ends, axes, p)]


def up_sampling(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    if getattr(layer, "interpolation", "nearest") != "nearest":
        raise _unsupported(layer, f"uses interpolation={layer.interpolation!r}")
    scales = [1.0] * len(shapes[0])
    for axis, size in zip(_spatial_axes(layer), layer.size):
        scales[axis] = float(size)
    return [
        b.op(
            "Resize",
            [xs[0], "", b.const(np.asarray(scales, np.float32), f"{p}/scales", dtype=np.float32)],
            p,
            mode="nearest",
            coordinate_transformation_mode="asymmetric",
            nearest_mode="floor",
        )
    ]
