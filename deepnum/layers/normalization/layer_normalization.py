"""LayerNormalization (Keras 3 semantics)."""

from __future__ import annotations

from typing import Any

from deepnum import initializers, ops, regularizers
from deepnum.autodiff.tensor import Tensor
from deepnum.layers import _args
from deepnum.layers.layer import Layer


class LayerNormalization(Layer):
    """Normalize each sample over ``axis`` (the features), then scale and shift.

    y = γ (x − μ) / √(σ² + ε) + β,  μ, σ² = mean and biased variance of x over ``axis``

    Unlike BatchNormalization it has no moving statistics and behaves the same in training and
    inference.

    Args:
        axis: an int or a list of ints; γ and β have the shape of the input on these axes.
        epsilon: small constant ε > 0 added to the variance.
        center, scale: whether to learn β and γ.
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
            beta_constraint, gamma_constraint: as in Dense.
        rms_scaling: (keyword) Keras's deprecated option: y = γ x / √(σ² + ε), no β.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> y = dn.layers.LayerNormalization()(np.array([[1.0, 3.0]], "float32"))
        >>> [round(float(v), 4) for v in y.numpy().ravel()]
        [-0.9995, 0.9995]
    """

    def __init__(
        self,
        axis: int | list[int] = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        rms_scaling = kwargs.pop("rms_scaling", False)  # a keyword only, as in Keras
        super().__init__(**kwargs)
        owner = "LayerNormalization"
        self.axis = _args.axis_arg(owner, "axis", axis)
        self.epsilon = _args.number(owner, "epsilon", epsilon, 0.0, low_open=True)
        self.center, self.scale, self.rms_scaling = bool(center), bool(scale), bool(rms_scaling)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = _args.constraint(owner, "beta_constraint", beta_constraint)
        self.gamma_constraint = _args.constraint(owner, "gamma_constraint", gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None

    def build(self, input_shape: tuple) -> None:
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        owner = f'LayerNormalization "{self.name}"'
        axes = sorted(_args.check_axis(owner, a, input_shape) for a in axes)
        shape = tuple(input_shape[a] for a in axes)
        if None in shape:
            raise ValueError(
                f"{owner}: the normalized axes {self.axis} must have known sizes, "
                f"received input shape {tuple(input_shape)}."
            )
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(
                shape,
                self.gamma_initializer,
                name="gamma",
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(
                shape,
                self.beta_initializer,
                name="beta",
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
        self._axes = tuple(axes)
        self._param_shape = tuple(
            input_shape[a] if a in axes else 1 for a in range(len(input_shape))
        )
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        if not self.rms_scaling:  # one fused op: x̂ and its backward in a few array passes
            gamma = None if self.gamma is None else ops.reshape(self.gamma, self._param_shape)
            beta = None if self.beta is None else ops.reshape(self.beta, self._param_shape)
            return ops.layer_normalization(
                inputs, gamma, beta, axis=self._axes, epsilon=self.epsilon
            )
        # Keras's deprecated rms_scaling: x scaled by 1/√(σ² + ε) (the variance, not x²).
        centred = inputs - ops.mean(inputs, axis=self._axes, keepdims=True)
        inv = (ops.mean(centred * centred, axis=self._axes, keepdims=True) + self.epsilon) ** -0.5
        if self.gamma is not None:
            inv = inv * ops.reshape(self.gamma, self._param_shape)
        return inputs * inv

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        for a in self.axis if isinstance(self.axis, list) else [self.axis]:
            _args.check_axis("LayerNormalization", a, input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": _args.serialize_initializer(self.beta_initializer),
            "gamma_initializer": _args.serialize_initializer(self.gamma_initializer),
            "beta_regularizer": _args.serialize_regularizer(self.beta_regularizer),
            "gamma_regularizer": _args.serialize_regularizer(self.gamma_regularizer),
            "beta_constraint": _args.serialize_constraint(self.beta_constraint),
            "gamma_constraint": _args.serialize_constraint(self.gamma_constraint),
        }
