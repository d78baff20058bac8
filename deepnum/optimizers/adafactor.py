"""Adafactor: Adam-like steps with factored second moments (Shazeer & Stern 2018)."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepnum.autodiff.variable import Variable
from deepnum.backend import get_array_module
from deepnum.optimizers.base import Optimizer


class Adafactor(Optimizer):
    """Adafactor — Keras 3's ``Adafactor``.

    For a variable of rank ≥ 2 the second moment of the gradient is stored as a row vector r
    (mean over the last axis) and a column vector c (mean over the second-to-last axis), not a
    full matrix. At step t = iterations + 1, with ρ_t = min(α, 1/√t) and G = g² + ε₁::

        β_t = 1 − t^(beta_2_decay)
        rank ≥ 2:  r ← β_t·r + (1 − β_t)·mean(G, −1);   c ← β_t·c + (1 − β_t)·mean(G, −2)
                   v = (r / mean(r, −1))[..., None] · c[..., None, :]
        rank < 2:  v ← β_t·v + (1 − β_t)·G
        u = g / √v;   û = u / max(1, RMS(u) / clip_threshold)
        w ← w − max(ε₂, RMS(w))·ρ_t·û

    where RMS(x) = √mean(x²) over the whole variable. With ``relative_step`` and a constant
    learning rate, α itself is first replaced by min(α, 1/√t). A variable of rank < 2 gets two
    unused integer scalars in place of r and c, as in Keras, so that files hold the same
    variables.

    Args:
        learning_rate: α, a float or a schedule (default 0.001).
        beta_2_decay: the exponent of the decay of β_t (default -0.8).
        epsilon_1: ε₁, added to g² (default 1e-30).
        epsilon_2: ε₂, the smallest weight scale of a step (default 1e-3).
        clip_threshold: the RMS bound of the normalized update û (default 1.0).
        relative_step: cap a constant learning rate at 1/√t (default True).
        **kwargs: the common options of :class:`Optimizer`.

    Example:
        >>> import deepnum as dn
        >>> w = dn.Variable([[1.0, 2.0], [3.0, 4.0]])
        >>> dn.optimizers.Adafactor(learning_rate=0.1).apply([dn.ops.ones((2, 2))], [w])
        >>> [round(x, 4) for x in w.numpy().ravel().tolist()]    # RMS(w)·ρ_t = 0.2739
        [0.7261, 1.7261, 2.7261, 3.7261]
    """

    _per_variable_update = True

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_2_decay: float = -0.8,
        epsilon_1: float = 1e-30,
        epsilon_2: float = 1e-3,
        clip_threshold: float = 1.0,
        relative_step: bool = True,
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
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def build(self, var_list: list[Variable]) -> None:
        """Create, per variable in order, r, c (factored moments) and the ``velocity`` v."""
        if self.built:
            return
        super().build(var_list)
        self._r, self._c, self._v = [], [], []
        for var in var_list:
            if len(var.shape) < 2:
                # Keras keeps two plain integer placeholders for r and c here.
                for store in (self._r, self._c):
                    placeholder = Variable(np.int32(0), trainable=False, name=var.name)
                    self._variables.append(placeholder)
                    store.append(placeholder)
            else:
                row, col = var.shape[:-1], var.shape[:-2] + var.shape[-1:]
                self._r.append(self.add_variable(row, dtype=var.dtype, name=var.name))
                self._c.append(self.add_variable(col, dtype=var.dtype, name=var.name))
            self._v.append(self.add_variable_from_reference(var, "velocity"))

    def update_step(self, gradient: Any, variable: Variable, learning_rate: float) -> None:
        xp = get_array_module(gradient)
        w = variable.data
        dt = w.dtype.type
        index = self._get_variable_index(variable)
        t = dt(self._step_count() + 1)
        lr = dt(learning_rate)
        if self.relative_step and not callable(self._learning_rate):
            lr = min(lr, dt(1) / np.sqrt(t))
        rho = min(lr, dt(1) / np.sqrt(t))
        alpha = xp.maximum(dt(self.epsilon_2), _rms(xp, w)) * rho
        beta = dt(1) - t ** dt(self.beta_2_decay)
        square = xp.square(gradient) + dt(self.epsilon_1)
        v = self._v[index].data
        if w.ndim >= 2:
            r, c = self._r[index].data, self._c[index].data
            r[...] = beta * r + (dt(1) - beta) * xp.mean(square, axis=-1)
            c[...] = beta * c + (dt(1) - beta) * xp.mean(square, axis=-2)
            row = r / xp.mean(r, axis=-1, keepdims=True)
            xp.multiply(row[..., None], c[..., None, :], out=v)
        else:
            v[...] = beta * v + (dt(1) - beta) * square
        u = gradient / xp.sqrt(v)
        u /= xp.maximum(dt(1), _rms(xp, u) / dt(self.clip_threshold))
        u *= alpha
        w -= u

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "beta_2_decay": self.beta_2_decay,
            "epsilon_1": self.epsilon_1,
            "epsilon_2": self.epsilon_2,
            "clip_threshold": self.clip_threshold,
            "relative_step": self.relative_step,
        }


def _rms(xp: Any, x: Any) -> Any:
    """√mean(x²) over every element, in x's dtype."""
    return xp.sqrt(xp.mean(xp.square(x)))
