"""The Optuna side of a tuner: storage, study, per-trial seeded samplers and trial budgets.

Imported only when a tuner is created, so ``import deepnum`` never needs Optuna.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from deepnum.tuners._optuna import require_optuna

optuna = require_optuna()
TrialState = optuna.trial.TrialState

STORAGE_FILE = "tuner.db"
# States that use up a slot of a round's budget (a RUNNING trial may be another process's).
COUNTED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING)


def derive_seed(seed: int, *keys: int) -> int:
    """A 32-bit seed determined by ``seed`` and ``keys`` (e.g. the trial number)."""
    return int(np.random.SeedSequence([int(seed), *map(int, keys)]).generate_state(1)[0])


class PerTrialSeededSampler(optuna.samplers.BaseSampler):
    """Delegates to a sampler re-created for each trial with a seed derived from the trial
    number, so a resumed search or a second process never replays the first trials' draws,
    and the same seed always gives the same values to the same trial number.
    """

    def __init__(self, factory: Callable[[int | None], Any], seed: int | None) -> None:
        self._factory, self._seed = factory, seed
        self._inner = factory(seed)

    def before_trial(self, study: Any, trial: Any) -> None:
        if self._seed is not None:
            self._inner = self._factory(derive_seed(self._seed, trial.number))
        self._inner.before_trial(study, trial)

    def infer_relative_search_space(self, study: Any, trial: Any) -> dict:
        return self._inner.infer_relative_search_space(study, trial)

    def sample_relative(self, study: Any, trial: Any, search_space: dict) -> dict:
        return self._inner.sample_relative(study, trial, search_space)

    def sample_independent(
        self, study: Any, trial: Any, param_name: str, param_distribution: Any
    ) -> Any:
        return self._inner.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study: Any, trial: Any, state: Any, values: Any) -> None:
        self._inner.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        self._inner.reseed_rng()


def make_storage(storage: Any, project_dir: str) -> Any:
    """An Optuna storage: the default SQLite file in ``project_dir``, a database URL, or a
    storage object passed through."""
    if storage is None:
        os.makedirs(project_dir, exist_ok=True)
        storage = "sqlite:///" + os.path.abspath(os.path.join(project_dir, STORAGE_FILE))
    if not isinstance(storage, str):
        return storage
    if not storage.startswith("sqlite"):
        return _retry(lambda: optuna.storages.RDBStorage(storage))
    # Several processes on one SQLite file wait for each other's writes instead of failing.
    import sqlalchemy

    engine_kwargs = {"connect_args": {"timeout": 60}}
    _enable_wal(storage)
    # RDBStorage creates its engine and tables in its constructor: listen on the Engine class
    # meanwhile so that the table creation already commits without a disk flush per table.
    engine_class = sqlalchemy.engine.Engine
    sqlalchemy.event.listen(engine_class, "connect", _fast_sqlite_commits)
    try:
        rdb = _retry(lambda: optuna.storages.RDBStorage(storage, engine_kwargs=engine_kwargs))
    finally:
        sqlalchemy.event.remove(engine_class, "connect", _fast_sqlite_commits)
    sqlalchemy.event.listen(rdb.engine, "connect", _fast_sqlite_commits)
    return rdb


def _enable_wal(url: str) -> None:
    """Put an SQLite database in write-ahead-log mode (a persistent setting of the file):
    readers no longer block the writer, which several processes sharing a search need."""
    import sqlite3

    path = url.split("///", 1)[1] if "///" in url else ""
    if not path or path.startswith(":memory:") or "?" in path:
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    connection = sqlite3.connect(path, timeout=60)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


def _fast_sqlite_commits(dbapi_connection: Any, _record: Any) -> None:
    # In WAL mode, synchronous=NORMAL syncs at checkpoints instead of at every commit: a
    # commit costs microseconds instead of a disk flush, and the file cannot be corrupted
    # (a power cut may lose the last trials, never the database).
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def open_study(
    storage: Any, name: str, direction: str, sampler: Any, pruner: Any, overwrite: bool
) -> Any:
    """Create the study ``name``, or load it to resume; ``overwrite`` deletes it first."""
    if overwrite:
        try:
            optuna.delete_study(study_name=name, storage=storage)
        except KeyError:
            pass
    study = _retry(
        lambda: optuna.create_study(
            storage=storage,
            study_name=name,
            direction=direction,
            sampler=sampler,
            pruner=pruner,
            load_if_exists=True,
        )
    )
    found = study.direction.name.lower()
    if found != direction:
        raise ValueError(
            f"The study {name!r} in this storage was created to {found} its objective, but this "
            f"tuner's objective asks to {direction}. Pass overwrite=True to start a new search "
            "or choose another project_name."
        )
    return study


def _retry(make: Callable[[], Any], attempts: int = 20) -> Any:
    """Retry while another process creates the same tables or study at the same moment."""
    import sqlalchemy.exc

    for attempt in range(attempts):
        try:
            return make()
        except (
            sqlalchemy.exc.OperationalError,
            sqlalchemy.exc.IntegrityError,
            optuna.exceptions.DuplicatedStudyError,
        ):
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def round_of(trial: Any) -> int | None:
    return trial.user_attrs.get("round")


def counted_trials(trials: list, round_: int, before: int | None = None) -> list:
    """Of ``trials`` (a study's FrozenTrials), those that use up the budget of round
    ``round_`` (optionally only those numbered below ``before``). A just-created RUNNING
    trial without its round yet counts too."""
    counted = []
    for t in trials:
        if t.state not in COUNTED or (before is not None and t.number >= before):
            continue
        r = round_of(t)
        if r == round_ or (r is None and t.state == TrialState.RUNNING):
            counted.append(t)
    return counted


def finished_trials(study: Any) -> list:
    """Every trial that ran to a state (COMPLETE, PRUNED, FAIL), without race leftovers."""
    done = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
    return [
        t for t in study.get_trials(deepcopy=False, states=done) if not t.user_attrs.get("surplus")
    ]


def worker_id() -> str:
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"
