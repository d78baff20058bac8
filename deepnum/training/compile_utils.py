"""What ``compile`` resolves: one loss per output (with weights), the metrics per output, and
the names they are logged under (``loss``, ``accuracy``, ``dense_1_loss``, ...)."""

from __future__ import annotations

from typing import Any

from deepnum import losses as losses_module
from deepnum import metrics as metrics_module


def output_names(model: Any) -> list[str]:
    """Names of the model's outputs: their layers' names for a Functional model."""
    outputs = getattr(model, "outputs", None)
    if outputs:
        return [t.node.layer.name for t in outputs]
    return ["output"]


def _per_output(value: Any, names: list[str], what: str) -> list[Any]:
    """Spread a compile argument over the outputs: one value, a list, or a dict by name."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ValueError(
                f"compile: {what} names unknown output(s) {unknown}; the model's outputs are "
                f"{names}."
            )
        return [value.get(n) for n in names]
    if isinstance(value, (list, tuple)) and len(names) > 1:
        if len(value) != len(names):
            raise ValueError(
                f"compile: {what} has {len(value)} entries but the model has {len(names)} "
                f"outputs {names}."
            )
        return list(value)
    return [value] * len(names)


class CompileLoss:
    """The total loss Σₖ wₖ·lossₖ(yₖ, ŷₖ) over the outputs k."""

    def __init__(self, loss: Any, loss_weights: Any, names: list[str]) -> None:
        self.names = names
        self.losses = [
            losses_module.get_loss(l) if l is not None else None
            for l in _per_output(loss, names, "loss")
        ]
        weights = (
            _per_output(loss_weights, names, "loss_weights")
            if loss_weights is not None
            else [1.0] * len(names)
        )
        self.weights = [1.0 if w is None else float(w) for w in weights]

    def __call__(self, y_true: list, y_pred: list, sample_weight: list) -> tuple[Any, list]:
        total, parts = None, []
        for loss, w, yt, yp, sw in zip(self.losses, self.weights, y_true, y_pred, sample_weight):
            if loss is None or yt is None:
                parts.append(None)
                continue
            value = loss(yt, yp, sample_weight=sw)
            parts.append(value)
            term = value * w if w != 1.0 else value
            total = term if total is None else total + term
        return total, parts


class CompileMetrics:
    """The metrics of each output. Like Keras, they are resolved on the first batch, when the
    shapes of labels and outputs are known (``"accuracy"`` becomes binary, sparse or
    categorical accuracy accordingly)."""

    def __init__(
        self,
        metrics: Any,
        names: list[str],
        compile_loss: CompileLoss | None,
        unweighted: CompileMetrics | None = None,
    ) -> None:
        self.names, self.compile_loss = names, compile_loss
        self.specs = _spread_metrics(metrics, names)
        for specs in self.specs:
            for spec in specs:
                _check_metric(spec, "weighted_metrics" if unweighted is not None else "metrics")
        self.metrics: list[list[Any]] | None = None
        # Weighted metrics whose name an unweighted one already uses get Keras's "weighted_".
        self.unweighted = unweighted

    def build(self, y_true: list, y_pred: list) -> None:
        self.metrics = []
        for k, specs in enumerate(self.specs):
            loss = self.compile_loss.losses[k] if self.compile_loss is not None else None
            resolved = []
            for spec in specs:
                metric = metrics_module.get_metric(spec, y_true[k], y_pred[k], loss=loss)
                if len(self.names) > 1:
                    metric.name = f"{self.names[k]}_{metric.name}"
                if self.unweighted is not None and metric.name in {
                    m.name for m in self.unweighted.flat
                }:
                    metric.name = f"weighted_{metric.name}"
                resolved.append(metric)
            self.metrics.append(resolved)

    @property
    def flat(self) -> list[Any]:
        return [m for ms in self.metrics or [] for m in ms]

    def update_state(self, y_true: list, y_pred: list, sample_weight: list) -> None:
        if self.metrics is None:
            self.build(y_true, y_pred)
        for ms, yt, yp, sw in zip(self.metrics, y_true, y_pred, sample_weight):
            for m in ms:
                if yt is not None:
                    m.update_state(yt, yp, sample_weight=sw)

    def reset_state(self) -> None:
        for m in self.flat:
            m.reset_state()


def _check_metric(spec: Any, argument: str) -> None:
    """Refuse at compile time what the first batch would fail to resolve (Keras fails there)."""
    if spec is None:
        raise ValueError(f"compile: `{argument}` contains None; pass metric names or objects.")
    if isinstance(spec, str) and spec.lower() not in ("accuracy", "acc"):
        try:
            metrics_module.get(spec)
        except ValueError as e:
            raise ValueError(f"compile: unknown metric in `{argument}`: {e}") from None


def _spread_metrics(metrics: Any, names: list[str]) -> list[list[Any]]:
    if metrics is None:
        return [[] for _ in names]
    if isinstance(metrics, dict):
        unknown = sorted(set(metrics) - set(names))
        if unknown:
            raise ValueError(
                f"compile: metrics names unknown output(s) {unknown}; outputs are {names}."
            )
        return [_as_list(metrics.get(n)) for n in names]
    if not isinstance(metrics, (list, tuple)):
        raise TypeError(
            f"compile: metrics must be a list (or a dict by output name), received "
            f"{type(metrics).__name__}. Write metrics=['accuracy']."
        )
    if len(names) > 1 and metrics and all(isinstance(m, (list, tuple)) for m in metrics):
        return [list(m) for m in metrics]
    return [list(metrics) for _ in names]


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
