"""Progbar: Keras's text progress bar with running averages of metrics."""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from collections.abc import Iterable
from typing import Any

import numpy as np

from deepnum import config

_BOLD, _GREEN, _GREY, _RESET = "\x1b[1m", "\33[32m", "\33[37m", "\x1b[0m"


def print_msg(message: str, line_break: bool = True) -> None:
    """Write to stdout, or to the ``deepnum`` logger once interactive logging is disabled
    (``deepnum.config.disable_interactive_logging()``), as Keras's ``io_utils.print_msg``."""
    if config.is_interactive_logging_enabled():
        sys.stdout.write(message + ("\n" if line_break else ""))
        sys.stdout.flush()
    else:
        logging.getLogger("deepnum").info(message)


class Progbar:
    """A progress bar with the step count, ETA and averaged metrics — Keras's
    ``keras.utils.Progbar``.

    A metric is shown as its running average over the steps so far (an update to step
    ``current`` with value v weighs v by ``current − previous step``), unless it is named in
    ``stateful_metrics``, or ``stateless_metrics`` is given and does not name it: then it is
    shown as given. The last update (``finalize``) shows every metric as given.

    Args:
        target: the total number of steps, or None if unknown.
        width: the bar's width in characters.
        verbose: 0 silent, 1 a bar redrawn in place, 2 one line when finished.
        interval: the least number of seconds between two redraws.
        stateful_metrics: names shown as given (the others are averaged).
        stateless_metrics: names averaged (the others are shown as given).
        unit_name: the name of a step in the timing (``"step"`` or ``"sample"``).

    Example:
        >>> bar = Progbar(target=2, verbose=0)
        >>> bar.update(1, [("loss", 1.0)])
        >>> bar.update(2, [("loss", 3.0)], finalize=False)
        >>> bar._values["loss"]    # sum of value × steps, steps
        [4.0, 2]
    """

    def __init__(
        self,
        target: int | None,
        width: int = 20,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics: Iterable[str] | None = None,
        stateless_metrics: Iterable[str] | None = None,
        unit_name: str = "step",
    ) -> None:
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Progbar: only one of `stateful_metrics` or `stateless_metrics` can be provided. "
                "`stateful_metrics` names the metrics shown as given (the others are averaged); "
                "`stateless_metrics` names the metrics averaged (the others are shown as given)."
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics: set[str] | None = None
        self.stateless_metrics: set[str] | None = None
        if stateless_metrics is not None:
            self.stateless_metrics = set(stateless_metrics)
        else:
            self.stateful_metrics = set(stateful_metrics or ())
        self._dynamic_display = (
            getattr(sys.stdout, "isatty", lambda: False)()
            or "ipykernel" in sys.modules
            or "posix" in sys.modules
            or "PYCHARM_HOSTED" in os.environ
        )
        self._seen_so_far = 0
        self._values: dict[str, Any] = {}
        self._values_order: list[str] = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step: float | None = None
        self._prev_total_width = 0

    def _averaged(self, name: str) -> bool:
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def update(
        self,
        current: int,
        values: list[tuple[str, Any]] | None = None,
        finalize: bool | None = None,
    ) -> None:
        """Move the bar to step ``current``.

        Args:
            current: the index of the current step.
            values: ``(name, value for the last step)`` pairs.
            finalize: whether this is the last update; default ``current >= target``.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            if name not in self._values_order:
                self._values_order.append(name)
            if not self._averaged(name) or finalize:
                self._values[name] = [value, 1]
                continue
            weight = max(current - self._seen_so_far, 1)
            total = self._values.setdefault(name, [0, 0])
            total[0] += value * weight
            total[1] += weight
        self._seen_so_far = current
        now = time.time()
        per_unit = self._step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._draw(current, now, per_unit, finalize)
        elif self.verbose == 2 and finalize and self.target:
            digits = int(math.log10(self.target)) + 1
            info = f"{current:{digits}d}/{self.target} - {now - self._start:.0f}s -"
            info += _format_time(per_unit, self.unit_name) + self._metrics_text(signed=False)
            print_msg(info + "\n", line_break=False)
        self._last_update = now

    def _draw(self, current: int, now: float, per_unit: float, finalize: bool) -> None:
        message = "\b" * self._prev_total_width + "\r" if self._dynamic_display else "\n"
        hidden = 0  # characters of escape codes, which take no width on screen
        if self.target:
            digits = int(math.log10(self.target)) + 1
            bar = f"{_BOLD}{current:{digits}d}/{self.target}{_RESET} "
            filled = int(self.width * current / self.target)
            hidden += 8
            if filled > 0:
                bar += f"{_GREEN}{'━' * filled}{_RESET}"
                hidden += 9
            bar += f"{_GREY}{'━' * (self.width - filled)}{_RESET}"
            hidden += 9
        else:
            bar = f"{current:7d}/Unknown"
        if self.target and not finalize:
            info = f" {_BOLD}{_format_eta(per_unit * (self.target - current))}{_RESET}"
        else:
            info = f" {_BOLD}{now - self._start:.0f}s{_RESET}"
        hidden += 8
        info += _format_time(per_unit, self.unit_name) + self._metrics_text(signed=True)
        width = len(bar) + len(info) - hidden
        message += bar + info + " " * max(self._prev_total_width - width, 0)
        print_msg(message + ("\n" if finalize else ""), line_break=False)
        self._prev_total_width = width

    def _metrics_text(self, signed: bool) -> str:
        """`` - name: value`` for every metric; small values (below 1e-3, in magnitude when
        ``signed``, as Keras's two display modes differ) in scientific notation."""
        text = ""
        for name in self._values_order:
            total, count = self._values[name]
            total = total if isinstance(total, float) else np.mean(total)
            average = total / max(1, count)
            large = abs(average) > 1e-3 if signed else average > 1e-3
            text += f" - {name}: {average:.4f}" if large else f" - {name}: {average:.4e}"
        return text

    def add(self, n: int, values: list[tuple[str, Any]] | None = None) -> None:
        """Advance the bar by ``n`` steps."""
        self.update(self._seen_so_far + n, values)

    def _step_duration(self, current: int, now: float) -> float:
        """Seconds per step; from the second step on, the first (often slow) one is left out."""
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            duration = (now - self._time_after_first_step) / (current - 1)
        else:
            duration = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return duration


def _format_eta(seconds: float) -> str:
    """``h:mm:ss``, ``m:ss`` or ``Ns``, truncated to whole seconds."""
    whole = int(seconds)
    if seconds > 3600:
        return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    if seconds > 60:
        return f"{whole // 60}:{whole % 60:02d}"
    return f"{whole}s"


def _format_time(per_unit: float, unit_name: str) -> str:
    if per_unit >= 1 or per_unit == 0:
        return f" {per_unit:.0f}s/{unit_name}"
    if per_unit >= 1e-3:
        return f" {per_unit * 1e3:.0f}ms/{unit_name}"
    return f" {per_unit * 1e6:.0f}us/{unit_name}"
