"""Benchmark: data-parallel scaling of the CNN workload on 1 vs 2 (or more) MPI processes.

Weak scaling, as Horovod reports it: every process trains on its own batch of ``--batch``
samples per step (the global batch grows with the number of processes), with one BLAS/OpenMP
thread per process. For each process count the benchmark launches ``mpiexec -n N`` on this
module's worker, which trains the CNN with ``model.fit`` for ``--steps`` steps after a
warm-up, and reports:

- ``step ms``: wall time per training step (the slowest rank);
- ``samples/s``: ``N · batch / step time``;
- ``efficiency``: ``samples/s(N) / (N · samples/s(1))`` — 100 % is perfect scaling;
- ``allreduce ms``: the gradient all-reduce alone (one flat float32 buffer), per step;
- ``alone ms``: the step time when the N processes run at the same time but each trains
  alone (no communication). ``step ms − alone ms`` is the cost of data parallelism itself
  (all-reduce, waiting for the slowest rank); ``alone ms`` above the 1-process step time means
  the processes compete for cores, caches or memory bandwidth.

The process counts are launched interleaved (1, 2, 1, 2, ...) ``--repeats`` times and each
row reports the medians, so a noisy machine slows every count alike.

The CNN is the one of ``bench/workloads.py`` (Conv 32 → pool → Conv 64 → pool → Dense 128 →
Dense 10 on 28×28×1 inputs), rebuilt here so that this file runs on its own.

Run: ``python -m bench.bench_distributed [--ranks 1,2] [--batch 64] [--steps 20] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


# ---------------------------------------------------------------------------- one rank
def worker(batch: int, steps: int, warmup: int) -> None:
    """Train under MPI and print one JSON line of timings (seconds per step) on rank 0."""
    import deepnum as dn
    from bench import workloads
    from deepnum import distributed

    distributed.init()
    size = distributed.size()
    dn.utils.set_random_seed(0)
    model = workloads.deepnum_cnn()  # the CNN of the main benchmark
    rng = np.random.default_rng(distributed.rank())
    n = batch * size * (warmup + steps)
    x = rng.random((n, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, n)
    warm = batch * size * warmup
    model.fit(x[:warm], y[:warm], batch_size=batch, epochs=1, verbose=0)

    distributed.barrier()
    start = time.perf_counter()
    model.fit(x[warm:], y[warm:], batch_size=batch, epochs=1, verbose=0, shuffle=False)
    step = _slowest(time.perf_counter() - start) / steps

    # The same number of steps with every process training alone, all at the same time.
    mine = slice(warm, warm + batch * steps)
    distributed.barrier()
    distributed.shutdown()
    start = time.perf_counter()
    model.fit(x[mine], y[mine], batch_size=batch, epochs=1, verbose=0, shuffle=False)
    alone = time.perf_counter() - start
    distributed.init()
    alone = _slowest(alone) / steps

    grads = [np.ones(w.shape, np.float32) for w in model.trainable_weights]
    reducer = distributed.GradientReducer()
    reducer.reduce(grads, 1.0 / size)
    distributed.barrier()
    start = time.perf_counter()
    for _ in range(steps):
        reducer.reduce(grads, 1.0 / size)
    allreduce = _slowest(time.perf_counter() - start) / steps
    if distributed.rank() == 0:
        params = int(sum(g.size for g in grads))
        timings = {"step_s": step, "alone_s": alone, "allreduce_s": allreduce}
        print(json.dumps({"ranks": size, "params": params, **timings}))


def _slowest(seconds: float) -> float:
    from deepnum import distributed

    return float(distributed.allreduce(seconds, "max"))


# ---------------------------------------------------------------------------- the driver
def launch(ranks: int, batch: int, steps: int, warmup: int) -> dict:
    """Run the worker under ``mpiexec -n ranks``; return its timings."""
    mpiexec = Path(sys.executable).parent / "mpiexec"
    worker_args = ["--worker", "--batch", str(batch), "--steps", str(steps)]
    command = [str(mpiexec), "-n", str(ranks), sys.executable, "-m", "bench.bench_distributed"]
    command += worker_args + ["--warmup", str(warmup)]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    root = Path(__file__).resolve().parents[1]
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")])
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=root, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"mpiexec -n {ranks} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(rows: list[dict], batch: int) -> str:
    """The Markdown table of the module docstring."""
    base = batch / rows[0]["step_s"] / rows[0]["ranks"]  # samples/s of one process
    params = rows[0]["params"]
    lines = [
        f"CNN data-parallel weak scaling: batch {batch} per process, 1 thread per process, "
        f"{params:,} parameters ({params * 4 / 2**20:.1f} MiB of float32 gradients per step)",
        "",
        "| processes | global batch | step ms | samples/s | speedup | efficiency "
        "| allreduce ms | alone ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        rate = row["ranks"] * batch / row["step_s"]
        cells = [
            f"{row['ranks']}",
            f"{row['ranks'] * batch}",
            f"{1000 * row['step_s']:.1f}",
            f"{rate:.0f}",
            f"{rate / base:.2f}x",
            f"{100 * rate / (row['ranks'] * base):.0f} %",
            f"{1000 * row['allreduce_s']:.2f}",
            f"{1000 * row['alone_s']:.1f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", default="1,2", help="process counts, e.g. 1,2,4")
    parser.add_argument("--batch", type=int, default=64, help="samples per process and step")
    parser.add_argument("--steps", type=int, default=20, help="timed steps")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    parser.add_argument("--repeats", type=int, default=3, help="launches per process count")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.batch, args.steps, args.warmup)
        return
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        sys.exit("bench_distributed needs mpi4py and an MPI: pip install deepnum[mpi]")
    ranks = [int(r) for r in args.ranks.split(",")]
    runs: dict[int, list[dict]] = {r: [] for r in ranks}
    for _ in range(args.repeats):
        for r in ranks:
            runs[r].append(launch(r, args.batch, args.steps, args.warmup))
    rows = [
        {
            **runs[r][0],
            **{
                k: statistics.median(run[k] for run in runs[r])
                for k in ("step_s", "allreduce_s", "alone_s")
            },
        }
        for r in ranks
    ]
    print(report(rows, args.batch))


if __name__ == "__main__":
    main()
