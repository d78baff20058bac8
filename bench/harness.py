"""Interleaved timing: A B A B … after a warm-up, so both sides see the same machine load."""

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
    samples_per_step: int = 0,
    flops_per_step: float = 0.0,
    ref_name: str = "PyTorch",
) -> Pair:
    """Time ``ours`` and ``ref`` alternately; ``inner`` calls per measurement (for tiny ops)."""
    for _ in range(warmup):
        ours()
        ref()
    a, b = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(inner):
            ours()
        a.append((time.perf_counter() - t) / inner)
        t = time.perf_counter()
        for _ in range(inner):
            ref()
        b.append((time.perf_counter() - t) / inner)
    return Pair(name, a, b, samples_per_step, flops_per_step, ref_name)


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)
