"""``python -m bench`` (or ``deepnum bench``): deepnum against PyTorch in one run.

Every workload is timed in alternating turns (deepnum, PyTorch, deepnum, ...) after a warm-up,
with the same thread count on both sides; a training turn is a run of consecutive steps. The
report gives the median and range of ms/step and the median of the per-turn ratios
deepnum/PyTorch. ``--write`` regenerates docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from bench import machine


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deepnum bench", description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument(
        "--only",
        default="mlp,cnn,lstm,transformer,convlstm,rnn_cell,conv1d,autoencoder,antirectifier,"
        "overhead,predict,scaling,memory",
        help="comma-separated workloads (also: fit, unsupervised, text, images, augment, "
        "transforms, applications)",
    )
    parser.add_argument("--write", action="store_true", help="write docs/performance.md")
    parser.add_argument(
        "--device", default="cpu", help="cpu, or cuda: the training workloads on a GPU (CuPy)"
    )
    parser.add_argument("--quick", action="store_true", help="fewer repeats, shorter LSTM")
    args = parser.parse_args(argv)
    machine.set_threads(args.threads)
    from bench import suites

    only = args.only.split(",")
    repeats = 5 if args.quick else args.repeats
    start = time.perf_counter()
    sections = suites.run(
        only, repeats=repeats, quick=args.quick, threads=args.threads, device=args.device
    )
    report = suites.render(sections, args.threads, time.perf_counter() - start)
    print(report)
    if args.write:
        path = os.path.join(os.path.dirname(__file__), "..", "docs", "performance.md")
        from deepnum.utils.io import atomic_write

        with atomic_write(os.path.abspath(path), "w") as f:
            f.write(report)
        print(f"wrote {os.path.abspath(path)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
