"""Stochastic gradient descent, with momentum and Nesterov momentum; and Lion."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.variable import Variable
from deepnum.backend import get_array_module
from deepnum.optimizers.base import Optimizer, check_number


class SGD(Optimizer):
    """Gradient descent, optionally with (Nesterov) momentum — Keras 3's ``SGD``.

    Update, with learning rate α, momentum μ and gradient g::

        μ = 0:            w ← w − α·g
        momentum:         v ← μ·v − α·g;   w ← w + v
        nesterov=True:    v ← μ·v − α·g;   w ← w + μ·v − α·g

    Args:
        learning_rate: α, a float or a schedule (default 0.01).
        momentum: μ in [0, 1] (default 0: plain gradient descent).
        nesterov: use Nesterov momentum.
        **kwargs: the common options of :class:`Optimizer` (clipnorm, weight_decay, ...).

    Example:
        >>> import deepnum as dn
        >>> w = dn.Variable([1.0])
        >>> opt = dn.optimizers.SGD(learning_rate=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.apply([dn.tensor([1.0])], [w])
        >>> round(float(w.numpy()[0]), 6)    # 1 - 0.1 - (0.9·0.1 + 0.1)
        0.71
    """

    def __init__(
        self,
        learning_rate: Any = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
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
        check_number("SGD", "momentum", momentum, 0, 1)
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, var_list: list[Variable]) -> None:
        """Create one ``momentum`` slot per variable (only when momentum ≠ 0)."""
        if self.built:
            return
        super().build(var_list)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(var_list, "momentum")

    def update_step(self, gradient: Any, variable: Variable, learning_rate: float) -> None:
        xp = get_array_module(gradient)
        w = variable.data
        step = xp.multiply(gradient, learning_rate, out=self._temp(0, w))  # α·g
        if self.momentum == 0:
            w -= step
            return
        v = self.slot("momentum", variable)
        v *= self.momentum
        v -= step
        if self.nesterov:
            w -= step
            w += xp.multiply(v, self.momentum, out=step)
        else:
            w += v

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Lion(Optimizer):
    """Lion ("evoLved sIgn mOmeNtum", Chen et al. 2023) — Keras 3's ``Lion``.

    Update, with learning rate α and gradient g::

        w ← w − α · sign(β₁·m + (1 − β₁)·g)
        m ← β₂·m + (1 − β₂)·g

    Every coordinate moves by exactly ±α, so Lion wants a learning rate 3–10× smaller than
    AdamW's.

    Args:
        learning_rate: α (default 0.001).
        beta_1: interpolation factor of the update direction, in (0, 1].
        beta_2: decay of the momentum ``m``, in [0, 1].
        **kwargs: the common options of :class:`Optimizer`.

    Example:
        >>> import deepnum as dn
        >>> w = dn.Variable([1.0, 1.0])
        >>> dn.optimizers.Lion(learning_rate=0.1).apply([dn.tensor([3.0, -0.5])], [w])
        >>> [round(x, 6) for x in w.numpy().tolist()]
        [0.9, 1.1]
    """

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.99,
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
        check_number("Lion", "beta_1", beta_1, 0, 1, low_open=True)
        check_number("Lion", "beta_2", beta_2, 0, 1)
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def build(self, var_list: list[Variable]) -> None:
        """Create one ``momentum`` slot per variable."""
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")

    def update_step(self, gradient: Any, variable: Variable, learning_rate: float) -> None:
        xp = get_array_module(gradient)
        w, m = variable.data, self.slot("momentum", variable)
        direction, temp = self._temp(0, w), self._temp(1, w)
        xp.multiply(m, self.beta_1, out=direction)
        direction += xp.multiply(gradient, 1 - self.beta_1, out=temp)
        xp.sign(direction, out=direction)
        direction *= learning_rate
        w -= direction
        m *= self.beta_2
        m += xp.multiply(gradient, 1 - self.beta_2, out=temp)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
