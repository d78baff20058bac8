"""EinsumDense: a dense layer written as an einsum equation (Keras 3's arguments and layout)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from deepnum import activations, initializers, ops, regularizers
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.initializers.random_initializers import VarianceScaling
from deepnum.layers import _args
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.layer import Layer

_FORMS = (
    # (pattern on the equation with "..." replaced by "0", where the ellipsis is)
    (re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)"), None),
    (re.compile(r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)"), "left"),
    (re.compile(r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0"), "right"),
)


@dataclass
class EinsumShapes:
    """What an equation implies for one input shape (Keras's ``_analyze_einsum_string``)."""

    kernel: tuple
    bias: tuple | None
    output: tuple
    input_axes: list[int]
    output_axes: list[int]


def _split(equation: str) -> tuple[str, str, str, str | None]:
    replaced = equation.replace("...", "0") if isinstance(equation, str) else ""
    for pattern, elided in _FORMS:
        match = pattern.fullmatch(replaced)
        if match:
            return match.group(1), match.group(2), match.group(3), elided
    raise ValueError(
        f"EinsumDense: argument `equation` must have the form 'ab,bc->ac', '...ab,bc->...ac' or "
        f"'ab...,bc->ac...' (letters only, one input and one kernel), received "
        f"equation={equation!r}."
    )


def analyze(equation: str, bias_axes: str | None, input_shape: tuple, output_shape: Any):
    """Kernel, bias and full output shapes of ``equation`` for inputs of ``input_shape``.

    ``output_shape`` is the layer's partial output shape (no batch axis, none of the
    ellipsis's axes; ``None`` for sizes taken from the input).
    """
    in_spec, w_spec, out_spec, elided_side = _split(equation)
    input_shape = tuple(input_shape)
    elided = len(input_shape) - len(in_spec)
    if elided < 0 or (elided and elided_side is None):
        raise ValueError(
            f"EinsumDense: equation {equation!r} expects inputs of rank {len(in_spec)}"
            f"{' or more' if elided_side else ''}, received input shape "
            f"{shape_str(input_shape)}."
        )
    out = [input_shape[0]] + list(output_shape)
    if elided_side == "left":
        out[1:1] = input_shape[1:elided]
        in_pos = {c: i + elided for i, c in enumerate(in_spec)}
        out_pos = {c: i + elided for i, c in enumerate(out_spec)}
    else:
        out += list(input_shape[len(input_shape) - elided :]) if elided else []
        in_pos = {c: i for i, c in enumerate(in_spec)}
        out_pos = {c: i for i, c in enumerate(out_spec)}
    if len(out) != len(out_spec) + elided:
        raise ValueError(
            f"EinsumDense: `output_shape` {tuple(output_shape)} must give one size (or None) "
            f"for each output axis of {equation!r} after the batch axis, i.e. "
            f"{len(out_spec) + elided - 1 - (elided if elided_side == 'right' else 0)} sizes."
        )
    for c in in_spec:
        if c in out_pos and out[out_pos[c]] is not None and input_shape[in_pos[c]] is not None:
            if out[out_pos[c]] != input_shape[in_pos[c]]:
                raise ValueError(
                    f"EinsumDense: axis {c!r} is shared by the input and the output of "
                    f"{equation!r}, but the input has size {input_shape[in_pos[c]]} there and "
                    f"`output_shape` says {out[out_pos[c]]}; received input shape "
                    f"{shape_str(input_shape)}."
                )
    for c in out_spec:
        if c not in in_spec and c not in w_spec:
            raise ValueError(
                f"EinsumDense: output axis {c!r} of {equation!r} is neither in the input nor in "
                "the kernel."
            )
    kernel, input_axes, output_axes = [], [], []
    for i, c in enumerate(w_spec):
        if c in out_pos:
            kernel.append(out[out_pos[c]])
            output_axes.append(i)
        elif c in in_pos:
            kernel.append(input_shape[in_pos[c]])
            input_axes.append(i)
        else:
            raise ValueError(
                f"EinsumDense: kernel axis {c!r} of {equation!r} is neither in the input nor in "
                "the output, so its size is unknown."
            )
    return EinsumShapes(
        tuple(kernel),
        _bias_shape(equation, bias_axes, out_spec, out, elided, elided_side),
        tuple(out),
        input_axes,
        output_axes,
    )


def _bias_shape(equation, bias_axes, out_spec, out, elided, elided_side) -> tuple | None:
    """Keras's bias layout: the output axes from the first bias axis on, 1 where no bias."""
    if bias_axes is None:
        return None
    for c in bias_axes:
        if c not in out_spec:
            raise ValueError(
                f"EinsumDense: bias axis {c!r} is not an output axis of {equation!r} "
                f"(received bias_axes={bias_axes!r})."
            )
    offset = elided if elided_side == "left" else 0
    first = min(out_spec.index(c) for c in bias_axes)
    shape = [out[i + offset] if c in bias_axes else 1 for i, c in enumerate(out_spec) if i >= first]
    if elided_side != "left":
        shape += [1] * elided
    return tuple(shape)


def gemm_plan(equation: str, bias_axes: str | None) -> tuple[int, bool] | None:
    """``(k, fused_bias)`` when the einsum is one matrix product — the last ``k`` input axes
    contracted with the first ``k`` kernel axes, in order, and the output being the input's
    other axes then the kernel's others — else None. ``fused_bias``: the bias covers exactly
    the kernel's output axes, so it flattens into the product's bias vector."""
    in_spec, w_spec, out_spec, elided_side = _split(equation)
    if elided_side == "right":
        return None
    contracted = [c for c in w_spec if c in in_spec and c not in out_spec]
    k = len(contracted)
    if k == 0 or in_spec[len(in_spec) - k :] != "".join(contracted):
        return None
    if w_spec[:k] != "".join(contracted) or out_spec != in_spec[: len(in_spec) - k] + w_spec[k:]:
        return None
    return k, bias_axes is not None and bias_axes == w_spec[k:]


class EinsumDense(Layer):
    """A dense layer of any rank: ``y = activation(einsum(equation, x, W) + b)``.

    The equation names the input's axes, the kernel's and the output's, e.g. ``"abc,cde->abde"``
    projects (batch, seq, features) to (batch, seq, heads, head_dim) with a kernel
    (features, heads, head_dim). An ellipsis stands for axes passed through (``"...b,bc->...c"``
    is Dense). When the equation is one matrix product (the input's trailing axes contracted with
    the kernel's leading ones), it runs as a single GEMM on the reshaped kernel, bias fused.

    Args:
        equation: ``"ab,bc->ac"``, ``"...ab,bc->...ac"`` or ``"ab...,bc->ac..."`` forms.
        output_shape: sizes of the output axes after the batch axis (and besides the
            ellipsis's), ``None`` for sizes taken from the input; an int for a single axis.
        activation: activation name or callable (``None``: linear).
        bias_axes: the output axes that get a bias, e.g. ``"de"``; ``None``: no bias.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
            kernel_constraint, bias_constraint: as in Dense. A VarianceScaling initializer
            (Glorot, He, ...) takes its fans from the kernel's input and output axes.
        lora_rank, lora_alpha, gptq_unpacked_column_size, quantization_config: Keras's
            fine-tuning and quantization options; only their defaults are supported.

    Returns:
        A tensor of shape ``(batch,) + output_shape`` (ellipsis axes in place).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 4),
        ...                               bias_axes="de")
        >>> layer(np.ones((3, 5, 8), "float32")).shape
        (3, 5, 2, 4)
        >>> [w.shape for w in layer.get_weights()]
        [(8, 2, 4), (2, 4)]
    """

    def __init__(
        self,
        equation: str,
        output_shape: Any,
        activation: Any = None,
        bias_axes: str | None = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        lora_rank: int | None = None,
        lora_alpha: float | None = None,
        gptq_unpacked_column_size: int | None = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        activity_regularizer = kwargs.pop("activity_regularizer", None)
        super().__init__(**kwargs)
        owner = "EinsumDense"
        _split(equation)
        self.equation = equation
        self.partial_output_shape = _partial_shape(output_shape)
        if bias_axes is not None and not (isinstance(bias_axes, str) and bias_axes.isalpha()):
            raise _args._fail(owner, "bias_axes", bias_axes, "None or a string of output axes")
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = _args.constraint(owner, "kernel_constraint", kernel_constraint)
        self.bias_constraint = _args.constraint(owner, "bias_constraint", bias_constraint)
        _args.unsupported(owner, "lora_rank", lora_rank)
        _args.unsupported(owner, "gptq_unpacked_column_size", gptq_unpacked_column_size)
        _args.unsupported(owner, "quantization_config", quantization_config)
        self._gemm = gemm_plan(equation, bias_axes)
        self.kernel = self.bias = None

    def build(self, input_shape: tuple) -> None:
        shapes = analyze(self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        if None in shapes.kernel:
            raise ValueError(
                f'EinsumDense layer "{self.name}": the kernel shape {shape_str(shapes.kernel)} '
                f"of {self.equation!r} needs the input axes it contracts to be known, received "
                f"input shape {shape_str(tuple(input_shape))}."
            )
        self.kernel = self.add_weight(
            shapes.kernel,
            _with_fans(self.kernel_initializer, shapes.input_axes, shapes.output_axes),
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        if shapes.bias is not None:
            self.bias = self.add_weight(
                shapes.bias,
                self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
        # The contracted axes must keep their sizes; the others may change from call to call.
        in_spec, w_spec, out_spec, side = _split(self.equation)
        rank = len(input_shape)
        offset = rank - len(in_spec) if side == "left" else 0
        axes = {
            i + offset - rank: input_shape[i + offset]
            for i, c in enumerate(in_spec)
            if c in w_spec and c not in out_spec and i + offset
        }
        self.input_spec = InputSpec(ndim=rank, axes=axes)
        self.built = True

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        if inputs.dtype.kind != "f":
            inputs = ops.cast(inputs, self.dtype)
        if self._gemm is not None:
            outputs = self._matmul(inputs, *self._gemm)
        else:
            outputs = ops.einsum(self.equation, inputs, self.kernel)
            if self.bias is not None:
                outputs = outputs + self.bias
        outputs = self.activation(outputs)
        _args.add_activity_loss(self, outputs)
        return outputs

    def _matmul(self, x: Tensor, k: int, fused_bias: bool) -> Tensor:
        """The einsum as x (rows, K) · W (K, M): one GEMM, the bias fused when it can be."""
        kshape = self.kernel.shape
        contract, width = math.prod(kshape[:k]), math.prod(kshape[k:])
        lead = x.shape[: x.ndim - k]
        w = ops.reshape(self.kernel, (contract, width))
        b = ops.reshape(self.bias, (width,)) if fused_bias else None
        y = ops.reshape(ops.linear(ops.reshape(x, (-1, contract)), w, b), lead + kshape[k:])
        if self.bias is not None and not fused_bias:
            y = y + self.bias
        return y

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        shapes = analyze(self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        return shapes.output

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "output_shape": list(self.partial_output_shape),
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": _args.serialize_initializer(self.kernel_initializer),
            "bias_initializer": _args.serialize_initializer(self.bias_initializer),
            "kernel_regularizer": _args.serialize_regularizer(self.kernel_regularizer),
            "bias_regularizer": _args.serialize_regularizer(self.bias_regularizer),
            "activity_regularizer": _args.serialize_regularizer(self.activity_regularizer),
            "kernel_constraint": _args.serialize_constraint(self.kernel_constraint),
            "bias_constraint": _args.serialize_constraint(self.bias_constraint),
        }


def _partial_shape(output_shape: Any) -> tuple:
    shape = (output_shape,) if isinstance(output_shape, int) else output_shape
    try:
        shape = tuple(shape)
    except TypeError:
        shape = None
    if shape is None or not all(
        s is None or (isinstance(s, int) and not isinstance(s, bool) and s > 0) for s in shape
    ):
        raise _args._fail(
            "EinsumDense", "output_shape", output_shape, "an int or a tuple of ints or None"
        )
    return shape


def _with_fans(init: Any, input_axes: list[int], output_axes: list[int]) -> Any:
    """A VarianceScaling initializer takes fan-in and fan-out from the kernel's input and output
    axes (as Keras's EinsumDense), keeping its seed; other initializers are used as they are."""
    if not isinstance(init, VarianceScaling) or (
        init.input_axes is not None and init.output_axes is not None
    ):
        return init
    config = {**init.get_config(), "seed": init.seed}
    config["input_axes"], config["output_axes"] = input_axes, output_axes
    return type(init).from_config(config)
