"""Adam and its relatives: Adam (with AMSGrad), AdamW, Adamax, Nadam."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.variable import Variable
from deepnum.backend import accel, get_array_module
from deepnum.optimizers.base import Optimizer, check_number


def _check_betas(owner: str, beta_1: float, beta_2: float, epsilon: float) -> None:
    check_number(owner, "beta_1", beta_1, 0, 1, high_open=True)
    check_number(owner, "beta_2", beta_2, 0, 1, high_open=True)
    check_number(owner, "epsilon", epsilon, 0)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2014) — Keras 3's ``Adam``, with its ε placement and ε = 1e-7.

    Update at step t = iterations + 1, with learning rate α and gradient g::

        m ← β₁·m + (1 − β₁)·g
        v ← β₂·v + (1 − β₂)·g²
        amsgrad:  v̂ ← max(v̂, v), and v̂ replaces v below
        α_t = α · √(1 − β₂ᵗ) / (1 − β₁ᵗ)
        w ← w − α_t · m / (√v + ε̂)

    The bias correction is folded into α_t, so ε̂ = ε is added to the *uncorrected* √v (the
    "epsilon hat" of the paper's section 2) — not to √v̂ as in PyTorch's Adam.

    Args:
        learning_rate: α, a float or a schedule (default 0.001).
        beta_1: β₁ in [0, 1), decay of the first moment (default 0.9).
        beta_2: β₂ in [0, 1), decay of the second moment (default 0.999).
        epsilon: ε̂ ≥ 0 (default 1e-7).
        amsgrad: use the AMSGrad variant (Reddi et al. 2018).
        **kwargs: the common options of :class:`Optimizer`.

    Example:
        >>> import deepnum as dn
        >>> w = dn.Variable([1.0, -1.0])
        >>> dn.optimizers.Adam(learning_rate=0.1).apply([dn.tensor([0.5, -2.0])], [w])
        >>> [round(x, 5) for x in w.numpy().tolist()]    # the first step moves each weight by ≈ α
        [0.9, -0.9]
    """

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
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
        _check_betas(type(self).__name__, beta_1, beta_2, epsilon)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, var_list: list[Variable]) -> None:
        """Create ``momentum`` and ``velocity`` slots (and ``velocity_hat`` for AMSGrad)."""
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"]
        )
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def update_step(self, gradient: Any, variable: Variable, learning_rate: float) -> None:
        xp = get_array_module(gradient)
        w = variable.data
        m, v = self.slot("momentum", variable), self.slot("velocity", variable)
        dt = w.dtype.type
        t = dt(self._step_count() + 1)
        alpha = dt(learning_rate) * np.sqrt(dt(1) - dt(self.beta_2) ** t)
        alpha /= dt(1) - dt(self.beta_1) ** t
        fused = _fused_adam(w, gradient, m, v) if not self.amsgrad else None
        if fused is not None:  # one compiled pass, the same operations as below
            betas = (self.beta_1, 1 - self.beta_1, self.beta_2, 1 - self.beta_2)
            flat = [a.reshape(-1) for a in (w, gradient, m, v)]
            fused(*flat, *(dt(b) for b in betas), alpha, dt(self.epsilon))
            return
        denominator, step = self._temp(0, w), self._temp(1, w)
        m *= self.beta_1
        m += xp.multiply(gradient, 1 - self.beta_1, out=step)
        v *= self.beta_2
        v += xp.multiply(xp.square(gradient, out=step), 1 - self.beta_2, out=step)
        if self.amsgrad:
            v_hat = self.slot("velocity_hat", variable)
            v = xp.maximum(v_hat, v, out=v_hat)
        xp.sqrt(v, out=denominator)
        denominator += self.epsilon
        xp.multiply(m, alpha, out=step)
        step /= denominator
        w -= step

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }


def _fused_adam(w: Any, g: Any, m: Any, v: Any) -> Any:
    """numba's Adam kernel (``deepnum.backend.accel``) for contiguous NumPy float arrays, or
    None."""
    return accel.kernel_for("adam", w, m, v) if g.dtype == w.dtype else None


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019) — Keras 3's ``AdamW``.

    Before each Adam update: ``w ← w · (1 − weight_decay · α)``. It is Adam with a
    ``weight_decay`` that defaults to 0.004 (and must be set).

    Args:
        learning_rate: α (default 0.001).
        weight_decay: the decay rate (default 0.004).
        beta_1, beta_2, epsilon, amsgrad: as in :class:`Adam`.
        **kwargs: the common options of :class:`Optimizer`.

    Example:
        >>> import deepnum as dn
        >>> w = dn.Variable([1.0])
        >>> opt = dn.optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
        >>> opt.apply([dn.tensor([0.0])], [w])    # zero gradient: decay only
        >>> round(float(w.numpy()[0]), 6)
        0.95
    """

    def __init__(
        self,
        learning_rate: Any = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
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
        if weight_decay is None:
            raise ValueError(
                "AdamW: argument `weight_decay` must be a float >= 0. Received: weight_decay=None"
            )
        super().__init__(
            learning_rate=learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
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


class Adamax(Optimizer):
    """Adamax, Adam with the infinity norm (Kingma & Ba 2014, §7) — Keras 3's ``Adamax``.

    Update at step t = iterations + 1::

        m ← β₁·m + (1 − β₁)·g
        u ← max(β₂·u, |g|)
        w ← w − α·m / ((1 − β₁ᵗ)·(u + ε))

    Args:
        learning_rate: α (default 0.001).
        beta_1: β₁ in [0, 1) (default 0.9).
        beta_2: β₂ in [0, 1), decay of the infinity norm (default 0.999).
        epsilon: ε (default 1e-7).
        **kwargs: the common options of :class:`Optimizer`.

    Example:
        >>> import deepnum as dn
        >>> w = dn.Variable([1.0])
        >>> dn.optimizers.Adamax(learning_rate=0.1).apply([dn.tensor([4.0])], [w])
        >>> round(float(w.numpy()[0]), 5)
        0.9
    """

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
        _check_betas("Adamax", beta_1, beta_2, epsilon)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list: list[Variable]) -> None:
        """Create ``momentum`` (m) and ``norm`` (u) slots per variable."""
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = self.add_optimizer_variables(var_list, ["momentum", "norm"])

    def update_step(self, gradient: Any, variable: Variable, learning_rate: float) -> None:
        xp = get_array_module(gradient)
        w = variable.data
        m, u = self.slot("momentum", variable), self.slot("norm", variable)
        dt = w.dtype.type
        correction = dt(1) - dt(self.beta_1) ** dt(self._step_count() + 1)
        denominator, step = self._temp(0, w), self._temp(1, w)
        m *= self.beta_1
        m += xp.multiply(gradient, 1 - self.beta_1, out=step)
        u *= self.beta_2
        xp.maximum(u, xp.abs(gradient, out=step), out=u)
        xp.add(u, self.epsilon, out=denominator)
        denominator *= correction
        xp.multiply(m, learning_rate, out=step)
        step /= denominator
        w -= step

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }


class Nadam(Optimizer):
    """Nadam, Adam with Nesterov momentum (Dozat 2016) — Keras 3's ``Nadam``.

    With the momentum schedule μ_t = β₁·(1 − 0.5·0.96ᵗ) and Π_t = μ_1·…·μ_t::

        m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²
        m̂ = μ_{t+1}·m / (1 − Π_t·μ_{t+1}) + (1 − μ_t)·g / (1 − Π_t)
        v̂ = v / (1 − β₂ᵗ)
        w ← w − α·m̂ / (√v̂ + ε)

    Π_t is kept in the optimizer variable ``u_product``.

    Args:
        learning_rate: α (default 0.001).
        beta_1, beta_2: in [0, 1) (defaults 0.9, 0.999).
        epsilon: ε (default 1e-7).
        **kwargs: the common options of :class:`Optimizer`.

    Example:
        >>> import deepnum as dn
        >>> w = dn.Variable([1.0])
        >>> dn.optimizers.Nadam(learning_rate=0.1).apply([dn.tensor([1.0])], [w])
        >>> round(float(w.numpy()[0]), 4)
        0.8937
    """

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
        _check_betas("Nadam", beta_1, beta_2, epsilon)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list: list[Variable]) -> None:
        """Create ``momentum`` and ``velocity`` slots, then the scalar ``u_product``."""
        if self.built:
            return
        dtype = var_list[0].dtype if var_list else None
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"]
        )
        self._u_product = self.add_variable((), initializer=1.0, dtype=dtype, name="u_product")

    def _mu(self, step: int, dt: type) -> Any:
        return dt(self.beta_1) * (dt(1) - dt(0.5) * dt(0.96) ** dt(step))

    def _backend_update_step(
        self, grads: list[Any], variables: list[Variable], learning_rate: float
    ) -> None:
        # Π_t advances once per update, before the per-variable steps read it.
        dt = self._u_product.dtype.type
        self._u_product.data *= self._mu(self._step_count() + 1, dt)
        super()._backend_update_step(grads, variables, learning_rate)

    def update_step(self, gradient: Any, variable: Variable, learning_rate: float) -> None:
        xp = get_array_module(gradient)
        w = variable.data
        m, v = self.slot("momentum", variable), self.slot("velocity", variable)
        dt = w.dtype.type
        t = self._step_count() + 1
        mu_t, mu_next = self._mu(t, dt), self._mu(t + 1, dt)
        u_product = dt(self._u_product.data)
        m_coefficient = mu_next / (dt(1) - u_product * mu_next)
        g_coefficient = (dt(1) - mu_t) / (dt(1) - u_product)
        v_correction = dt(1) - dt(self.beta_2) ** dt(t)
        m_hat, temp = self._temp(0, w), self._temp(1, w)
        m *= self.beta_1
        m += xp.multiply(gradient, 1 - self.beta_1, out=temp)
        v *= self.beta_2
        v += xp.multiply(xp.square(gradient, out=temp), 1 - self.beta_2, out=temp)
        xp.multiply(m, m_coefficient, out=m_hat)
        m_hat += xp.multiply(gradient, g_coefficient, out=temp)
        xp.sqrt(xp.divide(v, v_correction, out=temp), out=temp)
        temp += self.epsilon
        m_hat *= learning_rate
        m_hat /= temp
        w -= m_hat

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
