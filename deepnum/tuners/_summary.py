"""Text summaries of a tuner: the search space, the best trials, the rounds, one trial's line."""

from __future__ import annotations

import math
from typing import Any

from deepnum.tuners.hp_types import deserialize


def search_space_summary(tuner: Any, extended: bool = False) -> str:
    space = tuner._space.space
    lines = ["Search space summary", f"Default search space size: {len(space)}"]
    for hp in space:
        config = hp.get_config()
        name = config.pop("name")
        if not extended and not hp.conditions:
            config.pop("conditions")
        lines.append(f"{name} ({type(hp).__name__})")
        lines.append(str(config))
    text = "\n".join(lines)
    print(text)
    return text


def results_summary(tuner: Any, num_trials: int = 10) -> str:
    trials = tuner.get_trials()
    counts = {
        s: sum(t.status == s for t in trials) for s in ("COMPLETED", "PRUNED", "FAILED", "RUNNING")
    }
    lines = [
        "Results summary",
        f"Results in {tuner.project_dir}",
        f"Showing {num_trials} best trials",
        f"{tuner.objective}",
        "Trials: " + ", ".join(f"{n} {s.lower()}" for s, n in counts.items() if n),
    ]
    rounds = tuner._rounds()
    if len(rounds) > 1:
        lines.append("")
        lines += round_lines(tuner, rounds, trials)
    text = "\n".join(lines)
    print(text)
    for trial in tuner.get_best_trials(num_trials):
        print()
        text += "\n\n" + trial.summary()
    return text


def round_lines(tuner: Any, rounds: list, trials: list) -> list[str]:
    """One block per coarse-to-fine round: its trials, best score and numeric ranges."""
    lines = []
    for r, info in enumerate(rounds):
        done = [
            t
            for t in trials
            if t.round == r
            and t.status == "COMPLETED"
            and t.score is not None
            and math.isfinite(t.score)
        ]
        best = (min if tuner.objective.direction == "min" else max)(
            (t.score for t in done), default=None
        )
        best_text = "-" if best is None else f"{best:.6g}"
        extra = ""
        if r > 0:
            extra = f", top_k={info.get('top_k')}, shrink={info.get('shrink')}"
        lines.append(f"Round {r}: {len(done)} completed trials, best {best_text}{extra}")
        for name, config in info.get("ranges", {}).items():
            lines.append(f"  {name}: {deserialize(config).describe()}")
    return lines


def trial_line(tuner: Any, number: int, budget: float) -> str:
    """One line per finished trial: status, score, best so far and the values."""
    frozen = next(t for t in tuner.study.get_trials(deepcopy=False) if t.number == number)
    attrs = frozen.user_attrs
    result = attrs.get("result", {})
    values = ", ".join(f"{k}={_fmt(v)}" for k, v in attrs.get("values", {}).items())
    total = "" if budget == math.inf else f"/{int(budget)}"
    head = f"Trial {number + 1}{total} {frozen.state.name}"
    if "duration" in result:
        head += f" [{result['duration']:.1f}s]"
    if frozen.state.name == "FAIL":
        return f"{head} {attrs.get('error', '')} | {values}"
    score = result.get("score")
    best = tuner.get_best_trials(1)
    best_text = f" | best so far {best[0].score:.6g} (trial {best[0].number + 1})" if best else ""
    score_text = f" {tuner.objective.name}={_fmt(score)}" if score is not None else ""
    return f"{head}{score_text}{best_text} | {values}"


def _fmt(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:.4g}"
    return str(value)
