"""ONNX converters for GroupNormalization, RMSNormalization and UnitNormalization, and for the
layers that export as another: SpectralNormalization (its wrapped layer, with the current
kernel) and Pipeline (its layers in turn).

The normalizations are composed of ReduceMean/ReduceSum, Sqrt and elementwise ops, exact and
valid from opset 13 on, in Keras's layout. (ONNX's own GroupNormalization takes channels-first
inputs and, before opset 21, per-group scales; its RMSNormalization needs opset 23.)
"""

from __future__ import annotations

from typing import Any

from deepnum.onnx.builder import GraphBuilder


def _param_shape(axes: list[int], rank: int, sizes: list[int]) -> list[int]:
    """The shape that broadcasts a per-axis parameter against the non-batch axes."""
    shape = [1] * (rank - 1)
    for axis, size in zip(axes, sizes):
        shape[axis - 1] = size
    return shape


def group_normalization(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list:
    """(…, C, …) → (…, G, C/G, rest) with the axes after the channels flattened; mean and
    biased variance over all but the batch and group axes; back to the input's shape; γ, β."""
    x, rank, axis = xs[0], len(shapes[0]), layer._axis
    channels, groups = shapes[0][axis], layer.groups
    tail = [-1] if axis < rank - 1 else []
    grouped = b.reshape(x, [0] * axis + [groups, channels // groups] + tail, p)
    reduce = list(range(1, axis)) + list(range(axis + 1, axis + 2 + len(tail)))
    mean = b.reduce("ReduceMean", grouped, reduce, True, p)
    centered = b.op("Sub", [grouped, mean], p)
    variance = b.reduce("ReduceMean", b.op("Mul", [centered, centered], p), reduce, True, p)
    std = b.op("Sqrt", [b.op("Add", [variance, b.const(layer.epsilon, f"{p}/eps")], p)], p)
    y = b.op("Reshape", [b.op("Div", [centered, std], p), b.op("Shape", [x], p)], p)
    shape = _param_shape([axis], rank, [channels])
    if layer.gamma is not None:
        y = b.op("Mul", [y, b.const(layer.gamma.numpy().reshape(shape), f"{p}/gamma")], p)
    if layer.beta is not None:
        y = b.op("Add", [y, b.const(layer.beta.numpy().reshape(shape), f"{p}/beta")], p)
    return [y]


def rms_normalization(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list:
    """y = x / √(mean(x²) + ε) · scale."""
    x, axes = xs[0], list(layer._axes)
    mean_square = b.reduce("ReduceMean", b.op("Mul", [x, x], p), axes, True, p)
    rms = b.op("Sqrt", [b.op("Add", [mean_square, b.const(layer.epsilon, f"{p}/eps")], p)], p)
    scale = layer.scale.numpy().reshape(_param_shape(axes, len(shapes[0]), layer.scale.shape))
    return [b.op("Mul", [b.op("Div", [x, rms], p), b.const(scale, f"{p}/scale")], p)]


def unit_normalization(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list:
    """y = x · min(1/√(Σx²), 10¹²)."""
    x, rank = xs[0], len(shapes[0])
    axes = [layer.axis] if isinstance(layer.axis, int) else list(layer.axis)
    axes = sorted(a % rank for a in axes)
    norm = b.op("Sqrt", [b.reduce("ReduceSum", b.op("Mul", [x, x], p), axes, True, p)], p)
    inverse = b.op("Min", [b.op("Reciprocal", [norm], p), b.const(1e12, f"{p}/bound")], p)
    return [b.op("Mul", [x, inverse], p)]


def spectral_normalization(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str):
    """The wrapped layer at inference (the kernel as the last training step left it)."""
    from deepnum.onnx.exporter import convert_layer

    return convert_layer(b, layer.layer, xs, shapes, f"{p}/{layer.layer.name}")


def pipeline(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list:
    from deepnum.onnx.exporter import convert_layer

    shape = shapes[0]
    for inner in layer.layers:
        xs = convert_layer(b, inner, xs, [shape], f"{p}/{inner.name}")
        shape = inner.compute_output_shape(shape)
    return xs


__all__ = [
    "group_normalization",
    "pipeline",
    "rms_normalization",
    "spectral_normalization",
    "unit_normalization",
]
