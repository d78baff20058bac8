"""Dense: the fully connected layer (Keras 3's arguments, defaults and weight layout)."""

from __future__ import annotations

from typing import Any

from deepnum import activations, initializers, ops, regularizers
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.layers import _args
from deepnum.layers.core import _lora
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
        lora_rank, lora_alpha: build the layer with LoRA of this rank enabled (see
            :meth:`enable_lora`; as in Keras 3, building resets lora_alpha to the rank).
        quantization_config: only None (deepnum does not quantize).

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
        _args.not_implemented("Dense", "quantization_config", quantization_config)
        self.quantization_config = None
        self.lora_rank = None if lora_rank is None else _args.positive_int(
            "Dense", "lora_rank", lora_rank
        )  # fmt: skip
        self.lora_alpha = lora_alpha if lora_alpha is not None else self.lora_rank
        self.lora_enabled = False
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True
        self.kernel = self.bias = None
        self.lora_kernel_a = self.lora_kernel_b = None

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
        if self.lora_rank:
            # As Keras 3's build: only the rank is passed, so lora_alpha becomes the rank
            # (identical numbers and configs both ways).
            self.enable_lora(self.lora_rank)

    def enable_lora(
        self,
        rank: int,
        lora_alpha: float | None = None,
        a_initializer: Any = "he_uniform",
        b_initializer: Any = "zeros",
    ) -> None:
        """Freeze the kernel and learn a low-rank update instead (LoRA, Hu et al., 2021):

            y = activation(x · (W + (α/r) · A B) + b),  A (in, r), B (r, units)

        A and B (``lora_kernel_a``, ``lora_kernel_b``) are trainable, W is not; B starts at
        zero, so the layer's output is unchanged until training moves it.

        Args:
            rank: r, the rank of the update.
            lora_alpha: α, the scale numerator (default r, i.e. a scale of 1).
            a_initializer, b_initializer: initializers of A and B.
        """
        owner = f'Dense "{self.name}"'
        if self.kernel_constraint is not None:
            raise ValueError(
                f"{owner}: LoRA is incompatible with kernel constraints; remove the "
                "`kernel_constraint` argument to enable it."
            )
        if not self.built:
            raise ValueError(f"{owner}: cannot enable LoRA on a layer that is not built yet.")
        if self.lora_enabled:
            raise ValueError(f"{owner}: LoRA is already enabled; it can be enabled once.")
        rank = _args.positive_int("Dense.enable_lora", "rank", rank)
        self.lora_kernel_a = self.add_weight(
            (self.kernel.shape[0], rank), a_initializer, name="lora_kernel_a",
            regularizer=self.kernel_regularizer,
        )  # fmt: skip
        self.lora_kernel_b = self.add_weight(
            (rank, self.units), b_initializer, name="lora_kernel_b",
            regularizer=self.kernel_regularizer,
        )  # fmt: skip
        self.kernel.trainable = False
        self._frozen_after_creation = {id(self.kernel)}  # keeps its place in weights
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank
        stored = [self.kernel] + ([self.bias] if self.bias is not None else [])
        adapters = [self.lora_kernel_a, self.lora_kernel_b]
        _lora.attach(self, self._save_merged, lambda: stored, adapters)

    def _save_merged(self, store: dict) -> None:
        """Keras's layout with LoRA: the merged kernel W + (α/r)·A B, then the bias."""
        store["0"] = _lora.merged(
            self.kernel, self.lora_kernel_a, self.lora_kernel_b, self.lora_alpha, self.lora_rank
        )
        if self.bias is not None:
            store["1"] = self.bias.numpy()

    def call(self, inputs: Tensor) -> Tensor:
        if inputs.dtype.kind != "f":
            inputs = ops.cast(inputs, self.dtype)
        outputs = ops.linear(inputs, self.kernel, self.bias)
        if self.lora_enabled:
            update = ops.matmul(ops.matmul(inputs, self.lora_kernel_a), self.lora_kernel_b)
            outputs = outputs + (self.lora_alpha / self.lora_rank) * update
        outputs = self.activation(outputs)
        _args.add_activity_loss(self, outputs)
        return outputs

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        config = {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": _args.serialize_initializer(self.kernel_initializer),
            "bias_initializer": _args.serialize_initializer(self.bias_initializer),
            "kernel_regularizer": _args.serialize_regularizer(self.kernel_regularizer),
            "bias_regularizer": _args.serialize_regularizer(self.bias_regularizer),
            "kernel_constraint": _args.serialize_constraint(self.kernel_constraint),
            "bias_constraint": _args.serialize_constraint(self.bias_constraint),
            "quantization_config": None,
        }
        if self.activity_regularizer is not None:  # Keras omits the key when there is none
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config
