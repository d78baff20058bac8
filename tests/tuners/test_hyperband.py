"""Hyperband: Optuna's HyperbandPruner with epochs as the resource; BayesianOptimization."""

from __future__ import annotations

from deepnum import tuners
from deepnum.tuners.hyperband import trials_per_iteration
from tests.conftest import reference
from tests.tuners._models import Analytic, build_linear, log_bowl, regression_data

optuna = reference("optuna")


def test_trial_count_follows_keras_tuner_brackets():
    assert trials_per_iteration(9, 3) == 3 + 5 + 9
    assert trials_per_iteration(27, 3) == 4 + 6 + 12 + 27
    assert trials_per_iteration(1, 3) == 1


def test_hyperband_prunes_trials_that_fall_behind(tmp_path):
    x, y = regression_data()
    tuner = tuners.Hyperband(
        build_linear, objective="val_loss", max_epochs=9, factor=3, seed=0, directory=tmp_path
    )
    assert tuner.max_trials == 17
    tuner.search(x, y, epochs=1000, batch_size=32, validation_split=0.25, verbose=0)
    trials = tuner.get_trials()
    pruned = [t for t in trials if t.status == "PRUNED"]
    done = [t for t in trials if t.status == "COMPLETED"]
    assert len(trials) == 17 and pruned and done
    frozen = {t.number: t for t in tuner.study.get_trials()}
    # Pruned trials stopped at a rung (1, 3 epochs); completed ones trained max_epochs, not the
    # 1000 epochs passed to search().
    assert all(frozen[t.number].last_step < 9 for t in pruned)
    assert all(frozen[t.number].last_step == 9 for t in done)
    best = tuner.get_best_trials()[0]
    assert best.status == "COMPLETED"
    assert best.score <= min(t.score for t in pruned)


def test_bayesian_optimization_beats_its_random_start(tmp_path):
    def define(hp):
        hp.Float("lr", 1e-5, 1.0, sampling="log")

    tuner = tuners.BayesianOptimization(
        Analytic(define, log_bowl),
        objective=tuners.Objective("score", "min"),
        max_trials=25,
        num_initial_points=5,
        seed=0,
        directory=tmp_path,
        storage=optuna.storages.InMemoryStorage(),
    )
    tuner.search(verbose=0)
    scores = [t.score for t in tuner.get_trials()]
    assert min(scores[5:]) < min(scores[:5])  # TPE improves on the random start
    assert min(scores) < 0.05  # within ~0.2 decade of the optimum 10**-2.5
    default = tuners.BayesianOptimization(
        Analytic(define), objective="loss", directory=tmp_path, project_name="d"
    )
    assert default.num_initial_points == 3  # 3 x the number of tunable hyperparameters
