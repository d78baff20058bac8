"""Activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax (Keras 3) and Maxout (the semantics
of TensorFlow-Addons' layer; Keras has none)."""

from __future__ import annotations

import numbers
from typing import Any

from deepnum import activations, initializers, ops, regularizers
from deepnum.autodiff.tensor import Tensor, shape_str
from deepnum.layers import _args
from deepnum.layers.input_spec import InputSpec
from deepnum.layers.layer import Layer


class _Elementwise(Layer):
    """An activation with no weights: same output shape, masks pass through."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)


class ReLU(_Elementwise):
    """Rectified linear unit with Keras's options.

    f(x) = max_value                        if x ≥ max_value
           x                                if threshold ≤ x < max_value
           negative_slope · (x − threshold) otherwise

    Args:
        max_value: upper bound (``None``: unbounded); ≥ 0.
        negative_slope: slope below the threshold; ≥ 0.
        threshold: where the function starts to pass x through; ≥ 0.

    Example:
        >>> import deepnum as dn
        >>> dn.layers.ReLU(max_value=6.0)(dn.tensor([-1.0, 3.0, 9.0])).numpy().tolist()
        [0.0, 3.0, 6.0]
    """

    def __init__(
        self,
        max_value: float | None = None,
        negative_slope: float = 0.0,
        threshold: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if max_value is not None:
            max_value = _args.number("ReLU", "max_value", max_value, 0.0)
        self.max_value = max_value
        self.negative_slope = _args.number("ReLU", "negative_slope", negative_slope, 0.0)
        self.threshold = _args.number("ReLU", "threshold", threshold, 0.0)

    def call(self, inputs: Tensor) -> Tensor:
        return activations.relu(
            inputs,
            negative_slope=self.negative_slope,
            max_value=self.max_value,
            threshold=self.threshold,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }


class LeakyReLU(_Elementwise):
    """f(x) = x for x ≥ 0, ``negative_slope`` · x otherwise (Keras 3 layer default 0.3).

    Args:
        negative_slope: slope for x < 0, ≥ 0. (``alpha`` is accepted as Keras 2's name.)

    Example:
        >>> import deepnum as dn
        >>> dn.layers.LeakyReLU()(dn.tensor([-10.0, 1.0])).numpy().tolist()
        [-3.0, 1.0]
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = _args.number("LeakyReLU", "negative_slope", negative_slope, 0.0)

    def call(self, inputs: Tensor) -> Tensor:
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self) -> dict:
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(_Elementwise):
    """Exponential linear unit: f(x) = x for x > 0, α (eˣ − 1) otherwise.

    Example:
        >>> import deepnum as dn
        >>> round(float(dn.layers.ELU()(dn.tensor([-50.0]))[0]), 4)
        -1.0
    """

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha = _args.number("ELU", "alpha", alpha)

    def call(self, inputs: Tensor) -> Tensor:
        return activations.elu(inputs, alpha=self.alpha)

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha}


class PReLU(_Elementwise):
    """Parametric ReLU with a learned slope per unit: f(x) = max(x, 0) − α · max(−x, 0).

    Args:
        alpha_initializer: initializer of α (default zeros: starts as ReLU).
        alpha_regularizer, alpha_constraint: as in Dense.
        shared_axes: axes (counted with the batch axis as 0) along which α is shared, e.g.
            ``[1, 2]`` for one slope per channel of ``(batch, h, w, channels)`` images.

    α has the input's shape without the batch axis, with size 1 on ``shared_axes``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> layer = dn.layers.PReLU(shared_axes=[1])
        >>> layer(np.zeros((2, 5, 3), "float32")).shape, layer.alpha.shape
        ((2, 5, 3), (1, 3))
    """

    def __init__(
        self,
        alpha_initializer: Any = "Zeros",
        alpha_regularizer: Any = None,
        alpha_constraint: Any = None,
        shared_axes: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = _args.constraint("PReLU", "alpha_constraint", alpha_constraint)
        if shared_axes is not None:
            axes = shared_axes if isinstance(shared_axes, (list, tuple)) else [shared_axes]
            if not all(
                isinstance(a, numbers.Integral) and not isinstance(a, bool) and a >= 1 for a in axes
            ):
                raise ValueError(
                    "PReLU: argument `shared_axes` must be None or positive axis indices (the "
                    f"batch axis 0 cannot be shared), received shared_axes={shared_axes!r}."
                )
            shared_axes = [int(a) for a in axes]
        self.shared_axes = shared_axes
        self.alpha = None

    def build(self, input_shape: tuple) -> None:
        shape = list(input_shape[1:])
        for a in self.shared_axes or []:
            if a >= len(input_shape):
                raise ValueError(
                    f'PReLU "{self.name}": shared axis {a} is out of range for inputs of shape '
                    f"{shape_str((None,) + tuple(input_shape[1:]))}."
                )
            shape[a - 1] = 1
        if None in shape:
            raise ValueError(
                f'PReLU "{self.name}": every non-shared axis must have a known size, received '
                f"input shape {shape_str((None,) + tuple(input_shape[1:]))}; share the unknown "
                "axes with `shared_axes`."
            )
        self.alpha = self.add_weight(
            tuple(shape),
            self.alpha_initializer,
            name="alpha",
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )
        axes = {
            i: input_shape[i]
            for i in range(1, len(input_shape))
            if i not in (self.shared_axes or [])
        }
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        return ops.relu(inputs) - self.alpha * ops.relu(-inputs)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "alpha_initializer": _args.serialize_initializer(self.alpha_initializer),
            "alpha_regularizer": _args.serialize_regularizer(self.alpha_regularizer),
            "alpha_constraint": _args.serialize_constraint(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }


class Softmax(_Elementwise):
    """softmax(x)ᵢ = e^(xᵢ) / Σⱼ e^(xⱼ) along ``axis``, with Keras's masking.

    With a mask (boolean, broadcastable to the input from the right), masked positions get the
    logit −1e9 before the softmax and the output 0 after it, so they receive no probability.

    Args:
        axis: an int or a list of ints (a softmax over several axes jointly).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> y = dn.layers.Softmax()(dn.tensor([[1.0, 1.0, 5.0]]), mask=np.array([[1, 1, 0]]))
        >>> y.numpy().tolist()
        [[0.5, 0.5, 0.0]]
    """

    def __init__(self, axis: int | list[int] = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = _args.axis_arg("Softmax", "axis", axis)

    def call(self, inputs: Tensor, mask: Any = None) -> Tensor:
        keep = None
        if mask is not None:
            keep = _softmax_mask(inputs, mask)
            inputs = ops.where(keep, inputs, -1e9)
        if isinstance(self.axis, list) and len(self.axis) > 1:
            axes = tuple(self.axis)
            outputs = ops.exp(inputs - ops.logsumexp(inputs, axis=axes, keepdims=True))
        else:
            outputs = ops.softmax(
                inputs, axis=self.axis[0] if isinstance(self.axis, list) else self.axis
            )
        return outputs if keep is None else ops.where(keep, outputs, 0.0)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


def _softmax_mask(inputs: Tensor, mask: Any) -> Any:
    m = inputs.xp.asarray(mask.data if isinstance(mask, Tensor) else mask)
    ok = m.ndim <= inputs.ndim and all(
        a == 1 or a == b for a, b in zip(m.shape[::-1], inputs.shape[::-1])
    )
    if not ok:
        raise ValueError(
            f"Softmax: the mask of shape {shape_str(m.shape)} must broadcast to the inputs of "
            f"shape {shape_str(inputs.shape)} (each mask axis 1 or equal, aligned from the right)."
        )
    return m if m.dtype == bool else m > 0.5


class Maxout(Layer):
    """Maxout (Goodfellow et al., 2013): the max over groups of pieces along ``axis``.

    With ``grouping="contiguous"`` (the default) the axis of size d (a multiple of
    ``num_units``) is viewed as ``(num_units, d // num_units)`` — contiguous groups — and each
    group's max is taken:

        y[..., j] = max_i x[..., j · (d / num_units) + i]

    ``grouping="strided"`` reproduces what ``tfa.layers.Maxout``'s code computes (a reshape to
    ``(d // num_units, num_units)``): unit j is the max of the pieces ``num_units`` apart,

        y[..., j] = max_i x[..., i · num_units + j]

    Both give the same family of functions (a fixed permutation of the preceding layer's
    units), so either trains equally well; ``"strided"`` loads weights trained with
    TensorFlow-Addons unchanged.

    Args:
        num_units: number of outputs along ``axis``; must divide the input's size there.
        axis: the axis to reduce (default the last).
        grouping: ``"contiguous"`` or ``"strided"``.

    Example:
        >>> import deepnum as dn
        >>> dn.layers.Maxout(2)(dn.tensor([[1.0, 5.0, 3.0, 2.0]])).numpy().tolist()
        [[5.0, 3.0]]
        >>> dn.layers.Maxout(2, grouping="strided")(dn.tensor([[1.0, 5.0, 3.0, 2.0]])).tolist()
        [[3.0, 5.0]]
    """

    def __init__(
        self, num_units: int, axis: int = -1, grouping: str = "contiguous", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.num_units = _args.positive_int("Maxout", "num_units", num_units)
        axis = _args.axis_arg("Maxout", "axis", axis)
        if isinstance(axis, list):
            raise ValueError(f"Maxout: argument `axis` must be one integer, received axis={axis}.")
        if grouping not in ("contiguous", "strided"):
            raise ValueError(
                f"Maxout: argument `grouping` must be 'contiguous' or 'strided', received "
                f"grouping={grouping!r}."
            )
        self.axis = axis
        self.grouping = grouping

    def build(self, input_shape: tuple) -> None:
        self.compute_output_shape(input_shape)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        axis = self.axis % inputs.ndim
        shape = inputs.shape
        pieces = shape[axis] // self.num_units
        if self.grouping == "contiguous":
            groups, reduce_axis = (self.num_units, pieces), axis + 1
        else:
            groups, reduce_axis = (pieces, self.num_units), axis
        grouped = ops.reshape(inputs, shape[:axis] + groups + shape[axis + 1 :])
        return ops.max(grouped, axis=reduce_axis)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        axis = _args.check_axis(f'Maxout "{self.name}"', self.axis, input_shape)
        size = input_shape[axis]
        if size is not None and size % self.num_units:
            raise ValueError(
                f'Maxout "{self.name}": the input axis {self.axis} has size {size}, which is not a '
                f"multiple of num_units={self.num_units} (input shape "
                f"{shape_str((None,) + tuple(input_shape[1:]))})."
            )
        out = list(input_shape)
        out[axis] = self.num_units
        return tuple(out)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_units": self.num_units,
            "axis": self.axis,
            "grouping": self.grouping,
        }


__all__ = ["ELU", "LeakyReLU", "Maxout", "PReLU", "ReLU", "Softmax"]
