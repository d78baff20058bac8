"""Plots of a search with matplotlib (``pip install deepnum[plot]``), written atomically.

- :func:`plot_optimization_history`: each trial's score and the best so far, by trial number.
- :func:`plot_parallel_coordinates`: one vertical axis per hyperparameter plus the score, one
  line per trial coloured by its score.
- :func:`plot_slice`: the score against each hyperparameter (log axis for log-sampled ones).

They draw on matplotlib's Agg canvas without touching pyplot, so they work headless.
"""

from __future__ import annotations

import math
import os
from typing import Any

from deepnum.tuners.hp_types import Choice, HyperParameter, Numerical


def plot_optimization_history(
    tuner: Any, to_file: str | os.PathLike = "history.png", log_scale: bool | str = "auto"
) -> Any:
    """Plot each trial's score against its number, with the best score so far as a step line.

    Pruned trials are grey crosses at their last reported value; diverged and failed trials
    are left out.

    Args:
        tuner: a tuner after (or during) its search.
        to_file: the image path; the format follows the extension (PNG by default).
        log_scale: a log y axis: ``True``, ``False`` or ``"auto"`` (positive scores spanning
            more than two decades).

    Returns:
        The matplotlib ``Figure``.

    Example:
        ``plot_optimization_history(tuner, "history.png")``
    """
    trials = _finished(tuner)
    done = [t for t in trials if t.status == "COMPLETED"]
    pruned = [t for t in trials if t.status == "PRUNED"]
    figure = _figure((6.4, 4.0))
    ax = figure.add_subplot(1, 1, 1)
    if pruned:
        ax.scatter(
            [t.number for t in pruned],
            [t.score for t in pruned],
            marker="x",
            color="0.6",
            label="pruned",
        )
    if done:
        ax.scatter([t.number for t in done], [t.score for t in done], color="C0", label="trial")
        best, running = [], None
        for t in done:
            if running is None or tuner.objective.better_than(t.score, running):
                running = t.score
            best.append(running)
        ax.step([t.number for t in done], best, where="post", color="C3", label="best so far")
    scores = [t.score for t in trials]
    if log_scale == "auto":
        log_scale = bool(scores) and min(scores) > 0 and max(scores) / min(scores) > 100
    if log_scale:
        ax.set_yscale("log")
    ax.set_xlabel("trial")
    ax.set_ylabel(f"{tuner.objective.name} ({tuner.objective.direction})")
    ax.set_title("Optimization history")
    if trials:
        ax.legend(loc="best")
    _save(figure, to_file)
    return figure


def plot_parallel_coordinates(
    tuner: Any, to_file: str | os.PathLike = "parallel.png", params: list[str] | None = None
) -> Any:
    """Plot one line per completed trial across one axis per hyperparameter and the score.

    Numeric axes span the hyperparameter's range (on a log axis when it is log-sampled);
    choices are evenly spaced. Lines are coloured by score, the best one drawn thickest.

    Args:
        tuner: a tuner after its search.
        to_file: the image path.
        params: the hyperparameters to show (all tunable ones by default).

    Returns:
        The matplotlib ``Figure``.
    """
    trials = [t for t in _finished(tuner) if t.status == "COMPLETED"]
    hps = _params(tuner, trials, params)
    figure = _figure((1.6 * (len(hps) + 1) + 1.5, 4.0))
    ax = figure.add_subplot(1, 1, 1)
    if trials:
        scores = [t.score for t in trials]
        lo, hi = min(scores), max(scores)
        import matplotlib

        viridis = matplotlib.colormaps["viridis"]
        order = sorted(
            range(len(trials)), key=lambda i: scores[i], reverse=tuner.objective.direction == "min"
        )
        for rank, i in enumerate(order):
            t = trials[i]
            ys = [_position(hp, t.hyperparameters.values.get(hp.name)) for hp in hps]
            ys.append(0.5 if hi == lo else (t.score - lo) / (hi - lo))
            good = (t.score - lo) / (hi - lo) if hi > lo else 1.0
            if tuner.objective.direction == "min":
                good = 1.0 - good
            best = rank == len(order) - 1
            ax.plot(
                range(len(ys)),
                ys,
                color=viridis(good),
                alpha=0.9 if best else 0.6,
                linewidth=2.5 if best else 1.0,
            )
        labels = [_axis_label(hp) for hp in hps] + [tuner.objective.name]
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, rotation=20)
        for x, hp in enumerate(hps):
            ax.axvline(x, color="0.3", linewidth=0.8)
            low, high = _range_text(hp)
            ax.text(x, -0.04, low, ha="center", va="top", fontsize=7)
            ax.text(x, 1.04, high, ha="center", va="bottom", fontsize=7)
        ax.axvline(len(hps), color="0.3", linewidth=0.8)
        ax.text(len(hps), -0.04, f"{lo:.3g}", ha="center", va="top", fontsize=7)
        ax.text(len(hps), 1.04, f"{hi:.3g}", ha="center", va="bottom", fontsize=7)
    ax.set_ylim(-0.12, 1.12)
    ax.set_yticks([])
    ax.set_title("Parallel coordinates")
    _save(figure, to_file)
    return figure


def plot_slice(
    tuner: Any, to_file: str | os.PathLike = "slice.png", params: list[str] | None = None
) -> Any:
    """Plot the score of the completed trials against each hyperparameter, one panel each.

    Args:
        tuner: a tuner after its search.
        to_file: the image path.
        params: the hyperparameters to show (all tunable ones by default).

    Returns:
        The matplotlib ``Figure``.
    """
    trials = [t for t in _finished(tuner) if t.status == "COMPLETED"]
    hps = _params(tuner, trials, params) or [None]
    figure = _figure((3.2 * len(hps), 3.2))
    for k, hp in enumerate(hps):
        ax = figure.add_subplot(1, len(hps), k + 1)
        if hp is None:
            ax.set_title("no hyperparameters")
            continue
        points = [
            (t.hyperparameters.values[hp.name], t.score, t.number)
            for t in trials
            if t.hyperparameters.values.get(hp.name) is not None
        ]
        if isinstance(hp, Numerical):
            ax.scatter(
                [p[0] for p in points],
                [p[1] for p in points],
                c=[p[2] for p in points],
                cmap="Blues",
                edgecolors="0.3",
            )
            if hp.sampling == "log":
                ax.set_xscale("log")
        else:
            values = _choices(hp)
            ax.scatter(
                [values.index(p[0]) for p in points],
                [p[1] for p in points],
                c=[p[2] for p in points],
                cmap="Blues",
                edgecolors="0.3",
            )
            ax.set_xticks(range(len(values)))
            ax.set_xticklabels([str(v) for v in values])
        ax.set_xlabel(hp.name)
        if k == 0:
            ax.set_ylabel(tuner.objective.name)
    figure.suptitle("Slice plot (colour: trial number)")
    _save(figure, to_file)
    return figure


# ---------------------------------------------------------------------- helpers
def _finished(tuner: Any) -> list:
    return [
        t
        for t in tuner.get_trials()
        if t.status in ("COMPLETED", "PRUNED") and t.score is not None and math.isfinite(t.score)
    ]


def _params(tuner: Any, trials: list, names: list[str] | None) -> list[HyperParameter]:
    seen: dict[str, HyperParameter] = {}
    for hp in tuner._space.space:
        if hp.tunable and hp.name not in seen:
            seen[hp.name] = hp
    if names is None:
        return [
            hp
            for name, hp in seen.items()
            if any(name in t.hyperparameters.values for t in trials) or not trials
        ]
    missing = [n for n in names if n not in seen]
    if missing:
        raise ValueError(
            f"params: unknown hyperparameters {missing}; the space has {sorted(seen)}."
        )
    return [seen[n] for n in names]


def _choices(hp: HyperParameter) -> list:
    if isinstance(hp, Choice):
        return list(hp.values)
    return [False, True] if type(hp).__name__ == "Boolean" else hp.grid_values()


def _position(hp: HyperParameter, value: Any) -> float:
    """Where ``value`` sits on the hyperparameter's axis, in [0, 1] (NaN when inactive)."""
    if value is None:
        return math.nan
    if isinstance(hp, Numerical):
        lo, hi = hp.to_coordinate(hp.min_value), hp.to_coordinate(hp.max_value)
        c = hp.to_coordinate(min(hp.max_value, max(hp.min_value, value)))
        return 0.5 if hi == lo else (c - lo) / (hi - lo)
    values = _choices(hp)
    return 0.5 if len(values) == 1 else values.index(value) / (len(values) - 1)


def _axis_label(hp: HyperParameter) -> str:
    return f"{hp.name}\n(log)" if getattr(hp, "sampling", "linear") != "linear" else hp.name


def _range_text(hp: HyperParameter) -> tuple[str, str]:
    if isinstance(hp, Numerical):
        return f"{hp.min_value:.3g}", f"{hp.max_value:.3g}"
    values = _choices(hp)
    return str(values[0]), str(values[-1])


def _figure(size: tuple[float, float]) -> Any:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError(
            "deepnum.tuners' plots need matplotlib, an optional dependency. Install it with "
            "`pip install deepnum[plot]` (or `pip install matplotlib`)."
        ) from e
    figure = Figure(figsize=size)
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Any, to_file: str | os.PathLike) -> None:
    from deepnum.utils.io import atomic_write

    path = os.fspath(to_file)
    fmt = os.path.splitext(path)[1].lstrip(".").lower() or "png"
    figure.tight_layout()
    with atomic_write(path, "wb") as f:
        figure.savefig(f, format=fmt)
