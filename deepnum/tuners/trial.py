"""Trial: one evaluated set of hyperparameters, read back from the Optuna study."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from deepnum.tuners.hyperparameters import HyperParameters


class FatalError(Exception):
    """Raised inside a trial to stop the whole search at once (a configuration error that
    every trial would hit), instead of recording one failed trial and moving on."""


class FatalValueError(FatalError, ValueError):
    """A FatalError about a wrong value (e.g. an objective missing from the logs)."""


_STATUS = {
    "COMPLETE": "COMPLETED",
    "PRUNED": "PRUNED",
    "FAIL": "FAILED",
    "RUNNING": "RUNNING",
    "WAITING": "WAITING",
}


@dataclass
class Trial:
    """A finished (or running) trial, with KerasTuner's attribute names.

    Attributes:
        trial_id: the trial number as a zero-padded string (``"0007"``).
        number: the Optuna trial number.
        status: ``"COMPLETED"``, ``"PRUNED"``, ``"FAILED"`` or ``"RUNNING"``.
        hyperparameters: the trial's values in a :class:`HyperParameters` (with the space).
        score: the best epoch's objective, averaged over the executions (``None`` if unknown;
            the best value reported before pruning for a pruned trial).
        best_step: the best epoch (0-based) of the best execution.
        metrics: every log of that epoch (``{"loss": ..., "val_loss": ...}``).
        round: the coarse-to-fine round the trial belongs to (0 for a plain search).
        message: the error of a failed trial.
        result: what the tuner stored: ``score``, ``best_step``, ``metrics``, ``duration``
            (seconds), ``diverged`` (no finite value in any epoch), ``input_shape``.
    """

    trial_id: str
    number: int
    status: str
    hyperparameters: HyperParameters
    score: float | None
    best_step: int | None = None
    metrics: dict = field(default_factory=dict)
    round: int = 0
    message: str | None = None
    result: dict = field(default_factory=dict)

    @classmethod
    def from_frozen(cls, frozen: Any, space: HyperParameters) -> Trial:
        attrs = frozen.user_attrs
        hp = space.copy()
        hp.values = dict(attrs.get("values", {}))
        result = dict(attrs.get("result", {}))
        score = result.get("score", frozen.value)
        return cls(
            trial_id=f"{frozen.number:04d}",
            number=frozen.number,
            status=_STATUS.get(frozen.state.name, frozen.state.name),
            hyperparameters=hp,
            score=None if score is None else float(score),
            best_step=result.get("best_step"),
            metrics=dict(result.get("metrics", {})),
            round=int(attrs.get("round", 0) or 0),
            message=attrs.get("error"),
            result=result,
        )

    def summary(self, objective_name: str | None = None) -> str:
        """KerasTuner's trial summary: the hyperparameters and the score; printed and returned."""
        lines = [f"Trial {self.trial_id} summary", "Hyperparameters:"]
        lines += [f"{name}: {_fmt(value)}" for name, value in self.hyperparameters.values.items()]
        if self.score is not None:
            note = " (diverged)" if self.result.get("diverged") else ""
            lines.append(f"Score: {_fmt(self.score)}{note}")
        if self.status != "COMPLETED":
            lines.append(f"Status: {self.status}")
        if self.message:
            lines.append(f"Error: {self.message}")
        text = "\n".join(lines)
        print(text)
        return text


def _fmt(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:.6g}"
    return str(value)
