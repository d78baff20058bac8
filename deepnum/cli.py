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
    """A report of the installation: versions, CPU and its vector extensions, BLAS library,
    kernel and threads, numba/SciPy/threadpoolctl, each fast path on or off with the reason,
    the allocator and GPUs."""
    import os
    import platform

    import numpy as np

    import deepnum
    from deepnum.backend import accel, cupy_available, hardware

    accel.enabled()  # compiles (or loads) the kernels, which loads SciPy's BLAS too
    lines = [
        f"deepnum {deepnum.__version__}",
        f"Python {platform.python_version()} on {platform.machine()} ({platform.system()})",
        f"NumPy {np.__version__}; default float: {deepnum.config.floatx()}",
        f"CPU: {hardware.cpu_model()} ({os.cpu_count()} cores)",
        f"vector extensions: {hardware.vector_extensions()}",
        f"BLAS: {hardware.blas_description()}",
    ]
    lines += [_package_line(name) for name in ("numba", "scipy", "threadpoolctl")]
    lines.append("fast paths:")
    for path, on, reason in accel.fast_paths():
        fix = "" if on else "; fix: unset DEEPNUM_NUMBA" if "DEEPNUM_NUMBA" in reason else ""
        fix = fix if on or fix else f"; fix: {accel.FIX}"
        lines.append(f"  {'on ' if on else 'off'} {path}: {reason}{fix}")
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


def _package_line(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{name} {version(name)}: installed"
    except PackageNotFoundError:
        return f"{name}: not installed (a dependency of deepnum: pip install {name})"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
