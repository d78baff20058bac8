"""Objective: the metric a tuner optimizes and whether lower or higher is better."""

from __future__ import annotations

import math
from typing import Any

DIRECTIONS = ("min", "max")

# Names (after "val_" / "weighted_" prefixes) whose direction needs no lookup.
_MAX_WORDS = (
    "accuracy",
    "auc",
    "precision",
    "recall",
    "f1",
    "fbeta",
    "f_beta",
    "iou",
    "r2",
    "true_positives",
    "true_negatives",
    "sensitivity",
    "specificity",
)
_MIN_WORDS = (
    "loss",
    "error",
    "crossentropy",
    "mse",
    "mae",
    "mape",
    "msle",
    "rmse",
    "hinge",
    "kl_divergence",
    "kld",
    "poisson",
    "logcosh",
    "log_cosh",
    "huber",
    "false_positives",
    "false_negatives",
)


class Objective:
    """The quantity to optimize: a key of the epoch logs and a direction.

    Args:
        name: the metric name as it appears in ``History.history`` (``"val_loss"``,
            ``"val_accuracy"``, ...).
        direction: ``"min"`` or ``"max"``.

    Example:
        >>> obj = Objective("val_accuracy", "max")
        >>> obj.better_than(0.9, 0.8)
        True
    """

    def __init__(self, name: str, direction: str) -> None:
        if direction not in DIRECTIONS:
            raise ValueError(
                f'Objective "{name}": direction must be "min" or "max", received {direction!r}.'
            )
        self.name = str(name)
        self.direction = direction

    @property
    def optuna_direction(self) -> str:
        return "minimize" if self.direction == "min" else "maximize"

    @property
    def worst(self) -> float:
        """The score of a diverged trial: +inf when minimizing, -inf when maximizing."""
        return math.inf if self.direction == "min" else -math.inf

    def get_value(self, logs: dict) -> Any:
        return logs[self.name]

    def better_than(self, a: float, b: float) -> bool:
        """Whether score ``a`` is strictly better than score ``b``."""
        return a < b if self.direction == "min" else a > b

    def best_of(self, values: Any) -> tuple[float, int]:
        """The best finite value of a sequence and its index; NaN/inf entries are skipped.

        Returns ``(worst, -1)`` when no value is finite (a diverged run).
        """
        best, best_index = self.worst, -1
        for i, v in enumerate(values):
            if v is None or not math.isfinite(float(v)):
                continue
            if best_index < 0 or self.better_than(float(v), best):
                best, best_index = float(v), i
        return best, best_index

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Objective)
            and other.name == self.name
            and other.direction == self.direction
        )

    def __hash__(self) -> int:
        return hash((self.name, self.direction))

    def __repr__(self) -> str:
        return f'Objective(name="{self.name}", direction="{self.direction}")'


def infer_direction(name: str) -> str | None:
    """``"min"`` for losses and errors, ``"max"`` for accuracies, AUC, precision, recall and
    F-scores, else the direction deepnum's metric of that name declares; ``None`` if unknown.

    Example:
        >>> infer_direction("val_sparse_categorical_accuracy"), infer_direction("val_loss")
        ('max', 'min')
    """
    base = name.lower()
    for prefix in ("val_", "weighted_"):
        if base.startswith(prefix):
            base = base[len(prefix) :]
    if base in ("loss", "crossentropy", "ce"):
        return "min"
    if base == "acc":
        return "max"
    if any(w in base for w in _MAX_WORDS):
        return "max"
    if any(w in base for w in _MIN_WORDS):
        return "min"
    try:
        from deepnum import metrics

        direction = getattr(metrics.get(base), "_direction", None)
    except Exception:  # not a metric name deepnum knows
        return None
    return {"up": "max", "down": "min"}.get(direction)


def create_objective(objective: Any) -> Objective:
    """An :class:`Objective` from a name (direction inferred), an Objective, or ``None``
    (the float returned by ``HyperModel.fit``, minimized).

    Example:
        >>> create_objective("val_accuracy")
        Objective(name="val_accuracy", direction="max")
    """
    if objective is None:
        return Objective("default_objective", "min")
    if isinstance(objective, Objective):
        return objective
    if isinstance(objective, str):
        direction = infer_direction(objective)
        if direction is None:
            raise ValueError(
                f"Could not infer whether to minimize or maximize the objective {objective!r}. "
                f'Pass it as deepnum.tuners.Objective("{objective}", direction="min") '
                'or direction="max".'
            )
        return Objective(objective, direction)
    if isinstance(objective, (list, tuple)):
        raise ValueError(
            "objective: deepnum's tuners optimize one objective; received a list "
            f"{objective!r}. Pick one name or an Objective."
        )
    raise TypeError(
        f"objective must be a metric name or an Objective, received {type(objective).__name__}."
    )
