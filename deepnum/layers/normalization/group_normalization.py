"""GroupNormalization (Keras 3 semantics: groups of channels normalized per sample)."""

from __future__ import annotations

import numbers
from typing import Any

from deepnum import initializers, ops, regularizers
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.layers import _args
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.layer import Layer


class GroupNormalization(Layer):
    """Split the channels into ``groups`` and normalize each group of each sample over its
    channels and every other non-batch axis, then scale and shift per channel (Wu & He, 2018).

    For a sample, with the channels of group g written C_g:

        y = γ (x − μ_g) / √(σ²_g + ε) + β,   μ_g, σ²_g = mean and biased variance of x over
                                              C_g and all non-batch, non-channel axes

    ``groups=1`` is a layer normalization over all features, ``groups=-1`` (one group per
    channel) an instance normalization. Independent of the batch size, the same in training
    and inference; masks pass through.

    Args:
        groups: number of groups (a divisor of the channel count), or -1 for one per channel.
        axis: the channel axis (-1 for channels_last).
        epsilon: small constant ε > 0 added to the variance.
        center, scale: whether to learn β and γ (each of shape ``(channels,)``).
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
            beta_constraint, gamma_constraint: as in BatchNormalization.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.GroupNormalization(groups=2)
        >>> y = layer(np.array([[1.0, 3.0, 10.0, 30.0]], "float32"))
        >>> [round(float(v), 4) for v in y.numpy().ravel()]
        [-0.9995, 0.9995, -1.0, 1.0]
    """

    def __init__(
        self,
        groups: int = 32,
        axis: int = -1,
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
        super().__init__(**kwargs)
        owner = "GroupNormalization"
        if not isinstance(groups, numbers.Integral) or isinstance(groups, bool) or (
            groups <= 0 and groups != -1
        ):  # fmt: skip
            raise ValueError(
                f"{owner}: argument `groups` must be a positive integer (or -1 for instance "
                f"normalization), received groups={groups!r}."
            )
        axis = _args.axis_arg(owner, "axis", axis)
        if isinstance(axis, list):
            raise ValueError(f"{owner}: argument `axis` must be one integer, received axis={axis}.")
        self.groups, self.axis = int(groups), axis
        self.epsilon = _args.number(owner, "epsilon", epsilon, 0.0, low_open=True)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = _args.constraint(owner, "beta_constraint", beta_constraint)
        self.gamma_constraint = _args.constraint(owner, "gamma_constraint", gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None

    def build(self, input_shape: tuple) -> None:
        owner = f'GroupNormalization "{self.name}"'
        axis = _args.check_axis(owner, self.axis, input_shape)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(
                f"{owner}: the channel axis {self.axis} must have a known size, received input "
                f"shape {shape_str(tuple(input_shape))}."
            )
        groups = channels if self.groups == -1 else self.groups
        if channels < groups or channels % groups:
            raise ValueError(
                f"{owner}: groups={groups} must divide the number of channels, {channels} (axis "
                f"{self.axis} of input shape {shape_str(tuple(input_shape))}). Use a divisor of "
                f"{channels}, or groups=-1 for one group per channel."
            )
        self.groups = groups
        if self.scale:
            self.gamma = self.add_weight(
                (channels,),
                self.gamma_initializer,
                name="gamma",
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        if self.center:
            self.beta = self.add_weight(
                (channels,),
                self.beta_initializer,
                name="beta",
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: channels})
        self._axis = axis
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        shape, axis = inputs.shape, self._axis
        # (…, C, …) → (…, G, C/G, …): the statistics of a group are over every axis but the
        # batch axis and the group axis.
        grouped = ops.reshape(
            inputs, shape[:axis] + (self.groups, shape[axis] // self.groups) + shape[axis + 1 :]
        )
        reduce = tuple(a for a in range(1, grouped.ndim) if a != axis)
        mean, variance = ops.moments(grouped, reduce, keepdims=True)
        outputs = ops.reshape((grouped - mean) * ops.rsqrt(variance + self.epsilon), shape)
        param_shape = tuple(shape[axis] if a == axis else 1 for a in range(len(shape)))
        if self.gamma is not None:
            outputs = outputs * ops.reshape(self.gamma, param_shape)
        if self.beta is not None:
            outputs = outputs + ops.reshape(self.beta, param_shape)
        return outputs

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        _args.check_axis("GroupNormalization", self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": _args.serialize_initializer(self.beta_initializer),
            "gamma_initializer": _args.serialize_initializer(self.gamma_initializer),
            "beta_regularizer": _args.serialize_regularizer(self.beta_regularizer),
            "gamma_regularizer": _args.serialize_regularizer(self.gamma_regularizer),
            "beta_constraint": _args.serialize_constraint(self.beta_constraint),
            "gamma_constraint": _args.serialize_constraint(self.gamma_constraint),
        }
