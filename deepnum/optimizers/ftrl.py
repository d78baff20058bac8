"""FTRL-Proximal, "Follow The Regularized Leader" (McMahan et al. 2013)."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.variable import Variable
from deepnum.backend import get_array_module
from deepnum.optimizers.base import Optimizer


class Ftrl(Optimizer):
    """FTRL-Proximal with L1, L2 and shrinkage-type L2 regularization — Keras 3's ``Ftrl``.

    With learning rate α, p = ``learning_rate_power``, λ₁, λ₂ the regularization strengths,
    λ₂' = λ₂ + β/(2α) and s the shrinkage strength, per step (elementwise)::

        g̃ = g + 2·s·w
        n' = n + g²
        z ← z + g̃ − (n'^(−p) − n^(−p))/α · w
        w ← (clip(z, −λ₁, λ₁) − z) / (n'^(−p)/α + 2·λ₂');   n ← n'

    so w = 0 wherever |z| ≤ λ₁ (sparse weights). The slots ``accumulator`` (n, starting at
    ``initial_accumulator_value``) and ``linear`` (z) are kept per variable.

    Args:
        learning_rate: α, a float or a schedule (default 0.001).
        learning_rate_power: p ≤ 0; 0 keeps the learning rate fixed (default -0.5).
        initial_accumulator_value: the starting value of n, ≥ 0 (default 0.1).
        l1_regularization_strength: λ₁ ≥ 0 (default 0).
        l2_regularization_strength: λ₂ ≥ 0 (default 0).
        l2_shrinkage_regularization_strength: s ≥ 0, an L2 penalty on the loss that acts
            through the gradient (default 0).
        beta: β, added to the L2 strength as β/(2α) (default 0).
        **kwargs: the common options of :class:`Optimizer`.

    Example:
        >>> import deepnum as dn
        >>> w = dn.Variable([0.5, -0.5])
        >>> opt = dn.optimizers.Ftrl(learning_rate=0.1, l1_regularization_strength=0.3)
        >>> opt.apply([dn.tensor([0.2, -1.0])], [w])
        >>> [round(x, 4) for x in w.numpy().tolist()]    # |z| ≤ λ₁ in the first coordinate
        [0.0, -0.2253]
    """

    def __init__(
        self,
        learning_rate: Any = 0.001,
        learning_rate_power: float = -0.5,
        initial_accumulator_value: float = 0.1,
        l1_regularization_strength: float = 0.0,
        l2_regularization_strength: float = 0.0,
        l2_shrinkage_regularization_strength: float = 0.0,
        beta: float = 0.0,
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
        for arg, value in (
            ("initial_accumulator_value", initial_accumulator_value),
            ("l1_regularization_strength", l1_regularization_strength),
            ("l2_regularization_strength", l2_regularization_strength),
            ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength),
        ):
            if value < 0.0:
                raise ValueError(
                    f"Ftrl: `{arg}` must be positive or zero. Received: {arg}={value}."
                )
        if learning_rate_power > 0.0:
            raise ValueError(
                "Ftrl: `learning_rate_power` must be negative or zero. Received: "
                f"learning_rate_power={learning_rate_power}."
            )
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, var_list: list[Variable]) -> None:
        """Create ``accumulator`` (n) and ``linear`` (z) slots per variable."""
        if self.built:
            return
        super().build(var_list)
        self._accumulators, self._linears = self.add_optimizer_variables(
            var_list, ["accumulator", "linear"], initializer=[self.initial_accumulator_value, 0]
        )

    def update_step(self, gradient: Any, variable: Variable, learning_rate: float) -> None:
        xp = get_array_module(gradient)
        w = variable.data
        n, z = self.slot("accumulator", variable), self.slot("linear", variable)
        dt = w.dtype.type
        lr, power = dt(learning_rate), dt(-self.learning_rate_power)
        l2 = dt(self.l2_regularization_strength) + dt(self.beta) / (dt(2) * lr)
        l1 = dt(self.l1_regularization_strength)
        new_n, temp = self._temp(0, w), self._temp(1, w)
        xp.add(n, xp.square(gradient, out=temp), out=new_n)
        # z += g + 2·s·w − (n'^(−p) − n^(−p)) / α · w
        sigma = xp.subtract(xp.power(new_n, power), xp.power(n, power), out=n)
        sigma /= lr
        sigma *= w
        z -= sigma
        z += gradient
        z += xp.multiply(w, dt(2 * self.l2_shrinkage_regularization_strength), out=temp)
        xp.power(new_n, power, out=temp)
        temp /= lr
        temp += dt(2) * l2
        xp.clip(z, -l1, l1, out=w)
        w -= z
        w /= temp
        n[...] = new_n

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        }
