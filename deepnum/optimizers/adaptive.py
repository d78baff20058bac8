"""Per-coordinate adaptive learning rates: RMSprop, Adagrad, Adadelta."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.variable import Variable
from deepnum.backend import get_array_module
from deepnum.optimizers.base import Optimizer, check_number


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e) — Keras 3's ``RMSprop``.

    Update, with learning rate α and gradient g (all operations elementwise)::

        v ← ρ·v + (1 − ρ)·g²
        centered:  ḡ ← ρ·ḡ + (1 − ρ)·g;   d = √(v − ḡ² + ε)     else   d = √(v + ε)
        momentum:  m ← μ·m + α·g/d;   w ← w − m                  else   w ← w − α·g/d

    Note that ε sits *inside* the square root, as in Keras.

    Args:
        learning_rate: α (default 0.001).
        rho: ρ, the decay of the moving average of g², in [0, 1].
        momentum: μ ≥ 0 (default 0: no momentum slot).
        epsilon: ε (default 1e-7).
        centered: divide by an estimate of the variance instead of the second moment.
        **kwargs: the common options of :class:`Optimizer`.

    Example:
        >>> import deepnum as dn
        >>> w = dn.Variable([1.0])
        >>> dn.optimizers.RMSprop(learning_rate=0.01).apply([dn.tensor([2.0])], [w])
        >>> round(float(w.numpy()[0]), 5)    # 1 − 0.01·2/√(0.1·4)
        0.96838
    """

    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
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
        check_number("RMSprop", "rho", rho, 0, 1)
        check_number("RMSprop", "momentum", momentum, 0)
        check_number("RMSprop", "epsilon", epsilon, 0)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, var_list: list[Variable]) -> None:
        """Create the ``velocity`` slots, then ``momentum`` and ``average_gradient`` if used."""
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(var_list, "average_gradient")

    def update_step(self, gradient: Any, variable: Variable, learning_rate: float) -> None:
        xp = get_array_module(gradient)
        w, v = variable.data, self.slot("velocity", variable)
        denominator, increment = self._temp(0, w), self._temp(1, w)
        v *= self.rho
        v += xp.multiply(xp.square(gradient, out=increment), 1 - self.rho, out=increment)
        xp.add(v, self.epsilon, out=denominator)
        if self.centered:
            average = self.slot("average_gradient", variable)
            average *= self.rho
            average += xp.multiply(gradient, 1 - self.rho, out=increment)
            denominator -= xp.square(average, out=increment)
        xp.sqrt(denominator, out=denominator)
        xp.multiply(gradient, learning_rate, out=increment)
        increment /= denominator
        if self.momentum > 0:
            m = self.slot("momentum", variable)
            m *= self.momentum
            m += increment
            w -= m
        else:
            w -= increment

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }


class Adagrad(Optimizer):
    """Adagrad (Duchi et al. 2011) — Keras 3's ``Adagrad``.

    Update, with learning rate α and gradient g::

        a ← a + g²                     (a starts at initial_accumulator_value)
        w ← w − α·g / √(a + ε)

    Args:
        learning_rate: α (default 0.001).
        initial_accumulator_value: the starting value of ``a`` (default 0.1), ≥ 0.
        epsilon: ε (default 1e-7).
        **kwargs: the common options of :class:`Optimizer`.

    Example:
        >>> import deepnum as dn
        >>> w = dn.Variable([1.0])
        >>> dn.optimizers.Adagrad(learning_rate=0.1).apply([dn.tensor([0.3])], [w])
        >>> round(float(w.numpy()[0]), 5)    # 1 − 0.1·0.3/√(0.1 + 0.09)
        0.93118
    """

    def __init__(
        self,
        learning_rate: Any = 0.001,
        initial_accumulator_value: float = 0.1,
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
        check_number("Adagrad", "initial_accumulator_value", initial_accumulator_value, 0)
        check_number("Adagrad", "epsilon", epsilon, 0)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, var_list: list[Variable]) -> None:
        """Create one ``accumulator`` slot per variable, filled with the initial value."""
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=self.initial_accumulator_value
        )

    def update_step(self, gradient: Any, variable: Variable, learning_rate: float) -> None:
        xp = get_array_module(gradient)
        w, accumulator = variable.data, self.slot("accumulator", variable)
        denominator, step = self._temp(0, w), self._temp(1, w)
        accumulator += xp.square(gradient, out=step)
        xp.sqrt(xp.add(accumulator, self.epsilon, out=denominator), out=denominator)
        xp.multiply(gradient, learning_rate, out=step)
        step /= denominator
        w -= step

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }


class Adadelta(Optimizer):
    """Adadelta (Zeiler 2012) — Keras 3's ``Adadelta``.

    Update, with learning rate α and gradient g::

        E[g²] ← ρ·E[g²] + (1 − ρ)·g²
        Δ = −√(E[Δ²] + ε) · g / √(E[g²] + ε)
        E[Δ²] ← ρ·E[Δ²] + (1 − ρ)·Δ²
        w ← w + α·Δ

    Keras keeps a learning rate (default 0.001); the original paper's update is α = 1.

    Args:
        learning_rate: α (default 0.001).
        rho: ρ, the decay rate, in [0, 1] (default 0.95).
        epsilon: ε (default 1e-7).
        **kwargs: the common options of :class:`Optimizer`.

    Example:
        >>> import deepnum as dn
        >>> w = dn.Variable([1.0])
        >>> dn.optimizers.Adadelta(learning_rate=1.0).apply([dn.tensor([1.0])], [w])
        >>> round(float(w.numpy()[0]), 6)    # 1 − √1e-7 / √(0.05 + 1e-7)
        0.998586
    """

    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.95,
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
        check_number("Adadelta", "rho", rho, 0, 1)
        check_number("Adadelta", "epsilon", epsilon, 0)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, var_list: list[Variable]) -> None:
        """Create ``accumulated_grad`` and ``accumulated_delta_var`` slots per variable."""
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            var_list, ["accumulated_grad", "accumulated_delta_var"]
        )

    def update_step(self, gradient: Any, variable: Variable, learning_rate: float) -> None:
        xp = get_array_module(gradient)
        w = variable.data
        grad_sq = self.slot("accumulated_grad", variable)
        delta_sq = self.slot("accumulated_delta_var", variable)
        delta, temp = self._temp(0, w), self._temp(1, w)
        grad_sq *= self.rho
        grad_sq += xp.multiply(xp.square(gradient, out=temp), 1 - self.rho, out=temp)
        xp.sqrt(xp.add(delta_sq, self.epsilon, out=delta), out=delta)  # RMS[Δ]
        delta *= gradient
        delta /= xp.sqrt(xp.add(grad_sq, self.epsilon, out=temp), out=temp)  # / RMS[g]
        xp.negative(delta, out=delta)
        delta_sq *= self.rho
        delta_sq += xp.multiply(xp.square(delta, out=temp), 1 - self.rho, out=temp)
        w += xp.multiply(delta, learning_rate, out=delta)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
