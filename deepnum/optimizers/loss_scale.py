"""LossScaleOptimizer: dynamic loss scaling around another optimizer (mixed precision)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from deepnum.autodiff.tensor import Tensor
from deepnum.autodiff.variable import Variable
from deepnum.backend import get_array_module
from deepnum.optimizers.base import Optimizer

# Keras's base-optimizer options, with their defaults: a LossScaleOptimizer refuses any other
# value (they belong on the inner optimizer).
_INNER_ONLY = {
    "weight_decay": None,
    "clipnorm": None,
    "global_clipnorm": None,
    "clipvalue": None,
    "use_ema": False,
    "ema_momentum": 0.99,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}


class LossScaleOptimizer(Optimizer):
    """Scale the loss up so that small gradients survive low precision — Keras 3's
    ``LossScaleOptimizer``.

    ``scale_loss(loss)`` multiplies the loss by the current scale S; :meth:`apply` then
    checks the gradients. All finite: they are divided by S and handed to the inner optimizer,
    and after ``dynamic_growth_steps`` such steps in a row S doubles. Any NaN or inf: nothing
    is updated and S halves (the step is skipped). S and the step counter are the variables
    ``dynamic_scale`` and ``step_counter``.

    Args:
        inner_optimizer: the optimizer that applies the unscaled gradients.
        initial_scale: S at the start (default 2¹⁵).
        dynamic_growth_steps: finite steps between two doublings of S (default 2000).
        name: the optimizer's name.
        **kwargs: only Keras's base options at their defaults (set the others on the inner
            optimizer); ``dynamic=False`` is refused as in Keras.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> w = dn.Variable([1.0])
        >>> opt = dn.optimizers.LossScaleOptimizer(dn.optimizers.SGD(0.5), initial_scale=4.0)
        >>> opt.apply([dn.tensor([8.0])], [w])        # 8 / 4 = 2: w = 1 − 0.5·2
        >>> opt.apply([dn.tensor([np.inf])], [w])     # skipped, the scale halves
        >>> float(w.numpy()[0]), float(opt.dynamic_scale.numpy())
        (0.0, 2.0)
    """

    def __init__(
        self,
        inner_optimizer: Optimizer,
        initial_scale: float = 2.0**15,
        dynamic_growth_steps: int = 2000,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not kwargs.pop("dynamic", True):
            raise ValueError(
                "LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set "
                "`loss_scale_factor` directly on the `inner_optimizer`."
            )
        for arg, default in _INNER_ONLY.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(
                    f"LossScaleOptimizer does not support `{arg}`. Instead, set `{arg}` on the "
                    "`inner_optimizer`."
                )
        if kwargs:
            raise ValueError(
                f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs)}`."
            )
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(
                "LossScaleOptimizer: `inner_optimizer` must be a deepnum Optimizer. "
                f"Received: {inner_optimizer!r}"
            )
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        self.inner_optimizer.loss_scale_factor = None

    def build(self, var_list: Sequence[Variable]) -> None:
        """Create ``step_counter`` and ``dynamic_scale``, then build the inner optimizer."""
        self.step_counter = self.add_variable((), initializer=0, dtype="int32", name="step_counter")
        self.dynamic_scale = self.add_variable(
            (), initializer=self.initial_scale, dtype="float32", name="dynamic_scale"
        )
        self.inner_optimizer.build(var_list)
        super().build(var_list)

    @property
    def variables(self) -> list[Variable]:
        """Own variables (iteration, learning_rate, step_counter, dynamic_scale), then the
        inner optimizer's."""
        return list(self._variables) + self.inner_optimizer.variables

    def apply(
        self, grads: Sequence[Any], trainable_variables: Sequence[Variable] | None = None
    ) -> None:
        """Apply the unscaled gradients when all are finite, then adapt the scale."""
        if not self.built:
            if trainable_variables is None:
                raise ValueError(
                    f"{self.name}: when passing `grads` without variables, the optimizer must "
                    "already be built; call `optimizer.build(trainable_variables)` first."
                )
            self.build(trainable_variables)
        grads = [_as_array(g) for g in grads]
        if not self.check_finite(grads):
            self.step_counter.assign(0)
            self.dynamic_scale.assign(self.dynamic_scale.data * np.float32(0.5))
            return
        scale = self.dynamic_scale.data
        unscaled = [None if g is None else g / scale for g in grads]
        self.inner_optimizer.apply(unscaled, trainable_variables)
        if int(self.step_counter.data) == self.dynamic_growth_steps - 1:
            self.step_counter.assign(0)
            self.dynamic_scale.assign(scale * np.float32(2))
        else:
            self.step_counter.assign(int(self.step_counter.data) + 1)

    @staticmethod
    def check_finite(grads: Sequence[Any]) -> bool:
        """True when no gradient holds a NaN or an infinity (``None`` entries are ignored)."""
        arrays = [_as_array(g) for g in grads if g is not None]
        return all(bool(get_array_module(g).isfinite(g).all()) for g in arrays)

    @property
    def learning_rate(self) -> Any:
        """The inner optimizer's learning rate (settable)."""
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate: Any) -> None:
        self.inner_optimizer.learning_rate = learning_rate

    @property
    def iterations(self) -> Any:
        """The inner optimizer's update count (skipped steps do not count)."""
        return self.inner_optimizer.iterations

    def scale_loss(self, loss: Any) -> Any:
        """``loss · S``, the current dynamic scale (``initial_scale`` before building)."""
        scale = float(self.dynamic_scale.data) if self.built else self.initial_scale
        return loss * scale

    def finalize_variable_values(self, var_list: Sequence[Variable]) -> None:
        self.inner_optimizer.finalize_variable_values(var_list)

    def _saveable_children(self) -> list[tuple[str, Any]]:
        """The nested optimizer Keras saves under ``inner_optimizer`` in weights files."""
        return [("inner_optimizer", self.inner_optimizer)]

    def get_config(self) -> dict[str, Any]:
        from deepnum.optimizers import serialize

        return {
            "name": self.name,
            "inner_optimizer": serialize(self.inner_optimizer),
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None
    ) -> LossScaleOptimizer:
        from deepnum.optimizers import deserialize

        config = dict(config)
        inner = deserialize(config.pop("inner_optimizer"), custom_objects=custom_objects)
        return cls(inner, **config)


def _as_array(grad: Any) -> Any:
    """A gradient as an array (Tensors unwrapped, lists converted), or None."""
    if grad is None or hasattr(grad, "dtype") and not isinstance(grad, Tensor):
        return grad
    return grad.data if isinstance(grad, Tensor) else np.asarray(grad, dtype=np.float32)
