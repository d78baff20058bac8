"""Several processes on one storage share a single search."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import reference
from tests.tuners.test_tuner import ROOT

optuna = reference("optuna")


def test_two_processes_share_one_sqlite_study_without_duplicates(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    command = [
        sys.executable,
        "-m",
        "tests.tuners._worker",
        "--directory",
        str(tmp_path),
        "--storage",
        url,
        "--project",
        "shared",
        "--max-trials",
        "10",
        "--sleep",
        "0.05",
        "--barrier",
        "2",
    ]
    workers = [
        subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    for w in workers:
        _, err = w.communicate(timeout=180)
        assert w.returncode == 0, err

    study = optuna.load_study(study_name="shared", storage=url)
    trials = [t for t in study.get_trials() if not t.user_attrs.get("surplus")]
    done = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(done) == 10  # the budget is shared: not 12 per process
    assert len({t.number for t in done}) == 10
    assert len({t.params["lr"] for t in done}) == 10  # no trial drawn twice
    assert len({t.user_attrs["worker"] for t in done}) == 2  # both processes worked
