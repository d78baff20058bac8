"""Schedule-free AdamW (Defazio et al. 2024): no learning-rate schedule needed."""

from __future__ import annotations

from typing import Any

from deepnum.autodiff.variable import Variable
from deepnum.backend import get_array_module
from deepnum.optimizers.base import Optimizer


class ScheduleFreeAdamW(Optimizer):
    """Schedule-free AdamW — Keras 3's ``ScheduleFreeAdamW``.

    Keeps the Adam iterate z (slot ``momentum``, starting at w) and the second moment v; the
    model weights y interpolate between z and the running average x of the iterates. At step
    t = iterations + 1, with learning rate α (times min(t / warmup_steps, 1) during warm-up)::

        v ← v + (1 − β₂)·(g² − v)
        z' = z − α·g / (√(v / (1 − β₂ᵗ)) + ε)
        x = (y − (1 − β₁)·z) / β₁                  (the average, recovered from y and the old z)
        x' = (1 − 1/t)·x + (1/t)·z'
        y ← (1 − β₁)·z' + β₁·x';   z ← z'

    Keras on PyTorch reads the old z after updating it in place (so it uses z' in x); deepnum
    follows the algorithm as Keras computes it on JAX and TensorFlow, with the old z.

    Args:
        learning_rate: α, a float or a schedule (default 0.0025).
        beta_1: β₁, the interpolation between z and x (default 0.9).
        beta_2: β₂, the decay of the second moment (default 0.999).
        epsilon: ε (default 1e-8).
        warmup_steps: steps of linear learning-rate warm-up (default 0: none).
        **kwargs: the common options of :class:`Optimizer`.

    Example:
        >>> import deepnum as dn
        >>> w = dn.Variable([1.0])
        >>> dn.optimizers.ScheduleFreeAdamW(learning_rate=0.1).apply([dn.tensor([2.0])], [w])
        >>> round(float(w.numpy()[0]), 4)    # z' = 0.9, x' = z' at t = 1, y = z'
        0.9
    """

    def __init__(
        self,
        learning_rate: Any = 0.0025,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        warmup_steps: int = 0,
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
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps

    def build(self, var_list: list[Variable]) -> None:
        """Create ``momentum`` (z, a copy of each variable) and ``velocity`` (v) slots."""
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"]
        )
        for momentum, var in zip(self._momentums, var_list):
            momentum.assign(var.data)

    def update_step(self, gradient: Any, variable: Variable, learning_rate: float) -> None:
        xp = get_array_module(gradient)
        y = variable.data
        z, v = self.slot("momentum", variable), self.slot("velocity", variable)
        dt = y.dtype.type
        t = dt(self._step_count() + 1)
        lr = dt(learning_rate)
        if self.warmup_steps > 0:
            lr = lr * min(t / dt(self.warmup_steps), dt(1))
        beta_1, beta_2 = dt(self.beta_1), dt(self.beta_2)
        step, x = self._temp(0, y), self._temp(1, y)
        xp.square(gradient, out=step)
        step -= v
        step *= dt(1) - beta_2
        v += step
        xp.divide(v, dt(1) - beta_2**t, out=step)
        xp.sqrt(step, out=step)
        step += dt(self.epsilon)
        xp.divide(xp.multiply(gradient, lr, out=x), step, out=step)
        # x from y and the old z, before z moves.
        xp.multiply(z, dt(1) - beta_1, out=x)
        xp.subtract(y, x, out=x)
        x /= beta_1
        z -= step
        weight = dt(1) / t
        x *= dt(1) - weight
        x += xp.multiply(z, weight, out=step)
        x *= beta_1
        xp.multiply(z, dt(1) - beta_1, out=y)
        y += x

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "warmup_steps": self.warmup_steps,
        }
