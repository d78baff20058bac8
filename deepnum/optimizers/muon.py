"""Muon: momentum orthogonalized by Newton–Schulz iterations, with AdamW for the rest."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from deepnum.autodiff.variable import Variable
from deepnum.backend import get_array_module
from deepnum.optimizers.base import Optimizer


class Muon(Optimizer):
    """Muon (Jordan et al. 2024; Liu et al. 2025) — Keras 3's ``Muon``.

    A 2-D weight matrix W (not an embedding, not matched by ``exclude_layers``) takes a Muon
    step; every other variable an AdamW step with learning rate α·``adam_lr_ratio``.

    Muon step, with momentum μ::

        m ← μ·m + g;   G = g + μ·m (nesterov) or m
        O = NS(G),  ns_steps iterations of  X ← a·X + (b·A + c·A²)·X  with A = X·Xᵀ,
            from X = G / (‖G‖_F + 1e-7) (transposed when G has more rows than columns)
        W ← W − α·O·√max(rows, cols)·rms_rate        (no rescaling when rms_rate is None)

    AdamW step (as :class:`Adam`, with ``adam_beta_1``, ``adam_beta_2``, ``epsilon``). Weight
    decay is ``w ← w − w·λ·α`` with λ = ``weight_decay`` for Muon variables and
    ``adam_weight_decay`` for the others.

    Args:
        learning_rate: α, a float or a schedule (default 0.001).
        adam_beta_1, adam_beta_2: Adam's decay rates (defaults 0.9, 0.999).
        adam_weight_decay: the weight decay of AdamW variables (default 0.004).
        epsilon: Adam's ε̂ (default 1e-7).
        weight_decay: the weight decay of Muon variables (default 0.004).
        clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
            ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name:
            the common options of :class:`Optimizer`.
        exclude_layers: regular expressions; a variable whose path matches one takes AdamW.
        exclude_embeddings: variables whose path contains "embedding" take AdamW (default
            True).
        muon_a, muon_b, muon_c: the Newton–Schulz coefficients a, b, c.
        adam_lr_ratio: the AdamW learning rate relative to α (default 1).
        momentum: μ (default 0.95).
        ns_steps: the number of Newton–Schulz iterations (default 5).
        nesterov: use Nesterov momentum (default True).
        rms_rate: the update scale of Liu et al. 2025 (default 0.2; None: off).

    Example:
        >>> import numpy as np, deepnum as dn
        >>> w = dn.Variable(np.zeros((2, 2), "float32"))
        >>> opt = dn.optimizers.Muon(learning_rate=0.1, weight_decay=None, rms_rate=None)
        >>> opt.apply([dn.tensor([[1.0, 0.0], [0.0, 1.0]])], [w])
        >>> [round(x, 2) for x in w.numpy().ravel().tolist()]    # −α·NS(I), NS(I) ≈ 1.1·I
        [-0.11, 0.0, 0.0, -0.11]
    """

    _per_variable_update = True

    def __init__(
        self,
        learning_rate: Any = 0.001,
        adam_beta_1: float = 0.9,
        adam_beta_2: float = 0.999,
        adam_weight_decay: float | None = 0.004,
        epsilon: float = 1e-7,
        weight_decay: float | None = 0.004,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        exclude_layers: list[str] | None = None,
        exclude_embeddings: bool = True,
        muon_a: float = 3.4445,
        muon_b: float = -4.7750,
        muon_c: float = 2.0315,
        adam_lr_ratio: float = 1,
        momentum: float = 0.95,
        ns_steps: int = 5,
        nesterov: bool = True,
        rms_rate: float | None = 0.2,
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
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = list(exclude_layers or [])
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    def _should_use_adamw(self, variable: Variable) -> bool:
        path = str(getattr(variable, "path", variable.name))
        if len(variable.shape) != 2:
            return True
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(keyword, path) for keyword in self.exclude_layers)

    def build(self, var_list: list[Variable]) -> None:
        """Create a ``momentum`` slot per variable and a ``velocity`` slot per AdamW variable,
        interleaved per variable as in Keras."""
        if self.built:
            return
        super().build(var_list)
        self.momentums: list[Any] = []
        self.adam_velocities: list[Any] = []
        for var in var_list:
            self.momentums.append(self.add_variable_from_reference(var, "momentum"))
            adamw = self._should_use_adamw(var)
            velocity = self.add_variable_from_reference(var, "velocity") if adamw else None
            self.adam_velocities.append(velocity)

    def update_step(self, gradient: Any, variable: Variable, learning_rate: float) -> None:
        index = self._get_variable_index(variable)
        m, v = self.momentums[index].data, self.adam_velocities[index]
        if v is not None:
            self._adamw_update_step(gradient, variable.data, learning_rate, m, v.data)
        else:
            self._muon_update_step(gradient, variable.data, learning_rate, m)

    def _muon_update_step(self, gradient: Any, w: Any, learning_rate: float, m: Any) -> None:
        dt = w.dtype.type
        m += gradient + m * dt(self.momentum - 1)
        g = gradient + dt(self.momentum) * m if self.nesterov else m
        update = self.zeropower_via_newtonschulz5(g, self.ns_steps) * dt(learning_rate)
        w -= self.lr_adjust(update)

    def _adamw_update_step(
        self, gradient: Any, w: Any, learning_rate: float, m: Any, v: Any
    ) -> None:
        xp = get_array_module(gradient)
        dt = w.dtype.type
        t = dt(self._step_count() + 1)
        lr = dt(learning_rate * self.adam_lr_ratio)
        alpha = lr * np.sqrt(dt(1) - dt(self.adam_beta_2) ** t)
        alpha /= dt(1) - dt(self.adam_beta_1) ** t
        m += (gradient - m) * dt(1 - self.adam_beta_1)
        v += (xp.square(gradient) - v) * dt(1 - self.adam_beta_2)
        w -= m * alpha / (xp.sqrt(v) + dt(self.epsilon))

    def lr_adjust(self, x: Any) -> Any:
        """Scale an update by √max(rows, cols)·rms_rate (Liu et al. 2025), unless rms_rate is
        None."""
        if self.rms_rate is None:
            return x
        scale = np.sqrt(np.float32(max(x.shape[0], x.shape[1])))
        return x * x.dtype.type(scale) * x.dtype.type(self.rms_rate)

    def zeropower_via_newtonschulz5(self, x: Any, steps: int) -> Any:
        """An approximation of U·Vᵀ (from the SVD U·S·Vᵀ of ``x``) by the quintic
        Newton–Schulz iteration with coefficients (muon_a, muon_b, muon_c).

        Args:
            x: an array of rank ≥ 2 (the last two axes are the matrix).
            steps: the number of iterations.

        Returns:
            An array of ``x``'s shape whose singular values are all close to 1.
        """
        xp = get_array_module(x)
        if x.ndim < 2:
            raise ValueError(
                "Muon: expected a gradient or momentum with at least 2 dimensions. "
                f"Received: shape={x.shape}"
            )
        dt = x.dtype.type
        a, b, c = dt(self.muon_a), dt(self.muon_b), dt(self.muon_c)
        tall = x.shape[-2] > x.shape[-1]
        if tall:
            x = xp.swapaxes(x, -1, -2)
        norm = xp.sqrt(xp.sum(xp.square(x), axis=(-2, -1), keepdims=True))
        x = x / (norm + dt(1e-7))
        for _ in range(steps):
            gram = x @ xp.swapaxes(x, -1, -2)
            x = a * x + (b * gram + c * gram @ gram) @ x
        return xp.swapaxes(x, -1, -2) if tall else x

    def _apply_weight_decay(self, variables: list[Variable], flat: Any) -> None:
        lr = self._current_learning_rate()
        for variable in variables:
            if not self._use_weight_decay(variable):
                continue
            adamw = self._should_use_adamw(variable)
            decay = self.adam_weight_decay if adamw else self.weight_decay
            if decay is None:
                continue
            w = variable.data
            dt = w.dtype.type
            w -= w * dt(decay) * dt(lr)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "adam_beta_1": self.adam_beta_1,
            "adam_beta_2": self.adam_beta_2,
            "epsilon": self.epsilon,
            "exclude_layers": self.exclude_layers,
            "muon_a": self.muon_a,
            "muon_b": self.muon_b,
            "muon_c": self.muon_c,
            "adam_lr_ratio": self.adam_lr_ratio,
            "momentum": self.momentum,
            "ns_steps": self.ns_steps,
            "nesterov": self.nesterov,
            "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay,
            "rms_rate": self.rms_rate,
        }
