"""Hyperparameter types with KerasTuner's names and semantics: Int, Float, Choice, Boolean, Fixed.

Each type knows its default, the values a grid enumerates, and how to draw a value from an
Optuna trial. ``sampling`` maps a uniform draw ``p`` in [0, 1) onto ``[min_value, max_value]``:

- ``"linear"``: ``min + p (max - min)``;
- ``"log"``: ``min (max / min)^p``, so every decade gets the same share of the draws;
- ``"reverse_log"``: ``max + min - min (max / min)^(1 - p)``, dense near ``max`` (e.g. a
  momentum or an EMA decay close to 1).

With a ``step``, linear ranges hold ``min, min + step, ...`` (up to ``max``) and log ranges
hold ``min, min * step, min * step^2, ...``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

SAMPLINGS = ("linear", "log", "reverse_log")


@dataclass(frozen=True)
class Condition:
    """Active only while the parent hyperparameter ``name`` takes one of ``values``."""

    name: str
    values: tuple

    def is_active(self, values: dict) -> bool:
        return self.name in values and values[self.name] in self.values

    def get_config(self) -> dict:
        return {"name": self.name, "values": list(self.values)}

    @classmethod
    def from_config(cls, config: dict) -> Condition:
        return cls(config["name"], tuple(config["values"]))


class HyperParameter:
    """Base class: a named hyperparameter with a default and parent conditions."""

    tunable = True

    def __init__(self, name: str, default: Any = None, conditions: Any = ()) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(
                f"A hyperparameter name must be a non-empty string, received {name!r}."
            )
        self.name = name
        self._default = default
        self.conditions = tuple(
            c if isinstance(c, Condition) else Condition.from_config(c) for c in conditions
        )

    @property
    def default(self) -> Any:
        return self._default

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "default": self._default,
            "conditions": [c.get_config() for c in self.conditions],
        }

    @classmethod
    def from_config(cls, config: dict) -> HyperParameter:
        return cls(**config)

    def with_conditions(self, conditions: tuple) -> HyperParameter:
        return type(self).from_config({**self.get_config(), "conditions": list(conditions)})

    def grid_values(self) -> list:
        """Every value a grid search visits, the default first."""
        raise NotImplementedError

    def suggest(self, trial: Any, grid: bool = False) -> Any:
        """Draw this hyperparameter's value from an Optuna trial (``grid``: from its grid)."""
        raise NotImplementedError

    def describe(self) -> str:
        """The range in one line, for summaries."""
        return repr(self.get_config())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "conditions")
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.get_config() == self.get_config()

    __hash__ = None  # mutable-looking value object: compare, do not hash


def _default_first(values: list, default: Any) -> list:
    return [default] + [v for v in values if v != default] if default in values else values


class Numerical(HyperParameter):
    """Shared logic of Int and Float: range, step, sampling and the coordinate they use."""

    kind = "Numerical"

    def __init__(
        self,
        name: str,
        min_value: Any,
        max_value: Any,
        step: Any = None,
        sampling: str = "linear",
        default: Any = None,
        conditions: Any = (),
    ) -> None:
        super().__init__(name, default, conditions)
        sampling = str(sampling).lower()
        if sampling not in SAMPLINGS:
            raise ValueError(
                f'{self.kind} "{name}": sampling must be one of {SAMPLINGS}, received '
                f"sampling={sampling!r}."
            )
        if min_value > max_value:
            raise ValueError(
                f'{self.kind} "{name}": min_value must be <= max_value, received '
                f"min_value={min_value}, max_value={max_value}."
            )
        if sampling != "linear" and min_value <= 0:
            raise ValueError(
                f'{self.kind} "{name}": sampling="{sampling}" needs min_value > 0, received '
                f"min_value={min_value}. Use sampling='linear' or a positive lower bound."
            )
        if step is not None and step <= 0:
            raise ValueError(f'{self.kind} "{name}": step must be > 0, received step={step}.')
        if step is not None and sampling != "linear" and step <= 1:
            raise ValueError(
                f'{self.kind} "{name}": with sampling="{sampling}" the step multiplies '
                f"consecutive values, so it must be > 1; received step={step}."
            )
        self.min_value, self.max_value = min_value, max_value
        self.step, self.sampling = step, sampling
        if default is not None and not min_value <= default <= max_value:
            raise ValueError(
                f'{self.kind} "{name}": default must lie in [{min_value}, {max_value}], '
                f"received default={default}."
            )

    @property
    def default(self) -> Any:
        return self.min_value if self._default is None else self._default

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "min_value": self.min_value,
            "max_value": self.max_value,
            "step": self.step,
            "sampling": self.sampling,
        }

    def describe(self) -> str:
        step = f", step {self.step}" if self.step is not None else ""
        return f"[{self.min_value:.6g}, {self.max_value:.6g}] {self.sampling}{step}"

    # -- the coordinate in which the sampling is uniform (used by coarse-to-fine) --------------
    def to_coordinate(self, value: float) -> float:
        """Map a value to the axis on which this hyperparameter is sampled uniformly."""
        if self.sampling == "log":
            return math.log(value)
        if self.sampling == "reverse_log":
            return -math.log(max(self.max_value + self.min_value - value, 1e-300))
        return float(value)

    def from_coordinate(self, c: float) -> float:
        if self.sampling == "log":
            return math.exp(c)
        if self.sampling == "reverse_log":
            return self.max_value + self.min_value - math.exp(-c)
        return c

    def _stepped_values(self) -> list:
        """The values of a stepped range: additive for linear, multiplicative for log."""
        lo, hi, step = self.min_value, self.max_value, self.step
        if self.sampling == "linear":
            n = int(math.floor((hi - lo) / step + 1e-9))
            return [lo + k * step for k in range(n + 1)]
        n = int(math.floor(math.log(hi / lo) / math.log(step) + 1e-9))
        powers = [lo * step**k for k in range(n + 1)]
        if self.sampling == "log":
            return powers
        return [hi + lo - p for p in powers]

    def grid_values(self) -> list:
        if self.step is None:
            raise ValueError(
                f'GridSearch cannot enumerate {self.kind} "{self.name}" in '
                f"[{self.min_value}, {self.max_value}] with sampling={self.sampling!r} and no "
                f"step. Pass step= (e.g. {self.kind}(..., step=...)) or use hp.Choice."
            )
        return _default_first(self._clean(self._stepped_values()), self.default)

    def _clean(self, values: list) -> list:
        return values


class Int(Numerical):
    """An integer in ``[min_value, max_value]`` (both included).

    Args:
        name: unique name of the hyperparameter.
        min_value: lower bound, included.
        max_value: upper bound, included.
        step: with linear sampling the distance between values (``None`` means 1); with
            log or reverse_log sampling the factor between values (``None``: any integer).
        sampling: ``"linear"``, ``"log"`` or ``"reverse_log"``.
        default: the value used outside a search; ``min_value`` when ``None``.

    Example:
        >>> Int("units", 6, 13, step=3).grid_values()
        [6, 9, 12]
        >>> Int("batch", 2, 32, step=2, sampling="log").grid_values()
        [2, 4, 8, 16, 32]
    """

    kind = "Int"

    def __init__(
        self,
        name: str,
        min_value: int,
        max_value: int,
        step: int | None = None,
        sampling: str = "linear",
        default: int | None = None,
        conditions: Any = (),
    ) -> None:
        min_value = _check_int(name, "min_value", min_value)
        max_value = _check_int(name, "max_value", max_value)
        if step is not None:
            step = _check_int(name, "step", step)
        elif str(sampling).lower() == "linear":
            step = 1
        if default is not None:
            default = _check_int(name, "default", default)
        super().__init__(name, min_value, max_value, step, sampling, default, conditions)

    def _clean(self, values: list) -> list:
        return [int(round(v)) for v in values]

    def suggest(self, trial: Any, grid: bool = False) -> int:
        if grid:
            return trial.suggest_categorical(self.name, self.grid_values())
        lo, hi = self.min_value, self.max_value
        if self.sampling == "linear":
            high = lo + (hi - lo) // self.step * self.step
            return int(trial.suggest_int(self.name, lo, high, step=self.step))
        if self.step is not None:
            return int(trial.suggest_categorical(self.name, self.grid_values()))
        if self.sampling == "log":
            return int(trial.suggest_int(self.name, lo, hi, log=True))
        # reverse_log: u is log-uniform on [lo, hi + 1); hi + 1 + lo - u lies in (lo, hi + 1].
        u = trial.suggest_float(self.name, lo, hi + 1, log=True)
        return int(min(hi, max(lo, math.floor(hi + 1 + lo - u))))


class Float(Numerical):
    """A float in ``[min_value, max_value]``.

    Args:
        name: unique name of the hyperparameter.
        min_value: lower bound.
        max_value: upper bound.
        step: with linear sampling the distance between values; with log or reverse_log
            sampling the factor between values; ``None`` for a continuous range.
        sampling: ``"linear"``, ``"log"`` (learning rates, weight decay) or ``"reverse_log"``
            (values near ``max_value``, e.g. a momentum of 0.9-0.999).
        default: the value used outside a search; ``min_value`` when ``None``.

    Example:
        >>> Float("lr", 1e-3, 10, step=10, sampling="log").grid_values()
        [0.001, 0.01, 0.1, 1.0, 10.0]
        >>> Float("dropout", 0.0, 0.5, step=0.25).grid_values()
        [0.0, 0.25, 0.5]
    """

    kind = "Float"

    def __init__(
        self,
        name: str,
        min_value: float,
        max_value: float,
        step: float | None = None,
        sampling: str = "linear",
        default: float | None = None,
        conditions: Any = (),
    ) -> None:
        step = None if step is None else float(step)
        default = None if default is None else float(default)
        super().__init__(
            name, float(min_value), float(max_value), step, sampling, default, conditions
        )

    def _clean(self, values: list) -> list:
        # 12 significant digits: 0.1 * 3 is listed as 0.3, not 0.30000000000000004.
        return [min(self.max_value, max(self.min_value, float(f"{v:.12g}"))) for v in values]

    def suggest(self, trial: Any, grid: bool = False) -> float:
        if grid:
            return trial.suggest_categorical(self.name, self.grid_values())
        lo, hi = self.min_value, self.max_value
        if self.step is not None:
            if self.sampling != "linear":
                return float(trial.suggest_categorical(self.name, self.grid_values()))
            n = math.floor((hi - lo) / self.step + 1e-9)
            value = trial.suggest_float(self.name, lo, lo + n * self.step, step=self.step)
            return self._clean([value])[0]
        if self.sampling == "linear":
            return float(trial.suggest_float(self.name, lo, hi))
        u = trial.suggest_float(self.name, lo, hi, log=True)
        return float(u) if self.sampling == "log" else float(min(hi, max(lo, hi + lo - u)))


class Choice(HyperParameter):
    """One of ``values`` (all of one type: int, float, str or bool).

    Args:
        name: unique name of the hyperparameter.
        values: the possible values.
        ordered: whether the values are ordered; ``True`` for numbers by default, and it must
            be ``False`` for strings and booleans.
        default: the value used outside a search; ``values[0]`` when ``None``.

    Example:
        >>> Choice("activation", ["relu", "tanh"]).default
        'relu'
    """

    def __init__(
        self,
        name: str,
        values: Any,
        ordered: bool | None = None,
        default: Any = None,
        conditions: Any = (),
    ) -> None:
        super().__init__(name, default, conditions)
        values = list(values) if values is not None else []
        if not values:
            raise ValueError(
                f'Choice "{name}": values must be a non-empty list, received {values}.'
            )
        types = {type(v) for v in values}
        if len(types) > 1:
            raise TypeError(
                f'Choice "{name}": all values must have one type, received {values} with types '
                f"{sorted(t.__name__ for t in types)}."
            )
        if not isinstance(values[0], (bool, int, float, str)):
            raise TypeError(
                f'Choice "{name}": values must be int, float, str or bool, received '
                f"{type(values[0]).__name__} ({values[0]!r})."
            )
        if default is not None and default not in values:
            raise ValueError(
                f'Choice "{name}": default must be one of the values {values}, received '
                f"default={default!r}."
            )
        numeric = isinstance(values[0], (int, float)) and not isinstance(values[0], bool)
        if ordered and not numeric:
            raise ValueError(f'Choice "{name}": ordered=True needs numeric values, got {values}.')
        self.values = values
        self.ordered = numeric if ordered is None else bool(ordered)

    @property
    def default(self) -> Any:
        return self.values[0] if self._default is None else self._default

    def get_config(self) -> dict:
        return {**super().get_config(), "values": list(self.values), "ordered": self.ordered}

    def describe(self) -> str:
        return f"{self.values}"

    def grid_values(self) -> list:
        return _default_first(list(self.values), self.default)

    def suggest(self, trial: Any, grid: bool = False) -> Any:
        return trial.suggest_categorical(self.name, self.values)


class Boolean(HyperParameter):
    """True or False.

    Example:
        >>> Boolean("batch_norm").grid_values()
        [False, True]
    """

    def __init__(self, name: str, default: bool = False, conditions: Any = ()) -> None:
        if not isinstance(default, bool):
            raise TypeError(f'Boolean "{name}": default must be a bool, received {default!r}.')
        super().__init__(name, default, conditions)

    def describe(self) -> str:
        return "[False, True]"

    def grid_values(self) -> list:
        return [self.default, not self.default]

    def suggest(self, trial: Any, grid: bool = False) -> bool:
        return bool(trial.suggest_categorical(self.name, [False, True]))


class Fixed(HyperParameter):
    """A constant that is recorded with the trial but not tuned.

    Example:
        >>> Fixed("epochs", 5).default
        5
    """

    tunable = False

    def __init__(
        self, name: str, value: Any = None, conditions: Any = (), default: Any = None
    ) -> None:
        value = default if value is None else value
        if not isinstance(value, (bool, int, float, str)):
            raise TypeError(
                f'Fixed "{name}": value must be int, float, str or bool, received '
                f"{type(value).__name__}."
            )
        super().__init__(name, value, conditions)
        self.value = value

    def get_config(self) -> dict:
        config = super().get_config()
        config["value"] = config.pop("default")
        return config

    def describe(self) -> str:
        return repr(self.value)

    def grid_values(self) -> list:
        return [self.value]

    def suggest(self, trial: Any, grid: bool = False) -> Any:
        return self.value


TYPES = {cls.__name__: cls for cls in (Int, Float, Choice, Boolean, Fixed)}


def serialize(hp: HyperParameter) -> dict:
    """``{"class_name": ..., "config": ...}``: JSON-safe and read back by :func:`deserialize`."""
    return {"class_name": type(hp).__name__, "config": hp.get_config()}


def deserialize(config: dict) -> HyperParameter:
    name = config.get("class_name")
    if name not in TYPES:
        raise ValueError(f"Unknown hyperparameter class {name!r}; expected one of {sorted(TYPES)}.")
    return TYPES[name].from_config(dict(config["config"]))


def _check_int(name: str, arg: str, value: Any) -> int:
    if isinstance(value, bool) or int(value) != value:
        raise ValueError(
            f'Int "{name}": {arg} must be an integer, received {arg}={value!r} '
            f"({type(value).__name__})."
        )
    return int(value)
