"""The machine a benchmark ran on, and its physical limit: measured sgemm GFLOP/s."""

from __future__ import annotations

import os
import platform
import time

import numpy as np


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_description() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (install threadpoolctl)"
    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    return (
        "; ".join(
            f"{p.get('internal_api')} {p.get('version')} ({p.get('architecture')}, "
            f"{p.get('num_threads')} threads)"
            for p in pools
        )
        or "none found"
    )


def set_threads(n: int, torch: bool = True) -> None:
    """Give NumPy's BLAS and PyTorch (unless ``torch=False``: not imported) the same number of
    threads."""
    os.environ["OMP_NUM_THREADS"] = str(n)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(n)
    except ImportError:
        pass
    if not torch:
        return
    try:
        import torch as pytorch

        pytorch.set_num_threads(n)
    except ImportError:
        pass


def sgemm_gflops(n: int = 1024, repeats: int = 10) -> float:
    """Best-of float32 matrix product speed: 2n³ flops per product."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    out = np.empty((n, n), np.float32)
    np.matmul(a, b, out=out)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


def describe() -> dict[str, str]:
    import deepnum

    info = {
        "CPU": cpu_model(),
        "cores": str(os.cpu_count()),
        "BLAS": blas_description(),
        "Python": platform.python_version(),
        "NumPy": np.__version__,
        "deepnum": deepnum.__version__,
    }
    try:
        import torch

        info["PyTorch"] = torch.__version__
    except ImportError:
        pass
    return info
