"""Launch the scripts of ``scripts/`` with ``mpiexec`` (the one next to this Python, from the
``mpich`` wheel) and share the runs that several tests read."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import reference

SCRIPTS = Path(__file__).parent / "scripts"
ROOT = Path(__file__).parents[2]
_UNDER_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def mpiexec() -> str:
    """The venv's mpiexec; skip without it (fail under CI, where `make test` must install it)."""
    reference("mpi4py")
    path = Path(sys.executable).parent / "mpiexec"
    if not path.exists():
        message = f"mpiexec not found next to {sys.executable}; install the `mpich` wheel."
        if _UNDER_CI:
            pytest.fail(message)
        pytest.skip(message)
    return str(path)


def run_script(script: str, *args: str, ranks: int | None = None, timeout: float = 60) -> Run:
    """Run ``scripts/<script>`` under ``mpiexec -n ranks`` (or alone when ``ranks`` is None).

    One BLAS/OpenMP thread per process keeps ranks from fighting over the cores.
    """
    command = [sys.executable, str(SCRIPTS / script), *args]
    if ranks is not None:
        command = [mpiexec(), "-n", str(ranks), *command]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "OMPI_", "PMIX_"))}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    start = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT
    )
    return Run(done.returncode, done.stdout, done.stderr, time.perf_counter() - start)


def check(run: Run) -> Run:
    """Fail with the processes' output when the run did not succeed."""
    if run.returncode != 0:
        pytest.fail(f"exit status {run.returncode}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr}")
    return run


@pytest.fixture(scope="session")
def collectives(tmp_path_factory) -> dict:
    """The checks of ``scripts/collectives.py`` under ``mpiexec -n 3``."""
    import json

    out = tmp_path_factory.mktemp("collectives")
    check(run_script("collectives.py", str(out), ranks=3))
    return json.loads((out / "results.json").read_text())
