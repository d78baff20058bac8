"""ONNX converters for activations and the core, normalization, reshaping and merging layers.

Tensors keep Keras's layout in the exported graph (channels last); each converter receives
the ONNX names of the layer's inputs and their Keras shapes (batch axis None) and returns the
names of its outputs.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from deepnum.onnx.builder import GraphBuilder


class UnsupportedLayerError(NotImplementedError):
    """A layer (or one of its options) that the ONNX exporter cannot express."""


def _unsupported(layer: Any, what: str) -> UnsupportedLayerError:
    return UnsupportedLayerError(
        f'ONNX export: layer "{layer.name}" ({type(layer).__name__}) {what}.'
    )


# ------------------------------------------------------------------------ activations
def activation(b: GraphBuilder, fn: Any, x: str, prefix: str, owner: Any = None) -> str:
    """Apply a deepnum activation function (by name) to ``x``."""
    name = getattr(fn, "__name__", str(fn))
    if name == "linear":
        return x
    simple = {
        "relu": "Relu",
        "sigmoid": "Sigmoid",
        "tanh": "Tanh",
        "softplus": "Softplus",
        "softsign": "Softsign",
        "exponential": "Exp",
        "selu": "Selu",
        "elu": "Elu",
    }
    if name in simple:
        return b.op(simple[name], [x], prefix)
    if name in ("softmax", "log_softmax"):
        return b.op("Softmax" if name == "softmax" else "LogSoftmax", [x], prefix, axis=-1)
    if name == "relu6":
        return b.op("Clip", [x, b.const(0.0, f"{prefix}/lo"), b.const(6.0, f"{prefix}/hi")], prefix)
    if name == "leaky_relu":
        return b.op("LeakyRelu", [x], prefix, alpha=0.2)
    if name in ("silu", "swish"):
        return b.op("Mul", [x, b.op("Sigmoid", [x], prefix)], prefix)
    if name == "hard_sigmoid":
        return b.op("HardSigmoid", [x], prefix, alpha=1.0 / 6.0, beta=0.5)
    if name == "hard_silu":
        return b.op("Mul", [x, b.op("HardSigmoid", [x], prefix, alpha=1.0 / 6.0, beta=0.5)], prefix)
    if name == "mish":
        return b.op("Mul", [x, b.op("Tanh", [b.op("Softplus", [x], prefix)], prefix)], prefix)
    if name == "gelu" and b.opset >= 20:  # ONNX's Gelu operator; Keras's "gelu" is exact
        return b.op("Gelu", [x], prefix, approximate="none")
    if name == "gelu":
        erf = b.op("Erf", [b.scale(x, 1.0 / math.sqrt(2.0), prefix)], prefix)
        one_plus = b.op("Add", [erf, b.const(1.0, f"{prefix}/one")], prefix)
        return b.op("Mul", [b.scale(x, 0.5, prefix), one_plus], prefix)
    who = f'layer "{owner.name}"' if owner is not None else "a layer"
    raise UnsupportedLayerError(f"ONNX export: activation {name!r} of {who} is not supported.")


def _axis(axis: int, rank: int) -> int:
    return axis + rank if axis < 0 else axis


# ------------------------------------------------------------------------ core
def dense(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    y = b.op("MatMul", [xs[0], b.const(layer.kernel.numpy(), f"{p}/kernel")], p)
    if layer.bias is not None:
        y = b.op("Add", [y, b.const(layer.bias.numpy(), f"{p}/bias")], p)
    return [activation(b, layer.activation, y, p, layer)]


def activation_layer(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    return [activation(b, layer.activation, xs[0], p, layer)]


def identity(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    return [b.op("Identity", [xs[0]], p)]


def embedding(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    if layer.mask_zero:
        raise _unsupported(layer, "has mask_zero=True; masks are not exported")
    return [
        b.op("Gather", [b.const(layer.embeddings.numpy(), f"{p}/embeddings"), xs[0]], p, axis=0)
    ]


def relu_layer(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    x, slope, threshold = xs[0], float(layer.negative_slope), float(layer.threshold)
    if slope == 0.0 and threshold == 0.0:
        y = b.op("Relu", [x], p)
    else:
        shifted = b.op("Sub", [x, b.const(threshold, f"{p}/threshold")], p)
        keep = b.op("GreaterOrEqual", [x, b.const(threshold, f"{p}/threshold")], p)
        y = b.op("Where", [keep, x, b.scale(shifted, slope, p)], p)
    if layer.max_value is not None:
        y = b.op("Min", [y, b.const(float(layer.max_value), f"{p}/max")], p)
    return [y]


def leaky_relu(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    return [b.op("LeakyRelu", [xs[0]], p, alpha=float(layer.negative_slope))]


def elu(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    return [b.op("Elu", [xs[0]], p, alpha=float(layer.alpha))]


def prelu(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    return [b.op("PRelu", [xs[0], b.const(layer.alpha.numpy(), f"{p}/alpha")], p)]


def softmax(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    axis = layer.axis
    if isinstance(axis, (list, tuple)):
        if len(axis) != 1:
            raise _unsupported(layer, f"uses a softmax over several axes {axis}")
        axis = axis[0]
    return [b.op("Softmax", [xs[0]], p, axis=int(axis))]


# ------------------------------------------------------------------------ normalization
def batch_normalization(
    b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str
) -> list[str]:
    """Inference form folded into one scale and shift: y = x·a + c,
    a = γ / √(σ² + ε), c = β − μ·a."""
    shape = layer._param_shape[1:]
    variance = layer.moving_variance.numpy().astype(np.float64)
    scale = 1.0 / np.sqrt(variance + layer.epsilon)
    if layer.gamma is not None:
        scale = scale * layer.gamma.numpy()
    shift = -layer.moving_mean.numpy() * scale
    if layer.beta is not None:
        shift = shift + layer.beta.numpy()
    y = b.op("Mul", [xs[0], b.const(scale.reshape(shape), f"{p}/scale")], p)
    return [b.op("Add", [y, b.const(shift.reshape(shape), f"{p}/shift")], p)]


def layer_normalization(
    b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str
) -> list[str]:
    x, axes = xs[0], list(layer._axes)
    rank = len(shapes[0])
    trailing = axes == list(range(axes[0], rank))
    if b.opset >= 17 and trailing and not layer.rms_scaling:
        # ONNX's LayerNormalization (opset 17) normalizes the trailing axes from `axis` on.
        shape = layer._param_shape[axes[0] :]
        ones = np.ones(shape, dtype=b.float_dtype)
        gamma = layer.gamma.numpy().reshape(shape) if layer.gamma is not None else ones
        inputs = [x, b.const(gamma, f"{p}/gamma")]
        if layer.beta is not None:
            inputs.append(b.const(layer.beta.numpy().reshape(shape), f"{p}/beta"))
        return [b.op("LayerNormalization", inputs, p, axis=axes[0], epsilon=float(layer.epsilon))]
    mean = b.reduce("ReduceMean", x, axes, True, p)
    centered = b.op("Sub", [x, mean], p)
    variance = b.reduce("ReduceMean", b.op("Mul", [centered, centered], p), axes, True, p)
    std = b.op("Sqrt", [b.op("Add", [variance, b.const(layer.epsilon, f"{p}/eps")], p)], p)
    # rms_scaling (Keras's deprecated option) scales x itself by 1/√(σ² + ε)
    y = b.op("Div", [x if layer.rms_scaling else centered, std], p)
    shape = layer._param_shape[1:]
    if layer.gamma is not None:
        y = b.op("Mul", [y, b.const(layer.gamma.numpy().reshape(shape), f"{p}/gamma")], p)
    if layer.beta is not None:
        y = b.op("Add", [y, b.const(layer.beta.numpy().reshape(shape), f"{p}/beta")], p)
    return [y]


# ------------------------------------------------------------------------ reshaping
def flatten(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    x = xs[0]
    if getattr(layer, "data_format", "channels_last") == "channels_first" and len(shapes[0]) > 2:
        x = b.transpose(x, [0] + list(range(2, len(shapes[0]))) + [1], p)
    return [b.op("Flatten", [x], p, axis=1)]


def reshape(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    return [b.reshape(xs[0], [0] + [int(s) for s in layer.target_shape], p)]


def permute(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    return [b.transpose(xs[0], [0] + [int(d) for d in layer.dims], p)]


def repeat_vector(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    y = b.unsqueeze(xs[0], [1], p)
    return [b.op("Tile", [y, b.ints([1, layer.n, 1], f"{p}/repeats")], p)]


# ------------------------------------------------------------------------ merging
def _fold(b: GraphBuilder, op_type: str, xs: list[str], p: str) -> str:
    y = xs[0]
    for x in xs[1:]:
        y = b.op(op_type, [y, x], p)
    return y


def add(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    return [b.op("Sum", xs, p)]


def subtract(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    return [b.op("Sub", xs, p)]


def multiply(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    return [_fold(b, "Mul", xs, p)]


def average(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    return [b.op("Mean", xs, p)]


def maximum(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    return [b.op("Max", xs, p)]


def minimum(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    return [b.op("Min", xs, p)]


def concatenate(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    return [b.op("Concat", xs, p, axis=_axis(layer.axis, len(shapes[0])))]


def dot(b: GraphBuilder, layer: Any, xs: list[str], shapes: list, p: str) -> list[str]:
    axes = layer.axes if isinstance(layer.axes, list) else [layer.axes, layer.axes]
    rank = len(shapes[0])
    axes = [_axis(a, rank) for a in axes]
    if rank != 2 or len(shapes[1]) != 2 or axes != [1, 1]:
        raise _unsupported(layer, "is a Dot of inputs that are not (batch, features) vectors")
    x, y = xs
    if layer.normalize:
        x, y = (b.op("LpNormalization", [v], p, axis=1, p=2) for v in (x, y))
    return [b.reduce("ReduceSum", b.op("Mul", [x, y], p), [1], True, p)]
