"""Lamb: Adam with a layer-wise trust ratio (You et al. 2019)."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.variable import Variable
from deepnum.backend import get_array_module
from deepnum.optimizers.base import Optimizer, check_number


class Lamb(Optimizer):
    """LAMB ("Layer-wise Adaptive Moments for Batch training") — Keras 3's ``Lamb``.

    Adam's direction, rescaled per variable so that the step is proportional to the weight's
    norm. At step t = iterations + 1, with learning rate α and gradient g::

        m ← m + (1 − β₁)·(g − m);   v ← v + (1 − β₂)·(g² − v)
        u = (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
        r = ‖w‖₂ / ‖u‖₂   (r = 1 when either norm is 0)
        w ← w − r·α·u

    The norms are of the whole variable, so Lamb updates each variable on its own (never one
    flat buffer of all parameters).

    Args:
        learning_rate: α, a float or a schedule (default 0.001).
        beta_1: β₁ in [0, 1) (default 0.9).
        beta_2: β₂ in [0, 1) (default 0.999).
        epsilon: ε ≥ 0 (default 1e-7).
        **kwargs: the common options of :class:`Optimizer` (weight_decay, clipnorm, use_ema,
            loss_scale_factor, gradient_accumulation_steps, name, ...).

    Example:
        >>> import deepnum as dn
        >>> w = dn.Variable([3.0, 4.0])
        >>> dn.optimizers.Lamb(learning_rate=0.1).apply([dn.tensor([1.0, 1.0])], [w])
        >>> [round(x, 4) for x in w.numpy().tolist()]    # u ≈ (1, 1), r = 5/√2
        [2.6464, 3.6464]
    """

    _per_variable_update = True

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps,
            name=name,
            **kwargs,
        )
        check_number("Lamb", "beta_1", beta_1, 0, 1, high_open=True)
        check_number("Lamb", "beta_2", beta_2, 0, 1, high_open=True)
        check_number("Lamb", "epsilon", epsilon, 0)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list: list[Variable]) -> None:
        """Create ``momentum`` and ``velocity`` slots per variable."""
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"]
        )

    def update_step(self, gradient: Any, variable: Variable, learning_rate: float) -> None:
        xp = get_array_module(gradient)
        w = variable.data
        m, v = self.slot("momentum", variable), self.slot("velocity", variable)
        dt = w.dtype.type
        t = dt(self._step_count() + 1)
        update, temp = self._temp(0, w), self._temp(1, w)
        m += xp.multiply(xp.subtract(gradient, m, out=temp), dt(1 - self.beta_1), out=temp)
        xp.square(gradient, out=temp)
        temp -= v
        temp *= dt(1 - self.beta_2)
        v += temp
        xp.divide(v, dt(1) - dt(self.beta_2) ** t, out=temp)
        xp.sqrt(temp, out=temp)
        temp += dt(self.epsilon)
        xp.divide(m, dt(1) - dt(self.beta_1) ** t, out=update)
        update /= temp
        w_norm = xp.sqrt(xp.sum(xp.square(w)))
        u_norm = xp.sqrt(xp.sum(xp.square(update)))
        ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else dt(1)
        update *= dt(ratio) * dt(learning_rate)
        w -= update

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
