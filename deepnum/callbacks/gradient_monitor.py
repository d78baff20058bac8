"""GradientMonitor: per-layer gradient and weight norms during ``fit``, with warnings when
gradients vanish or explode, TensorBoard scalars and a matplotlib plot.

Backpropagation multiplies the gradient by each layer's Jacobian on its way down; when those
factors are mostly below 1 (saturated sigmoids, poor initialisation) the gradient of the first
layers shrinks towards 0 (vanishing) and they stop learning, when above 1 it grows without bound
(exploding) and the loss becomes nan. The norms ‖∂L/∂W‖ per layer show which layer it is.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

import numpy as np

from deepnum.backend import to_numpy
from deepnum.callbacks.callback import Callback


def _layer_of(variable: Any) -> str:
    layer = getattr(variable, "_layer", None)
    if layer is not None:
        return layer.name
    path = str(getattr(variable, "path", None) or variable.name)
    return path.rsplit("/", 1)[0]


def _norm(value: Any) -> float:
    data = value.data if hasattr(value, "data") else value
    return float(np.sqrt(np.sum(np.square(to_numpy(data).astype(np.float64)))))


class GradientMonitor(Callback):
    """Record ‖∂L/∂W‖ and ‖W‖ per layer during ``fit``; warn on vanishing or exploding ones.

    For each layer, the norm is over all its trainable variables together:
    ‖g‖ = √(Σ_v Σᵢ g_{v,i}²). It watches the gradients that the training step hands to the
    optimizer (so custom ``train_step`` s that call ``optimizer.apply`` are watched too).

    Args:
        freq: record every ``freq`` training batches.
        vanishing: warn when a layer's gradient norm falls below this.
        exploding: warn when a layer's gradient norm exceeds this (or is not finite).
        log_dir: when given, write the norms to TensorBoard there (scalars
            ``gradient_norm/<layer>`` and ``weight_norm/<layer>``; needs tensorboardX).
        verbose: 0 for no warnings.

    Attributes:
        steps: the training step of each record.
        gradient_norms, weight_norms: ``{layer name: [norm per record]}``.

    Example:
        >>> import numpy as np, deepnum as dn
        >>> hidden, out = dn.layers.Dense(4, name="hidden"), dn.layers.Dense(1, name="out")
        >>> model = dn.Sequential([dn.Input((3,)), hidden, out])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> monitor = GradientMonitor()
        >>> _ = model.fit(np.ones((8, 3)), np.ones((8, 1)), batch_size=4, verbose=0,
        ...               callbacks=[monitor])
        >>> sorted(monitor.gradient_norms), len(monitor.steps)
        (['hidden', 'out'], 2)
    """

    def __init__(
        self,
        freq: int = 1,
        vanishing: float = 1e-7,
        exploding: float = 1e3,
        log_dir: str | None = None,
        verbose: int = 1,
    ) -> None:
        super().__init__()
        if not isinstance(freq, int) or freq < 1:
            raise ValueError(f"GradientMonitor: freq must be a positive int, received {freq!r}.")
        if not 0 <= vanishing < exploding:
            raise ValueError(
                f"GradientMonitor: need 0 <= vanishing < exploding; received vanishing="
                f"{vanishing}, exploding={exploding}."
            )
        self.freq, self.vanishing, self.exploding = freq, vanishing, exploding
        self.log_dir, self.verbose = log_dir, verbose
        self.steps: list[int] = []
        self.gradient_norms: dict[str, list[float]] = {}
        self.weight_norms: dict[str, list[float]] = {}
        self._step = 0
        self._last: tuple[dict, dict] | None = None
        self._warned: set[tuple[str, str]] = set()
        self._writer: Any = None
        self._optimizer: Any = None

    # ------------------------------------------------------------------ watching
    def on_train_begin(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None:
            raise ValueError("GradientMonitor: the model has no optimizer; compile it first.")
        original = optimizer.apply

        def apply(grads: Any, trainable_variables: Any = None, *args: Any, **kwargs: Any) -> Any:
            if self._step % self.freq == 0:  # the weights as the gradients saw them
                variables = trainable_variables
                if variables is None:
                    variables = getattr(self.model, "trainable_weights", [])
                self._last = self._norms(list(grads), list(variables))
            return original(grads, trainable_variables, *args, **kwargs)

        # An instance attribute over the method, removed at the end of training.
        optimizer.apply = apply
        self._optimizer = optimizer

    def on_train_end(self, logs=None):
        if self._optimizer is not None:
            del self._optimizer.apply
            self._optimizer = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if self._last is not None:
            self._record(*self._last)
            self._last = None

    # ------------------------------------------------------------------ recording
    @staticmethod
    def _norms(grads: list, variables: list) -> tuple[dict, dict]:
        """Σ g² and Σ w² per layer."""
        squares_g: dict[str, float] = {}
        squares_w: dict[str, float] = {}
        for g, v in zip(grads, variables):
            layer = _layer_of(v)
            squares_w[layer] = squares_w.get(layer, 0.0) + _norm(v) ** 2
            if g is not None:
                squares_g[layer] = squares_g.get(layer, 0.0) + _norm(g) ** 2
        return squares_g, squares_w

    def _record(self, squares_g: dict, squares_w: dict) -> None:
        self.steps.append(self._step)
        for layer in squares_w:
            g = math.sqrt(squares_g[layer]) if layer in squares_g else float("nan")
            w = math.sqrt(squares_w[layer])
            self.gradient_norms.setdefault(layer, []).append(g)
            self.weight_norms.setdefault(layer, []).append(w)
            if layer in squares_g:
                self._check(layer, g)
        if self.log_dir is not None:
            self._log()

    def _check(self, layer: str, norm: float) -> None:
        if not self.verbose:
            return
        if not math.isfinite(norm) or norm > self.exploding:
            kind, hint = (
                "exploding",
                (
                    "lower the learning rate, clip gradients (optimizer clipnorm=...) or normalise "
                    "the inputs"
                ),
            )
        elif norm < self.vanishing:
            kind, hint = (
                "vanishing",
                (
                    "use ReLU-like activations, He/Glorot initialisation, batch normalization or "
                    "residual connections"
                ),
            )
        else:
            return
        if (layer, kind) in self._warned:
            return
        self._warned.add((layer, kind))
        warnings.warn(
            f"GradientMonitor: {kind} gradients in layer {layer!r}: ‖∂L/∂W‖ = {norm:.3g} at "
            f"training step {self._step}; {hint}.",
            stacklevel=2,
        )

    def _log(self) -> None:
        if self._writer is None:
            try:
                from tensorboardX import SummaryWriter
            except ImportError as e:
                raise ImportError(
                    "GradientMonitor(log_dir=...) needs tensorboardX: pip install "
                    "deepnum[tensorboard]."
                ) from e
            self._writer = SummaryWriter(os.fspath(self.log_dir))
        step = self.steps[-1]
        for layer, norms in self.gradient_norms.items():
            self._writer.add_scalar(f"gradient_norm/{layer}", norms[-1], step)
        for layer, norms in self.weight_norms.items():
            self._writer.add_scalar(f"weight_norm/{layer}", norms[-1], step)

    # ------------------------------------------------------------------ plotting
    def plot(self, to_file: str | None = None) -> Any:
        """Plot the gradient and weight norms per layer against the training step (log scale).

        Args:
            to_file: save the figure there as well.

        Returns:
            The matplotlib Figure.
        """
        try:
            import matplotlib

            if to_file is not None:
                matplotlib.use("Agg", force=False)
            import matplotlib.pyplot as plt
        except ImportError as e:
            raise ImportError(
                "GradientMonitor.plot needs matplotlib: pip install deepnum[plot]."
            ) from e
        if not self.steps:
            raise ValueError("GradientMonitor.plot: nothing recorded yet; train the model first.")
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
        for layer in self.gradient_norms:
            top.plot(self.steps, self.gradient_norms[layer], label=layer)
            bottom.plot(self.steps, self.weight_norms[layer], label=layer)
        top.set_yscale("log")
        top.set_ylabel("‖∂L/∂W‖")
        top.axhline(self.vanishing, color="grey", linestyle=":", linewidth=1)
        top.axhline(self.exploding, color="grey", linestyle=":", linewidth=1)
        bottom.set_ylabel("‖W‖")
        bottom.set_xlabel("training step")
        top.legend(fontsize=8)
        top.set_title("Gradient and weight norms per layer")
        fig.tight_layout()
        if to_file is not None:
            fig.savefig(os.fspath(to_file), dpi=100)
        return fig
