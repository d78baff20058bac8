"""The tuner loop on real models: scores, seeds, resuming, best models, summaries, errors."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest

import deepnum as dn
from deepnum import tuners
from tests.conftest import reference
from tests.tuners._models import Analytic, build_linear, build_mlp, log_bowl, regression_data

optuna = reference("optuna")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIT = {"epochs": 5, "batch_size": 16, "validation_split": 0.25, "verbose": 0}


def test_finds_a_learning_rate_far_better_than_the_worst(tmp_path):
    x, y = regression_data()
    tuner = tuners.RandomSearch(
        build_linear, objective="val_loss", max_trials=12, seed=0, directory=tmp_path
    )
    tuner.search(x, y, **FIT)
    scores = [t.score for t in tuner.get_trials() if math.isfinite(t.score)]
    best = tuner.get_best_trials(1)[0]
    assert best.score == min(scores)
    assert best.score < max(scores) / 100  # lr ~ 1e-5 barely moves; lr ~ 0.1-1 converges
    assert 1e-2 < best.hyperparameters.get("lr") <= 1.0
    assert best.metrics["val_loss"] == pytest.approx(best.score)
    assert 0 <= best.best_step < FIT["epochs"]


def test_score_is_the_best_epoch_averaged_over_executions(tmp_path):
    x, y = regression_data()
    tuner = tuners.RandomSearch(
        build_linear, max_trials=2, executions_per_trial=2, seed=1, directory=tmp_path
    )
    tuner.search(x, y, **FIT)
    trial = tuner.get_trials()[0]
    # Re-train both executions by hand with the same seeds and take each one's best epoch.
    from deepnum.tuners._study import derive_seed

    bests = []
    for execution in range(2):
        dn.utils.set_random_seed(derive_seed(1, trial.number, execution))
        model = build_linear(trial.hyperparameters)
        history = model.fit(x, y, **FIT)
        bests.append(min(history.history["val_loss"]))
    assert trial.score == pytest.approx(np.mean(bests), rel=1e-6)


def test_same_seed_repeats_the_search(tmp_path):
    x, y = regression_data()

    def run(name, seed):
        tuner = tuners.RandomSearch(
            build_mlp, max_trials=4, seed=seed, directory=tmp_path, project_name=name
        )
        tuner.search(x, y, **FIT)
        return tuner

    a, b, c = run("a", 5), run("b", 5), run("c", 6)
    values = [[t.hyperparameters.values for t in tuner.get_trials()] for tuner in (a, b, c)]
    assert values[0] == values[1] and values[0] != values[2]
    assert [t.score for t in a.get_trials()] == [t.score for t in b.get_trials()]
    assert a.get_best_trials()[0].number == b.get_best_trials()[0].number


def test_interrupted_search_resumes_without_repeating_finished_trials(tmp_path):
    calls = []

    def score(values):
        calls.append(values["lr"])
        if len(calls) == 4:
            raise KeyboardInterrupt  # Ctrl-C during the 4th trial
        return log_bowl(values)

    def define(hp):
        hp.Float("lr", 1e-5, 1.0, sampling="log")

    objective = tuners.Objective("score", "min")
    kwargs = {"objective": objective, "max_trials": 7, "seed": 2, "directory": tmp_path}
    with pytest.raises(KeyboardInterrupt):
        tuners.RandomSearch(Analytic(define, score), **kwargs).search(verbose=0)
    assert len(calls) == 4

    resumed = tuners.RandomSearch(Analytic(define, score), **kwargs)
    assert resumed.remaining_trials == 4
    resumed.search(verbose=0)
    trials = resumed.get_trials()
    done = [t for t in trials if t.status == "COMPLETED"]
    assert len(done) == 7 and len(calls) == 4 + 4
    assert [t.status for t in trials].count("FAILED") == 1  # the interrupted one, run again
    lrs = [t.hyperparameters.get("lr") for t in done]
    assert len(set(lrs)) == 7  # nothing repeated: resumed trials draw new values
    assert calls[:3] == lrs[:3]
    resumed.search(verbose=0)  # the budget is used up: nothing more runs
    assert len(calls) == 8

    fresh = tuners.RandomSearch(Analytic(define, score), overwrite=True, **kwargs)
    assert fresh.remaining_trials == 7 and fresh.get_trials() == []


def test_a_killed_process_leaves_its_trial_to_be_run_again(tmp_path):
    done = run_worker("--directory", tmp_path, "--max-trials", "5", "--crash-in-trial", "3")
    assert done.returncode == 3, done.stderr

    def define(hp):
        hp.Float("lr", 1e-5, 1.0, sampling="log")

    tuner = tuners.RandomSearch(
        Analytic(define, log_bowl),
        max_trials=5,
        seed=0,
        objective=tuners.Objective("score", "min"),
        directory=tmp_path,
    )
    assert [t.status for t in tuner.get_trials()] == ["COMPLETED", "COMPLETED", "RUNNING"]
    tuner.search(verbose=0)  # its process is gone: the RUNNING trial is failed and redone
    statuses = [t.status for t in tuner.get_trials()]
    assert statuses.count("COMPLETED") == 5 and statuses.count("FAILED") == 1


def run_worker(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tests.tuners._worker", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_best_models_are_rebuilt_with_their_best_epoch_weights(tmp_path):
    x, y = regression_data()
    tuner = tuners.RandomSearch(build_mlp, max_trials=3, seed=0, directory=tmp_path)
    tuner.search(x, y, **FIT)
    models = tuner.get_best_models(2)
    best = tuner.get_best_trials(2)
    assert len(models) == 2
    n_val = int(len(x) * 0.25)
    val_loss = models[0].evaluate(x[-n_val:], y[-n_val:], verbose=0)
    assert val_loss == pytest.approx(best[0].score, rel=1e-5)
    hp = tuner.get_best_hyperparameters()[0]
    assert models[0].layers[0].units == hp.get("units")


def test_summaries(tmp_path, capsys):
    x, y = regression_data()
    tuner = tuners.RandomSearch(
        build_mlp, max_trials=2, seed=0, directory=tmp_path, project_name="proj"
    )
    tuner.search(x, y, **{**FIT, "verbose": 1, "epochs": 1})
    out = capsys.readouterr().out
    assert "Trial 1/2 COMPLETE" in out and "val_loss=" in out and "units=" in out
    text = tuner.results_summary(1)
    assert "Results summary" in text and str(tmp_path / "proj") in text
    assert 'Objective(name="val_loss", direction="min")' in text
    assert "Trials: 2 completed" in text and text.count("summary\nHyperparameters:") == 1
    assert "Score:" in text
    space = tuner.search_space_summary()
    assert "units (Int)" in space and "'step': 2" in space and "lr (Float)" in space


def test_objective_missing_from_logs_stops_the_search(tmp_path):
    x, y = regression_data()
    tuner = tuners.RandomSearch(
        build_linear, objective="val_accuracy", max_trials=5, directory=tmp_path
    )
    with pytest.raises(ValueError, match=r'"val_accuracy" is not in the training logs.*val_loss'):
        tuner.search(x, y, **FIT)
    assert len(tuner.get_trials()) == 1  # stopped at once, not after every trial failed


def test_consecutive_failures_stop_with_the_cause(tmp_path):
    def define(hp):
        hp.Int("units", 1, 4)

    def score(values):
        raise RuntimeError("boom in fit")

    tuner = tuners.RandomSearch(
        Analytic(define, score),
        objective=tuners.Objective("s", "min"),
        max_trials=10,
        directory=tmp_path,
    )
    with pytest.raises(RuntimeError, match="3 consecutive trials failed.*boom in fit"):
        tuner.search(verbose=0)
    failed = tuner.get_trials()
    assert len(failed) == 3 and "boom in fit" in failed[0].message


def test_diverged_trials_rank_last(tmp_path):
    def define(hp):
        hp.Choice("lr", [0.1, 10.0])

    tuner = tuners.GridSearch(
        Analytic(define, lambda v: float("nan") if v["lr"] > 1 else 0.5),
        objective=tuners.Objective("loss", "min"),
        directory=tmp_path,
    )
    tuner.search(verbose=0)
    trials = tuner.get_best_trials(2)
    assert trials[0].hyperparameters.get("lr") == 0.1
    assert trials[1].score == math.inf and trials[1].result["diverged"]


def test_given_hyperparameters_override_and_fix(tmp_path):
    fixed = tuners.HyperParameters()
    fixed.Fixed("units", 6)
    fixed.Float("lr", 0.01, 0.02)
    x, y = regression_data()
    tuner = tuners.RandomSearch(
        build_mlp, max_trials=3, seed=0, hyperparameters=fixed, directory=tmp_path
    )
    tuner.search(x, y, **{**FIT, "epochs": 1})
    for t in tuner.get_trials():
        assert t.hyperparameters.get("units") == 6
        assert 0.01 <= t.hyperparameters.get("lr") <= 0.02

    only = tuners.HyperParameters()
    only.Float("lr", 0.01, 0.02)
    strict = tuners.RandomSearch(
        build_mlp,
        max_trials=2,
        seed=0,
        hyperparameters=only,
        tune_new_entries=False,
        directory=tmp_path,
        project_name="b",
    )
    strict.search(x, y, **{**FIT, "epochs": 1})
    assert {t.hyperparameters.get("units") for t in strict.get_trials()} == {2}  # the default

    closed = tuners.RandomSearch(
        build_mlp,
        max_trials=2,
        hyperparameters=only,
        allow_new_entries=False,
        directory=tmp_path,
        project_name="c",
    )
    with pytest.raises(ValueError, match="defines 'units'.*allow_new_entries=False"):
        closed.search(x, y, **{**FIT, "epochs": 1})


def test_a_hypermodel_fit_can_tune_the_batch_size(tmp_path):
    class Tunable(tuners.HyperModel):
        def build(self, hp):
            return build_linear(hp)

        def fit(self, hp, model, *args, **kwargs):
            return model.fit(*args, batch_size=hp.Choice("batch_size", [8, 32]), **kwargs)

    x, y = regression_data()
    tuner = tuners.RandomSearch(Tunable(), max_trials=4, seed=0, directory=tmp_path)
    tuner.search(x, y, epochs=2, validation_split=0.25, verbose=0)
    assert {"lr", "batch_size"} <= set(tuner.get_best_hyperparameters()[0].values)


def test_constructor_errors(tmp_path):
    with pytest.raises(
        ValueError, match="max_trials must be an integer >= 1, received max_trials=0"
    ):
        tuners.RandomSearch(build_linear, max_trials=0, directory=tmp_path)
    with pytest.raises(TypeError, match="pass MyModel\\(\\) instead"):

        class MyModel(tuners.HyperModel):
            pass

        tuners.RandomSearch(MyModel, directory=tmp_path)
    with pytest.raises(ValueError, match="Could not infer whether to minimize or maximize"):
        tuners.RandomSearch(build_linear, objective="wiggle", directory=tmp_path)
    tuners.RandomSearch(build_linear, directory=tmp_path, project_name="p")
    with pytest.raises(ValueError, match="optimizes 'val_loss', not 'loss'"):
        tuners.RandomSearch(build_linear, objective="loss", directory=tmp_path, project_name="p")


def test_objective_directions():
    from deepnum.tuners.objective import infer_direction

    for name in (
        "loss",
        "val_loss",
        "val_mse",
        "mean_absolute_error",
        "val_crossentropy",
        "sparse_categorical_crossentropy",
        "val_kl_divergence",
    ):
        assert infer_direction(name) == "min", name
    for name in (
        "accuracy",
        "val_acc",
        "val_sparse_categorical_accuracy",
        "auc",
        "val_precision",
        "recall",
        "f1_score",
        "val_cosine_similarity",
    ):
        assert infer_direction(name) == "max", name
    assert infer_direction("wiggle") is None


def test_import_deepnum_does_not_import_optuna():
    code = "import sys, deepnum; from deepnum import tuners; print('optuna' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_missing_optuna_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)
    from deepnum.tuners._optuna import require_optuna

    with pytest.raises(ImportError, match=r"pip install deepnum\[tune\]"):
        require_optuna()
