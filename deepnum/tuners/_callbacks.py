"""Callbacks a tuner adds to ``fit``: the best-epoch tracker and the Optuna pruning hook."""

from __future__ import annotations

import math
from typing import Any

from deepnum.callbacks.callback import Callback
from deepnum.tuners.objective import Objective


class EpochTracker(Callback):
    """Records the objective after each epoch and keeps the best epoch's logs (and weights).

    KerasTuner scores a trial by its best epoch, not its last one; NaN or inf epochs (a
    diverging run) never count as best.
    """

    def __init__(self, objective: Objective, keep_weights: bool) -> None:
        super().__init__()
        self.objective = objective
        self.keep_weights = keep_weights
        self.epochs_seen = 0
        self.log_names: set[str] = set()
        self.objective_seen = False
        self.best = objective.worst
        self.best_epoch: int | None = None
        self.best_logs: dict = {}
        self.best_weights: list | None = None

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        logs = {k: float(v) for k, v in dict(logs or {}).items() if _is_number(v)}
        self.epochs_seen += 1
        self.log_names.update(logs)
        value = logs.get(self.objective.name)
        if value is None:
            return
        self.objective_seen = True
        if not math.isfinite(value):
            return
        if self.best_epoch is None or self.objective.better_than(value, self.best):
            self.best, self.best_epoch, self.best_logs = value, epoch, logs
            if self.keep_weights and self.model is not None:
                self.best_weights = self.model.get_weights()


class PruningCallback(Callback):
    """Reports each epoch's objective to the Optuna trial and stops the trial when the pruner
    says so (``optuna.TrialPruned`` propagates out of ``fit``)."""

    def __init__(self, trial: Any, objective: Objective, pruned_error: type) -> None:
        super().__init__()
        self.trial = trial
        self.objective = objective
        self.pruned_error = pruned_error

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        value = (logs or {}).get(self.objective.name)
        if value is None or not _is_number(value):
            return
        value = float(value)
        if not math.isfinite(value):
            value = self.objective.worst
        # The step is the resource used so far: epochs trained (HyperbandPruner's rungs).
        self.trial.report(value, step=epoch + 1)
        last_epoch = epoch + 1 >= int(self.params.get("epochs") or 0)
        # After the last epoch there is nothing left to save: the trial completes.
        if not last_epoch and self.trial.should_prune():
            raise self.pruned_error(f"Trial {self.trial.number} pruned at epoch {epoch}.")


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True
