"""A tuner in its own process, for the tests of shared and interrupted searches.

Usage: ``python -m tests.tuners._worker --directory DIR [--storage URL] [--max-trials N]
[--seed S] [--sleep SECONDS] [--crash-in-trial K] [--barrier N]`` (run from the repository root).
"""

from __future__ import annotations

import argparse
import os
import time

from deepnum import tuners
from tests.tuners._models import Analytic, log_bowl


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--directory", required=True)
    parser.add_argument("--storage", default=None)
    parser.add_argument("--project", default="untitled_project")
    parser.add_argument("--max-trials", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sleep", type=float, default=0.0)
    parser.add_argument("--crash-in-trial", type=int, default=0)
    parser.add_argument("--barrier", type=int, default=0, help="wait for this many workers")
    args = parser.parse_args()

    def score(values: dict) -> float:
        score.calls += 1
        if score.calls == args.crash_in_trial:
            os._exit(3)  # killed hard: no exception handler, no cleanup
        time.sleep(args.sleep)
        return log_bowl(values)

    score.calls = 0

    def define(hp) -> None:
        hp.Float("lr", 1e-5, 1.0, sampling="log")

    tuner = tuners.RandomSearch(
        Analytic(define, score),
        objective=tuners.Objective("score", "min"),
        max_trials=args.max_trials,
        seed=args.seed,
        directory=args.directory,
        project_name=args.project,
        storage=args.storage,
    )
    if args.barrier:
        wait_for_each_other(args.directory, args.barrier)
    tuner.search(verbose=0)


def wait_for_each_other(directory: str, n: int, timeout: float = 60.0) -> None:
    """Start searching only once ``n`` workers are ready, so that all of them take part."""
    open(os.path.join(directory, f"ready-{os.getpid()}"), "w").close()
    deadline = time.time() + timeout
    while sum(f.startswith("ready-") for f in os.listdir(directory)) < n:
        if time.time() > deadline:
            raise TimeoutError(f"fewer than {n} workers became ready in {timeout} s")
        time.sleep(0.02)


if __name__ == "__main__":
    main()
