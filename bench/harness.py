"""Interleaved timing: turns of A and B after a warm-up, so both sides see the same machine
load, each measured over consecutive steps so that neither pays for the other's threads."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Pair:
    """Step times (seconds) of deepnum and the reference, measured in alternation."""

    name: str
    ours: list[float]
    ref: list[float]
    samples_per_step: int = 0
    flops_per_step: float = 0.0
    ref_name: str = "PyTorch"

    @property
    def ratios(self) -> list[float]:
        return [a / b for a, b in zip(self.ours, self.ref)]

    @property
    def ratio(self) -> float:
        """Median of the per-pair ratios deepnum / reference."""
        return statistics.median(self.ratios)

    def row(self) -> list[str]:
        scale, unit = (1e6, " µs") if statistics.median(self.ref) < 1e-3 else (1e3, "")

        def ms(values: list[float]) -> str:
            return (
                f"{scale * statistics.median(values):.2f}{unit} "
                f"({scale * min(values):.2f}–{scale * max(values):.2f})"
            )

        def rate(values: list[float]) -> str:
            if not self.samples_per_step:
                return "–"
            return f"{self.samples_per_step / statistics.median(values):,.0f}"

        def gflops(values: list[float]) -> str:
            if not self.flops_per_step:
                return "–"
            return f"{self.flops_per_step / statistics.median(values) / 1e9:.1f}"

        return [
            self.name,
            ms(self.ours),
            ms(self.ref),
            f"{self.ratio:.2f}",
            rate(self.ours),
            rate(self.ref),
            gflops(self.ours),
            gflops(self.ref),
        ]


HEADER = [
    "workload",
    "deepnum ms/step median (min–max)",
    "reference ms/step",
    "ratio",
    "deepnum samples/s",
    "reference samples/s",
    "deepnum GFLOP/s",
    "reference GFLOP/s",
]


def interleave(
    name: str,
    ours: Callable[[], object],
    ref: Callable[[], object],
    *,
    warmup: int = 3,
    repeats: int = 15,
    inner: int = 1,
    block: int = 1,
    settle_s: float = 0.0,
    samples_per_step: int = 0,
    flops_per_step: float = 0.0,
    ref_name: str = "PyTorch",
) -> Pair:
    """Time ``ours`` and ``ref`` in alternating turns after a warm-up.

    Each turn first runs the side whose turn it is untimed, once when ``block > 1`` and for
    at least ``settle_s`` seconds, then takes ``block`` timed measurements of ``inner`` calls
    each and records their median. A side is so measured in its steady state, as in a
    training loop: after the other side's threads have gone idle (OpenBLAS's and OpenMP's
    worker threads spin for a while after their last call, and on two cores a spinning
    thread halves the other framework's speed) and with its own buffers and caches warm
    again. ``inner`` repeats tiny ops within one measurement.
    """
    for _ in range(warmup):
        ours()
        ref()
    a: list[float] = []
    b: list[float] = []
    for _ in range(repeats):
        for fn, times in ((ours, a), (ref, b)):
            start = time.perf_counter()
            while block > 1 or settle_s > 0:
                fn()
                if time.perf_counter() - start >= settle_s:
                    break
            turn = []
            for _ in range(block):
                t = time.perf_counter()
                for _ in range(inner):
                    fn()
                turn.append((time.perf_counter() - t) / inner)
            times.append(statistics.median(turn))
    return Pair(name, a, b, samples_per_step, flops_per_step, ref_name)


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)
