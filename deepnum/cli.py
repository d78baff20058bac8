"""The ``deepnum`` command: ``deepnum demo``, ``deepnum info``, ``deepnum bench``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``deepnum`` console command (also ``python -m deepnum``)."""
    parser = argparse.ArgumentParser(prog="deepnum", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="train a small CNN on real handwritten digits")
    demo.add_argument(
        "--dataset",
        choices=["auto", "mnist", "fashion_mnist", "digits"],
        default="auto",
        help="data set (auto: MNIST files if present, else digits)",
    )
    demo.add_argument("--epochs", type=int, default=None, help="training epochs")
    demo.add_argument(
        "--samples", type=int, default=24000, help="training samples used from MNIST-sized sets"
    )
    demo.add_argument("--out", default=".", help="directory for history.png and confusion.png")
    sub.add_parser("info", help="print version, backend, BLAS, threads and GPUs")
    bench = sub.add_parser("bench", help="run the benchmark suite against PyTorch")
    bench.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command == "demo":
        from deepnum.demo import run_demo

        return run_demo(args.dataset, args.epochs, args.samples, args.out)
    if args.command == "info":
        print(info())
        return 0
    if args.command == "bench":
        import os

        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        if os.path.isdir(os.path.join(root, "bench")) and root not in sys.path:
            sys.path.insert(0, root)  # the benchmark lives beside the package in a checkout
        try:
            from bench.__main__ import main as bench_main
        except ImportError:
            print("deepnum bench runs from a source checkout (the bench/ folder).", file=sys.stderr)
            return 2
        return bench_main(args.args)
    parser.print_help()
    return 0


def info() -> str:
    """A short report of the installation: versions, BLAS, threads, compiled kernels, GPUs."""
    import os
    import platform

    import numpy as np

    import deepnum
    from deepnum.backend import cupy_available

    lines = [
        f"deepnum {deepnum.__version__}",
        f"Python {platform.python_version()} on {platform.machine()} ({platform.system()})",
        f"NumPy {np.__version__}; default float: {deepnum.config.floatx()}",
        f"CPU cores: {os.cpu_count()}",
    ]
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            lines.append(
                f"BLAS: {pool.get('internal_api')} {pool.get('version')} "
                f"({pool.get('architecture')}), threads: {pool.get('num_threads')}"
            )
    except ImportError:
        lines.append("BLAS: install threadpoolctl to see which BLAS NumPy uses")
    from importlib.metadata import PackageNotFoundError, version

    from deepnum.backend import accel

    try:
        state = "on" if accel.enabled() else "off (DEEPNUM_NUMBA=0)"
        lines.append(f"numba {version('numba')}: compiled kernels {state}")
    except PackageNotFoundError:
        lines.append("numba: not installed (pip install deepnum[numba] for compiled kernels)")
    tuned = "tuned" if deepnum.backend.allocator_tuned() else "C library defaults"
    lines.append(f"malloc: {tuned}")
    if cupy_available():
        import cupy

        for i in range(cupy.cuda.runtime.getDeviceCount()):
            props = cupy.cuda.runtime.getDeviceProperties(i)
            lines.append(f"GPU {i}: {props['name'].decode()} (CuPy {cupy.__version__})")
    else:
        lines.append("GPU: none (CuPy not installed or no CUDA device)")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
