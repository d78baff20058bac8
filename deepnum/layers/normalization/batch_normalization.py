"""BatchNormalization (Keras 3 semantics: moving statistics, momentum, masks)."""

from __future__ import annotations

from typing import Any

from deepnum import initializers, ops, regularizers
from deepnum.autodiff.mode import is_grad_enabled
from deepnum.autodiff.tensor import Tensor
from deepnum.backend import epsilon as backend_epsilon
from deepnum.layers import _args
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.layer import Layer
from deepnum.ops.nn._batch_norm import batch_norm_train


class BatchNormalization(Layer):
    """Normalize each feature over the batch (and spatial axes), then scale and shift.

    y = γ (x − μ) / √(σ² + ε) + β

    In training (``training=True`` and the layer trainable) μ and σ² are the batch mean and
    biased variance over every axis except ``axis``; the output is differentiable through them,
    and the moving statistics are updated with Keras's formula

        moving_mean     ← moving_mean · momentum + μ · (1 − momentum)
        moving_variance ← moving_variance · momentum + σ² · (1 − momentum)

    At inference μ and σ² are the moving statistics.

    Args:
        axis: the feature axis (``-1`` for channels_last, ``1`` for channels_first).
        momentum: weight of the old moving statistics, in ``[0, 1]``.
        epsilon: small constant ε > 0 added to the variance.
        center, scale: whether to learn β and γ.
        beta_initializer, gamma_initializer, moving_mean_initializer,
            moving_variance_initializer: initializers (``zeros``, ``ones``, ``zeros``, ``ones``).
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: as in Dense.

    Weights, in Keras's order: ``gamma, beta, moving_mean, moving_variance`` (each of shape
    ``(features,)``; the last two are non-trainable).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> bn = dn.layers.BatchNormalization()
        >>> y = bn(np.array([[1.0], [3.0]], "float32"), training=True)
        >>> [round(float(v), 4) for v in y.numpy().ravel()]
        [-0.9995, 0.9995]
        >>> round(float(bn.moving_mean.numpy()[0]), 4)   # 0.99 · 0 + 0.01 · mean(1, 3)
        0.02
    """

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        renorm: bool = False,
        renorm_clipping: Any = None,
        renorm_momentum: float = 0.99,
        synchronized: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        owner = "BatchNormalization"
        axis = _args.axis_arg(owner, "axis", axis)
        if isinstance(axis, list):
            raise ValueError(f"{owner}: argument `axis` must be one integer, received axis={axis}.")
        self.axis = axis
        self.momentum = _args.number(owner, "momentum", momentum, 0.0, 1.0)
        self.epsilon = _args.number(owner, "epsilon", epsilon, 0.0, low_open=True)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = _args.constraint(owner, "beta_constraint", beta_constraint)
        self.gamma_constraint = _args.constraint(owner, "gamma_constraint", gamma_constraint)
        _args.unsupported(owner, "renorm", renorm, False)
        _args.unsupported(owner, "synchronized", synchronized, False)
        self.renorm_clipping, self.renorm_momentum = renorm_clipping, renorm_momentum
        self.supports_masking = True
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def build(self, input_shape: tuple) -> None:
        axis = _args.check_axis(f'BatchNormalization "{self.name}"', self.axis, input_shape)
        size = input_shape[axis]
        if size is None:
            raise ValueError(
                f'BatchNormalization "{self.name}": axis {self.axis} of the input must have a '
                f"known size, received input shape {tuple(input_shape)}."
            )
        if self.scale:
            self.gamma = self.add_weight(
                (size,),
                self.gamma_initializer,
                name="gamma",
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        if self.center:
            self.beta = self.add_weight(
                (size,),
                self.beta_initializer,
                name="beta",
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
        self.moving_mean = self.add_weight(
            (size,), self.moving_mean_initializer, trainable=False, name="moving_mean"
        )
        self.moving_variance = self.add_weight(
            (size,), self.moving_variance_initializer, trainable=False, name="moving_variance"
        )
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: size})
        self._reduce = tuple(a for a in range(len(input_shape)) if a != axis)
        self._param_shape = tuple(size if a == axis else 1 for a in range(len(input_shape)))
        self.built = True

    def call(self, inputs: Tensor, training: bool | None = None, mask: Any = None) -> Tensor:
        if training and self.trainable and mask is None and self._fusable(inputs):
            outputs, mean, variance = batch_norm_train(
                inputs, self.gamma, self.beta, axis=self.axis, epsilon=self.epsilon
            )
            self._update_moving_statistics(mean, variance)
            return outputs
        if training and self.trainable:
            mean, variance = _moments(inputs, self._reduce, mask)
            self._update_moving_statistics(mean, variance)
        else:
            mean = ops.reshape(self.moving_mean, self._param_shape)
            variance = ops.reshape(self.moving_variance, self._param_shape)
        inv = (variance + self.epsilon) ** -0.5
        if self.gamma is not None:
            inv = inv * ops.reshape(self.gamma, self._param_shape)
        beta = None if self.beta is None else ops.reshape(self.beta, self._param_shape)
        if not is_grad_enabled() and self._fusable(inputs):
            # Inference (predict): the same arithmetic in one output buffer, no graph.
            outputs = inputs.data - mean.data
            outputs *= inv.data
            if beta is not None:
                outputs += beta.data
            return Tensor(outputs)
        outputs = (inputs - mean) * inv
        return outputs if beta is None else outputs + beta

    def _fusable(self, inputs: Tensor) -> bool:
        """Whether the fused training op applies: a floating input of the weights' dtype
        (others take the composite path, which follows the ops' dtype promotion)."""
        dtype = self.moving_mean.dtype
        return isinstance(inputs, Tensor) and inputs.dtype == dtype and dtype.kind == "f"

    def _update_moving_statistics(self, mean: Tensor, variance: Tensor) -> None:
        m = self.momentum
        self.moving_mean.assign(self.moving_mean.data * m + mean.data.reshape(-1) * (1 - m))
        self.moving_variance.assign(
            self.moving_variance.data * m + variance.data.reshape(-1) * (1 - m)
        )

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        _args.check_axis("BatchNormalization", self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": _args.serialize_initializer(self.beta_initializer),
            "gamma_initializer": _args.serialize_initializer(self.gamma_initializer),
            "moving_mean_initializer": _args.serialize_initializer(self.moving_mean_initializer),
            "moving_variance_initializer": _args.serialize_initializer(
                self.moving_variance_initializer
            ),
            "beta_regularizer": _args.serialize_regularizer(self.beta_regularizer),
            "gamma_regularizer": _args.serialize_regularizer(self.gamma_regularizer),
            "beta_constraint": _args.serialize_constraint(self.beta_constraint),
            "gamma_constraint": _args.serialize_constraint(self.gamma_constraint),
            "synchronized": False,
            "renorm": False,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }


def _moments(x: Tensor, axes: tuple, mask: Any = None) -> tuple[Tensor, Tensor]:
    """Mean and biased variance over ``axes`` (kept as size-1 axes); with a mask of shape
    ``x.shape[:-1]``, only the unmasked positions count (Keras's weighted moments)."""
    if mask is None:
        mean = ops.mean(x, axis=axes, keepdims=True)
        centred = x - mean
        return mean, ops.mean(centred * centred, axis=axes, keepdims=True)
    m = mask.data if isinstance(mask, Tensor) else mask
    weights = Tensor._make(x.xp.broadcast_to(x.xp.asarray(m)[..., None], x.shape).astype(x.dtype))
    total = ops.sum(weights, axis=axes, keepdims=True) + backend_epsilon()
    mean = ops.sum(x * weights, axis=axes, keepdims=True) / total
    centred = (x - mean) * weights
    return mean, ops.sum(centred * centred, axis=axes, keepdims=True) / total
