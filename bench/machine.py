"""The machine a benchmark ran on, and its physical limit: measured sgemm GFLOP/s."""

from __future__ import annotations

import os
import platform
import time

import numpy as np

from deepnum.backend import hardware


def cpu_model() -> str:
    return hardware.cpu_model()


def blas_description() -> str:
    """Each BLAS loaded (NumPy's, SciPy's, PyTorch's when it links one): library, version,
    kernel and threads."""
    try:  # SciPy's BLAS runs the compiled LSTM loop: load it so that it is listed
        import scipy.linalg.cython_blas  # noqa: F401
    except ImportError:
        pass
    return hardware.blas_description()


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
    from deepnum.backend import accel

    info = {
        "CPU": cpu_model(),
        "cores": str(os.cpu_count()),
        "vector extensions": hardware.vector_extensions(),
        "BLAS (library, kernel, threads)": blas_description(),
        "Python": platform.python_version(),
        "NumPy": np.__version__,
        "deepnum": deepnum.__version__,
        "deepnum fast paths off": ", ".join(
            f"{path} ({why})" for path, on, why in accel.fast_paths() if not on
        )
        or "none",
    }
    try:
        import torch

        info["PyTorch"] = torch.__version__
        info["PyTorch CPU capability"] = torch.backends.cpu.get_cpu_capability()
        info["PyTorch oneDNN / MKL"] = (
            f"{torch.backends.mkldnn.is_available()} / {torch.backends.mkl.is_available()}"
        )
    except ImportError:
        pass
    return info
