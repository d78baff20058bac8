"""Dense: the fully connected layer (Keras 3's arguments, defaults and weight layout)."""

from __future__ import annotations

from typing import Any

from deepnum import activations, initializers, ops, regularizers
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.layers import _args
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.layer import Layer


class Dense(Layer):
    """Densely-connected layer: ``y = activation(x · W + b)``.

    Applied to the last axis, so inputs of shape ``(batch, ..., in)`` give ``(batch, ..., units)``.

    Args:
        units: number of output features (a positive integer).
        activation: activation name or callable (``None``: linear).
        use_bias: whether to add the bias vector ``b``.
        kernel_initializer, bias_initializer: initializers of ``W`` (``(in, units)``, Keras's
            layout) and ``b`` (``(units,)``).
        kernel_regularizer, bias_regularizer: penalties on the weights, added to ``losses``.
        activity_regularizer: penalty on the output (divided by the batch size, as Keras does).
        kernel_constraint, bias_constraint: callables applied to the weights after updates.

    Returns:
        A tensor of shape ``(batch, ..., units)``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.Dense(3, activation="relu")
        >>> layer(np.ones((2, 4), "float32")).shape
        (2, 3)
        >>> [w.shape for w in layer.get_weights()]
        [(4, 3), (3,)]
    """

    def __init__(
        self,
        units: int,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        lora_rank: int | None = None,
        lora_alpha: float | None = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.units = _args.positive_int("Dense", "units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = _args.constraint("Dense", "kernel_constraint", kernel_constraint)
        self.bias_constraint = _args.constraint("Dense", "bias_constraint", bias_constraint)
        _args.unsupported("Dense", "lora_rank", lora_rank)
        _args.unsupported("Dense", "quantization_config", quantization_config)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True
        self.kernel = self.bias = None

    def build(self, input_shape: tuple) -> None:
        in_dim = input_shape[-1] if input_shape else None
        if in_dim is None:
            raise ValueError(
                f'Dense layer "{self.name}": the last axis of its input must be known to create '
                f"the kernel, received input shape {shape_str(tuple(input_shape))}."
            )
        self.kernel = self.add_weight(
            (in_dim, self.units),
            self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name="kernel",
        )
        if self.use_bias:
            self.bias = self.add_weight(
                (self.units,),
                self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                name="bias",
            )
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        if inputs.dtype.kind != "f":
            inputs = ops.cast(inputs, self.dtype)
        outputs = self.activation(ops.linear(inputs, self.kernel, self.bias))
        _args.add_activity_loss(self, outputs)
        return outputs

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": _args.serialize_initializer(self.kernel_initializer),
            "bias_initializer": _args.serialize_initializer(self.bias_initializer),
            "kernel_regularizer": _args.serialize_regularizer(self.kernel_regularizer),
            "bias_regularizer": _args.serialize_regularizer(self.bias_regularizer),
            "activity_regularizer": _args.serialize_regularizer(self.activity_regularizer),
            "kernel_constraint": _args.serialize_constraint(self.kernel_constraint),
            "bias_constraint": _args.serialize_constraint(self.bias_constraint),
        }
