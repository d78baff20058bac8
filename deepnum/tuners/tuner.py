"""Tuner: KerasTuner's search loop on an Optuna study.

One Optuna trial is one set of hyperparameters: ``build_model(hp)`` draws the values through
the trial (define-by-run, so conditional hyperparameters need no declaration), the model is
trained ``executions_per_trial`` times, and the trial's score is the objective's best epoch,
averaged over the executions. The study lives in a storage (an SQLite file under
``directory/project_name`` by default), so a search that stops resumes where it stopped and
several processes can work on one search.
"""

from __future__ import annotations

import copy
import math
import os
import shutil
import time
import traceback
from typing import Any

import numpy as np

from deepnum.tuners import _callbacks
from deepnum.tuners._results import TunerResults
from deepnum.tuners.hp_types import Fixed, HyperParameter, deserialize, serialize
from deepnum.tuners.hypermodel import get_hypermodel
from deepnum.tuners.hyperparameters import HyperParameters
from deepnum.tuners.objective import create_objective
from deepnum.tuners.trial import FatalError, FatalValueError


class Tuner(TunerResults):
    """Base class of the tuners: searches the hyperparameters of ``hypermodel``.

    Args:
        hypermodel: a ``build_model(hp)`` function returning a compiled model, or a
            :class:`HyperModel` (``build(hp)`` and optionally ``fit(hp, model, ...)``).
        objective: the log to optimize (``"val_loss"``, ``"val_accuracy"``, ...; the
            direction is inferred) or an :class:`Objective`.
        max_trials: how many sets of hyperparameters to try (counting those of an earlier,
            interrupted run of the same project).
        executions_per_trial: models trained per trial; their scores are averaged.
        seed: seeds the sampler (per trial number) and the model initialization of each
            execution, so the same seed repeats the same search.
        directory: where the project folder goes (``"."`` when ``None``).
        project_name: the folder under ``directory`` and the Optuna study name.
        overwrite: start a new search instead of resuming the study of this project.
        storage: ``None`` for ``directory/project_name/tuner.db`` (SQLite), an Optuna
            database URL (``"postgresql://..."``, ``"sqlite:///shared.db"``) to share the search
            between processes or machines, or an Optuna storage object.
        hyperparameters: a :class:`HyperParameters` whose entries replace (or fix) those the
            hypermodel defines.
        tune_new_entries: tune hyperparameters missing from ``hyperparameters`` (else use
            their defaults).
        allow_new_entries: allow the hypermodel to define hyperparameters missing from
            ``hyperparameters``.
        max_consecutive_failed_trials: stop the search with an error after this many trials
            in a row raised.
        save_weights: keep the best epoch's weights of each trial on disk, under
            ``directory/project_name/trial_<n>/``, for :meth:`get_best_models`.
        sampler: an Optuna sampler to use instead of the tuner's (base Tuner only).
        pruner: an Optuna pruner; each epoch's objective is reported to it.

    Example:
        >>> import numpy as np, tempfile, deepnum as dn
        >>> from deepnum import tuners
        >>> x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
        >>> y = x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")
        >>> def build_model(hp):
        ...     model = dn.Sequential([dn.Input((3,)), dn.layers.Dense(1)])
        ...     lr = hp.Float("lr", 1e-3, 0.3, sampling="log")
        ...     model.compile(optimizer=dn.optimizers.SGD(lr), loss="mse")
        ...     return model
        >>> tuner = tuners.RandomSearch(build_model, objective="val_loss", max_trials=3,
        ...                             seed=1, directory=tempfile.mkdtemp())
        >>> tuner.search(x, y, epochs=3, validation_split=0.25, verbose=0)
        >>> best_hp = tuner.get_best_hyperparameters()[0]
        >>> 1e-3 <= best_hp.get("lr") <= 0.3
        True
    """

    _grid_mode = False

    def __init__(
        self,
        hypermodel: Any,
        objective: Any = "val_loss",
        max_trials: int | None = 10,
        executions_per_trial: int = 1,
        seed: int | None = None,
        directory: str | os.PathLike | None = None,
        project_name: str = "untitled_project",
        overwrite: bool = False,
        storage: Any = None,
        hyperparameters: HyperParameters | None = None,
        tune_new_entries: bool = True,
        allow_new_entries: bool = True,
        max_consecutive_failed_trials: int = 3,
        save_weights: bool = True,
        sampler: Any = None,
        pruner: Any = None,
    ) -> None:
        from deepnum.tuners import _study

        self._check_int("max_trials", max_trials, 1, allow_none=self._grid_mode)
        self._check_int("executions_per_trial", executions_per_trial, 1)
        self._check_int("max_consecutive_failed_trials", max_consecutive_failed_trials, 1)
        self._check_int("seed", seed, 0, allow_none=True)
        self.hypermodel = get_hypermodel(hypermodel)
        self.objective = create_objective(objective)
        self.max_trials = max_trials
        self.executions_per_trial = executions_per_trial
        self.seed = seed
        self.directory = os.fspath(directory) if directory is not None else "."
        self.project_name = str(project_name)
        self.tune_new_entries, self.allow_new_entries = tune_new_entries, allow_new_entries
        self.max_consecutive_failed_trials = max_consecutive_failed_trials
        self.save_weights = save_weights
        self._given = hyperparameters
        self._last_search: tuple | None = None
        self._space = self._populate_space()

        if overwrite and os.path.isdir(self.project_dir):
            for entry in os.listdir(self.project_dir):
                if entry.startswith("trial_"):
                    shutil.rmtree(os.path.join(self.project_dir, entry), ignore_errors=True)
        self._storage = _study.make_storage(storage, self.project_dir)
        if sampler is None:
            sampler = _study.PerTrialSeededSampler(self._make_sampler, seed)
        with _quiet_optuna():
            self.study = _study.open_study(
                self._storage,
                self.project_name,
                self.objective.optuna_direction,
                sampler,
                pruner if pruner is not None else self._make_pruner(),
                overwrite,
            )
        self._init_study_attrs()

    # ------------------------------------------------------------------ hooks for subclasses
    def _make_sampler(self, seed: int | None) -> Any:
        from deepnum.tuners._study import optuna

        return optuna.samplers.RandomSampler(seed=seed)

    def _make_pruner(self) -> Any:
        from deepnum.tuners._study import optuna

        return optuna.pruners.NopPruner()

    def _prepare_fit_kwargs(self, fit_kwargs: dict) -> dict:
        return fit_kwargs

    def _budget(self, round_: int) -> int:
        if round_ == 0:
            return self.max_trials if self.max_trials is not None else math.inf
        return int(self._rounds()[round_]["max_trials"])

    def _before_ask(self, round_: int, trials: list) -> bool:
        """Prepare the next trial (``trials``: the study's trials now); False stops the search
        (e.g. an exhausted grid)."""
        return True

    def _is_surplus(self, trial: Any, round_: int, budget: float, trials: list) -> bool:
        """Whether a concurrent process filled the budget between the check and ``ask``."""
        from deepnum.tuners._study import counted_trials

        return len(counted_trials(trials, round_, before=trial.number)) >= budget

    # ------------------------------------------------------------------ the search
    def search(self, *fit_args: Any, **fit_kwargs: Any) -> None:
        """Run trials until the budget is used: each builds a model and calls its ``fit``.

        Args:
            *fit_args: passed to ``model.fit`` (e.g. ``x, y``).
            **fit_kwargs: passed to ``model.fit`` (``epochs``, ``validation_data``,
                ``callbacks``, ...); ``verbose=0`` also silences the tuner's lines.
        """
        from deepnum.tuners import _study

        self._last_search = (fit_args, dict(fit_kwargs))
        fit_kwargs = self._prepare_fit_kwargs(dict(fit_kwargs))
        verbose = fit_kwargs.get("verbose", 1)
        round_ = self.current_round
        budget = self._budget(round_)
        failures = 0
        self._fail_orphaned_trials()
        surplus = 0
        with _quiet_optuna():
            while surplus < 100:
                trials = self.study.get_trials(deepcopy=False)
                if len(_study.counted_trials(trials, round_)) >= budget:
                    break
                if not self._before_ask(round_, trials):
                    break
                trial = self.study.ask()
                if "round" not in trial.user_attrs:
                    trial.set_user_attr("round", round_)
                trial.set_user_attr("worker", _study.worker_id())
                if self._is_surplus(trial, round_, budget, self.study.get_trials(deepcopy=False)):
                    # Another process took this slot between the check and ask(): drop the
                    # trial and look again.
                    trial.set_user_attr("surplus", True)
                    self.study.tell(trial, state=_study.TrialState.FAIL)
                    surplus += 1
                    continue
                surplus = 0
                state, error = self._run_and_tell(trial, fit_args, fit_kwargs)
                if verbose:
                    self._print_trial(trial.number, budget)
                failures = failures + 1 if state == _study.TrialState.FAIL else 0
                if failures >= self.max_consecutive_failed_trials:
                    raise RuntimeError(
                        f"{failures} consecutive trials failed; the last one (trial "
                        f"{trial.number}) raised: {error!r}. Fix the hypermodel, or raise "
                        "max_consecutive_failed_trials."
                    ) from error

    def _run_and_tell(self, trial: Any, fit_args: tuple, fit_kwargs: dict) -> tuple:
        from deepnum.tuners._study import TrialState, optuna

        try:
            score = self._run_trial(trial, fit_args, fit_kwargs)
        except optuna.TrialPruned:
            self.study.tell(trial, state=TrialState.PRUNED)
            return TrialState.PRUNED, None
        except BaseException as e:
            trial.set_user_attr("error", _short_error(e))
            self.study.tell(trial, state=TrialState.FAIL)
            if isinstance(e, FatalError) or not isinstance(e, Exception):
                raise  # a configuration error, KeyboardInterrupt or SystemExit ends the search
            return TrialState.FAIL, e
        self.study.tell(trial, score)
        return TrialState.COMPLETE, None

    def _run_trial(self, trial: Any, fit_args: tuple, fit_kwargs: dict) -> float:
        """Build and train ``executions_per_trial`` models; return the mean best-epoch score."""
        from deepnum.tuners._study import derive_seed, optuna
        from deepnum.utils import set_random_seed

        start = time.time()
        hp = HyperParameters()
        hp._source = self._value_source(trial)
        scores, best = [], None
        for execution in range(self.executions_per_trial):
            if self.seed is not None:
                set_random_seed(derive_seed(self.seed, trial.number, execution))
            model = self.hypermodel.build(hp)
            if execution == 0:
                written = _json_values(hp.values)
                trial.set_user_attr("values", written)
                self._space.merge(
                    [h for h in hp.space if not self._space._exists(h.name, h.conditions)]
                )
            tracker = _callbacks.EpochTracker(self.objective, self.save_weights)
            callbacks = [tracker] + _copy_callbacks(fit_kwargs.get("callbacks"))
            if execution == 0 and not isinstance(self.study.pruner, optuna.pruners.NopPruner):
                callbacks.insert(
                    1, _callbacks.PruningCallback(trial, self.objective, optuna.TrialPruned)
                )
            try:
                result = self.hypermodel.fit(
                    hp, model, *fit_args, **{**fit_kwargs, "callbacks": callbacks}
                )
            except optuna.TrialPruned:
                self._record(trial, tracker.best, tracker, model, start)
                raise
            if execution == 0 and _json_values(hp.values) != written:
                trial.set_user_attr("values", _json_values(hp.values))  # some set in fit()
            score = self._score(result, tracker)
            scores.append(score)
            if best is None or self.objective.better_than(score, best[0]):
                best = (score, tracker, model)
        mean = float(np.mean(scores))
        self._record(trial, mean, best[1], best[2], start)
        if self.save_weights and best[1].best_weights is not None:
            self._save_weights(trial.number, best[1].best_weights)
        return mean

    def _value_source(self, trial: Any) -> Any:
        """Where a trial's hyperparameter values come from: the Optuna trial, through the
        definition in ``hyperparameters=`` or the current coarse-to-fine round if any."""
        overrides = self._overrides()

        def source(hp: HyperParameter) -> Any:
            return self._definition(hp, overrides).suggest(trial, grid=self._grid_mode)

        return source

    def _definition(self, hp: HyperParameter, overrides: dict) -> HyperParameter:
        """The definition a value is drawn from: the one given in ``hyperparameters=`` (or
        the hypermodel's), narrowed by the current coarse-to-fine round."""
        definition = self._given.lookup(hp.name, hp.conditions) if self._given else None
        if definition is None:
            if not self.allow_new_entries:
                raise FatalValueError(
                    f"The hypermodel defines {hp.name!r}, which is not in the "
                    "hyperparameters= given to the tuner, and allow_new_entries=False."
                )
            if not self.tune_new_entries:
                return Fixed(hp.name, hp.default, hp.conditions)
            definition = hp
        narrowed = overrides.get(hp.name)
        if narrowed is not None and type(narrowed) is type(definition):
            return narrowed
        return definition

    def _score(self, result: Any, tracker: _callbacks.EpochTracker) -> float:
        name = self.objective.name
        if tracker.epochs_seen:
            if not tracker.objective_seen:
                raise FatalValueError(
                    f'The objective "{name}" is not in the training logs, which have '
                    f"{sorted(tracker.log_names)}. For a validation metric pass "
                    "validation_data= or validation_split= to search(); otherwise choose one "
                    "of those names as objective=."
                )
            return tracker.best
        history = getattr(result, "history", None)
        if isinstance(history, dict):
            if name not in history:
                raise FatalValueError(
                    f'The objective "{name}" is not in the History returned by fit '
                    f"(keys: {sorted(history)})."
                )
            best, index = self.objective.best_of(history[name])
            tracker.best_logs = {
                k: float(v[index]) for k, v in history.items() if index >= 0 and len(v) > index
            }
            tracker.best_epoch = index if index >= 0 else None
            return best
        if isinstance(result, dict):
            if name not in result:
                raise FatalValueError(
                    f'HyperModel.fit returned a dict without the objective "{name}" '
                    f"(keys: {sorted(result)})."
                )
            result = result[name]
        if result is None or isinstance(result, (str, bytes)):
            raise FatalValueError(
                "HyperModel.fit must return the History of model.fit, a dict of metrics or a "
                f"float; it returned {result!r}."
            )
        value = float(result)
        return value if math.isfinite(value) else self.objective.worst

    def _record(self, trial: Any, score: float, tracker: Any, model: Any, start: float) -> None:
        """Store the trial's outcome in one user attribute (one database write)."""
        result = {
            "score": float(score),
            "best_step": tracker.best_epoch,
            "metrics": tracker.best_logs,
            "diverged": not math.isfinite(score),
            "duration": time.time() - start,
        }
        shape = getattr(model, "input_shape", None) if model is not None else None
        if isinstance(shape, tuple) and all(d is None or isinstance(d, int) for d in shape):
            result["input_shape"] = list(shape)
        trial.set_user_attr("result", result)

    # ------------------------------------------------------------------ space and rounds
    def _populate_space(self) -> HyperParameters:
        """Build the hypermodel with default values, once per conditional branch, to learn the
        search space before the first trial (as KerasTuner does)."""
        space = HyperParameters()
        values: dict = {}
        seen_active: list = []
        for _ in range(100):
            hp = HyperParameters()
            hp.values = dict(values)
            hp._source = self._default_source
            self.hypermodel.build(hp)
            space.merge([h for h in hp.space if not space._exists(h.name, h.conditions)])
            seen_active += [s for s in hp.active_scopes if s not in seen_active]
            never = [s for s in hp.inactive_scopes if s not in seen_active]
            if not never:
                break
            values = {c.name: c.values[0] for c in never[0]}
        return space

    def _default_source(self, hp: HyperParameter) -> Any:
        given = self._given.lookup(hp.name, hp.conditions) if self._given else None
        return (given or hp).default

    def _rounds(self) -> list:
        return list(self.study.user_attrs.get("rounds", []))

    @property
    def current_round(self) -> int:
        """The coarse-to-fine round new trials belong to (0 until :meth:`refine`)."""
        return max(0, len(self._rounds()) - 1)

    def _overrides(self) -> dict:
        rounds = self._rounds()
        if len(rounds) <= 1:
            return {}
        return {name: deserialize(c) for name, c in rounds[-1]["ranges"].items()}

    def _init_study_attrs(self) -> None:
        stored = self.study.user_attrs.get("objective")
        if stored is not None and stored != self.objective.name:
            raise ValueError(
                f"The study {self.project_name!r} in this storage optimizes {stored!r}, not "
                f"{self.objective.name!r}. Pass overwrite=True to start over or choose "
                "another project_name."
            )
        if stored is None:
            self.study.set_user_attr("objective", self.objective.name)
            self.study.set_user_attr("tuner", type(self).__name__)
            ranges = {h.name: serialize(h) for h in self._space.space if hasattr(h, "sampling")}
            self.study.set_user_attr("rounds", [{"max_trials": self.max_trials, "ranges": ranges}])

    def refine(
        self,
        *fit_args: Any,
        top_k: int = 3,
        shrink: float = 0.5,
        max_trials: int | None = None,
        **fit_kwargs: Any,
    ) -> None:
        """Coarse-to-fine: narrow every numeric range around the ``top_k`` best trials and
        search again in the narrowed space.

        See :func:`deepnum.tuners.coarse_to_fine.start_round` for how a range narrows (in log
        space for log-sampled hyperparameters). Without ``fit_args``/``fit_kwargs`` the
        arguments of the last :meth:`search` are used.

        Args:
            top_k: how many of the best trials the new ranges must contain.
            shrink: the new width as a fraction of the old one, in (0, 1].
            max_trials: the new round's budget (``max_trials`` of the tuner by default).
        """
        from deepnum.tuners.coarse_to_fine import start_round

        if not fit_args and not fit_kwargs:
            if self._last_search is None:
                raise ValueError(
                    "refine() needs the fit arguments: pass them, or call "
                    "search() first so that refine() can reuse them."
                )
            fit_args, fit_kwargs = self._last_search
        start_round(self, top_k=top_k, shrink=shrink, max_trials=max_trials)
        self.search(*fit_args, **fit_kwargs)

    # ------------------------------------------------------------------ helpers
    def _fail_orphaned_trials(self) -> None:
        """Mark FAIL the RUNNING trials of processes on this machine that no longer exist (a
        search killed hard), so that resuming runs them again."""
        from deepnum.tuners._study import TrialState, worker_id

        host = worker_id().rsplit(":", 1)[0]
        for t in self.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            worker = str(t.user_attrs.get("worker", ""))
            if worker.rsplit(":", 1)[0] != host:
                continue
            pid = int(worker.rsplit(":", 1)[1])
            if pid != os.getpid() and not _pid_alive(pid):
                self.study.tell(t.number, state=TrialState.FAIL, skip_if_finished=True)

    def _print_trial(self, number: int, budget: float) -> None:
        from deepnum.tuners._summary import trial_line

        print(trial_line(self, number, budget))

    @staticmethod
    def _check_int(name: str, value: Any, low: int, allow_none: bool = False) -> None:
        if value is None and allow_none:
            return
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, received {name}={value!r}.")


def _copy_callbacks(callbacks: Any) -> list:
    """A fresh copy of the user's callbacks for each execution (as KerasTuner does), so an
    EarlyStopping's state never leaks from one model into the next."""
    copies = []
    for cb in list(callbacks or []):
        try:
            copies.append(copy.deepcopy(cb))
        except Exception:  # an uncopyable callback (open file, lock) is shared instead
            copies.append(cb)
    return copies


def _json_values(values: dict) -> dict:
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in values.items()}


def _short_error(e: BaseException) -> str:
    lines = traceback.format_exception_only(type(e), e)
    return "".join(lines).strip()[-2000:]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _quiet_optuna:
    """Silence Optuna's per-trial INFO lines during a search (the tuner prints its own)."""

    def __enter__(self) -> None:
        from deepnum.tuners._study import optuna

        self._level = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(optuna.logging.WARNING)

    def __exit__(self, *exc: Any) -> None:
        from deepnum.tuners._study import optuna

        optuna.logging.set_verbosity(self._level)
